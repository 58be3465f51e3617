"""Options and the error exit shared by the `tradewire` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

DbOption = Annotated[
    Path | None, typer.Option("--db", help="DuckDB file [env TRADEWIRE_DB; default data/tradewire.duckdb]")
]


def fail(message: str) -> NoReturn:
    """Print `message` as an error and exit with status 2."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)
