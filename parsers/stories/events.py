"""Event level of story matching: are two articles reports of the same announcement, measure or briefing?

Pure functions over `Profile`s (an article's anchors, lexical tokens and copy-level sketch):

- `profile(...)`: anchors (parsers.stories.anchors), lexical tokens of the title and lead (English words
  without stopwords, Chinese character bigrams, after traditional-to-simplified conversion), a Chinese
  lead's words in English (parsers.stories.crosslex, CC-CEDICT) and the copy level's MinHash signature;
- `features(a, b)`: lexical cosine (same language), rare words shared (across languages; English pairs
  without a conflict), copy score,
  agreement per anchor kind, and conflicts (other document numbers or counted measures, dates far apart,
  other follow-up stages of one document: parsers.stories.stage);
- `decide(a, b)`: a logistic combination of the features, calibrated on the dev split of
  tests/data/events (docs/events.md), returning a `Decision` that says WHY: the probability, the
  features, the anchors both share and the conflicts, as plain data (`Decision.why`) to store for SQL.
  A verbatim copy (copy score >= neardup.THRESHOLD) always joins, whatever the anchors say.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from parsers.stories import anchor_dates, crosslex, neardup
from parsers.stories import anchors as anchor_mod
from parsers.stories.agreement import COMPARE_KINDS as COMPARE_KINDS
from parsers.stories.agreement import CONFLICTS, EVIDENCE, VETO, publication
from parsers.stories.agreement import anchor_keys as anchor_keys
from parsers.stories.agreement import conflicts as conflicts
from parsers.stories.agreement import shared_anchors as shared_anchors
from parsers.stories.agreement import specificity as specificity
from parsers.stories.lexical import PRIOR_DOCS as PRIOR_DOCS
from parsers.stories.lexical import Stats as Stats
from parsers.stories.lexical import cosine as cosine
from parsers.stories.lexical import language_of as language_of
from parsers.stories.lexical import lexical_tokens as lexical_tokens
from parsers.stories.lexical import token_hash

LEX_BYTES = 1_000
# English pairs: words no other page of the history carries (scaled idf >= 0.8 is a document frequency
# of 2 in a few hundred profiles: the two pages themselves), counted only when the pair has no conflict.
# Less rare words are topic words a neighbouring event shares too (two zero-tariff grants to least
# developed countries, a port-fee notice and its implementation measures); docs/events.md (h14-terms).
RARE_EN_IDF = 0.8
# Logistic weights fitted on the dev split (bench/events.py --calibrate); see docs/events.md.
WEIGHTS: dict[str, float] = {
    "bias": -6.157,
    "conflict_counts": -0.66,
    "conflict_dates": -2.597,
    "conflict_direction": -1.965,
    "conflict_docs": -2.032,
    "conflict_entities": -1.863,
    "conflict_genre": -2.177,
    "conflict_goods": -1.385,
    "conflict_period": -1.281,
    "conflict_rates": -1.27,
    "conflict_ruling": -0.027,
    "conflict_stage": -2.806,
    "copy": 0.014,
    "cross_language": 0.35,
    "ev_codes": 0.036,
    "ev_dates": 0.746,
    "ev_docs": 0.468,
    "ev_issuers": 0.006,
    "ev_numbers": 0.666,
    "ev_people": 1.297,
    "ev_places": 0.09,
    "ev_terms": 0.0,
    "lexical": 3.404,
    "lexical_cross": 2.887,
    "lexical_rare": 0.628,
    "main_doc": 0.468,
    "pub_far": -2.113,
    "pub_in_text": 1.048,
    "pub_mid": 0.0,
    "pub_near": 1.59,
    "terms": 6.125,
}
THRESHOLD = 0.25
# A copy-level match joins whatever the model says, unless the two name other documents, dates or
# periods: pages of one site share boilerplate (a briefing transcript's frame) that the copy level
# can take for a reprint. Above COPY_SURE it is a verbatim copy and joins all the same.
COPY_SURE = 0.8
COPY_BLOCKERS = frozenset({"docs", "dates", "period", "rates"})


@dataclass(frozen=True)
class Profile:
    """What the matcher keeps of an article: anchors, lexical token hashes, copy-level sketch."""

    article_id: str
    language: str
    published: date | None
    anchors: anchor_mod.Anchors
    lexical: frozenset[int]
    sig: np.ndarray = field(repr=False, compare=False)
    n_shingles: int = 0
    # Chinese pages: the lead's words in English (crosslex), token hashes as in an English `lexical`.
    lexical_en: frozenset[int] = frozenset()

    def to_json(self) -> str:
        """The profile as JSON (what a warehouse row would store)."""
        return json.dumps(
            {
                "id": self.article_id,
                "lang": self.language,
                "published": self.published.isoformat() if self.published else None,
                "anchors": self.anchors.as_dict(),
                "lexical": sorted(self.lexical),
                "sig": self.sig.astype(np.uint32).tolist(),
                "n": self.n_shingles,
                "lexical_en": sorted(self.lexical_en),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Profile:
        """A profile back from `to_json`."""
        d = json.loads(text)
        kinds = {k: frozenset(v) for k, v in d["anchors"].items()}
        return cls(
            d["id"],
            d["lang"],
            date.fromisoformat(d["published"]) if d["published"] else None,
            anchor_mod.Anchors(**kinds),
            frozenset(d["lexical"]),
            np.array(d["sig"], dtype=np.uint32),
            d["n"],
            frozenset(d.get("lexical_en", ())),  # rows stored before the field: no cross-language words
        )


@dataclass(frozen=True)
class Decision:
    """Whether a pair is one event, with its probability and why (features, shared anchors, conflicts)."""

    a: str
    b: str
    same_event: bool
    probability: float
    features: dict[str, float]
    shared: dict[str, list[str]]
    conflicts: list[str]
    rule: str  # "copy" | "model" | "conflict"

    def why(self) -> dict[str, Any]:
        """Plain data for storage (JSON / SQL): rule, probability, shared anchors, conflicts, features."""
        return {
            "rule": self.rule,
            "probability": round(self.probability, 4),
            "shared": self.shared,
            "conflicts": self.conflicts,
            "features": {k: round(v, 4) for k, v in self.features.items()},
        }


def profile(article_id: str, title: str, text: str, published: date | None = None) -> Profile:
    """The matcher's profile of one article."""
    return profiles([(article_id, title, text, published)])[0]


