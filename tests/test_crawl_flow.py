"""The ingest flow crawling a real HTTP server on 127.0.0.1 that serves real pages with injected faults.

After every fault the run completes, the failure is a row with its reason, and what was stored
before stays. A second run over an unchanged server only revalidates the index; `reparse` rebuilds
the same articles from the raw archive with the server gone.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from conftest import ROOT

pytestmark = pytest.mark.usefixtures("prefect_server")
PAGES = sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz"))
FAST = {"timeout": 1.5, "total_timeout": 5.0, "backoff": 0.2, "max_retry_after": 5.0}


def rss(base: str, paths: list[str]) -> str:
    items = "".join(
        f"<item><title>Item {p}</title><link>{base}{p}</link><pubDate>Tue, 03 Mar 2020 0{i % 9}:00:00 +0800</pubDate></item>"
        for i, p in enumerate(paths)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


class Site:
    """A small news site: a feed with an ETag, article pages, and switchable faults."""

    def __init__(self, server: HTTPServer, articles: list[str], faults: dict[str, str]) -> None:
        self.server, self.faults, self.hits = server, faults, {}  # type: ignore[var-annotated]
        self.honours_etag = True
        self.pages = {
            p: gzip.decompress(PAGES[i % len(PAGES)].read_bytes()) for i, p in enumerate([*articles, *faults])
        }
        self.feed = rss(server.url_for("").rstrip("/"), [*articles, *faults]).encode()
        server.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
        server.expect_request("/feed.xml").respond_with_handler(self.serve_feed)
        server.expect_request("/bomb.xml").respond_with_data(BOMB, content_type="application/rss+xml")
        server.expect_request("/broken.xml").respond_with_data(
            b"<rss><channel><item><title>x</ite", content_type="application/rss+xml"
        )
        for path in [*articles, *faults]:
            server.expect_request(path).respond_with_handler(self.serve_page)

    def serve_feed(self, request: Request) -> Response:
        if self.honours_etag and request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(self.feed, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    def serve_page(self, request: Request) -> Response:
        path = request.path
        self.hits[path] = self.hits.get(path, 0) + 1
        fault, first = self.faults.get(path), self.hits[path] == 1
        if fault == "500-once" and first:
            return Response("oops", status=500)
        if fault == "429-once" and first:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        if fault == "slow":
            time.sleep(3)
        if fault == "loop":
            return Response(status=302, headers={"Location": path})
        if fault == "elsewhere":
            return Response(status=302, headers={"Location": "http://news.other-host.example/x.html"})
        if fault == "huge":
            return Response((b"<p>" + b"x" * 65_536 for _ in range(800)), content_type="text/html")  # 52 MB
        body = self.pages.get(path) or gzip.decompress(PAGES[-1].read_bytes())
        return Response(body, content_type="text/html; charset=utf-8")

    def paths(self) -> list[str]:
        return [request.path for request, _ in self.server.log]


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]><rss><channel><title>&lol3;</title></channel></rss>'
)


def registry(tmp_path: Path, server: HTTPServer, extra: str = "") -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f"""
[defaults]
user_agent = "tradewire-test/1 (+mailto:test@example.org)"
min_interval = 0.05
[[source]]
id = "local-news"
name = "Local news feed"
kind = "feed"
url = "{server.url_for("/feed.xml")}"
parser = "html"
local = true
max_bytes = 1000000
{extra}""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with HTTPServer(
        host="127.0.0.1", port=0, threaded=True
    ) as httpserver:  # a slow page must not stall the rest
        yield httpserver


def ingest(sources: Path, db: Path):  # type: ignore[no-untyped-def]
    from flows.ingest import ingest as ingest_flow

    return ingest_flow(sources=str(sources), db_path=str(db), fetch_options=FAST)


def failures(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            url.rsplit("/", 1)[-1]: reason
            for url, reason in con.execute("SELECT url, reason FROM failures").fetchall()
        }


def test_every_fault_becomes_a_failure_row_and_good_pages_load(server, tmp_path):
    faults = {
        "/news/flaky.html": "500-once", "/news/busy.html": "429-once", "/news/slow.html": "slow",
        "/news/loop.html": "loop", "/news/away.html": "elsewhere", "/news/huge.html": "huge",
        "/private/secret.html": "robots",
    }  # fmt: skip
    site = Site(server, ["/news/a.html"], faults)
    bad_feeds = f"""
[[source]]
id = "bomb"
name = "Entity bomb"
kind = "feed"
url = "{server.url_for("/bomb.xml")}"
parser = "html"
local = true
[[source]]
id = "broken"
name = "Malformed XML"
kind = "feed"
url = "{server.url_for("/broken.xml")}"
parser = "html"
local = true
[[source]]
id = "not-local"
name = "Loopback without local = true"
kind = "feed"
url = "{server.url_for("/feed.xml")}"
parser = "html"
"""
    db = tmp_path / "tw.duckdb"
    summary = ingest(registry(tmp_path, server, bad_feeds), db)

    counts = {s.source_id: s for s in summary.sources}
    assert counts["local-news"].new == 3  # a, flaky (retried), busy (waited)
    assert summary.status == "partial"
    rows = failures(db)
    assert "timed out" in rows["slow.html"].lower() or "timeout" in rows["slow.html"].lower()
    assert "redirect" in rows["loop.html"].lower()
    assert "other-host.example" in rows["away.html"]
    assert "cut off" in rows["huge.html"]
    assert "robots.txt" in rows["secret.html"]
    assert "/private/secret.html" not in site.paths()  # never requested
    assert "entit" in rows["bomb.xml"].lower()
    assert rows["broken.xml"]
    assert "loopback" in rows["feed.xml"] and "not local" in rows["feed.xml"]
    with duckdb.connect(str(db), read_only=True) as con:
        titles = {r[0] for r in con.execute("SELECT title FROM articles").fetchall()}
        assert len(titles) == 3
        dated = con.execute("SELECT count(*) FROM articles WHERE date_source IS NOT NULL").fetchone()[0]
        assert dated == 3


