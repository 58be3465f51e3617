"""Calibration of the event matcher on the dev split of tests/data/events (never on test).

- `fit_weights`: the logistic weights of parsers.stories.events, fitted (L2, Newton steps) on the dev
  pairs that share a blocking key, optionally leaving one family of confusable clusters out;
- `cross_validate`: leave one dev family out, fit on the others, place the held-out family's pages
  with those weights, and add up the pairs: an estimate, on dev alone, of how the rule does on events
  it was not fitted on (the test families are other topics);
- `sweep`: that estimate and the in-sample dev figures over a grid of pair and story thresholds.

    python -m bench.events --calibrate
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bench import events_eval
from parsers.stories import event_index, events

L2 = 1.0
# Signs the weights must have (domain knowledge, not data): agreement never counts against a pair,
# a conflict or a publication gap never for it. Fitted on a few families, an unconstrained weight can
# take the wrong sign (publications 4-7 days apart looked positive once the tariff steps were held
# out), which does not carry over to other events.
NEGATIVE = ("conflict_", "pub_mid", "pub_far")
FREE = ("cross_language",)


def _sign(name: str) -> int:
    """+1: the weight must be >= 0, -1: <= 0, 0: either."""
    if name.startswith(FREE):
        return 0
    return -1 if name.startswith(NEGATIVE) else 1


def profiles_of(pages: Sequence[events_eval.Page]) -> dict[str, events.Profile]:
    """Profiles of the pages by id (no title: the excerpts start with whatever the page starts with)."""
    return {p.page_id: events.profile(p.page_id, "", p.text, p.published) for p in pages}


def _fit(x: np.ndarray, y: np.ndarray, l2: float = L2, iterations: int = 60) -> np.ndarray:
    """L2-regularised logistic regression by Newton steps, stopped once a step no longer moves any
    weight by 1e-9; returns [bias, weights...]."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    penalty = l2 * np.diag(np.r_[0.0, np.ones(xb.shape[1] - 1)])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        hessian = (xb * (p * (1 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hessian, xb.T @ (p - y) + penalty @ w)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def _fit_signed(x: np.ndarray, y: np.ndarray, signs: list[int]) -> np.ndarray:
    """`_fit` with sign constraints (active set): a weight fitted with the wrong sign is fixed at 0
    and the rest refitted, until every weight has its sign."""
    active = list(range(x.shape[1]))
    while True:
        w = _fit(x[:, active], y)
        wrong = [j for j, v in zip(active, w[1:], strict=True) if signs[j] * v < 0]
        if not wrong:
            full = np.zeros(x.shape[1] + 1)
            full[0] = w[0]
            full[[j + 1 for j in active]] = w[1:]
            return full
        worst = min(wrong, key=lambda j: signs[j] * w[1 + active.index(j)])
        active.remove(worst)


def training_rows(
    pages: Sequence[events_eval.Page], profiles: Mapping[str, events.Profile]
) -> tuple[list[tuple[str, str]], list[dict[str, float]], np.ndarray]:
    """Pairs of one split that share a blocking key (those the index scores), their features, labels."""
    stats = events.Stats.of(profiles.values())
    cluster = {p.page_id: p.cluster for p in pages}
    keys = {k: set(event_index.blocking_keys(p)) for k, p in profiles.items()}
    pairs = [(a, b) for a, b, _ in events_eval.labelled_pairs(pages) if keys[a] & keys[b]]
    rows = [events.features(profiles[a], profiles[b], stats) for a, b in pairs]
    y = np.array([cluster[a] == cluster[b] for a, b in pairs], dtype=float)
    return pairs, rows, y


_MATRICES: dict[tuple[int, tuple[str, ...]], tuple[list[dict[str, float]], np.ndarray]] = {}


def _matrix(feats: list[dict[str, float]], names: list[str]) -> np.ndarray:
    """The feature rows as a matrix, built once per list of rows and names (the folds share it)."""
    key = (id(feats), tuple(names))
    if key not in _MATRICES:
        _MATRICES.clear()
        # the rows are kept with their matrix, so that their id cannot be reused meanwhile
        _MATRICES[key] = (feats, np.array([[f[n] for n in names] for f in feats]))
    return _MATRICES[key][1]


def fit_weights(
    pages: Sequence[events_eval.Page],
    profiles: Mapping[str, events.Profile],
    leave_out: str | None = None,
    rows: tuple[list[tuple[str, str]], list[dict[str, float]], np.ndarray] | None = None,
    drop: frozenset[str] = frozenset(),
) -> dict[str, float]:
    """Weights fitted on the pairs of `pages` (both pages outside family `leave_out`), features in
    `drop` left out (weight 0: to measure what a feature brings)."""
    pairs, feats, y = rows or training_rows(pages, profiles)
    family = {p.page_id: p.family for p in pages}
    keep = [i for i, (a, b) in enumerate(pairs) if leave_out not in (family[a], family[b])]
    names = sorted(set(feats[0]) - drop)
    x = _matrix(feats, names)[keep]
    w = _fit_signed(x, y[keep], [_sign(n) for n in names])
    return {
        "bias": round(float(w[0]), 3),
        **{n: round(float(v), 3) for n, v in zip(names, w[1:], strict=True)},
    }


