"""The integer row keys of core.http_cache (migrations 019-020) and core.articles (021) change no answer.

http_cache: real URLs (the links of the feeds in tests/data/feeds) are fetched, fetched again with
other validators, and half of them a third time beside new ones, as article pages and index pages;
after each batch the table holds one row per URL, the last written, and every key is its URL's.
articles: the 630 real texts of the near-duplicate set loaded in batches; which of a batch's ids are
stored is what comparing the ids says, with rows that other writers leave without a key too.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pyarrow as pa
import pytest

from conftest import ROOT
from parsers.model import Document
from parsers.pipeline import Batch, CrawlState, Sighting
from tests.test_story_candidates import _articles
from warehouse import crawl, db, load, schemas

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


def _stored(con, ids: list[str]) -> set[str]:
    """The comparison of ids, as before migration 021."""
    con.register("wanted", pa.table({"id": pa.array(ids, pa.string())}))
    try:
        query = "SELECT w.id FROM wanted w SEMI JOIN core.articles a ON a.article_id = w.id"
        return {r[0] for r in con.execute(query).fetchall()}
    finally:
        con.unregister("wanted")


def test_known_articles_are_those_the_ids_say(tmp_path):
    con = db.connect(tmp_path / "tw.primary.duckdb")
    articles = _articles()
    ids = [a.article_id for a in articles]
    for lo in range(0, 400, 100):
        batch = articles[lo : lo + 100]
        assert load.known_article_ids(con, ids[lo : lo + 150]) == _stored(con, ids[lo : lo + 150])
        load.load(con, "r", Batch("s", batch, [Sighting(a.url, a.article_id, a.source_id) for a in batch]))
        assert load.known_article_ids(con, ids[lo : lo + 150]) == set(ids[lo : lo + 100])
    keys = con.execute(
        "SELECT article_id, article_key, md5_number_lower(article_id) FROM core.articles"
    ).fetchall()
    assert len(keys) == 400 and all(k == sql == schemas.md5_lower(i) for i, k, sql in keys)
    # a writer that leaves the key out (bench.alert_step writes history rows so): still found
    con.execute(
        "INSERT INTO core.articles (article_id, content_hash, source_id, url, clean_text, raw_text, run_id, loaded_at)"
        " SELECT article_id || 'x', content_hash, source_id, url, clean_text, raw_text, run_id, loaded_at"
        " FROM core.articles LIMIT 1"
    )
    (extra,) = con.execute("SELECT article_id FROM core.articles WHERE article_key IS NULL").fetchone()
    assert load.known_article_ids(con, [extra, *ids[500:510]]) == {extra}
    con.close()
