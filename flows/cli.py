"""The `tradewire` command line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="tradewire: trade news into DuckDB.")

DbOption = Annotated[Optional[Path], typer.Option("--db", help="DuckDB file [env TRADEWIRE_DB; default data/tradewire.duckdb]")]


@app.callback()
def _root() -> None:
    """tradewire: Chinese trade and supply-chain news, fetched on a schedule into DuckDB."""


def _quiet_prefect() -> None:
    """Defaults for a clean console: no telemetry calls from a machine that is offline."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@app.command()
def ingest(
    db: DbOption = None,
    sources: Annotated[Optional[Path], typer.Option("--sources", help="registry file [default seeds/sources.toml]")] = None,
    profile: Annotated[str, typer.Option(help="registry profile to run")] = "default",
    source: Annotated[Optional[list[str]], typer.Option("--source", help="only these source ids")] = None,
) -> None:
    """Fetch, clean, deduplicate, classify and load every enabled source of the registry."""
    _quiet_prefect()
    from flows.ingest import ingest as ingest_flow
    from flows.summary import format_summary

    summary = ingest_flow(sources=str(sources) if sources else None, db_path=str(db) if db else None,
                          profile=profile, only=source)
    typer.echo("")
    typer.echo(format_summary(summary))


def main() -> None:
    """Entry point of the `tradewire` console script."""
    app()
