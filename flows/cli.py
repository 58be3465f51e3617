"""The `tradewire` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="DuckDB file [env TRADEWIRE_DB; default data/tradewire.duckdb]")
]


@app.callback()
def _root() -> None:
    """tradewire: Chinese trade and supply-chain news, fetched on a schedule into DuckDB."""


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command()
def ingest(
    db: DbOption = None,
    sources: Annotated[
        Path | None, typer.Option("--sources", help="registry file [default seeds/sources.toml]")
    ] = None,
    profile: Annotated[str, typer.Option(help="registry profile to run")] = "default",
    source: Annotated[list[str] | None, typer.Option("--source", help="only these source ids")] = None,
) -> None:
    """Fetch, clean, deduplicate, classify and load every enabled source of the registry."""
    from parsers.registry import RegistryError, load_registry
    from parsers.topics import RulesError, load_rules
    from warehouse.db import WarehouseError, connect, default_db_path

    db_path = db or default_db_path()
    try:  # check what the user gave before starting a flow run, so mistakes read as one line
        selected = load_registry(sources).select(profile, tuple(source or ()))
        load_rules()
        connect(db_path).close()
    except (RegistryError, RulesError, WarehouseError) as exc:
        _fail(str(exc))
    if not selected:
        _fail(f"no enabled source in profile {profile!r}")
    from flows.ingest import ingest as ingest_flow
    from flows.runtime import prefect_api
    from flows.summary import format_summary

    with prefect_api():
        summary = ingest_flow(
            sources=str(sources) if sources else None, db_path=str(db_path), profile=profile, only=source
        )
    typer.echo("")
    typer.echo(format_summary(summary))


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run (read-only)")],
    db: DbOption = None,
) -> None:
    """Run a read-only SQL query on the warehouse and print the result as a table."""
    import duckdb

    from warehouse.db import WarehouseError, connect, default_db_path

    path = db or default_db_path()
    if not Path(path).exists():
        _fail(f"no database at {path}: run `tradewire ingest` first")
    try:
        with connect(path, read_only=True) as con:
            con.sql(query).show(max_width=200, max_rows=100)
    except (duckdb.Error, WarehouseError) as exc:
        _fail(str(exc))


def main() -> None:
    """Entry point of the `tradewire` console script."""
    app()
