"""Annexes end to end: a real HTTP server on 127.0.0.1 serves two notices with their annexes (PDF, XLSX and
bad files); one ingest run stores the annexes' text in `attachments`, their HS codes and places in
`measures`, each bad annex as a failure row, and both notices as articles. Search finds words of an
annex; `reparse` rebuilds the same annexes from the raw archive with the server gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer

import annex_files as files

pytestmark = pytest.mark.usefixtures("prefect_server")
FAST = {"timeout": 1.5, "total_timeout": 5.0, "backoff": 0.2, "max_retry_after": 5.0}
MAX_BYTES = 300_000
BAD_NOTICE = [
    "海关总署公告2024年第13号（关于公布进境水果指定监管场地名单的公告）",
    "根据进境水果检验检疫监督管理办法，现将进境水果指定监管场地名单予以公布。",
    "名单及说明见附件，请各有关单位遵照执行。",
    "本公告自发布之日起实施。",
]
BAD_ANNEXES = {
    "/files/encrypted.pdf": ("1.场地名单（加密）", files.pdf(["名单"], password="s3cret"), "encrypted PDF"),
    "/files/cut.xlsx": ("2.场地名单.xlsx", files.cut_off(files.annex2_xlsx()), "corrupt file"),
    "/files/bomb.xlsx": ("3.场地明细.xlsx", files.zip_bomb_xlsx(), "zip bomb refused"),
    "/files/huge.pdf": ("4.图册", b"%PDF-1.7\n" + bytes(400_000), f"body exceeds {MAX_BYTES} bytes"),
    "/files/bundle.zip": ("5.打包下载", files.archive_of_files(), "unsupported format"),
    "/files/gone.pdf": ("6.已撤回", None, "HTTP 404"),
}


def rss(base: str) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link>"
        "<pubDate>Fri, 19 Jan 2024 10:00:00 +0800</pubDate></item>"
        for path, title in (
            ("/notice/12.html", files.NOTICE_PARAGRAPHS[0]),
            ("/notice/13.html", BAD_NOTICE[0]),
        )
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>公告</title>{items}</channel></rss>'


@pytest.fixture
def site() -> Iterator[HTTPServer]:
    with HTTPServer(host="127.0.0.1", port=0, threaded=True) as server:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        server.expect_request("/feed.xml").respond_with_data(
            rss(server.url_for("").rstrip("/")), content_type="application/rss+xml"
        )
        good = [
            ("/files/P020240119.pdf", "1.允许进口的柑橘类水果清单"),
            ("/files/P020240119.xlsx", "2.指定入境口岸"),
        ]
        html = "text/html; charset=utf-8"
        server.expect_request("/notice/12.html").respond_with_data(files.notice_page(good), content_type=html)
        bad_page = files.notice_page([(p, label) for p, (label, _, _) in BAD_ANNEXES.items()], BAD_NOTICE)
        server.expect_request("/notice/13.html").respond_with_data(bad_page, content_type=html)
        octets = "application/octet-stream"  # what government servers send for annexes
        server.expect_request(good[0][0]).respond_with_data(files.annex1_pdf(), content_type=octets)
        server.expect_request(good[1][0]).respond_with_data(files.annex2_xlsx(), content_type=octets)
        for path, (_, body, _) in BAD_ANNEXES.items():
            if body is None:
                server.expect_request(path).respond_with_data("not found", status=404)
            else:
                server.expect_request(path).respond_with_data(body, content_type=octets)
        yield server


def registry(tmp_path: Path, server: HTTPServer) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f"""
[defaults]
user_agent = "tradewire-test/1 (+mailto:test@example.org)"
min_interval = 0.01
[[source]]
id = "gacc-notices"
name = "Customs announcements"
kind = "feed"
url = "{server.url_for("/feed.xml")}"
parser = "html"
language = "zh"
local = true
official = true          # attachments default to true for official sources
issuer = "General Administration of Customs"
max_bytes = {MAX_BYTES}
""",
        encoding="utf-8",
    )
    return path


def rows(db: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query).fetchall()


def test_annexes_text_codes_and_failures_after_one_ingest_and_again_after_reparse(tmp_path, site):
    from flows.ingest import ingest
    from flows.reparse import reparse

    sources, db = registry(tmp_path, site), tmp_path / "tw.duckdb"
    summary = ingest(sources=str(sources), db_path=str(db), fetch_options=FAST)
    titles = [t for (t,) in rows(db, "SELECT title FROM articles ORDER BY url")]
    assert titles == [files.NOTICE_PARAGRAPHS[0], BAD_NOTICE[0]]  # the notice with bad annexes loads too

    annexes = rows(db, "SELECT file_name, media_type, text, bytes, title FROM attachments ORDER BY url")
    assert [(name, kind.split("/")[1][:14]) for name, kind, *_ in annexes] == [
        ("P020240119.pdf", "pdf"),
        ("P020240119.xlsx", "vnd.openxmlfor"),
    ]
    assert "1 0805100000 鲜橙 南非" in annexes[0][2] and "1\t0805400000\t鲜葡萄柚\t大连" in annexes[1][2]
    assert annexes[0][3] == len(files.annex1_pdf()) and annexes[0][4] == files.NOTICE_PARAGRAPHS[0]

    measures = rows(db, "SELECT hs_codes, places, text FROM measures WHERE title LIKE '%第12号%'")
    codes = {c for hs, _, _ in measures for c in hs}
    assert {*files.ANNEX1_CODES, *files.ANNEX2_CODES} <= codes
    assert any("Dalian" in places for _, places, _ in measures)

    failed = dict(rows(db, "SELECT url, reason FROM failures WHERE stage = 'attachment'"))
    for path, (_, _, reason) in BAD_ANNEXES.items():
        url = site.url_for(path)
        assert reason in failed.get(url, ""), (path, failed.get(url))
        assert failed[url].startswith(f"annex of {site.url_for('/notice/13.html')}: ")
    assert len(failed) == len(BAD_ANNEXES) and summary.failed == len(BAD_ANNEXES)
    assert {p for p in BAD_ANNEXES if p != "/files/gone.pdf"} <= {r.path for r, _ in site.log}
    assert not {"/guide.pdf", "/privacy.pdf"} & {r.path for r, _ in site.log}  # navigation and footer

    found = rows(db, "SELECT count(*) FROM attachments")
    site.stop()  # reparse reads the raw archive only
    reparse(sources=str(sources), db_path=str(db))
    assert (
        rows(db, "SELECT file_name, media_type, text, bytes, title FROM attachments ORDER BY url") == annexes
    )
    assert rows(db, "SELECT count(*) FROM attachments") == found
    assert {*files.ANNEX1_CODES, *files.ANNEX2_CODES} <= {
        c for (hs,) in rows(db, "SELECT hs_codes FROM measures") for c in hs
    }


def test_search_finds_an_article_by_words_of_its_annex(tmp_path, site):
    from typer.testing import CliRunner

    from flows.cli import app
    from flows.ingest import ingest

    ingest(sources=str(registry(tmp_path, site)), db_path=str(tmp_path / "tw.duckdb"), fetch_options=FAST)
    result = CliRunner().invoke(
        app, ["search", "citrus fruit admitted", "--json", "--db", str(tmp_path / "tw.duckdb")]
    )
    assert result.exit_code == 0, result.output
    assert '"matched_in": "P020240119.pdf"' in result.output and "notice/12.html" in result.output
