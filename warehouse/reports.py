"""Read-only queries used by run summaries."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class TopicCount:
    """Articles of one topic: new in a given run, and in the whole warehouse."""

    topic: str
    new: int
    total: int


def topic_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[TopicCount, ...]:
    """Per topic: articles first loaded by `run_id`, and all articles.

    Totals count `core.article_topics` alone: its rows are only ever inserted with their article
    (`load.insert_batch`) and deleted with it (`load.clear_articles`), and article_id is the articles'
    key, so joining every topic row with its article (a hash table of the whole history, ~0.2 s at 1M
    articles) changed nothing. Only this run's articles are joined, for the new counts.
    """
    rows = con.execute(
        "WITH fresh AS (SELECT article_id FROM core.articles WHERE run_id = $run),"
        " new AS (SELECT topic, count(*) AS n FROM core.article_topics SEMI JOIN fresh USING (article_id)"
        " GROUP BY topic),"
        " total AS (SELECT topic, count(*) AS n FROM core.article_topics GROUP BY topic)"
        " SELECT topic, coalesce(new.n, 0), total.n FROM total LEFT JOIN new USING (topic)"
        " ORDER BY total.n DESC, topic",
        {"run": run_id},
    ).fetchall()
    return tuple(TopicCount(topic, int(new), int(total)) for topic, new, total in rows)


def article_total(con: duckdb.DuckDBPyConnection) -> int:
    """All articles in the warehouse."""
    row = con.execute("SELECT count(*) FROM core.articles").fetchone()
    return int(row[0]) if row else 0


def source_health(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """The `source_health` view as a list of rows (for the run's artifact)."""
    result = con.execute("SELECT * FROM source_health ORDER BY source_id")
    columns = [d[0] for d in result.description or []]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
