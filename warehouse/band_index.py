"""A key-ordered copy of `core.dedup_bands` beside the warehouse file: band look-ups without a table scan.

DuckDB joins a batch's 20k band keys with the stored bands by scanning all of them (40M rows at 1M
articles: 0.46 s per batch of 500; an ART index is not used for such a join), and reads every row of
`core.dedup_signatures` to fetch a few of them (50-85 ms at 1M). This index holds the band rows sorted
by key (`.npy`) and the signature rows sorted by article key (Arrow) next to the primary file
(`<primary>.bands/`): a base, memory-mapped, and small deltas, one per stored batch, folded into one
delta and then into the base as they grow (LSM-like). A look-up is a binary search per key: a batch's
cost no longer grows with the history.

`core.dedup_bands` stays the truth; the index is a cache checked against it at every use. Its
fingerprint is the count and the sum of the article keys of `core.dedup_signatures` (every sketched
article, bands or not) and the token of `core.band_index_state` (migration 018), read inside the
caller's transaction (5-8 ms at 1M rows): every batch stored through the index writes a new random
token in its transaction, and a rebuild writes one too, so the same articles stored again with other
texts or stories (a reparse rolled back, a restored copy) do not pass for the index's, and rows
deleted change the count. The base and each delta carry the fingerprint they lead to; the
chain of deltas reaching the warehouse's fingerprint is used (a delta of a batch that was then
rolled back is skipped), and when none does (files lost or cut short by a crash, rows deleted, a
copy of the warehouse restored, other code writing) the index is rebuilt from the tables. Used on a writable
local warehouse file only; read-only and on DuckLake the SQL join runs (warehouse.story_candidates).
The parts and their files: warehouse.band_parts.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import weakref
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from parsers.stories import neardup
from warehouse import band_parts
from warehouse.band_parts import EMPTY, SIGNATURES, Fingerprint, Part

VERSION = f"4 {neardup.NUM_PERM} {neardup.BANDS} {neardup.ROWS} {neardup.LEAD} {neardup.LEAD_BANDS}"
MAX_DELTAS = 16  # more deltas than this are folded into one
BASE_SHARE = 8  # deltas holding more than 1/8 of the base's rows are folded into the base
_FINGERPRINT = (
    "SELECT count(*), coalesce(sum(article_key), 0), coalesce((SELECT max(token) FROM core.band_index_state), 0)"
    " FROM core.dedup_signatures"
)


@dataclass(eq=False)
class BandIndex:
    """The sorted band rows of one warehouse file, as the files in `folder` hold them."""

    folder: Path
    base: Part | None = None
    deltas: list[Part] = field(default_factory=list)
    chain: list[Part] = field(default_factory=list)  # the parts valid in the current transaction
    seen: tuple[int, int, int] | None = None  # meta.json's (inode, mtime_ns, size) when read
    lock: threading.Lock = field(default_factory=threading.Lock)
    rebuilds: int = 0

    def lookup(self, con: duckdb.DuckDBPyConnection, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every stored row with one of `keys`: (its position in `keys`, its article key)."""
        with self.lock:
            self._validate(con, fingerprint(con))
            self._fold()  # here, not in `add`: what the chain holds now was committed (or is this transaction's)
            order = np.argsort(keys, kind="stable")  # sorted queries: the searches walk the files in order
            ordered = np.asarray(keys)[order]
            rows, arts = [], []
            for part in self.chain:
                query, at = band_parts.matches(part.keys, ordered)
                if len(at):
                    rows.append(order[query])
                    arts.append(np.asarray(part.arts[at]))
            if not rows:
                return np.zeros(0, np.int64), np.zeros(0, np.int64)
            return np.concatenate(rows), np.concatenate(arts)

    def members(self, article_keys: np.ndarray) -> pa.Table:
        """The signature rows of these article keys (after `lookup`, in the same transaction)."""
        with self.lock:
            wanted = np.unique(np.asarray(article_keys, np.int64))
            found = []
            for part in self.chain:  # every row of a key: an article stored twice has two, as in the table
                _, at = band_parts.matches(part.sig_keys, wanted)
                if len(at):
                    found.append(part.sigs.take(pa.array(at)))
            return pa.concat_tables(found) if found else SIGNATURES.empty_table()

    def add(self, con: duckdb.DuckDBPyConnection, signatures: pa.Table, bands: pa.Table) -> None:
        """Record the rows of a batch just stored in `con`'s transaction (its signature rows, its bands)."""
        with self.lock:
            now = fingerprint(con)
            keys_sum = sum(int(k) for k in signatures.column("article_key").to_pylist())
            before = (now[0] - signatures.num_rows, now[1] - keys_sum, now[2])
            self._reload()
            chain = self._chain_to(before)
            if chain is None:  # behind: the table, which holds the batch already, is the new base
                self._rebuild(con)
                return
            now = (now[0], now[1], new_token(con))
            keys = bands.column("key").to_numpy()
            order = np.argsort(keys, kind="stable")
            arts = bands.column("article_key").to_numpy()[order]
            sigs = signatures.cast(SIGNATURES).sort_by("article_key")
            part = Part(np.ascontiguousarray(keys[order]), np.ascontiguousarray(arts), sigs, before, now)
            self._write_deltas([*chain[1:], part])

    # --- state -------------------------------------------------------------------------------------

    def _validate(self, con: duckdb.DuckDBPyConnection, target: Fingerprint) -> None:
        """Make `chain` the parts reaching `target`, rebuilding from the table if none do."""
        self._reload()
        chain = self._chain_to(target)
        if chain is None:
            self._rebuild(con)
            chain = [self.base] if self.base is not None else None
        if chain is None:
            raise RuntimeError("band index: no base after a rebuild")
        self.chain = chain

    def _chain_to(self, target: Fingerprint) -> list[Part] | None:
        if self.base is None:
            return None
        chain, at = [self.base], self.base.after
        while at != target:  # deltas are written in order; a rolled-back one is followed by its replacement
            later = [d for d in self.deltas if d.before == at and d not in chain]
            if not later:
                return None
            chain.append(later[-1])
            at = later[-1].after
        return chain

    def _rebuild(self, con: duckdb.DuckDBPyConnection) -> None:
        """A new base from the whole table, as `con`'s transaction sees it, under a new token."""
        self.rebuilds += 1
        new_token(con)  # a warehouse without one (or one a copy shares) gets its own
        target = fingerprint(con)
        found = con.execute("SELECT key, article_key FROM core.dedup_bands ORDER BY key").fetchnumpy()
        sigs = con.execute("SELECT * FROM core.dedup_signatures ORDER BY article_key").to_arrow_table()
        keys, arts = np.asarray(found["key"], np.int64), np.asarray(found["article_key"], np.int64)
        self._write_base(Part(keys, arts, sigs.select(SIGNATURES.names).cast(SIGNATURES), EMPTY, target), [])

    def _fold(self) -> None:
        """Fold the chain's deltas into one, or into the base, once they grow."""
        assert self.base is not None
        deltas = self.chain[1:]
        rows = sum(len(d.keys) for d in deltas)
        if deltas and rows * BASE_SHARE > len(self.base.keys):
            self._write_base(band_parts.merge([self.base, *deltas]), [])
        elif len(deltas) > MAX_DELTAS:
            self._write_deltas([band_parts.merge(deltas)])

    # --- files -------------------------------------------------------------------------------------

    def _write_base(self, base: Part, deltas: list[Part]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        base.name = f"base-{secrets.token_hex(6)}"
        np.save(self.folder / f"{base.name}.keys.npy", base.keys)
        np.save(self.folder / f"{base.name}.arts.npy", base.arts)
        band_parts.write_table(self.folder / f"{base.name}.sigs.arrow", base.sigs)
        self.base = band_parts.load_base(self.folder, base.name, base.after)
        self._write_deltas(deltas)

    def _write_deltas(self, deltas: list[Part]) -> None:
        """List `deltas` (the valid chain after the base) in meta.json; others were rolled back: dropped."""
        assert self.base is not None
        for d in deltas:
            if not d.name:
                d.name = f"delta-{secrets.token_hex(6)}"
                np.savez(self.folder / f"{d.name}.npz", keys=d.keys, arts=d.arts)
                band_parts.write_table(self.folder / f"{d.name}.sigs.arrow", d.sigs)
        self.deltas = list(deltas)
        self.chain = [self.base, *deltas]
        meta = {
            "version": VERSION,
            "base": {"name": self.base.name, "after": list(self.base.after)},
            "deltas": [
                {"name": d.name, "before": list(d.before), "after": list(d.after)} for d in self.deltas
            ],
        }
        staging = self.folder / f"meta.{os.getpid()}.tmp"
        staging.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(staging, self.folder / "meta.json")
        self.seen = band_parts.stat(self.folder / "meta.json")
        listed = {self.base.name, *(d.name for d in self.deltas)}
        for old in self.folder.glob("*-*.*"):  # files nothing lists any more
            if old.name.split(".")[0] not in listed:
                old.unlink(missing_ok=True)

    def _reload(self) -> None:
        """Read meta.json again if another process (or a crash) changed it since this one last did."""
        path = self.folder / "meta.json"
        stat = band_parts.stat(path)
        if stat is None:
            self.base, self.deltas, self.seen = None, [], None
        elif stat != self.seen:
            try:
                meta = json.loads(path.read_text(encoding="utf-8"))
                if meta.get("version") != VERSION:
                    raise ValueError("made with other band parameters")
                self.base = band_parts.load_base(
                    self.folder, meta["base"]["name"], band_parts.fp(meta["base"]["after"])
                )
                self.deltas = [band_parts.load_delta(self.folder, d) for d in meta["deltas"]]
            # unreadable (a file cut short by a crash: EOFError, BadZipFile) or outdated: rebuilt by _validate
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                self.base, self.deltas = None, []
            self.seen = stat


def fingerprint(con: duckdb.DuckDBPyConnection) -> Fingerprint:
    """(count, key sum) of `core.dedup_signatures` and the band token, as `con`'s transaction sees them."""
    row = con.execute(_FINGERPRINT).fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else EMPTY


def new_token(con: duckdb.DuckDBPyConnection) -> int:
    """Write a new random band token in `con`'s transaction; return it."""
    token = secrets.randbits(62) + 1
    con.execute("DELETE FROM core.band_index_state")
    con.execute("INSERT INTO core.band_index_state VALUES ($token)", {"token": token})
    return token


_OPEN: dict[Path, BandIndex] = {}
_OPEN_LOCK = threading.Lock()


_THIS_DATABASE = """
SELECT d.path, d.type, d.readonly, EXISTS (
    SELECT 1 FROM duckdb_tables() t
    WHERE t.database_name = d.database_name AND t.schema_name = 'core' AND t.table_name = 'band_index_state'
)
FROM duckdb_databases() d WHERE d.database_name = current_database()
"""


# Per connection, its index's folder: a connection's file and mode do not change (the catalog query took
# 5 ms in a load's transaction, twice a batch, and 77 ms on a DuckLake catalog). A connection that can
# never have one (a lake, memory, read-only) is remembered too; one whose schema is before migration
# 018 is asked again (it may be migrated later).
_FOLDER_OF: weakref.WeakKeyDictionary[object, Path | None] = weakref.WeakKeyDictionary()
_UNKNOWN = Path()


def for_connection(con: duckdb.DuckDBPyConnection) -> BandIndex | None:
    """The band index of `con`'s warehouse file (one per file and process), or None off a writable local file."""
    folder = _FOLDER_OF.get(con, _UNKNOWN)
    if folder is _UNKNOWN:
        folder = _folder(con)
    if folder is None:
        return None
    _FOLDER_OF[con] = folder
    with _OPEN_LOCK:
        return _OPEN.setdefault(folder, BandIndex(folder))


def _folder(con: duckdb.DuckDBPyConnection) -> Path | None:
    row = con.execute(_THIS_DATABASE).fetchone()
    if not row or row[1] != "duckdb" or not row[0] or str(row[0]) == ":memory:" or row[2]:
        # a lake or memory has no file; a read-only session (an analyst's, a read-only disk) writes
        # no files: the SQL join, for as long as the connection lives
        _FOLDER_OF[con] = None
        return None
    if not row[3]:  # a schema before migration 018 has no token to check the files against
        return None
    return Path(str(row[0]) + ".bands").resolve()
