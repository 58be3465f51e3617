"""The warehouse on DuckLake: a PostgreSQL catalog, Parquet data files, the same tables and views.

Chosen when `TRADEWIRE_CATALOG` is set (`TRADEWIRE_LAKE_DATA`: where the Parquet files go). The same
numbered migrations run through `warehouse.lake_sql.ducklake_sql`; writers are serialised by a
PostgreSQL advisory lock held while the writer is open, because DuckLake does not see two anti-join
inserts of one article as a conflict. Why and how, with the measurements: docs/ducklake.md.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, apply_migration, migrations, write_lock
from warehouse.extensions import extension_directory, load_extension
from warehouse.lake_sql import ducklake_sql, view_names

ENV_CATALOG = "TRADEWIRE_CATALOG"
ENV_DATA = "TRADEWIRE_LAKE_DATA"
ALIAS = "lake"
LOCK_KEY = 0x74726164  # "trad": advisory locks are per database, so one key per catalog database
LOCK_TIMEOUT = 3600.0  # seconds a writer waits for another one, as for the file lock

SCHEMA_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMP DEFAULT now())"
)


@dataclass(frozen=True)
class LakeConfig:
    """Where the lake's catalog and data files are."""

    catalog: str  # `postgres:<libpq connection string>`, or the path of a DuckDB catalog file
    data_path: str | None  # directory or object-store prefix for the Parquet files

    @property
    def postgres(self) -> str | None:
        """The libpq connection string of a PostgreSQL catalog, else None."""
        return self.catalog.removeprefix("postgres:") if self.catalog.startswith("postgres:") else None

    @property
    def catalog_file(self) -> Path | None:
        """The DuckDB file of a local catalog, else None."""
        return None if self.postgres is not None else Path(self.catalog)

    def attach_sql(self, read_only: bool = False) -> str:
        """The ATTACH statement (analysts: the same with `READ_ONLY` and an alias of their own)."""
        options = ["READ_ONLY"] if read_only else []
        if self.data_path and not read_only:
            options.append(f"DATA_PATH {_quote(self.data_path)}")
        suffix = f" ({', '.join(options)})" if options else ""
        return f"ATTACH {_quote('ducklake:' + self.catalog)} AS {ALIAS}{suffix}"


def config() -> LakeConfig | None:
    """The lake configured by the environment, or None for the single-file warehouse."""
    catalog = os.environ.get(ENV_CATALOG, "").strip()
    data = os.environ.get(ENV_DATA, "").strip() or None
    if not catalog:
        if data:
            raise WarehouseError(f"{ENV_DATA} is set but {ENV_CATALOG} is not: set both to use DuckLake")
        return None
    if re.match(r"(sqlite|mysql):", catalog):
        raise WarehouseError(
            f"{ENV_CATALOG}: only postgres:... or a DuckDB file are supported, not {catalog!r}"
        )
    if data and "://" not in data:  # a local or mounted folder: the same absolute path on every worker
        data = str(Path(data).resolve()) + "/"
    return LakeConfig(catalog, data)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _duckdb(cfg: LakeConfig) -> duckdb.DuckDBPyConnection:
    directory = extension_directory()
    directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "extension_directory": str(directory)},
    )
    try:
        load_extension(con, "ducklake")
        if cfg.postgres is not None:
            load_extension(con, "postgres_scanner")
    except BaseException:
        con.close()
        raise
    return con


