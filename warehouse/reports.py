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
    """Per topic: articles first loaded by `run_id`, and all articles."""
    rows = con.execute(
        "SELECT t.topic, count(*) FILTER (WHERE a.run_id = ?), count(*)"
        " FROM core.article_topics t JOIN core.articles a USING (article_id)"
        " GROUP BY t.topic ORDER BY count(*) DESC, t.topic",
        [run_id],
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
