"""bench.scale's distinct history: the LSH pairs every near-copy with its original, and nothing else."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench import scale_history
from parsers.stories import neardup

SEEDS = sorted((Path(__file__).parents[1] / "seeds" / "press").glob("*.txt"))


def test_distinct_history_pairs_only_near_copies_with_their_originals():
    real = neardup.sketch([p.read_text(encoding="utf-8") for p in SEEDS[:4]])
    index = np.arange(400)
    base = np.where(index % scale_history.COPY_EVERY == 1, index - 1, index) % 4  # a copy keeps its template
    sketch = scale_history.history("distinct", real, base, index, np.random.default_rng(1))
    pairs = {
        (a, b)
        for a, b in neardup.candidate_pairs(sketch)
        if neardup.similarity(sketch.sigs[a], sketch.sigs[b], int(sketch.sizes[a]), int(sketch.sizes[b]))
        >= neardup.THRESHOLD
    }
    copies = {(i - 1, i) for i in index.tolist() if i % scale_history.COPY_EVERY == 1}
    assert pairs == copies  # 100 articles per text, yet only the 20 copy pairs are near duplicates


def test_copies_history_makes_every_text_a_near_copy_of_many():
    real = neardup.sketch([p.read_text(encoding="utf-8") for p in SEEDS[:4]])
    index = np.arange(400)
    sketch = scale_history.history("copies", real, index % 4, index, np.random.default_rng(1))
    pairs = neardup.candidate_pairs(sketch)
    assert len(pairs) > 2_000  # the old profile: ~100 variants of each text find each other
