"""docs/schema.md, generated from the comments on the warehouse's views and columns."""

from __future__ import annotations

import duckdb

HEADER = """# tradewire warehouse schema

Generated from the database's own comments by `tradewire schema --write docs/schema.md`; do not
edit by hand (a test fails when this file and the migrations drift). Analysts query these views
(and the `ingest_runs` table); base tables live in the `core` schema.
"""


def documented_objects(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None]]:
    """(name, comment) of every analyst view and table in `main`, views first."""
    rows = con.execute(
        """
        SELECT view_name, comment, 0 FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal
        UNION ALL
        SELECT table_name, comment, 1 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name <> 'schema_migrations'
        ORDER BY 3, 1
        """
    ).fetchall()
    return [(name, comment) for name, comment, _ in rows]


def columns(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, str, str | None]]:
    """(column, type, comment) of one view or table, in order."""
    return con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns()"
        " WHERE schema_name = 'main' AND table_name = ? AND NOT internal ORDER BY column_index",
        [name],
    ).fetchall()


def undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Views, tables and columns without a comment (should be none)."""
    missing = [name for name, comment in documented_objects(con) if not comment]
    for name, _ in documented_objects(con):
        missing += [f"{name}.{col}" for col, _, comment in columns(con, name) if not comment]
    return missing


def render(con: duckdb.DuckDBPyConnection) -> str:
    """The schema as Markdown."""
    parts = [HEADER]
    for name, comment in documented_objects(con):
        parts += [
            f"\n## `{name}`\n",
            f"{comment or ''}\n",
            "| column | type | meaning |",
            "| --- | --- | --- |",
        ]
        parts += [
            f"| `{col}` | {dtype} | {(text or '').replace('|', '/')} |"
            for col, dtype, text in columns(con, name)
        ]
    return "\n".join(parts) + "\n"
