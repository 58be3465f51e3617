"""core.articles and core.http_cache have no key (migration 017): the loader alone keeps them unique.

DuckDB rewrote the last row group of a keyed table at every checkpoint, which held loads at about
1k rows/s; the loader's anti-joins (articles, sightings) and delete-then-insert (http_cache) keep
one row per article and per URL without it. Real press texts, prepared as the flow prepares them.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from conftest import SEEDS
from parsers.classify.topics import load_rules
from parsers.extract.press import parse_press_text
from parsers.model import Article, Document, Source
from parsers.pipeline import Batch, CrawlState, prepare
from warehouse import db, load

SOURCE = Source(id="seed-press", name="seed press", kind="files", url=str(SEEDS))
COUNTS = (
    "SELECT (SELECT count(*) FROM core.articles), (SELECT count(DISTINCT article_id) FROM core.articles),"
    " (SELECT count(*) FROM core.sightings), (SELECT count(*) FROM core.article_topics),"
    " (SELECT count(*) FROM core.http_cache), (SELECT count(DISTINCT url) FROM core.http_cache)"
)


def _batch() -> Batch:
    parsed: list[Article] = []
    for path in sorted(SEEDS.glob("*.txt")):
        article = parse_press_text(path.read_text(encoding="utf-8"), SOURCE.id, path.as_uri())
        assert article is not None
        parsed.append(article)
    batch = prepare(SOURCE, parsed, load_rules(None))
    fetched = tuple(
        Document(
            SOURCE.id,
            a.url,
            b"",
            datetime(2026, 12, 1),
            "text/plain",
            "utf-8",
            status=200,
            sha256=a.article_id,
        )
        for a in batch.articles
    )
    batch.crawl = CrawlState(fetched=fetched)
    return batch


def test_the_tables_have_no_key(con):
    keyed = con.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE schema_name = 'core' AND constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    assert {"articles", "http_cache"}.isdisjoint(name for (name,) in keyed)


def test_a_reloaded_batch_adds_no_duplicate(con):
    batch = _batch()
    first = load.load(con, "r1", batch)
    once = con.execute(COUNTS).fetchone()
    second = load.load(con, "r2", _batch())  # the same texts and URLs again, in a later run
    assert len(first.new_article_ids) == 5 and second.new_article_ids == ()
    assert con.execute(COUNTS).fetchone() == once
    assert once is not None and once[0] == once[1] == 5 and once[4] == once[5] == 5


def test_a_batch_listing_an_article_twice_stores_it_once(con):
    batch = _batch()
    batch.articles = batch.articles + batch.articles[:2]  # what two copies of one text in a batch look like
    load.load(con, "r1", batch)
    counts = con.execute(COUNTS).fetchone()
    assert counts is not None and counts[0] == counts[1] == 5


def test_an_existing_warehouse_keeps_its_rows_through_the_migration(tmp_path):
    path = tmp_path / "old.duckdb"
    with db.connect(tmp_path / "loaded.duckdb") as loaded:  # the rows a load writes
        load.load(loaded, "r1", _batch())
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
        )
        for migration in db.migrations():
            if migration.version < 17:
                db.apply_migration(con, migration, migration.sql)
        # copied into the schema of before 017, with its keys (the loader writes the columns of today's)
        con.execute(f"ATTACH '{tmp_path / 'loaded.duckdb'}' AS loaded (READ_ONLY)")
        old = con.execute(
            "SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns()"
            " WHERE database_name = current_database() AND schema_name = 'core' GROUP BY ALL"
        ).fetchall()
        for table, columns in old:
            names = ", ".join(f'"{c}"' for c in columns)
            con.execute(f"INSERT INTO core.{table} ({names}) SELECT {names} FROM loaded.core.{table}")
        con.execute("DETACH loaded")
        before = con.execute(COUNTS).fetchone()
    con = db.connect(path)  # migrates to the latest schema
    try:
        assert con.execute(COUNTS).fetchone() == before
        assert load.load(con, "r2", _batch()).new_article_ids == ()
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (5,)
    finally:
        con.close()
