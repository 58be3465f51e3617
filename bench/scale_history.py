"""The synthetic sketch history of bench.scale: distinct texts with a share of near-copies, or the old copies.

`distinct` (the default): every article is a different text to the LSH. Its sketch is its template's
real sketch with all but KEEP of the MinHash values redrawn per article (two articles of one template
then agree on ~1% of values, a band match once in 10^8), and one article in COPY_EVERY is a near-copy
of the article before it (same template, same story, Jaccard drawn from COPY_JACCARD). The share, 5%,
is above what the real pages show: among the 181 aeb pages (news from many sites) no pair reaches the
story threshold, and the dev clusters of tests/data/events, gathered as reports of the same events,
are the upper end (see bench/README.md, "Issue 16, scale").
`copies` (h16-load's profile, kept for comparison): every article's sketch is its template's, each value
kept with p = J in [0.3, 0.95], so each of the ~280 texts has ~373 (100k) or ~3,730 (1M) variants in the
LSH bands and each new article's band join meets thousands of rows.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from parsers.stories import neardup

PROFILES = ("distinct", "copies")
COPY_EVERY = 20  # article i with i % 20 == 1 is a near-copy of article i - 1: 5% of the history
KEEP = 0.1  # share of its template's MinHash values a distinct article keeps
COPY_JACCARD = (0.6, 0.98)  # a near-copy's agreement with its original: above the 0.5 story threshold


def copy_every(profile: str) -> int:
    """The `$copy_every` of the build's SQL: 0 (no copy pairs) for the copies profile."""
    return COPY_EVERY if profile == "distinct" else 0


def _redraw(gen: np.random.Generator, values: np.ndarray, keep: np.ndarray | float) -> np.ndarray:
    """`values` with each kept with probability `keep` (per row, or one figure), the rest drawn anew."""
    fresh = gen.integers(0, 2**32 - 1, values.shape, dtype=np.uint32)  # never EMPTY (2**32 - 1)
    return np.where(gen.random(values.shape) < keep, values, fresh).astype(np.uint32)


def history(
    profile: str, real: neardup.Sketch, base: np.ndarray, index: np.ndarray, gen: np.random.Generator
) -> neardup.Sketch:
    """Sketches of history articles `index` (ascending, whole copy pairs) whose templates are `base`."""
    if profile == "copies":
        jac = gen.uniform(0.3, 0.95, (len(base), 1))
        return neardup.Sketch(
            _redraw(gen, real.sigs[base], jac), real.sizes[base], _redraw(gen, real.leads[base], jac)
        )
    sigs, leads = _redraw(gen, real.sigs[base], KEEP), _redraw(gen, real.leads[base], KEEP)
    copy = np.flatnonzero(index % COPY_EVERY == 1)
    copy = copy[copy > 0]
    orig = copy - 1
    if not np.all(index[orig] == index[copy] - 1):
        raise ValueError("a near-copy's original is not in the same chunk")
    jac = gen.uniform(*COPY_JACCARD, (len(copy), 1))
    for values in (sigs, leads):
        values[copy] = np.where(gen.random((len(copy), values.shape[1])) < jac, values[orig], values[copy])
    return neardup.Sketch(sigs, real.sizes[base], leads)


def new_articles(
    profile: str,
    real: neardup.Sketch,
    base: np.ndarray,
    originals: dict[str, np.ndarray],
    gen: np.random.Generator,
) -> tuple[neardup.Sketch, np.ndarray]:
    """Sketches of a batch of new articles, and per article the row of `originals` it copies (-1: none).

    copies: each is its template's exact sketch (as before). distinct: a distinct text, or for one in
    COPY_EVERY a near-copy of a history article (`originals`: sampled signature rows, `sig` n x 128, and
    `n_shingles`); its lead values are its own, so it can only be found through the full-text bands.
    """
    n = len(base)
    none = np.full(n, -1, np.int64)
    if profile == "copies":
        return neardup.Sketch(real.sigs[base], real.sizes[base], real.leads[base]), none
    sigs, leads = _redraw(gen, real.sigs[base], KEEP), _redraw(gen, real.leads[base], KEEP)
    sizes = real.sizes[base].copy()
    rows = np.arange(n)
    copy = rows[gen.random(n) < 1 / COPY_EVERY]
    which = gen.integers(0, len(originals["sig"]), len(copy))
    jac = gen.uniform(*COPY_JACCARD, (len(copy), 1))
    sigs[copy] = np.where(gen.random((len(copy), sigs.shape[1])) < jac, originals["sig"][which], sigs[copy])
    sizes[copy] = originals["n_shingles"][which]
    none[copy] = which
    return neardup.Sketch(sigs, sizes, leads), none


def originals(con: duckdb.DuckDBPyConnection, seed: int, n: int = 1_000) -> dict[str, Any]:
    """A sample of history signature rows for the new articles' near-copies (untimed)."""
    from warehouse import story_candidates

    rows = con.execute(
        f"SELECT sig, n_shingles, story_id FROM core.dedup_signatures USING SAMPLE reservoir({n} ROWS)"
        f" REPEATABLE ({seed + 1})"
    ).to_arrow_table()
    return {
        "sig": story_candidates.signatures(rows).copy(),
        "n_shingles": rows.column("n_shingles").to_numpy(),
        "story_id": rows.column("story_id").to_pylist(),
    }


def story_check(
    con: duckdb.DuckDBPyConnection, run_id: str, batches: list[tuple[list[Any], list[str | None] | None]]
) -> dict[str, int]:
    """How the loaded articles were placed: near-copies in their original's story, others in a new one."""
    got = dict(
        con.execute("SELECT article_id, story_id FROM core.articles WHERE run_id = ?", [run_id]).fetchall()
    )
    joined = {
        r[0]
        for r in con.execute(
            "SELECT a.article_id FROM core.articles a WHERE a.run_id = $run AND a.story_id IN"
            " (SELECT story_id FROM core.articles WHERE run_id <> $run)",
            {"run": run_id},
        ).fetchall()
    }
    pairs = [
        (a.article_id, c)
        for articles, copies in batches
        for a, c in zip(articles, copies or [None] * len(articles), strict=True)
    ]
    copies = [(a, c) for a, c in pairs if c is not None]
    return {
        "articles": len(got),
        "in_a_history_story": len(joined),
        "near_copies": len(copies),
        "near_copies_in_their_original_story": sum(got.get(a) == c for a, c in copies),
        "others_in_a_history_story": sum(a in joined for a, c in pairs if c is None),
    }
