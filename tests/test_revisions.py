"""Revisions of official notices: a real notice page, edited on a real local server between two runs.

The notice is GACC/MARA's real announcement banning cattle from Cambodia (tests/data/alerts); its
second version on the server drops item 四 (a withdrawn item: every word left is the notice's own).
The server honours ETag like a real site; alerts go to a real webhook receiver.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from parsers.model import Article
from parsers.revisions import Snapshot, compare
from test_alert_sources import CAMBODIA_NOTICE
from test_alerts import receiver  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("prefect_server")
NOTICE = CAMBODIA_NOTICE.read_text(encoding="utf-8")
WITHDRAWN = next(line for line in NOTICE.splitlines() if line.startswith("四、"))
EDITED = NOTICE.replace(WITHDRAWN + "\n", "")
FAST = {"timeout": 1.5, "total_timeout": 5.0, "backoff": 0.2, "max_retry_after": 5.0}


class Notices:
    """An official site: a feed listing one notice page, both answering If-None-Match with 304."""

    def __init__(self, server: HTTPServer) -> None:
        self.server, self.page, self.version, self.honours_etag = server, NOTICE, "v1", True
        self.conditional: list[str | None] = []
        link = server.url_for("/notices/cambodia.txt")
        self.feed = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>GACC</title>'
            f"<item><title>Notice</title><link>{link}</link><pubDate>Mon, 05 Jul 2021 15:23:00 +0800</pubDate>"
            "</item></channel></rss>"
        ).encode()
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        server.expect_request("/feed.xml").respond_with_handler(self.serve_feed)
        server.expect_request("/notices/cambodia.txt").respond_with_handler(self.serve_notice)

    def edit(self, text: str) -> None:
        self.page, self.version = text, f"v{int(self.version[1:]) + 1}"

    def serve_feed(self, request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"feed"':
            return Response(status=304, headers={"ETag": '"feed"'})
        return Response(self.feed, content_type="application/rss+xml", headers={"ETag": '"feed"'})

    def serve_notice(self, request: Request) -> Response:
        asked = request.headers.get("If-None-Match")
        self.conditional.append(asked)
        etag = f'"{self.version}"'
        if self.honours_etag and asked == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(self.page.encode(), content_type="text/plain; charset=utf-8", headers={"ETag": etag})


@pytest.fixture
def site() -> Iterator[Notices]:
    with HTTPServer(host="127.0.0.1", port=0, threaded=True) as server:
        yield Notices(server)


def registry(tmp_path: Path, site: Notices) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f"""[defaults]
user_agent = "tradewire-test/1 (+mailto:test@example.org)"
min_interval = 0.05
[[source]]
id = "gacc-notices"
name = "GACC notices"
kind = "feed"
url = "{site.server.url_for("/feed.xml")}"
parser = "text"
language = "zh"
official = true
local = true
""",
        encoding="utf-8",
    )
    return path


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_an_edited_notice_gets_a_revision_and_one_amended_alert(receiver, site, tmp_path, monkeypatch):  # noqa: F811
    from flows.ingest import ingest

    monkeypatch.setenv("TRADEWIRE_REVISION_HOURS", "0")  # re-check at every run
    sources, db = registry(tmp_path, site), tmp_path / "tw.duckdb"

    def run():  # type: ignore[no-untyped-def]
        return ingest(sources=str(sources), db_path=str(db), fetch_options=FAST)

    run()
    assert [m["title"] for m in receiver.messages] == [
        "New customs measure: General Administration of Customs"
    ]
    run()  # unchanged: the page answers 304 to the stored ETag
    assert site.conditional == [None, '"v1"']
    assert rows(db, "SELECT count(*) FROM article_revisions") == [(0,)] and len(receiver.messages) == 1

    site.edit(EDITED)
    run()
    [(article_id, revision, changed, diff)] = rows(
        db, "SELECT article_id, revision, changed, diff FROM article_revisions"
    )
    assert rows(db, "SELECT article_id FROM articles") == [(article_id,)]  # a revision, not a new article
    assert (revision, changed) == (1, ["text"])
    assert f"-{WITHDRAWN}" in diff.splitlines() and diff.startswith("--- revision 0\n+++ revision 1")
    assert rows(db, "SELECT count(*) FROM article_revisions WHERE diff LIKE '%柬埔寨交通运输工具%'") == [(1,)]
    amended = receiver.messages[1:]
    assert (
        len(amended) == 1
        and amended[0]["title"] == "Amended customs notice: General Administration of Customs"
    )
    assert (
        f"-{WITHDRAWN}" in amended[0]["message"] and "Revision 1 of http://127.0.0.1" in amended[0]["message"]
    )
    assert rows(db, "SELECT kind, revision, status, sources FROM alerts WHERE kind = 'amended'") == [
        ("amended", 1, "delivered", 1)
    ]

    run()  # unchanged again (304): nothing
    site.honours_etag = False
    run()  # a server that ignores validators sends the same body: the same hash adds nothing
    assert site.conditional[-2:] == ['"v2"', '"v2"']
    assert rows(db, "SELECT count(*) FROM article_revisions") == [(1,)] and len(receiver.messages) == 2


def test_revisions_are_off_outside_the_window(receiver, site, tmp_path, monkeypatch):  # noqa: F811
    from flows.ingest import ingest

    monkeypatch.setenv("TRADEWIRE_REVISION_DAYS", "0")
    sources, db = registry(tmp_path, site), tmp_path / "tw.duckdb"
    ingest(sources=str(sources), db_path=str(db), fetch_options=FAST)
    site.edit(EDITED)
    ingest(sources=str(sources), db_path=str(db), fetch_options=FAST)
    assert site.conditional == [None]  # never asked again
    assert rows(db, "SELECT count(*) FROM article_revisions") == [(0,)] and len(receiver.messages) == 1


def _article(text: str, **fields: object) -> Article:
    from parsers.stories.hashing import content_hash

    base = {
        "source_id": "s",
        "url": "u",
        "title": "t",
        "raw_text": text,
        "paragraphs": (),
        "clean_text": text,
    }
    return Article(**{**base, "content_hash": content_hash(text), **fields})  # type: ignore[arg-type]


def test_compare_names_what_changed():
    old = Snapshot("a1", 0, "t", NOTICE, _article(NOTICE).content_hash, {"published_at": None, "language": "en",
                   "date_text": None, "author": None, "agency": None})  # fmt: skip
    now = datetime(2026, 12, 2)
    assert compare(old, _article(NOTICE), "u", "s", now, True) is None
    retitled = compare(old, _article(NOTICE, title="公告"), "u", "s", now, True)
    assert retitled and retitled.changed == ("title",) and "+公告" in retitled.diff
    redated = compare(old, _article(NOTICE, date_text="2021年7月5日"), "u", "s", now, True)
    assert (
        redated
        and redated.changed == ("metadata",)
        and '"date_text": [null, "2021年7月5日"]' in (redated.metadata or "")
    )
    edited = compare(old, _article(EDITED), "u", "s", now, True)
    assert edited and edited.changed == ("text",) and edited.revision == 1
