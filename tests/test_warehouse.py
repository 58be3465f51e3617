from datetime import datetime

import pytest

from batches import load_rows
from parsers.model import Article, Failure, TopicScore
from parsers.pipeline import Sighting
from warehouse import db, load, runs


def article(text: str, url: str = "https://example.org/a", source: str = "s1") -> Article:
    from parsers.stories.hashing import content_hash

    return Article(
        source_id=source,
        url=url,
        title="A title",
        raw_text=text,
        paragraphs=(text,),
        clean_text=text,
        content_hash=content_hash(text),
        published_at=datetime(2020, 3, 25, 10, 14),
        date_source="text",
        topics=(TopicScore("customs", 0.9, ("customs clearance×3",)),),
    )


def test_migrations_are_recorded_once(con):
    versions = [row[0] for row in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [m.version for m in db.migrations()]
    assert db.migrate(con) == []  # already at the latest schema


def test_loading_twice_stores_one_row(con):
    a = article("Customs clearance was eased at Dalian port.")
    first = load_rows(con, "r1", [a], [Sighting(a.url, a.article_id, a.source_id)], [])
    second = load_rows(con, "r2", [a], [Sighting(a.url, a.article_id, a.source_id)], [])
    assert first.new_article_ids == (a.article_id,)
    assert second.new_article_ids == ()
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM article_topics").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM core.sightings").fetchone()[0] == 1


def test_same_text_under_two_urls_is_one_article_seen_twice(con):
    a = article("Same release text.", url="https://a.example/1")
    b = article("Same release text.", url="https://b.example/2", source="s2")
    sightings = [Sighting(x.url, x.article_id, x.source_id) for x in (a, b)]
    load_rows(con, "r1", [a, b], sightings, [])
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert sorted(r[0] for r in con.execute("SELECT url FROM core.sightings").fetchall()) == [a.url, b.url]


def test_views_expose_the_documented_columns(con):
    a = article("Text.")
    load_rows(con, "r1", [a], [], [Failure("s1", "file:///x.bin", "parse", "binary content")])
    row = con.execute(
        "SELECT article_id, source_id, url, title, published_at, clean_text, raw_text FROM articles"
    ).fetchone()
    assert row == (a.article_id, "s1", a.url, "A title", datetime(2020, 3, 25, 10, 14), "Text.", "Text.")
    assert con.execute("SELECT topic, score, evidence FROM article_topics").fetchone() == (
        "customs",
        0.9,
        ["customs clearance×3"],
    )
    assert con.execute("SELECT source_id, url, stage, reason FROM failures").fetchone() == (
        "s1",
        "file:///x.bin",
        "parse",
        "binary content",
    )


def test_a_failed_batch_leaves_nothing_behind(con):
    a = article("Text that must not half-load.")
    bad = Failure("s1", "u", "parse", None)  # type: ignore[arg-type]  # NOT NULL reason -> the insert fails
    with pytest.raises(Exception, match="NOT NULL"):
        load_rows(con, "r1", [a], [Sighting(a.url, a.article_id, "s1")], [bad])
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM core.sightings").fetchone()[0] == 0


def test_run_bookkeeping(con):
    runs.start_run(con, "r1", "default", "seeds/sources.toml", None)
    runs.finish_run(con, "r1", "completed", 5, 5, 0, 0)
    assert con.execute("SELECT status, found, new FROM ingest_runs").fetchone() == ("completed", 5, 5)


def test_known_article_ids(con):
    a = article("Known text.")
    load_rows(con, "r1", [a], [], [])
    assert load.known_article_ids(con, [a.article_id, "0" * 16]) == {a.article_id}