def place(
    pages: Sequence[events_eval.Page],
    profiles: Mapping[str, events.Profile],
    weights: Mapping[str, float] | None = None,
    threshold: float | None = None,
    story_mean: float = event_index.STORY_MEAN,
) -> dict[str, str]:
    """Story of each page, the pages placed in published order with these weights and thresholds."""
    index = event_index.EventIndex(weights=weights, threshold=threshold, story_mean=story_mean)
    placed = event_index.place_all([profiles[p.page_id] for p in pages], index)
    return {x.article_id: x.story_id for x in placed}


def _add(total: dict[str, float], result: Mapping[str, float]) -> None:
    for k in ("correct_pairs", "predicted_pairs", "true_pairs"):
        total[k] = total.get(k, 0) + result[k]


def _prf(total: Mapping[str, float]) -> dict[str, float]:
    p = total["correct_pairs"] / total["predicted_pairs"] if total["predicted_pairs"] else 1.0
    r = total["correct_pairs"] / total["true_pairs"] if total["true_pairs"] else 1.0
    return {**total, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def cross_validate(
    pages: Sequence[events_eval.Page],
    profiles: Mapping[str, events.Profile],
    thresholds: Sequence[tuple[float, float]],
    drop: frozenset[str] = frozenset(),
) -> dict[tuple[float, float], dict[str, float]]:
    """Leave-one-family-out figures per (pair threshold, story threshold), pairs added over families."""
    rows = training_rows(pages, profiles)
    totals: dict[tuple[float, float], dict[str, float]] = {t: {} for t in thresholds}
    for family in sorted({p.family for p in pages}):
        weights = fit_weights(pages, profiles, family, rows, drop)
        held = [p for p in pages if p.family == family]
        for t, m in thresholds:
            story = place(held, profiles, weights, t, m)
            _add(totals[(t, m)], events_eval.prf(events_eval.story_pairs(story), held))
    return {t: _prf(v) for t, v in totals.items()}


def held_out_pairs(
    pages: Sequence[events_eval.Page],
    profiles: Mapping[str, events.Profile],
    drop: frozenset[str] = frozenset(),
) -> dict[str, float]:
    """Pairwise, leave one family out: average precision of the held-out pairs' probabilities (pairs
    sharing a blocking key, ranked), and the share of positive pairs that share no key."""
    pairs, feats, y = rows = training_rows(pages, profiles)
    family = {p.page_id: p.family for p in pages}
    scores = np.zeros(len(pairs))
    for fam in sorted(set(family.values())):
        weights = fit_weights(pages, profiles, fam, rows, drop)
        for i, (a, b) in enumerate(pairs):
            if family[a] == fam and family[b] == fam:
                scores[i] = events.probability(feats[i], weights)
    inside = np.array([family[a] == family[b] for a, b in pairs])
    s, t = scores[inside], y[inside]
    order = np.argsort(-s)
    hits = np.cumsum(t[order])
    precision_at = hits / np.arange(1, len(order) + 1)
    return {
        "average_precision": float((precision_at * t[order]).sum() / max(t.sum(), 1)),
        "pairs": float(len(s)),
    }


def sweep(pages: Sequence[events_eval.Page], drop: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Weights fitted on all dev pairs, and dev figures (in sample, and held-out families) by threshold."""
    profiles = profiles_of(pages)
    weights = fit_weights(pages, profiles, drop=drop)
    grid = [(t, m) for t in (0.25, 0.3, 0.4, 0.5) for m in (0.15, 0.2, 0.25, 0.3, 0.4)]
    held = cross_validate(pages, profiles, grid, drop)
    table = {}
    for t, m in grid:
        inside = events_eval.prf(events_eval.story_pairs(place(pages, profiles, weights, t, m)), pages)
        table[(t, m)] = (inside, held[(t, m)])
    return {"weights": weights, "table": table}


def main(drop: frozenset[str] = frozenset()) -> None:
    """Print the fitted weights (to paste into events.WEIGHTS) and the threshold table, features in
    `drop` left out (to measure what they bring)."""
    pages = events_eval.load(split="dev")
    out = sweep(pages, drop)
    print("  weights fitted on all dev pairs sharing a blocking key:")
    print("  " + repr(out["weights"]))
    ap = held_out_pairs(pages, profiles_of(pages), drop)
    print(
        f"  pairwise average precision, held-out families: {ap['average_precision']:.3f} ({ap['pairs']:.0f} pairs)"
    )
    print("  pair  story | dev in sample P R F1 | dev held-out families P R F1")
    for (t, m), (inside, held) in out["table"].items():
        print(f"  {t:.2f}  {m:.2f}  | {inside['precision']:.3f} {inside['recall']:.3f} {inside['f1']:.3f} "
              f"| {held['precision']:.3f} {held['recall']:.3f} {held['f1']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
