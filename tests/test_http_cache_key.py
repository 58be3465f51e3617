"""core.http_cache looked up by url_key (migrations 019-020): the rows are those of the delete by URL.

Real URLs (the links of the feeds in tests/data/feeds) are fetched, fetched again with other
validators, and half of them a third time beside new ones, as article pages and index pages; after
each batch the table holds one row per URL, the last written, and every key is its URL's.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from conftest import ROOT
from parsers.model import Document
from parsers.pipeline import CrawlState
from warehouse import crawl, db, load

URLS = sorted({u for p in (ROOT / "tests/data/feeds").iterdir() for u in re.findall(r"https?://[^\s\"'<>]+", p.read_text(encoding="utf-8", errors="replace"))})  # fmt: skip


def _documents(urls: list[str], round_: int) -> list[Document]:
    at = datetime(2026, 3, 1) + timedelta(hours=round_)
    return [
        Document("s", u, b"", at, status=200 if (i + round_) % 4 else 304, etag=f'"{round_}-{i}"',
                 last_modified=None if i % 3 else "Mon, 02 Mar 2026 08:00:00 GMT", sha256=f"{round_:02d}{i:062d}")
        for i, u in enumerate(urls)
    ]  # fmt: skip


def _rows(con) -> list[tuple[object, ...]]:
    return con.execute("SELECT * EXCLUDE (url_key) FROM core.http_cache ORDER BY url").fetchall()


def test_the_rows_are_those_of_the_delete_by_url(tmp_path):
    assert len(URLS) >= 40
    con = db.connect(tmp_path / "tw.primary.duckdb")
    half = URLS[: len(URLS) // 2]
    rounds = [(URLS, ()), (URLS, half[:5]), (half, URLS[-5:])]  # (article pages, index pages)
    expected: dict[str, tuple[object, ...]] = {}
    for n, (pages, index) in enumerate(rounds):
        state = CrawlState(tuple(_documents(pages, n)), tuple(_documents(list(index), n + 10)))
        with load.transaction(con):
            crawl.record(con, "s", state)
        for kind, docs in (("article", state.fetched), ("index", state.index_pages)):
            for d in docs:
                expected[d.url] = (
                    d.url,
                    "s",
                    kind,
                    d.status,
                    d.etag,
                    d.last_modified,
                    d.sha256,
                    d.fetched_at,
                )
        assert _rows(con) == sorted(expected.values())
        assert con.execute(
            "SELECT count(*) FROM core.http_cache WHERE url_key <> md5_number_lower(url)"
        ).fetchone() == (0,)
    con.close()


def test_a_row_without_its_key_is_refused(tmp_path):
    con = db.connect(tmp_path / "tw.primary.duckdb")
    with pytest.raises(Exception, match="NOT NULL"):
        con.execute(
            "INSERT INTO core.http_cache (url, source_id, kind, status, fetched_at) VALUES ('u', 's', 'article', 200, now())"
        )
    con.close()
