"""Event level of story matching: are two articles reports of the same announcement, measure or briefing?

Pure functions over `Profile`s (an article's anchors, lexical tokens and copy-level sketch):

- `profile(...)`: anchors (parsers.stories.anchors), lexical tokens of the title and lead (English words
  without stopwords, Chinese character bigrams, after traditional-to-simplified conversion) and the
  MinHash signature of parsers.stories.neardup (the copy level);
- `features(a, b)`: lexical cosine (same language only), copy score, agreement per anchor kind, and
  conflicts (different document numbers, different counted measures, event dates far apart);
- `decide(a, b)`: a logistic combination of the features, calibrated on the dev split of
  tests/data/events (docs/events.md), returning a `Decision` that says WHY: the probability, the
  features, the anchors both share and the conflicts, as plain data (`Decision.why`) to store for SQL.
  A verbatim copy (copy score >= neardup.THRESHOLD) always joins, whatever the anchors say.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from parsers.stories import anchors as anchor_mod
from parsers.stories import neardup

LEX_BYTES = 1_000
_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_WORD = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:['.-][a-z0-9]+)*")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "and",
        "or",
        "for",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "by",
        "with",
        "as",
        "at",
        "from",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "it's",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "you",
        "your",
        "i",
        "not",
        "no",
        "but",
        "if",
        "than",
        "then",
        "so",
        "such",
        "said",
        "says",
        "say",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "also",
        "more",
        "most",
        "other",
        "some",
        "any",
        "all",
        "each",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "while",
        "there",
        "here",
        "about",
        "after",
        "before",
        "over",
        "under",
        "into",
        "out",
        "up",
        "down",
        "new",
        "year",
        "years",
        "day",
        "days",
        "per",
        "cent",
        "percent",
        "according",
        "including",
        "since",
        "during",
        "between",
        "against",
        "through",
        "up",
        "said’",
        "mr",
        "ms",
        "china",
        "chinese",
        "china's",
        "beijing",
        "xinhua",
        "reuters",
        "news",
        "report",
        "reports",
        "reported",
        "reporter",
        "reporters",
        "week",
        "month",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)
# Logistic weights fitted on the dev split (bench/events.py --calibrate); see docs/events.md.
WEIGHTS: dict[str, float] = {
    "bias": -6.452,
    "conflict_counts": -0.377,
    "conflict_dates": -2.101,
    "conflict_docs": -1.477,
    "conflict_period": -1.465,
    "conflict_ruling": 0.0,
    "copy": 0.26,
    "cross_language": 0.151,
    "ev_codes": 0.361,
    "ev_dates": 1.329,
    "ev_docs": 1.135,
    "ev_issuers": -0.136,
    "ev_numbers": 0.765,
    "ev_people": 1.735,
    "ev_places": 0.045,
    "ev_terms": 0.163,
    "lexical": 1.723,
    "main_doc": 1.135,
    "terms": 5.294,
}
PRIOR_DOCS = 100
THRESHOLD = 0.4
JOIN_KINDS = ("docs", "dates", "percents", "numbers", "counts", "hs", "eccn", "people")
COMPARE_KINDS = (*JOIN_KINDS, "issuers", "places", "terms")
EVIDENCE = {
    "docs": ("main_docs",),
    "dates": ("dates",),
    "numbers": ("numbers", "percents", "counts"),
    "codes": ("hs", "eccn"),
    "people": ("people",),
    "issuers": ("issuers",),
    "places": ("places",),
    "terms": ("terms",),
}
VETO = ("docs",)  # two different main document numbers are two events, whatever else agrees
DATE_GAP = 30  # days: two articles whose dates are all further apart than this report other events
# Terms that exclude each other: a quarter's trade figures are not the half-year's; a preliminary
# ruling is not the final one.
EXCLUSIVE = {
    "period": frozenset(
        {"first quarter", "first half", "first four months", "first seven months", "full year"}
    ),
    "ruling": frozenset({"preliminary ruling", "final ruling"}),
}


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


def language_of(text: str) -> str:
    """'zh' when CJK ideographs make up a fifth or more of the letters, else 'en'."""
    cjk = len(re.findall(f"[{_CJK}]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk * 3 >= 0.2 * (cjk * 3 + latin) and cjk else "en"


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def lexical_tokens(text: str) -> list[str]:
    """English content words (stopwords dropped, plural -s cut) and Chinese character bigrams."""
    out = []
    for m in _WORD.finditer(anchor_mod.normalise(text).lower()):
        word = m.group()
        if word[0] >= "\u3400":
            out += [word[i : i + 2] for i in range(len(word) - 1)] or [word]
        elif word not in _STOP and len(word) > 1 and not word.isdigit():
            out.append(_stem(word))
    return out


def _hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest())


def profile(article_id: str, title: str, text: str, published: date | None = None) -> Profile:
    """The matcher's profile of one article."""
    body = text if not title or text.startswith(title) else f"{title}\n{text}"
    sketch = neardup.sketch([body])
    return Profile(
        article_id,
        language_of(anchor_mod.lead(body)),
        published,
        anchor_mod.extract(title, text, published),
        frozenset(_hash(t) for t in lexical_tokens(anchor_mod.lead(body, LEX_BYTES))),
        sketch.sigs[0],
        int(sketch.sizes[0]),
    )


