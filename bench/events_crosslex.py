"""Does a CC-CEDICT cross-language lexical feature help the event matcher? Dev split only, each family
held out (as `python -m bench.events --calibrate` does); never run on test.

`lexical_cross` of a Chinese and an English page is the idf-weighted cosine (`lexical.cosine`, the
history's frequencies) of the Chinese lead translated word by word (bench/cedict.py) with the English
lead's tokens, both from the first CROSS_BYTES bytes; 0 for pages of one language. The feature is added
beside the product's features, the weights refitted with and without it (sign-constrained, L2, as
bench/events_calibrate.py), and the pages placed with an `EventIndex` whose pair decisions include it.

    python -m bench.events_crosslex
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench import cedict, events_calibrate, events_eval
from parsers.stories import anchors, event_index, events

CROSS_BYTES = 2_000  # the anchors' lead: 1,000 bytes of Chinese are ~330 characters, too few words
FEATURE = "lexical_cross"
PAIR_THRESHOLD, STORY_MEAN = events.THRESHOLD, event_index.STORY_MEAN


def cross_tokens(text: str, language: str) -> frozenset[int]:
    """Token hashes of a page's lead in English: its own words, or a Chinese lead's translation."""
    lead = anchors.lead(text, CROSS_BYTES)
    words = cedict.english_tokens(lead) if language == "zh" else events.lexical_tokens(lead)
    return frozenset(events.token_hash(t) for t in words)


def lexical_cross(
    a: events.Profile, b: events.Profile, tokens: Mapping[str, frozenset[int]], stats: events.Stats | None
) -> float:
    """The feature: cosine of the two leads in English for a Chinese-English pair, else 0."""
    if a.language == b.language:
        return 0.0
    return events.cosine(tokens[a.article_id], tokens[b.article_id], stats)


@dataclass
class CrossIndex(event_index.EventIndex):
    """The product's index, its pair decisions given the cross-language feature too."""

    tokens: Mapping[str, frozenset[int]] = field(default_factory=dict)

    def _decide(self, p: events.Profile, other: str, stats: events.Stats) -> events.Decision:
        d = super()._decide(p, other, stats)
        if "lexical" not in d.features:  # a verbatim copy, decided without the model
            return d
        f = {**d.features, FEATURE: lexical_cross(p, self.profiles[other], self.tokens, stats)}
        prob = events.probability(f, self.weights)
        threshold = events.THRESHOLD if self.threshold is None else self.threshold
        same = {"copy": True, "conflict": False}.get(d.rule, prob >= threshold)
        prob = max(prob, f["copy"]) if d.rule == "copy" else prob
        return dataclasses.replace(d, probability=prob, same_event=same, features=f)


def _place(pages: Sequence[events_eval.Page], profiles, tokens, weights) -> dict[str, float]:
    index = CrossIndex(weights=weights, threshold=PAIR_THRESHOLD, story_mean=STORY_MEAN, tokens=tokens)
    placed = event_index.place_all([profiles[p.page_id] for p in pages], index)
    return events_eval.prf(events_eval.story_pairs({x.article_id: x.story_id for x in placed}), pages)


def _average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(-scores)
    hits = np.cumsum(labels[order])
    return float((hits / np.arange(1, len(order) + 1) * labels[order]).sum() / max(labels.sum(), 1))


def measure(pages: Sequence[events_eval.Page], drop: frozenset[str]) -> dict[str, Any]:
    """In-sample and held-out-family P/R/F1 of the placement, and held-out pairwise AP (all pairs and
    cross-language pairs), with the features in `drop` left out."""
    profiles = events_calibrate.profiles_of(pages)
    tokens = {p.page_id: cross_tokens(p.text, profiles[p.page_id].language) for p in pages}
    pairs, feats, y = events_calibrate.training_rows(pages, profiles)
    stats = events.Stats.of(profiles.values())
    for (a, b), f in zip(pairs, feats, strict=True):
        f[FEATURE] = lexical_cross(profiles[a], profiles[b], tokens, stats)
    rows = (pairs, feats, y)
    family = {p.page_id: p.family for p in pages}
    scores, held = np.zeros(len(pairs)), {}
    for fam in sorted(set(family.values())):
        weights = events_calibrate.fit_weights(pages, profiles, fam, rows, drop)
        for i, (a, b) in enumerate(pairs):
            if family[a] == fam and family[b] == fam:
                scores[i] = events.probability(feats[i], weights)
        events_calibrate._add(held, _place([p for p in pages if p.family == fam], profiles, tokens, weights))
    inside = np.array([family[a] == family[b] for a, b in pairs])
    cross = inside & np.array([f["cross_language"] == 1.0 for f in feats])
    weights = events_calibrate.fit_weights(pages, profiles, None, rows, drop)
    return {
        "weight": weights.get(FEATURE, 0.0),
        "ap": _average_precision(scores[inside], y[inside]),
        "ap_cross": _average_precision(scores[cross], y[cross]),
        "in_sample": _place(pages, profiles, tokens, weights),
        "held_out": events_calibrate._prf(held),
    }


def main() -> None:
    """Print the dev figures without and with the feature."""
    pages = events_eval.load(split="dev")
    print(f"  dev, pair threshold {PAIR_THRESHOLD}, story mean {STORY_MEAN}; cross lead {CROSS_BYTES} bytes")
    print("  features | weight | held-out AP (cross-language AP) | in-sample P R F1 | held-out P R F1")
    for label, drop in (("without", frozenset({FEATURE})), ("with", frozenset())):
        m = measure(pages, drop)
        ins, out = m["in_sample"], m["held_out"]
        print(f"  {label:8s} | {m['weight']:.3f} | {m['ap']:.4f} ({m['ap_cross']:.4f}) "
              f"| {ins['precision']:.3f} {ins['recall']:.3f} {ins['f1']:.3f} "
              f"| {out['precision']:.3f} {out['recall']:.3f} {out['f1']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
