"""Build `seeds/lexical_prior.json`: how often each lexical token occurs in real trade-news leads.

The event matcher's idf (`parsers.stories.lexical.Stats`) adds PRIOR_DOCS documents to a history so
that a young history does not make every word look rare. Those prior documents used to contain no word
at all, so in a history of a few dozen pages "tariffs" or "exports" shared by two reports counted as a
rare word naming the event. This file gives them real frequencies: the share of real pages' leads
(the first `events.LEX_BYTES` of each text, as profiles read them) that carry each token, per language
(English words among the English pages, Chinese bigrams among the Chinese pages).

Source: the 338 real pages of tests/data/topics_real (227 English, 111 Chinese trade news and official
pages; none is a page of the event set). Tokens on fewer than MIN_DOCS pages are left out (the rest
defaults to 0).

    python -m bench.lexical_prior   # rewrites seeds/lexical_prior.json
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from parsers.stories import anchors, events
from parsers.stories.lexical import PRIOR_PATH, language_of, lexical_tokens, token_hash

TEXTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "topics_real" / "texts"
MIN_DOCS = 2


def build(texts: list[str]) -> dict[str, object]:
    """Token rates per language over the leads of `texts`."""
    docs: Counter[str] = Counter()
    df: dict[str, Counter[str]] = {"en": Counter(), "zh": Counter()}
    for text in texts:
        lead = anchors.lead(text, events.LEX_BYTES)
        language = language_of(lead)
        docs[language] += 1
        df[language].update(set(lexical_tokens(lead)))
    rates: dict[str, float] = {}
    for language, counts in df.items():
        for token, n in counts.items():
            cjk = token[0] >= "\u3400"
            if n >= MIN_DOCS and cjk == (language == "zh"):
                rates[str(token_hash(token))] = round(n / docs[language], 4)
    return {
        "source": "tests/data/topics_real/texts",
        "docs": dict(docs),
        "rates": dict(sorted(rates.items())),
    }


def main() -> None:
    """Rewrite the prior from the real pages."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(TEXTS.glob("*.txt"))]
    prior = build(texts)
    PRIOR_PATH.write_text(json.dumps(prior, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(prior['rates'])} tokens from {prior['docs']} pages -> {PRIOR_PATH}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
