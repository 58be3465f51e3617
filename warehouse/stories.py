"""Story assignment against the whole history: LSH band keys joined in SQL, MinHash verification.

New articles are sketched (parsers.stories.neardup), their band keys joined with `core.dedup_bands` to
find candidates, the candidates' signatures fetched and scored, and each article placed in the
story of its best match (parsers.stories.assign) or in a new story of its own. The cost grows with the
band join, not with re-reading texts; see docs/dedup.md for the threshold and the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pyarrow as pa

from parsers.model import Article
from parsers.stories import assign as stories
from parsers.stories import neardup
from warehouse import schemas

_HISTORY_CANDIDATES = """
SELECT DISTINCT n.article_key AS a, h.article_key AS b
FROM new_bands n JOIN core.dedup_bands h ON h.band = n.band AND h.key = n.key
WHERE h.article_key <> n.article_key
"""
_FETCH = """
SELECT s.article_key, s.article_id, s.n_shingles, s.sig, s.story_id, s.text_key
FROM core.dedup_signatures s SEMI JOIN wanted w ON s.article_key = w.article_key
"""


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


def assign(con: duckdb.DuckDBPyConnection, articles: list[Article]) -> tuple[list[Article], Sketches]:
    """Give each new article its story id; return them with the sketch rows to store."""
    if not articles:
        return articles, Sketches(_signature_table([], np.zeros(0, np.int64), neardup.sketch([]), []),
                                  _bands(neardup.band_rows([], neardup.sketch([]))))  # fmt: skip
    batch = neardup.sketch([a.clean_text for a in articles])
    keys = np.array([neardup.article_key(a.article_id) for a in articles], dtype=np.int64)
    text_keys = [neardup.text_key(a.clean_text) for a in articles]
    bands = neardup.band_rows(keys, batch)
    con.register("new_bands", bands)
    try:
        history = con.execute(_HISTORY_CANDIDATES).fetchnumpy()
    finally:
        con.unregister("new_bands")
    con.register("wanted", pa.table({"article_key": np.unique(history["b"])}))
    try:
        old = con.execute(_FETCH).to_arrow_table()
    finally:
        con.unregister("wanted")
    old_sigs = np.frombuffer(b"".join(old.column("sig").to_pylist()), dtype=np.uint32).reshape(
        -1, neardup.NUM_PERM
    )
    sigs = np.vstack([batch.sigs, old_sigs])
    sizes = np.concatenate([batch.sizes, old.column("n_shingles").to_numpy()])
    ids = [a.article_id for a in articles] + old.column("article_id").to_pylist()
    row_of_key = {k: i for i, k in enumerate([*keys.tolist(), *old.column("article_key").to_pylist()])}
    pairs = [
        (row_of_key[a], row_of_key[b])
        for a, b in zip(history["a"].tolist(), history["b"].tolist(), strict=True)
    ]
    pairs += neardup.candidate_pairs(batch)
    ia, ib = [p[0] for p in pairs], [p[1] for p in pairs]
    scores = neardup.similarities(sigs[ia], sigs[ib], sizes[ia], sizes[ib]) if pairs else np.zeros(0)
    items = [
        stories.Item(a.article_id, tk, a.published_at, a.official)
        for a, tk in zip(articles, text_keys, strict=True)
    ]
    placed = stories.assign_stories(
        items,
        ((ids[a], ids[b], s) for a, b, s in zip(ia, ib, scores.tolist(), strict=True)),
        dict(zip(old.column("article_id").to_pylist(), old.column("story_id").to_pylist(), strict=True)),
        text_key_of=dict(
            zip(old.column("article_id").to_pylist(), old.column("text_key").to_pylist(), strict=True)
        ),
    )
    story_of = {p.article_id: p.story_id for p in placed}
    grouped = [replace(a, story_id=story_of[a.article_id]) for a in articles]
    return grouped, Sketches(_signature_table(grouped, keys, batch, text_keys), _bands(bands))


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
