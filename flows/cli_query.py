"""The analyst's commands: schema, sql, search, export (read-only on the published warehouse)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli_options import DbOption, fail

if TYPE_CHECKING:
    import duckdb


def schema(
    write: Annotated[
        Path | None, typer.Option("--write", help="write the Markdown here instead of printing it")
    ] = None,
) -> None:
    """Print (or write) the warehouse schema documentation, generated from the views' comments."""
    from warehouse.db import connect
    from warehouse.schema_doc import render

    with connect(":memory:") as con:
        text = render(con)
    if write:
        write.write_text(text, encoding="utf-8")
        typer.echo(f"written to {write}")
    else:
        typer.echo(text, nl=False)


def open_read_only(db: Path | None) -> duckdb.DuckDBPyConnection:
    """The published warehouse (or the DuckLake), read-only; a clear error if there is none yet."""
    from warehouse.db import WarehouseError, connect, default_db_path, lake_config

    path = db or default_db_path()
    if lake_config() is None and not Path(path).exists():
        fail(f"no database at {path}: run `tradewire ingest` first")
    try:
        return connect(path, read_only=True)
    except WarehouseError as exc:
        fail(str(exc))


def sql(
    query: Annotated[str, typer.Argument(help="SQL to run (read-only)")],
    db: DbOption = None,
    csv: Annotated[bool, typer.Option("--csv", help="print CSV")] = False,
    json: Annotated[bool, typer.Option("--json", help="print one JSON object per row")] = False,
) -> None:
    """Run a read-only SQL query on the warehouse; prints a table, CSV or JSON lines."""
    from flows.output import print_rows
    from warehouse.db import WarehouseError, run_query

    with open_read_only(db) as con:
        try:
            columns, rows = run_query(con, query)
        except WarehouseError as exc:
            fail(str(exc))
    print_rows(columns, rows, "csv" if csv else "json" if json else "table")


def search(
    query: Annotated[str, typer.Argument(help="words to search for in titles, texts and annexes (BM25)")],
    topic: Annotated[str | None, typer.Option(help="only articles with this topic")] = None,
    since: Annotated[
        datetime | None,
        typer.Option(help="only articles published on or after DATE (undated ones are left out)"),
    ] = None,
    limit: Annotated[int, typer.Option(help="at most this many results")] = 20,
    json: Annotated[bool, typer.Option("--json", help="print one JSON object per result")] = False,
    db: DbOption = None,
) -> None:
    """Full-text search of the warehouse, best match first."""
    from flows.output import print_rows
    from warehouse.db import WarehouseError
    from warehouse.search import search as run_search

    with open_read_only(db) as con:
        try:
            hits = run_search(con, query, topic, since, limit)
        except WarehouseError as exc:
            fail(str(exc))
    columns = ["score", "title", "published_at", "topics", "url", "article_id", "matched_in"]
    rows = [
        (round(h.score, 3), h.title, h.published_at, h.topics, h.url, h.article_id, h.attachment or "article")
        for h in hits
    ]
    print_rows(columns, rows, "json" if json else "table")


def export(
    directory: Annotated[Path, typer.Argument(help="folder to write into")],
    format: Annotated[str, typer.Option("--format", help="only parquet for now")] = "parquet",
    db: DbOption = None,
) -> None:
    """Export every analyst view to Parquet files (articles and topics partitioned by month)."""
    from warehouse.export import export_parquet

    if format != "parquet":
        fail(f"unsupported format {format!r}: use parquet")
    with open_read_only(db) as con:
        counts = export_parquet(con, directory)
    for view, count in counts.items():
        typer.echo(f"{view:<20} {count:>8} rows")
    typer.echo(f"written to {directory}")


def register(app: typer.Typer) -> None:
    """Add these commands to the `tradewire` app."""
    for command in (schema, sql, search, export):
        app.command()(command)
