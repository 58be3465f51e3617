"""Every analyst view on a warehouse built from the seeds by a real ingest run, and the schema docs."""

from datetime import date

import duckdb
import pytest

from conftest import ROOT
from warehouse import db
from warehouse.schema_doc import render, undocumented


@pytest.fixture(scope="module")
def con(seeded_db):
    with duckdb.connect(str(seeded_db), read_only=True) as connection:
        yield connection


def one(con, sql):
    return con.execute(sql).fetchone()


def test_articles_and_topics(con):
    assert one(con, "SELECT count(*), count(story_id), count(DISTINCT canonical_url) FROM articles") == (
        5,
        5,
        5,
    )
    assert one(con, "SELECT count(DISTINCT article_id) FROM article_topics") == (5,)
    assert one(
        con, "SELECT min(score) > 0, max(score) < 1, bool_and(len(evidence) > 0) FROM article_topics"
    ) == (True, True, True)


def test_stories(con):
    assert one(con, "SELECT count(*), sum(articles), sum(copies) FROM stories") == (5, 5, 5)
    title = one(
        con,
        "SELECT s.title = a.title FROM stories s JOIN articles a ON a.article_id = s.representative_id LIMIT 1",
    )
    assert title == (True,)


def test_measures_and_customs_measures(con):
    per_article = dict(con.execute("SELECT left(title, 20), count(*) FROM measures GROUP BY ALL").fetchall())
    assert sorted(per_article.values()) == [4, 4, 4, 6]
    assert one(con, "SELECT count(*) FROM customs_measures") == (6,)
    assert one(con, "SELECT count(DISTINCT issuing_body) FROM customs_measures") == (2,)


def test_alerts_wait_when_no_destination_is_configured(con):
    rows = con.execute("SELECT status, last_error FROM alerts").fetchall()
    assert len(rows) == 6 and {r[0] for r in rows} == {"pending"}
    assert all("no alert destination configured" in r[1] for r in rows)


def test_source_health(con):
    row = con.execute(
        "SELECT source_id, last_success IS NOT NULL, last_new_item IS NOT NULL, failure_rate, stale, canary"
        " FROM source_health"
    ).fetchall()
    assert row == [("seed-press", True, True, 0.0, False, None)]


def test_topic_daily(con):
    total = one(con, "SELECT count(*) FROM article_topics")[0]
    assert one(con, "SELECT sum(articles) FROM topic_daily") == (total,)
    assert (date(2020, 3, 25), "customs", 1) in con.execute("SELECT * FROM topic_daily").fetchall()


def test_data_quality(con):
    row = con.execute(
        "SELECT articles, dates_from_text, date_null_rate, title_from_first_sentence_rate, duplicate_rate,"
        " extraction_failures FROM data_quality WHERE source_id = 'seed-press'"
    ).fetchone()
    # 001 has a full date and 000 a date without a year (both from the text); 000 has no headline.
    assert row == (5, 0.4, 0.8, 0.2, 0.0, 0)


def test_failures_and_runs(con):
    assert one(con, "SELECT count(*) FROM failures") == (0,)
    assert one(con, "SELECT count(*) >= 1, bool_and(status = 'completed') FROM ingest_runs") == (True, True)


def test_every_view_and_column_is_documented():
    with db.connect(":memory:") as memory:
        assert undocumented(memory) == []


def test_docs_schema_md_matches_the_migrations():
    with db.connect(":memory:") as memory:
        expected = render(memory)
    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == expected, (
        "docs/schema.md is stale: run `tradewire schema --write docs/schema.md`"
    )
