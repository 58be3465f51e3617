"""The history members a batch's articles could join: LSH band join, then only the members that can win.

A text repeated many times brings thousands of candidates per new article (a 1M-article history
gave 3,900 each), and fetching and scoring every one was most of a load. Each pair's count of
shared full-text bands bounds its score (`neardup.score_bounds`): the members sharing the most
bands are scored first, and a member whose bound is below the best score found (or below the
threshold) cannot be an article's best match, so its signature is never read. The best match of
every article, and hence its story, is the one scoring all candidates would give
(tests/test_story_candidates.py checks it against that).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from parsers.stories import neardup
from warehouse import band_index

# Per (new article, history member) pair: the full-text bands they share, and the member's size.
# Joined on the key alone: a key hashes its band's index with the values (neardup._bands), so equal
# keys are the same band but for a 64-bit collision (one candidate more, scored like the others), and the
# history's band column is not read (at 1M articles 40M rows a batch: 0.52 -> 0.43 s).
_CANDIDATES = f"""
SELECT c.a, c.b, c.shared, s.n_shingles
FROM (
    SELECT n.article_key AS a, h.article_key AS b, count(*) FILTER (WHERE n.band < {neardup.BANDS}) AS shared
    FROM new_bands n JOIN core.dedup_bands h ON h.key = n.key
    WHERE h.article_key <> n.article_key
    GROUP BY ALL
) c JOIN core.dedup_signatures s ON s.article_key = c.b
"""
_FETCH = """
SELECT s.article_key, s.article_id, s.n_shingles, s.sig, s.story_id, s.text_key
FROM core.dedup_signatures s SEMI JOIN wanted w ON s.article_key = w.article_key
"""
_SIZES = (
    "SELECT s.article_key, s.n_shingles FROM core.dedup_signatures s SEMI JOIN wanted w USING (article_key)"
)
FIRST_LOOK = 4  # per new article, the members sharing the most bands, scored to bound the others


def search(
    con: duckdb.DuckDBPyConnection, bands: pa.Table, keys: np.ndarray, batch: neardup.Sketch
) -> tuple[dict[str, np.ndarray], pa.Table]:
    """Candidate pairs (`a` new, `b` history article keys) that can be best matches, and their members' rows."""
    found, members = candidates(con, bands)
    a, b = np.asarray(found["a"], np.int64), np.asarray(found["b"], np.int64)
    if not len(a):
        return {"a": a, "b": b}, members if members is not None else fetch(con, b)
    row = rows(keys, a)
    bound = neardup.score_bounds(
        np.asarray(found["shared"]), batch.sizes[row], np.asarray(found["n_shingles"])
    )
    # the first look: per article, the FIRST_LOOK pairs sharing the most bands
    order = np.lexsort((-np.asarray(found["shared"]), row))
    starts = np.flatnonzero(np.r_[True, row[order][1:] != row[order][:-1]])
    place = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    first = order[place < FIRST_LOOK]
    seen = members if members is not None else fetch(con, np.unique(b[first]))
    sigs, sizes = signatures(seen), seen.column("n_shingles").to_numpy()
    at = rows(seen.column("article_key").to_numpy(), b[first])
    scores = neardup.similarities(batch.sigs[row[first]], sigs[at], batch.sizes[row[first]], sizes[at])
    floor = np.full(len(keys), neardup.THRESHOLD)
    np.maximum.at(floor, row[first], scores)
    keep = bound >= floor[row]  # ties kept: the smaller id wins a tie
    more = np.setdiff1d(b[keep], seen.column("article_key").to_numpy())
    old = pa.concat_tables([seen, fetch(con, more)]) if len(more) else seen
    return {"a": a[keep], "b": b[keep]}, old


def candidates(
    con: duckdb.DuckDBPyConnection, bands: pa.Table
) -> tuple[dict[str, np.ndarray], pa.Table | None]:
    """Per (new, history) article pair sharing a band: `a`, `b`, full-text bands `shared`, `n_shingles` of b;
    and, through the index, all their signature rows (then nothing more is read from DuckDB).

    Through the key-ordered band index on a local file (warehouse.band_index), else the SQL join.
    """
    index = band_index.for_connection(con)
    if index is None:
        con.register("new_bands", bands)
        try:
            return dict(con.execute(_CANDIDATES).fetchnumpy()), None
        finally:
            con.unregister("new_bands")
    row, b = index.lookup(con, bands.column("key").to_numpy())
    a = bands.column("article_key").to_numpy()[row]
    full = (bands.column("band").to_numpy()[row] < neardup.BANDS).astype(np.int64)
    keep = a != b
    a, b, full = a[keep], b[keep], full[keep]
    order = np.lexsort((b, a))
    a, b, full = a[order], b[order], full[order]
    starts = (
        np.flatnonzero(np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]) if len(a) else np.zeros(0, int)
    )
    shared = np.add.reduceat(full, starts) if len(a) else np.zeros(0, np.int64)
    a, b = a[starts], b[starts]
    members = index.members(b)  # every member's signature row, from the index's files
    known, n_shingles = members.column("article_key").to_numpy(), members.column("n_shingles").to_numpy()
    stored = np.isin(b, known)  # as the SQL join: a member without a signature row is no candidate
    a, b, shared = a[stored], b[stored], shared[stored]
    sizes_b = n_shingles[rows(known, b)] if len(b) else np.zeros(0, np.int32)
    return {"a": a, "b": b, "shared": shared, "n_shingles": sizes_b}, members


def fetch(con: duckdb.DuckDBPyConnection, article_keys: np.ndarray) -> pa.Table:
    """The stored signature rows of these article keys."""
    if not len(article_keys):
        return con.execute(_FETCH.split(" SEMI JOIN")[0] + " LIMIT 0").to_arrow_table()
    con.register("wanted", pa.table({"article_key": pa.array(np.unique(article_keys), pa.int64())}))
    try:
        return con.execute(_FETCH).to_arrow_table()
    finally:
        con.unregister("wanted")


def signatures(table: pa.Table) -> np.ndarray:
    """The `sig` column as an n x NUM_PERM uint32 matrix, read from the Arrow buffer without copies."""
    column = table.column("sig").combine_chunks()
    width = 4 * neardup.NUM_PERM
    kind = np.int64 if pa.types.is_large_binary(column.type) else np.int32
    offsets = np.frombuffer(column.buffers()[1], kind)[column.offset : column.offset + len(column) + 1]
    if len(column) and not np.all(np.diff(offsets) == width):
        raise ValueError("a stored signature does not have NUM_PERM values")
    if not len(column):
        return np.zeros((0, neardup.NUM_PERM), np.uint32)
    data = np.frombuffer(column.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
    return data.view(np.uint32).reshape(-1, neardup.NUM_PERM)


def rows(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The row of each of `wanted` in `keys` (every one is there)."""
    order = np.argsort(keys)
    return order[np.searchsorted(keys, wanted, sorter=order)]
