"""The run's one handle on the warehouse: built once from settings, migrated once, a session per write.

A run (ingest, reparse) builds a `Warehouse` once: which warehouse it is (one DuckDB file, or the
DuckLake named by `TRADEWIRE_CATALOG`) is read from the environment here, once, and the schema is
migrated here, once. Each stage then opens a `session()`: the write lock (a file lock, or the lake's
PostgreSQL advisory lock) and a connection, closed at the end. The lock is held per session, so
overlapping runs take turns per batch instead of waiting for each other's end. The handle is a
small picklable value: a worker process rebuilds an equal one from it.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse import db, lake
from warehouse.lake import LakeConfig


@dataclass(frozen=True)
class Settings:
    """Where the warehouse is: the published file (with the raw archive beside it), or a DuckLake."""

    published: Path
    lake: LakeConfig | None = None

    @classmethod
    def from_env(cls, db_path: Path | str | None = None) -> Settings:
        """`db_path` (else `$TRADEWIRE_DB`, else data/tradewire.duckdb) and the lake, if one is configured."""
        return cls(Path(db_path) if db_path else db.default_db_path(), lake.config())


@dataclass
class Warehouse:
    """One run's warehouse: migrated when opened; `session()` for every write; `opens` counts them."""

    settings: Settings
    opens: int = field(default=0, compare=False)
    _count: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @classmethod
    def open(cls, db_path: Path | str | None = None, settings: Settings | None = None) -> Warehouse:
        """The warehouse of `settings` (default: from the environment), migrated to the latest schema."""
        handle = cls(settings or Settings.from_env(db_path))
        with handle.session(migrate=True):
            pass
        return handle

    @property
    def path(self) -> Path:
        """The published file analysts open; the raw archive lives beside it (on the lake too)."""
        return self.settings.published

    @property
    def on_lake(self) -> bool:
        """Whether the warehouse is a DuckLake (commits visible at once, no published copy, no FTS)."""
        return self.settings.lake is not None

    @contextmanager
    def session(self, migrate: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection holding the write lock, closed (and the lock released) on exit."""
        with self._count:
            self.opens += 1
        if self.settings.lake is not None:
            with lake.writer(self.settings.lake, migrate_first=migrate) as con:
                yield con
            return
        with db.write_lock(self.path):
            primary = db.primary_path(self.path)
            if not primary.exists() and self.path.exists():
                shutil.copyfile(self.path, primary)  # adopt a warehouse published before the primary existed
            con = db.open_file(primary, migrate_first=migrate)
            try:
                yield con
            finally:
                con.close()

    def __getstate__(self) -> dict[str, object]:
        return {"settings": self.settings, "opens": self.opens}  # a lock does not pickle

    def __setstate__(self, state: dict[str, object]) -> None:
        self.settings, self.opens, self._count = state["settings"], state["opens"], threading.Lock()  # type: ignore[assignment]
