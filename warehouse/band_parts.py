"""The parts of a band index (warehouse.band_index) and their files: a base, deltas, their merge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from warehouse import schemas

SIGNATURES = schemas.SCHEMAS["core.dedup_signatures"]
Fingerprint = tuple[int, int, int]  # (articles sketched, sum of their keys, the warehouse's band token)
EMPTY: Fingerprint = (0, 0, 0)


@dataclass(eq=False)
class Part:
    """A base or a delta: band rows sorted by key, signature rows by article key, the states it joins."""

    keys: np.ndarray  # sorted band keys
    arts: np.ndarray  # the article key of each
    sigs: pa.Table  # the signature rows of its articles, sorted by article key
    before: Fingerprint
    after: Fingerprint
    name: str = ""

    @property
    def sig_keys(self) -> np.ndarray:
        """The article keys of `sigs`, as one array (read once)."""
        if "_sig_keys" not in self.__dict__:
            self.__dict__["_sig_keys"] = self.sigs.column("article_key").to_numpy()
        return np.asarray(self.__dict__["_sig_keys"])


def merge(parts: list[Part]) -> Part:
    """One part with the rows of `parts` (a chain: the first's `before`, the last's `after`).

    The later parts are small: sorted together, then merged into the first in one linear pass, so
    folding into a 40M-row base copies it once instead of sorting it again.
    """
    keys = np.concatenate([p.keys for p in parts[1:]])
    arts = np.concatenate([p.arts for p in parts[1:]])
    order = np.argsort(keys, kind="stable")
    keys, arts = keys[order], arts[order]
    first = parts[0]
    sigs = pa.concat_tables([p.sigs for p in parts]).sort_by("article_key")
    at = np.searchsorted(first.keys, keys, "right") + np.arange(len(keys))  # after equal keys: stable
    out_keys = np.empty(len(first.keys) + len(keys), np.int64)
    out_arts = np.empty(len(out_keys), np.int64)
    rest = np.ones(len(out_keys), bool)
    rest[at] = False
    out_keys[at], out_arts[at] = keys, arts
    out_keys[rest], out_arts[rest] = first.keys, first.arts
    return Part(out_keys, out_arts, sigs, first.before, parts[-1].after)


def matches(stored: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every equal pair of sorted `stored` and sorted `queries`: (index in `queries`, position in `stored`)."""
    lo = np.searchsorted(stored, queries, "left")
    hit = np.flatnonzero(stored[np.minimum(lo, len(stored) - 1)] == queries) if len(stored) else lo[:0]
    count = np.zeros(len(queries), np.int64)  # only keys found need the end of their run
    count[hit] = np.searchsorted(stored, queries[hit], "right") - lo[hit]
    total = int(count.sum())
    at = np.repeat(lo, count) + np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    return np.repeat(np.arange(len(queries)), count), at


def stat(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime_ns, size) of `path`, None if missing."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def fp(values: list[int]) -> Fingerprint:
    """A fingerprint as meta.json lists it."""
    return int(values[0]), int(values[1]), int(values[2])


def load_base(folder: Path, name: str, after: Fingerprint) -> Part:
    """The base `name`, memory-mapped."""
    keys = np.load(folder / f"{name}.keys.npy", mmap_mode="r")
    arts = np.load(folder / f"{name}.arts.npy", mmap_mode="r")
    if len(keys) != len(arts):
        raise ValueError("base files of different lengths")
    return Part(keys, arts, read_table(folder / f"{name}.sigs.arrow"), EMPTY, after, name)


def load_delta(folder: Path, meta: dict[str, object]) -> Part:
    """The delta meta.json lists as `meta`."""
    # our own handle: np.load leaves its file open when the zip is cut short (BadZipFile)
    with open(folder / f"{meta['name']}.npz", "rb") as handle, np.load(handle) as data:
        before, after = fp(meta["before"]), fp(meta["after"])  # type: ignore[arg-type]
        sigs = read_table(folder / f"{meta['name']}.sigs.arrow")
        return Part(data["keys"], data["arts"], sigs, before, after, str(meta["name"]))


def write_table(path: Path, table: pa.Table) -> None:
    """`table` as an Arrow IPC file."""
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def read_table(path: Path) -> pa.Table:
    """An Arrow file, memory-mapped: its signatures are read from the page cache, not copied."""
    table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    if table.schema != SIGNATURES:
        raise ValueError(f"{path.name}: not the signature schema")
    return table