def profiles(rows: Sequence[tuple[str, str, str, date | None]]) -> list[Profile]:
    """Profiles of (article id, title, text, published) rows, sketched in one batch (faster)."""
    bodies = [
        text if not title or text.startswith(title) else f"{title}\n{text}" for _, title, text, _ in rows
    ]
    sketch = neardup.sketch(bodies)
    out = []
    for i, ((article_id, title, text, published), body) in enumerate(zip(rows, bodies, strict=True)):
        language, lead = language_of(anchor_mod.lead(body)), anchor_mod.lead(body, LEX_BYTES)
        english = crosslex.english_tokens(lead) if language == "zh" else []
        out.append(
            Profile(
                article_id,
                language,
                published,
                anchor_mod.extract(title, text, published),
                frozenset(token_hash(t) for t in lexical_tokens(lead)),
                sketch.sigs[i],
                int(sketch.sizes[i]),
                frozenset(token_hash(t) for t in english),
            )
        )
    return out


def features(
    a: Profile,
    b: Profile,
    stats: Stats | None = None,
    shared: Mapping[str, list[str]] | None = None,
    found: list[str] | None = None,
) -> dict[str, float]:
    """Pair features (see the module docstring): evidence per anchor kind is the summed specificity
    of the anchors both carry (record linkage: a shared rare value is strong evidence)."""
    x, y = pair_anchors(a, b)
    found = conflicts(x, y, a.published, b.published) if found is None else found
    shared = shared_anchors(x, y) if shared is None else shared
    zh, en = (a, b) if a.language == "zh" else (b, a)
    f = {
        "lexical": cosine(a.lexical, b.lexical, stats) if a.language == b.language else 0.0,
        "cross_language": 0.0 if a.language == b.language else 1.0,
        # rare words a Chinese page's translated lead shares with an English page's lead (crosslex)
        "lexical_cross": 0.0
        if a.language == b.language
        else crosslex.shared_rare(zh.lexical_en, en.lexical, stats),
        "lexical_rare": _rare_en(a, b, stats) if not found else 0.0,
        "copy": copy_score(a, b),
        "terms": cosine(anchor_keys(a.anchors, ("terms",)), anchor_keys(b.anchors, ("terms",)), stats),
        "main_doc": 1.0 if "main_docs" in shared else 0.0,
        **publication(a.published, b.published, x.dates, y.dates),
    }
    for group, kinds in EVIDENCE.items():
        f[f"ev_{group}"] = sum(specificity(kind, v) for kind in kinds for v in shared.get(kind, ()))
    f.update({f"conflict_{k}": float(k in found) for k in CONFLICTS})
    return f


