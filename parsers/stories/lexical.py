"""Lexical similarity of two reports: content words and Chinese character bigrams, idf-weighted cosine.

`lexical_tokens` gives English words without stopwords (plural -s cut) and Chinese character bigrams
after traditional-to-simplified conversion; `Stats` holds document frequencies over a history (rarer
shared = stronger) and `cosine` compares two key sets with those weights.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from parsers.stories import agreement
from parsers.stories import anchors as anchor_mod

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_WORD = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:['.-][a-z0-9]+)*")
# fmt: off
_STOP = frozenset([
    "a", "an", "the", "of", "to", "in", "on", "and", "or", "for", "is", "are", "was", "were", "be",
    "been", "being", "by", "with", "as", "at", "from", "that", "this", "these", "those", "it", "its",
    "it's", "their", "they", "them", "he", "she", "his", "her", "we", "our", "you", "your", "i", "not",
    "no", "but", "if", "than", "then", "so", "such", "said", "says", "say", "will", "would", "shall",
    "should", "can", "could", "may", "might", "must", "has", "have", "had", "do", "does", "did", "also",
    "more", "most", "other", "some", "any", "all", "each", "which", "who", "whom", "whose", "what",
    "when", "where", "while", "there", "here", "about", "after", "before", "over", "under", "into",
    "out", "up", "down", "new", "year", "years", "day", "days", "per", "cent", "percent", "according",
    "including", "since", "during", "between", "against", "through", "up", "said’", "mr", "ms", "china",
    "chinese", "china's", "beijing", "xinhua", "reuters", "news", "report", "reports", "reported",
    "reporter", "reporters", "week", "month", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday",
])
# fmt: on
PRIOR_DOCS = 100
# How often each token occurs in real trade-news leads (bench/lexical_prior.py): the prior documents'
# words, so that in a young history a common word shared by two reports does not look rare.
PRIOR_PATH = Path(__file__).resolve().parents[2] / "seeds" / "lexical_prior.json"


@cache
def prior_rates() -> dict[int, float]:
    """Token hash -> share of real leads carrying it (seeds/lexical_prior.json; empty if absent)."""
    if not PRIOR_PATH.exists():
        return {}
    data = json.loads(PRIOR_PATH.read_text(encoding="utf-8"))
    return {int(k): float(v) for k, v in data["rates"].items()}


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


def token_hash(token: str) -> int:
    """A lexical token as a 32-bit integer (profiles keep hashes, not words)."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest())


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
        history does not make every key look common) and to df as often as real leads carry the token
        (`prior_rates`: nor every common word look rare), 1.0 when no history is known.

        Scaled by log(n + 1) so that a key seen once weighs about the same in a small corpus and in a
        large history (the weights are calibrated on a few hundred pages, used on a million).
        """
        if not self.n:
            return 1.0
        value = self.memo.get(key)
        if value is None:
            n = self.n + PRIOR_DOCS
            seen = self.df.get(key, 0) + PRIOR_DOCS * (
                prior_rates().get(key, 0.0) if isinstance(key, int) else 0.0
            )
            value = self.memo[key] = math.log((n + 1) / (seen + 1)) / math.log(n + 1)
        return value

    @classmethod
    def of(cls, profiles: Iterable[Any]) -> Stats:
        """Frequencies over a set of profiles (a corpus, or the history)."""
        df: Counter[str | int] = Counter()
        n = 0
        for p in profiles:
            n += 1
            df.update(set(agreement.anchor_keys(p.anchors)))
            df.update(p.lexical)
        return cls(n, df)


def cosine(a: Iterable[str | int], b: Iterable[str | int], stats: Stats | None = None) -> float:
    """Cosine of two key sets, each key weighted by its idf (1 without stats)."""
    sa, sb = frozenset(a), frozenset(b)
    if not sa or not sb:
        return 0.0
    st = stats or Stats()
    shared = sum(st.idf(t) ** 2 for t in sa & sb)
    norm = math.sqrt(st.norm(sa) * st.norm(sb))
    return shared / norm if norm else 0.0