@dataclass(frozen=True)
class Stats:
    """Document frequencies of anchor keys and lexical tokens over a history: rarer shared = stronger."""

    n: int = 0
    df: Mapping[str | int, int] = field(default_factory=dict)
    memo: dict[str | int, float] = field(default_factory=dict, compare=False, repr=False)
    norms: dict[frozenset[str | int], float] = field(default_factory=dict, compare=False, repr=False)

    def norm(self, keys: frozenset[str | int]) -> float:
        """Sum of squared idf weights of a key set (kept: a profile is compared with many others)."""
        value = self.norms.get(keys)
        if value is None:
            value = self.norms[keys] = sum(self.idf(t) ** 2 for t in keys)
        return value

    def idf(self, key: str | int) -> float:
        """Specificity in [0, 1]: log((n + 1) / (df + 1)) / log(n + 1) with PRIOR_DOCS added to n (a young
        history does not make every key look common), 1.0 when no history is known.

        Scaled by log(n + 1) so that a key seen once weighs about the same in a small corpus and in a
        large history (the weights are calibrated on a few hundred pages, used on a million).
        """
        if not self.n:
            return 1.0
        value = self.memo.get(key)
        if value is None:
            n = self.n + PRIOR_DOCS
            value = self.memo[key] = math.log((n + 1) / (self.df.get(key, 0) + 1)) / math.log(n + 1)
        return value

    @classmethod
    def of(cls, profiles: Iterable[Profile]) -> Stats:
        """Frequencies over a set of profiles (a corpus, or the history)."""
        df: Counter[str | int] = Counter()
        n = 0
        for p in profiles:
            n += 1
            df.update(set(anchor_keys(p.anchors)))
            df.update(p.lexical)
        return cls(n, df)


def anchor_keys(a: anchor_mod.Anchors, kinds: Iterable[str] = COMPARE_KINDS) -> list[str]:
    """`kind:value` keys of the anchors compared between articles (document years left out)."""
    out = []
    for kind in kinds:
        for v in getattr(a, kind):
            out.append(f"{kind}:{v.split(':')[0]}:{v.split(':')[-1]}" if kind == "docs" else f"{kind}:{v}")
    return out


def cosine(a: Iterable[str | int], b: Iterable[str | int], stats: Stats | None = None) -> float:
    """Cosine of two key sets, each key weighted by its idf (1 without stats)."""
    sa, sb = frozenset(a), frozenset(b)
    if not sa or not sb:
        return 0.0
    st = stats or Stats()
    shared = sum(st.idf(t) ** 2 for t in sa & sb)
    norm = math.sqrt(st.norm(sa) * st.norm(sb))
    return shared / norm if norm else 0.0