def _rare_en(a: Profile, b: Profile, stats: Stats | None) -> float:
    if a.language != "en" or b.language != "en":
        return 0.0
    return crosslex.shared_rare(a.lexical, b.lexical, stats, RARE_EN_IDF)


def pair_anchors(a: Profile, b: Profile) -> tuple[anchor_mod.Anchors, anchor_mod.Anchors]:
    """Both pages' anchors for comparing them: an undated page's yearless days and weekdays read against
    the other's published day (its days also against the latest date the other names)."""
    return _against(a, b), _against(b, a)


def _against(a: Profile, b: Profile) -> anchor_mod.Anchors:
    x = a.anchors
    if not x.days and not x.weekdays:
        return x
    if b.published is not None:
        extra = anchor_dates.resolve(x.days, x.weekdays, b.published)
    elif b.anchors.dates:  # a weekday against a date the other only names would say too little
        extra = anchor_dates.resolve(x.days, frozenset(), date.fromisoformat(max(b.anchors.dates)))
    else:
        return x
    return replace(x, dates=x.dates | extra) if extra - x.dates else x


def copy_score(a: Profile, b: Profile) -> float:
    """neardup.similarities for one pair, without its batch overhead: max(Jaccard, containment)."""
    if bool((a.sig == neardup.EMPTY).all()) or bool((b.sig == neardup.EMPTY).all()):
        return 0.0
    jac = float(np.count_nonzero(a.sig == b.sig)) / len(a.sig)
    small, large = sorted((float(a.n_shingles), float(b.n_shingles)))
    if small >= neardup.MIN_CONTAINED and small >= neardup.MIN_RATIO * large:
        jac = max(jac, jac * (small + large) / (1.0 + jac) / max(small, 1.0))
    return min(max(jac, 0.0), 1.0)


def probability(f: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """The logistic model's probability that a pair with features `f` is one event."""
    w = WEIGHTS if weights is None else weights
    z = w.get("bias", 0.0) + sum(w.get(k, 0.0) * v for k, v in f.items())
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def decide(
    a: Profile,
    b: Profile,
    stats: Stats | None = None,
    weights: Mapping[str, float] | None = None,
    threshold: float | None = None,
) -> Decision:
    """One event or not, and why: copies join (unless they conflict, see COPY_BLOCKERS); otherwise the
    calibrated model decides."""
    copy = copy_score(a, b)
    if copy >= COPY_SURE:  # a verbatim copy: no need for the anchors or the model (the costly part)
        return Decision(a.article_id, b.article_id, True, copy, {"copy": copy}, {}, [], "copy")
    x, y = pair_anchors(a, b)
    shared = shared_anchors(x, y)
    found = conflicts(x, y, a.published, b.published)
    f = features(a, b, stats, shared, found)
    p = probability(f, weights)
    threshold = THRESHOLD if threshold is None else threshold
    if f["copy"] >= neardup.THRESHOLD and (f["copy"] >= COPY_SURE or not set(found) & COPY_BLOCKERS):
        return Decision(a.article_id, b.article_id, True, max(p, f["copy"]), f, shared, found, "copy")
    if any(c in VETO for c in found):
        return Decision(a.article_id, b.article_id, False, p, f, shared, found, "conflict")
    return Decision(a.article_id, b.article_id, p >= threshold, p, f, shared, found, "model")