def open_lake(cfg: LakeConfig, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose default catalog is the attached lake (not migrated, no lock)."""
    if not read_only and cfg.data_path and "://" not in cfg.data_path:
        Path(cfg.data_path).mkdir(parents=True, exist_ok=True)
    if cfg.catalog_file is not None and not read_only:
        cfg.catalog_file.parent.mkdir(parents=True, exist_ok=True)
    con = _duckdb(cfg)
    try:
        con.execute(cfg.attach_sql(read_only))
        con.execute(f"USE {ALIAS}")
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"cannot attach the lake {cfg.catalog!r}: {exc}") from exc
    return con


# --- Migrations: the same files, in DuckLake's dialect (`warehouse.lake_sql`) -----------------


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """`db.migrate` for the lake (call it under `lock`): the same migrations through `ducklake_sql`."""
    con.execute(SCHEMA_MIGRATIONS)
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    views: set[str] = set()
    for migration in migrations():
        earlier = frozenset(views)
        views |= view_names(migration.sql)
        if migration.version in done:
            continue
        try:
            sql = ducklake_sql(migration.sql, earlier)
        except WarehouseError as exc:
            raise WarehouseError(f"migration {migration.version:03d}_{migration.name}: {exc}") from exc
        apply_migration(con, migration, sql)
        applied.append(migration.version)
    return applied


# --- One writer at a time, across machines --------------------------------------------------
# A new DuckDB with both extensions loaded costs about 0.3 s, ten times a 200-row load. So each
# process keeps one DuckDB per PostgreSQL-catalog lake, with the lake attached, and every writer is
# a cursor on it (its own transactions, temp tables and registered views); the lock is a second
# cursor's PostgreSQL transaction. A writer that fails drops that DuckDB (a lost PostgreSQL
# connection is not reused); a forked child makes its own. A DuckDB-file catalog can be open in
# one process only, so there each writer gets a fresh DuckDB, closed at the end.


class _Instance:
    def __init__(self, cfg: LakeConfig) -> None:
        self.con = _duckdb(cfg)
        self.pid = os.getpid()
        if cfg.postgres is not None:  # the catalog database itself, for the advisory lock
            try:
                self.con.execute(f"ATTACH {_quote(cfg.postgres)} AS lake_lock (TYPE postgres)")
            except duckdb.Error as exc:
                self.con.close()
                raise WarehouseError(f"cannot reach the lake's catalog {cfg.postgres!r}: {exc}") from exc


_instances: dict[LakeConfig, _Instance] = {}
_guard = threading.Lock()


def _shared(cfg: LakeConfig) -> _Instance:
    with _guard:
        instance = _instances.get(cfg)
        if instance is None or instance.pid != os.getpid():
            instance = _instances[cfg] = _Instance(cfg)
        return instance


def _discard(cfg: LakeConfig, instance: _Instance) -> None:
    with _guard:
        if _instances.get(cfg) is instance:
            del _instances[cfg]  # closed once its last cursor is gone


@contextmanager
def _advisory_lock(instance: _Instance, libpq: str, timeout: float) -> Iterator[None]:
    with _guard:
        holder = instance.con.cursor()
    try:
        holder.execute("BEGIN TRANSACTION")  # one PostgreSQL transaction on one connection until COMMIT
        holder.execute(
            "CALL postgres_execute('lake_lock', ?)",
            [f"SET LOCAL lock_timeout = '{max(1, int(timeout * 1000))}ms'"],
        )
        holder.execute("CALL postgres_execute('lake_lock', ?)", [f"SELECT pg_advisory_xact_lock({LOCK_KEY})"])
    except duckdb.Error as exc:
        holder.close()
        if "lock timeout" in str(exc):
            raise WarehouseError(f"another writer has held the lake's lock for {timeout:.0f} s") from None
        raise WarehouseError(f"cannot take the lake's lock in {libpq!r}: {exc}") from exc
    try:
        yield
    finally:
        try:
            holder.execute("COMMIT")  # releases the transaction-scoped advisory lock
        finally:
            holder.close()  # a connection that is gone has released it already


@contextmanager
def lock(cfg: LakeConfig, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the lake's write lock: a PostgreSQL advisory lock, or a file lock for a local catalog."""
    if cfg.postgres is None:
        assert cfg.catalog_file is not None
        with write_lock(cfg.catalog_file, timeout):
            yield
        return
    instance = _shared(cfg)
    try:
        with _advisory_lock(instance, cfg.postgres, timeout):
            yield
    except BaseException:
        _discard(cfg, instance)
        raise


def connect(cfg: LakeConfig, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The lake in a DuckDB of its own; a writable one is migrated (under the lock) to the latest schema."""
    if read_only:
        return open_lake(cfg, read_only=True)
    with lock(cfg):
        con = open_lake(cfg)
        try:
            migrate(con)
        except BaseException:
            con.close()
            raise
    return con


@contextmanager
def writer(cfg: LakeConfig, migrate_first: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the lake holding its write lock (migrated first unless told not to); closed on exit."""
    if cfg.postgres is None:
        with lock(cfg):
            con = open_lake(cfg)
            try:
                if migrate_first:
                    migrate(con)
                yield con
            finally:
                con.close()
        return
    instance = _shared(cfg)
    try:
        with _advisory_lock(instance, cfg.postgres, LOCK_TIMEOUT):
            with _guard:
                con = instance.con.cursor()
            try:
                if cfg.data_path and "://" not in cfg.data_path:
                    Path(cfg.data_path).mkdir(parents=True, exist_ok=True)
                try:
                    con.execute(cfg.attach_sql().replace("ATTACH ", "ATTACH IF NOT EXISTS ", 1))
                except duckdb.Error as exc:
                    raise WarehouseError(f"cannot attach the lake {cfg.catalog!r}: {exc}") from exc
                con.execute(f"USE {ALIAS}")
                if migrate_first:
                    migrate(con)
                yield con
            finally:
                con.close()
    except BaseException:
        _discard(cfg, instance)
        raise
