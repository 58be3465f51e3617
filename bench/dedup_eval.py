"""Dev-set evaluation of the dedup core (tests/data/neardup): clean, sketch, score, cluster, P/R/F1.

Used by bench/dedup.py and tests/test_neardup.py, and to re-calibrate THRESHOLD after any change to
cleaning, shingling or banding. A pair is predicted `dup` at the pair level when LSH makes it a
candidate (a shared band key) and its score reaches the threshold; at the story level when
`assign_stories` puts both texts in one story (the whole dev set added as one batch).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from parsers.clean import web as webclean
from parsers.stories import assign as stories
from parsers.stories import neardup

DEVSET = Path(__file__).resolve().parents[1] / "tests" / "data" / "neardup"


@dataclass(frozen=True)
class DevSet:
    """Texts by id, their hosts, and labelled pairs (a, b, is_dup, kind)."""

    texts: dict[str, str]
    hosts: dict[str, str]
    pairs: list[tuple[str, str, bool, str]]


@dataclass(frozen=True)
class Scored:
    """Per labelled pair: score, LSH candidacy, label; plus the ids of the texts in order."""

    scores: np.ndarray
    candidate: np.ndarray
    labels: np.ndarray
    kinds: list[str]


def load_devset(root: Path = DEVSET) -> DevSet:
    """Read texts/, manifest.csv and labels.csv."""
    with open(root / "manifest.csv", encoding="utf-8") as fh:
        manifest = list(csv.DictReader(fh))
    texts = {row["id"]: (root / "texts" / f"{row['id']}.txt").read_text(encoding="utf-8") for row in manifest}
    with open(root / "labels.csv", encoding="utf-8") as fh:
        pairs = [(r["a"], r["b"], r["label"] == "dup", r["kind"]) for r in csv.DictReader(fh)]
    return DevSet(texts, {row["id"]: row["host"] for row in manifest}, pairs)


def clean_texts(dev: DevSet, rules: bool = True, learned: bool = True) -> dict[str, str]:
    """Texts after web cleaning (rules, plus boilerplate learned per host if `learned`)."""
    if not rules:
        return dict(dev.texts)
    pages: dict[str, list[list[str]]] = defaultdict(list)
    for key, text in dev.texts.items():
        pages[dev.hosts[key]].append(text.splitlines())
    learnt = webclean.learn_boilerplate(pages) if learned else {}
    return {
        key: "\n\n".join(webclean.clean_lines(text.splitlines(), learnt.get(dev.hosts[key], frozenset())))
        for key, text in dev.texts.items()
    }


def score(dev: DevSet, texts: dict[str, str]) -> Scored:
    """Score every labelled pair of the dev set from the given (cleaned) texts."""
    ids = sorted(texts)
    index = {key: i for i, key in enumerate(ids)}
    batch = neardup.sketch([texts[k] for k in ids])
    sigs, sizes, bands = batch.sigs, batch.sizes, batch.band_matrix()
    a = np.array([index[p[0]] for p in dev.pairs])
    b = np.array([index[p[1]] for p in dev.pairs])
    return Scored(
        scores=neardup.similarities(sigs[a], sigs[b], sizes[a], sizes[b]),
        candidate=(bands[a] == bands[b]).any(axis=1),
        labels=np.array([p[2] for p in dev.pairs]),
        kinds=[p[3] for p in dev.pairs],
    )


def prf(predicted: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall, F1 of boolean predictions."""
    tp = int(np.sum(predicted & labels))
    p = tp / max(1, int(predicted.sum()))
    r = tp / max(1, int(labels.sum()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def pair_prf(scored: Scored, threshold: float = neardup.THRESHOLD) -> tuple[float, float, float]:
    """Pair-level P/R/F1 at a threshold (candidate by LSH and score >= threshold)."""
    return prf(scored.candidate & (scored.scores >= threshold), scored.labels)


def story_prf(
    dev: DevSet, texts: dict[str, str], threshold: float = neardup.THRESHOLD
) -> tuple[float, float, float]:
    """Story-level P/R/F1: labelled pairs predicted dup when assign_stories puts them in one story."""
    ids = sorted(texts)
    batch = neardup.sketch([texts[k] for k in ids])
    sigs, sizes = batch.sigs, batch.sizes
    cand = neardup.candidate_pairs(batch)
    a, b = np.array([c[0] for c in cand], dtype=int), np.array([c[1] for c in cand], dtype=int)
    scores = neardup.similarities(sigs[a], sigs[b], sizes[a], sizes[b])
    items = [stories.Item(k, neardup.text_key(texts[k])) for k in ids]
    pairs = [(ids[x], ids[y], float(s)) for x, y, s in zip(a, b, scores, strict=True)]
    story = {x.article_id: x.story_id for x in stories.assign_stories(items, pairs, {}, threshold)}
    predicted = np.array([story[p[0]] == story[p[1]] for p in dev.pairs])
    return prf(predicted, np.array([p[2] for p in dev.pairs]))
