"""Story assignment against the whole history: LSH band keys joined in SQL, MinHash verification.

New articles are sketched (parsers.stories.neardup), their band keys joined with `core.dedup_bands` to
find candidates, the signatures of those that can be best matches fetched and scored
(warehouse.story_candidates), and each article placed in the story of its best match
(parsers.stories.assign) or in a new story of its own. The cost grows with the band join, not with
re-reading texts; see docs/dedup.md for the threshold and the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pyarrow as pa

from parsers.model import Article
from parsers.stories import assign as stories
from parsers.stories import neardup
from warehouse import band_index, schemas, story_candidates


@dataclass(frozen=True)
class Sketches:
    """Rows to store with a batch: signatures (with story ids) and LSH band keys."""

    signatures: pa.Table
    bands: pa.Table


def _signature_table(
    articles: list[Article], keys: np.ndarray, batch: neardup.Sketch, text_keys: list[str]
) -> pa.Table:
    sig = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(4 * neardup.NUM_PERM), len(keys), [None, pa.py_buffer(np.ascontiguousarray(batch.sigs))]
    )
    return pa.table(
        {
            "article_key": pa.array(keys, pa.int64()),
            "article_id": pa.array([a.article_id for a in articles], pa.string()),
            "text_key": pa.array(text_keys, pa.string()),
            "n_shingles": pa.array(batch.sizes, pa.int32()),
            "sig": sig.cast(pa.binary()),
            "story_id": pa.array([a.story_id for a in articles], pa.string()),
        },
        schema=schemas.SCHEMAS["core.dedup_signatures"],
    )


def _bands(rows: pa.Table) -> pa.Table:
    return rows.cast(schemas.SCHEMAS["core.dedup_bands"])


def assign(
    con: duckdb.DuckDBPyConnection,
    articles: list[Article],
    sketched: tuple[neardup.Sketch, list[str]] | None = None,
) -> tuple[list[Article], Sketches]:
    """Give each new article its story id; return them with the sketch rows to store.

    `sketched`: the articles' sketches and exact-text keys, row for row, when the batch brought them
    (parsers.pipeline sketches in the pure stage); otherwise they are computed here.
    """
    if not articles:
        return articles, Sketches(_signature_table([], np.zeros(0, np.int64), neardup.sketch([]), []),
                                  _bands(neardup.band_rows([], neardup.sketch([]))))  # fmt: skip
    if sketched is None:
        sketched = (
            neardup.sketch([a.clean_text for a in articles]),
            [neardup.text_key(a.clean_text) for a in articles],
        )
    batch, text_keys = sketched
    keys = np.array([neardup.article_key(a.article_id) for a in articles], dtype=np.int64)
    bands = neardup.band_rows(keys, batch)
    history, old = story_candidates.search(con, bands, keys, batch)
    ids = [a.article_id for a in articles]
    pairs = [(ids[i], ids[j], s) for i, j, s in _batch_pairs(batch)]
    pairs += _best_in_history(history, old, keys, batch, text_keys, ids)
    items = [
        stories.Item(a.article_id, tk, a.published_at, a.official)
        for a, tk in zip(articles, text_keys, strict=True)
    ]
    old_ids = old.column("article_id").to_pylist()
    placed = stories.assign_stories(
        items,
        pairs,
        dict(zip(old_ids, old.column("story_id").to_pylist(), strict=True)),
        text_key_of=dict(zip(old_ids, old.column("text_key").to_pylist(), strict=True)),
    )
    story_of = {p.article_id: p.story_id for p in placed}
    grouped = [replace(a, story_id=story_of[a.article_id]) for a in articles]
    return grouped, Sketches(_signature_table(grouped, keys, batch, text_keys), _bands(bands))


def _batch_pairs(batch: neardup.Sketch) -> list[tuple[int, int, float]]:
    pairs = neardup.candidate_pairs(batch)
    if not pairs:
        return []
    ia, ib = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    scores = neardup.similarities(batch.sigs[ia], batch.sigs[ib], batch.sizes[ia], batch.sizes[ib])
    return list(zip(ia.tolist(), ib.tolist(), scores.tolist(), strict=True))


def _best_in_history(
    history: dict[str, np.ndarray],
    old: pa.Table,
    keys: np.ndarray,
    batch: neardup.Sketch,
    text_keys: list[str],
    ids: list[str],
) -> list[tuple[str, str, float]]:
    """Per new article, its best history match at or above the threshold, as assign_stories ranks them.

    Every history member already has a story, so only the best one can win over the batch's own
    members (exact text first, then score, then the smaller id): keeping it alone gives the same
    assignment as handing over every candidate pair, at numpy speed (a 1M history gives thousands
    of candidates per article when texts repeat).
    """
    if not len(history["a"]) or not old.num_rows:
        return []
    b = story_candidates.rows(old.column("article_key").to_numpy(), history["b"])
    a = story_candidates.rows(keys, history["a"])
    old_sigs = story_candidates.signatures(old)
    scores = neardup.similarities(
        batch.sigs[a], old_sigs[b], batch.sizes[a], old.column("n_shingles").to_numpy()[b]
    )
    keep = scores >= neardup.THRESHOLD
    a, b, scores = a[keep], b[keep], scores[keep]
    if not len(a):
        return []
    # exact copies have the same tokens, hence the same signature: only pairs scoring 1 can be exact
    exact = np.zeros(len(a), dtype=bool)
    ones = np.flatnonzero(scores >= 1.0)
    if len(ones):
        old_text = old.column("text_key").to_pylist()
        exact[ones] = [old_text[b[i]] == text_keys[a[i]] for i in ones.tolist()]
    rank = scores + 2.0 * exact  # assign_stories' order: exact first, then the score
    by_article = np.lexsort((-rank, a))
    a, b, rank, scores = a[by_article], b[by_article], rank[by_article], scores[by_article]
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    best_rank = np.repeat(rank[starts], np.diff(np.r_[starts, len(a)]))
    tied = rank == best_rank  # the best of each article, and those equal to it: the smaller id wins
    old_ids = old.column("article_id").to_pylist()
    best: dict[int, tuple[str, float]] = {}
    for i in np.flatnonzero(tied).tolist():
        other = old_ids[b[i]]
        if a[i] not in best or other < best[a[i]][0]:
            best[a[i]] = (other, float(scores[i]))
    return [(ids[k], other, score) for k, (other, score) in best.items()]


def store(con: duckdb.DuckDBPyConnection, sketches: Sketches) -> None:
    """Insert the sketch rows of the new articles `assign` placed, inside the caller's transaction."""
    con.register("batch_signatures", sketches.signatures)
    con.register("batch_bands", sketches.bands)
    try:
        con.execute("INSERT INTO core.dedup_signatures BY NAME SELECT * FROM batch_signatures")
        con.execute("INSERT INTO core.dedup_bands BY NAME SELECT * FROM batch_bands")
    finally:
        con.unregister("batch_signatures")
        con.unregister("batch_bands")
    index = band_index.for_connection(con)
    if index is not None and sketches.signatures.num_rows:
        index.add(con, sketches.signatures, sketches.bands)