def _days(values: frozenset[str]) -> list[int]:
    return [date.fromisoformat(v).toordinal() for v in values]


def _docs_compatible(x: str, y: str) -> bool:
    kx, *rx = x.split(":")
    ky, *ry = y.split(":")
    if kx != ky or rx[-1] != ry[-1]:
        return False
    return len(rx) == 1 or rx[0] == "?" or ry[0] == "?" or rx[0] == ry[0]


def _shared_docs(x: frozenset[str], y: frozenset[str]) -> list[str]:
    return sorted({a for a in x for b in y if _docs_compatible(a, b)})


def shared_anchors(a: anchor_mod.Anchors, b: anchor_mod.Anchors) -> dict[str, list[str]]:
    """The anchors both articles carry, per kind (documents compared with unknown years allowed)."""
    out = {k: sorted(getattr(a, k) & getattr(b, k)) for k in COMPARE_KINDS if k != "docs"}
    out["docs"] = _shared_docs(a.docs, b.docs)
    out["main_docs"] = _shared_docs(a.main_docs, b.main_docs)
    return {k: v for k, v in out.items() if v}


def conflicts(a: anchor_mod.Anchors, b: anchor_mod.Anchors) -> list[str]:
    """Strong negatives: other main documents, other counted measures, other periods, dates far apart."""
    out = []
    if a.main_docs and b.main_docs and not _shared_docs(a.main_docs, b.main_docs):
        out.append("docs")
    if a.counts and b.counts and not a.counts & b.counts:
        out.append("counts")
    for name, group in EXCLUSIVE.items():
        ta, tb = a.terms & group, b.terms & group
        if ta and tb and not ta & tb:
            out.append(name)
    far = a.dates and b.dates and not a.dates & b.dates
    if far and min(abs(x - y) for x in _days(a.dates) for y in _days(b.dates)) > DATE_GAP:
        out.append("dates")
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
    found = conflicts(a.anchors, b.anchors) if found is None else found
    shared = shared_anchors(a.anchors, b.anchors) if shared is None else shared
    f = {
        "lexical": cosine(a.lexical, b.lexical, stats) if a.language == b.language else 0.0,
        "cross_language": 0.0 if a.language == b.language else 1.0,
        "copy": copy_score(a, b),
        "terms": cosine(anchor_keys(a.anchors, ("terms",)), anchor_keys(b.anchors, ("terms",)), stats),
        "main_doc": 1.0 if "main_docs" in shared else 0.0,
    }
    for group, kinds in EVIDENCE.items():
        f[f"ev_{group}"] = sum(specificity(kind, v) for kind in kinds for v in shared.get(kind, ()))
    f.update({f"conflict_{k}": float(k in found) for k in ("docs", "counts", "dates", *EXCLUSIVE)})
    return f


def specificity(kind: str, value: str) -> float:
    """How much one shared anchor says, from what it is: a round small percentage ("10%", "25%") or a
    small count is written about many events; "43.85 trillion", "84%" or a document number are not."""
    if kind in ("percents", "counts"):
        number = float(value)
        return 0.5 if number <= 30 and number == int(number) and (number % 5 == 0 or number < 5) else 1.0
    if kind == "numbers":
        return 1.0 if len(value.replace(".", "").split("e")[0].rstrip("0")) >= 2 else 0.5
    return 1.0


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
    """One event or not, and why: copies always join; otherwise the calibrated model decides."""
    shared = shared_anchors(a.anchors, b.anchors)
    found = conflicts(a.anchors, b.anchors)
    f = features(a, b, stats, shared, found)
    p = probability(f, weights)
    threshold = THRESHOLD if threshold is None else threshold
    if f["copy"] >= neardup.THRESHOLD:
        return Decision(a.article_id, b.article_id, True, max(p, f["copy"]), f, shared, found, "copy")
    if any(c in VETO for c in found):
        return Decision(a.article_id, b.article_id, False, p, f, shared, found, "conflict")
    return Decision(a.article_id, b.article_id, p >= threshold, p, f, shared, found, "model")