def test_second_run_on_an_unchanged_server_only_revalidates_the_feed(server, tmp_path):
    site = Site(server, ["/news/a.html", "/news/b.html", "/news/c.html"], {})
    sources, db = registry(tmp_path, server), tmp_path / "tw.duckdb"
    assert ingest(sources, db).new == 3
    first = len(server.log)

    again = ingest(sources, db)
    requests = server.log[first:]
    assert [r.path for r, _ in requests] == ["/feed.xml"]  # robots.txt is kept for a day (RFC 9309)
    feed_request, feed_response = requests[0]
    assert feed_request.headers.get("If-None-Match") == '"v1"' and feed_response.status_code == 304
    assert (again.new, again.found) == (0, 0)  # nothing fetched, nothing reparsed
    assert site.hits == {"/news/a.html": 1, "/news/b.html": 1, "/news/c.html": 1}


def test_stale_validators_are_caught_by_the_body_hash(server, tmp_path):
    site = Site(server, ["/news/a.html", "/news/b.html"], {})
    sources, db = registry(tmp_path, server), tmp_path / "tw.duckdb"
    ingest(sources, db)
    site.honours_etag = False  # from now on: always 200 with the same ETag, whatever the body
    assert ingest(sources, db).found == 0  # same body, same hash: nothing parsed
    site.feed = rss(
        server.url_for("").rstrip("/"), ["/news/a.html", "/news/b.html", "/news/new.html"]
    ).encode()
    server.expect_request("/news/new.html").respond_with_handler(site.serve_page)
    server.clear_log()
    result = ingest(sources, db)  # the ETag is unchanged but the body hash differs
    assert sorted(r.path for r, _ in server.log) == ["/feed.xml", "/news/new.html"]  # robots.txt kept a day
    assert result.new == 1


def test_failed_article_is_retried_by_the_next_run(server, tmp_path):
    site = Site(server, ["/news/a.html"], {"/news/late.html": "slow"})
    sources, db = registry(tmp_path, server), tmp_path / "tw.duckdb"
    assert ingest(sources, db).new == 1
    site.faults.clear()
    assert ingest(sources, db).new == 1  # the feed is unchanged (304) but the frontier remembers
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core.frontier").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (2,)


def test_reparse_rebuilds_the_same_articles_without_the_network(server, tmp_path):
    from flows.reparse import reparse

    Site(server, ["/news/a.html", "/news/b.html"], {})
    db, sources = tmp_path / "tw.duckdb", registry(tmp_path, server)
    ingest(sources, db)
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute("SELECT article_id, url, title, clean_text FROM articles ORDER BY 1").fetchall()
    server.stop()  # no network from here on

    summary = reparse(sources=str(sources), db_path=str(db))
    assert summary.new == 2
    with duckdb.connect(str(db), read_only=True) as con:
        after = con.execute("SELECT article_id, url, title, clean_text FROM articles ORDER BY 1").fetchall()
    assert after == before


def test_reparse_twice_keeps_one_row_per_derived_fact(tmp_path):
    """Measures, topics and stories are rebuilt, not appended, by every reparse."""
    import shutil

    from conftest import SEEDS
    from flows.ingest import ingest as ingest_flow
    from flows.reparse import reparse

    shutil.copytree(SEEDS, tmp_path / "press")
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nid = "s"\nname = "s"\nkind = "files"\nurl = "press"\n', encoding="utf-8")
    db = tmp_path / "tw.duckdb"
    ingest_flow(sources=str(sources), db_path=str(db))
    query = (
        "SELECT (SELECT count(*) FROM measures), (SELECT count(*) FROM article_topics),"
        " (SELECT count(*) FROM paragraph_topics), (SELECT count(*) FROM stories), (SELECT count(*) FROM alerts)"
    )
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute(query).fetchone()
    reparse(sources=str(sources), db_path=str(db))
    reparse(sources=str(sources), db_path=str(db))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(query).fetchone() == before
    assert before[0] == 18 and before[4] == 6
