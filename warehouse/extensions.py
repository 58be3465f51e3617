"""DuckDB extensions, offline: installed from their PyPI wheels (`duckdb-extension-<name>`), never downloaded."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError

ENV_EXTENSIONS = "TRADEWIRE_EXTENSION_DIR"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def extension_directory() -> Path:
    """Where DuckDB keeps the extensions installed from the wheels: beside the virtualenv."""
    return Path(os.environ.get(ENV_EXTENSIONS) or Path(sys.prefix) / "share" / "duckdb" / "extensions")


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD an extension, first INSTALLing it from its PyPI wheel (`duckdb-extension-<name>`)."""
    try:
        con.execute(f"LOAD {name}")
        return
    except duckdb.Error:
        pass
    import importlib

    module = f"duckdb_extension_{name}"
    try:
        package = Path(importlib.import_module(module).__file__ or "").parent
    except ImportError as exc:
        raise WarehouseError(f"DuckLake needs the package {module.replace('_', '-')}: {exc}") from exc
    binary = package / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not binary.exists():
        raise WarehouseError(f"no {name} extension for duckdb {duckdb.__version__} in {package}")
    con.execute(f"INSTALL {_quote(str(binary))}")
    con.execute(f"LOAD {name}")
