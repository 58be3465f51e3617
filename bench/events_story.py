"""Calibration of the story-level rule (parsers/stories/story_level.py) on the dev split only.

Examples are made by replaying the dev pages in published order with the GOLD stories (teacher
forcing): each new page is compared with every story of its candidates (pages sharing a blocking
key within the window); label = the page belongs to that story's cluster. The story-level weights are
fitted on them (sign-constrained, as the pair weights). The estimate is leave one family out: pair
and story weights fitted without the family, its pages placed with them, pairs added up over the
families, for a grid of story thresholds; in-sample figures beside it.

    python -m bench.events_story [--write]
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bench import events_calibrate as cal
from bench import events_eval
from parsers.stories import event_index, events

POSITIVE = ("pair_best", "pair_mean", "story_terms", "story_lexical", "story_evidence", "story_near")
NEGATIVE = ("story_conflicts", "story_far")
GRID = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)

Example = tuple[str, str, dict[str, float], bool]  # page family, story family, features, same event


def _sign(name: str) -> int:
    return 1 if name in POSITIVE else -1 if name in NEGATIVE else 0


def examples(
    pages: Sequence[events_eval.Page],
    profiles: Mapping[str, events.Profile],
    pair_weights: Mapping[str, float],
) -> list[Example]:
    """Teacher-forced (page, candidate story) examples over the pages in published order."""
    cluster = {p.page_id: p.cluster for p in pages}
    family = {p.page_id: p.family for p in pages}
    fam_of_cluster = {p.cluster: p.family for p in pages}
    index = event_index.EventIndex(weights=pair_weights)
    order = sorted(
        (profiles[p.page_id] for p in pages),
        key=lambda p: (p.published is None, p.published or events.date.min, p.article_id),
    )
    out: list[Example] = []
    for p in order:
        stats = index.stats()
        decisions = [index._decide(p, c, stats) for c in index.candidates(p)]
        for story, f, _ in index.score_stories(p, decisions, stats):
            out.append((family[p.article_id], fam_of_cluster[story], f, story == cluster[p.article_id]))
        index.add(p, cluster[p.article_id])
    return out


def fit(rows: Sequence[Example], leave_out: str | None = None) -> dict[str, float]:
    """Sign-constrained logistic weights on the examples outside family `leave_out`."""
    keep = [r for r in rows if leave_out not in (r[0], r[1])]
    names = sorted(keep[0][2])
    x = np.array([[r[2][n] for n in names] for r in keep])
    y = np.array([r[3] for r in keep], dtype=float)
    w = cal._fit_signed(x, y, [_sign(n) for n in names])
    return {
        "bias": round(float(w[0]), 3),
        **{n: round(float(v), 3) for n, v in zip(names, w[1:], strict=True)},
    }


def place(
    pages: Sequence[events_eval.Page],
    profiles: Mapping[str, events.Profile],
    pair_weights: Mapping[str, float] | None,
    story_weights: Mapping[str, float],
    threshold: float,
) -> dict[str, str]:
    """Story of each page with these weights."""
    index = event_index.EventIndex(
        weights=pair_weights, story_weights=story_weights, story_threshold=threshold
    )
    placed = event_index.place_all([profiles[p.page_id] for p in pages], index)
    return {x.article_id: x.story_id for x in placed}


def cross_validate(
    pages: Sequence[events_eval.Page], profiles: Mapping[str, events.Profile]
) -> dict[float, Any]:
    """Leave-one-family-out pairwise figures per story threshold."""
    pair_rows = cal.training_rows(pages, profiles)
    totals: dict[float, dict[str, float]] = {t: {} for t in GRID}
    for fam in sorted({p.family for p in pages}):
        pw = cal.fit_weights(pages, profiles, fam, pair_rows)
        sw = fit(examples(pages, profiles, pw), fam)
        held = [p for p in pages if p.family == fam]
        for t in GRID:
            cal._add(
                totals[t], events_eval.prf(events_eval.story_pairs(place(held, profiles, pw, sw, t)), held)
            )
    return {t: cal._prf(v) for t, v in totals.items()}


def main(argv: list[str] | None = None) -> None:
    """Print the story-level weights fitted on all of dev and the threshold table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    pages = events_eval.load(split="dev")
    profiles = cal.profiles_of(pages)
    rows = examples(pages, profiles, events.WEIGHTS)
    weights = fit(rows)
    print(f"  {len(rows)} examples, {sum(r[3] for r in rows)} same-event")
    print("  story weights fitted on all dev examples:\n  " + repr(weights))
    held = cross_validate(pages, profiles)
    print("  story threshold | dev in sample P R F1 (pairs) | dev held-out families P R F1")
    for t in GRID:
        r = events_eval.prf(events_eval.story_pairs(place(pages, profiles, None, weights, t)), pages)
        h = held[t]
        print(f"  {t:.2f} | {r['precision']:.3f} {r['recall']:.3f} {r['f1']:.3f} ({r['correct_pairs']}/{r['predicted_pairs']})"
              f" | {h['precision']:.3f} {h['recall']:.3f} {h['f1']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
