"""Opening the warehouse and migrating its schema: numbered SQL files recorded in a table."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_DB = Path("data") / "tradewire.duckdb"


class WarehouseError(RuntimeError):
    """The database cannot be opened or migrated."""


@dataclass(frozen=True)
class Migration:
    """One numbered schema change, `migrations/NNN_name.sql`."""

    version: int
    name: str
    sql: str


def default_db_path() -> Path:
    """`$TRADEWIRE_DB`, else `data/tradewire.duckdb` under the working directory."""
    return Path(os.environ.get("TRADEWIRE_DB") or DEFAULT_DB)


def migrations() -> list[Migration]:
    """All migrations shipped with the package, in order."""
    found = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        match = re.fullmatch(r"(\d{3})_(\w+)\.sql", path.name)
        if not match:
            raise WarehouseError(f"migration file name must be NNN_name.sql: {path.name}")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text(encoding="utf-8")))
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations not yet recorded in `schema_migrations`; return their versions."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP DEFAULT now())"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for migration in migrations():
        if migration.version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [migration.version, migration.name],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"migration {migration.version:03d}_{migration.name} failed: {exc}") from exc
        applied.append(migration.version)
    return applied


def connect(path: Path | str | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (":memory:" for tests); a writable one is migrated to the latest schema."""
    target = str(path) if path is not None else str(default_db_path())
    if target != ":memory:" and not read_only:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open {target}: {exc}") from exc
    if not read_only:
        migrate(con)
    return con
