"""Exports for analysts: every view to Parquet (articles and their topics partitioned by month)."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Views partitioned by the month of the article (published, else loaded).
_BY_MONTH = {
    "articles": "SELECT *, strftime(coalesce(published_at, loaded_at), '%Y-%m') AS month FROM articles",
    "article_topics": (
        "SELECT t.*, strftime(coalesce(a.published_at, a.loaded_at), '%Y-%m') AS month"
        " FROM article_topics t JOIN articles a USING (article_id)"
    ),
}


def analyst_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The views of the `main` schema, i.e. what analysts query."""
    rows = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal ORDER BY 1"
    ).fetchall()
    return [row[0] for row in rows]


def export_parquet(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, int]:
    """Write every analyst view under `directory`; return the rows written per view."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for view in [*analyst_views(con), "ingest_runs"]:
        target = str(directory / view).replace("'", "''")
        if view in _BY_MONTH:
            con.execute(
                f"COPY ({_BY_MONTH[view]}) TO '{target}' (FORMAT parquet, PARTITION_BY (month), OVERWRITE)"
            )
        else:
            con.execute(f"COPY (SELECT * FROM {view}) TO '{target}.parquet' (FORMAT parquet)")
        row = con.execute(f"SELECT count(*) FROM {view}").fetchone()
        counts[view] = int(row[0]) if row else 0
    return counts
