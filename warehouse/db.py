"""Opening the warehouse and migrating its schema: numbered SQL files recorded in a table."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from warehouse.lake import LakeConfig

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


def lake_config() -> LakeConfig | None:
    """The DuckLake configured by `TRADEWIRE_CATALOG` / `TRADEWIRE_LAKE_DATA`, or None (one DuckDB file)."""
    from warehouse import lake

    return lake.config()


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
        if migration.version not in done:
            apply_migration(con, migration, migration.sql)
            applied.append(migration.version)
    return applied


def apply_migration(con: duckdb.DuckDBPyConnection, migration: Migration, sql: str) -> None:
    """Run one migration's `sql` and record it, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        if sql.strip():  # a migration can be empty in one dialect (see warehouse/lake_sql.py)
            con.execute(sql)
        con.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [migration.version, migration.name]
        )
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise WarehouseError(f"migration {migration.version:03d}_{migration.name} failed: {exc}") from exc


def connect(
    path: Path | str | None = None, read_only: bool = False, migrate_first: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (":memory:" for tests); a writable one is migrated to the latest schema.

    With `TRADEWIRE_CATALOG` set (see `lake_config`), any path but ":memory:" opens the DuckLake instead.
    """
    target = str(path) if path is not None else str(default_db_path())
    lake_cfg = lake_config() if target != ":memory:" else None
    if lake_cfg is not None:  # the warehouse is the DuckLake; `path` is not used
        from warehouse import lake

        return lake.connect(lake_cfg, read_only)
    return open_file(target, read_only, migrate_first)


def open_file(
    target: Path | str, read_only: bool = False, migrate_first: bool = True
) -> duckdb.DuckDBPyConnection:
    """One DuckDB file (never the lake), migrated to the latest schema when writable unless told not to."""
    target = str(target)
    if target != ":memory:" and not read_only:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open {target}: {exc}") from exc
    if not read_only and migrate_first:
        migrate(con)
    return con


# --- One writer, many readers -------------------------------------------------------------
# DuckDB lets one process open a file read-write, or many read-only, never both. Analysts keep
# sessions open for hours, so runs never write the file analysts open: they write a primary file
# beside it (`x.primary.duckdb`) under an exclusive lock that a second run waits for, then publish
# a consistent copy atomically (copy, fsync, rename). An open analyst session keeps reading the
# snapshot it opened; the next connection sees the new one.


def primary_path(published: Path) -> Path:
    """The file runs write, beside the published file analysts read."""
    return published.with_name(published.stem + ".primary" + published.suffix)


@contextmanager
def write_lock(published: Path, timeout: float = 3600.0) -> Iterator[None]:
    """Hold the warehouse's write lock, waiting up to `timeout` seconds for another run to release it."""
    published.parent.mkdir(parents=True, exist_ok=True)
    with open(published.with_name(published.name + ".lock"), "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseError(
                        f"another run has held the write lock on {published} for {timeout:.0f} s"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def writer(published: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated read-write connection holding the write lock, for one-off use (tools, tests).

    A run opens its `warehouse.handle.Warehouse` once instead and takes a session per write.
    """
    from warehouse.handle import Settings, Warehouse

    with Warehouse(Settings.from_env(published)).session(migrate=True) as con:
        yield con


def run_query(con: duckdb.DuckDBPyConnection, query: str) -> tuple[list[str], list[tuple[object, ...]]]:
    """An analyst's query: its column names and rows; any DuckDB error as a WarehouseError."""
    try:
        result = con.execute(query)
        return [d[0] for d in result.description or []], result.fetchall()
    except duckdb.Error as exc:
        raise WarehouseError(str(exc)) from exc


MAX_STALE = 6 * 3600.0  # seconds: republish at least this often, so ingest_runs and source_health stay fresh


def published_is_stale(published: Path | str) -> bool:
    """Whether the analysts' copy is missing or older than MAX_STALE."""
    path = Path(published)
    return not path.exists() or time.time() - path.stat().st_mtime > MAX_STALE


def publish(published: Path | str) -> None:
    """Atomically replace the analysts' file with a checkpointed copy of the primary.

    A no-op on DuckLake: every commit is a snapshot analysts see when they attach the lake read-only.
    """
    if lake_config() is not None:
        return
    published = Path(published)
    with write_lock(published):
        primary = primary_path(published)
        with duckdb.connect(str(primary)) as con:
            con.execute("CHECKPOINT")
        staging = published.with_name(f".{published.name}.{os.getpid()}.tmp")
        shutil.copyfile(primary, staging)
        with open(staging, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(staging, published)
