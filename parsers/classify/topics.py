"""Rule-based multi-label topic classifier; the rules are data (`seeds/topics.toml`).

Phrases are matched by `parsers.classify.topic_rules` (folded text, whole words, longest phrase first). A
`negate` phrase cancels its topic's positive terms in its sentence (`health quarantine of inbound
travellers` is not a customs measure) and shows in the evidence as `-phrase`. A topic fires when the
length-normalised document score or the score of its best paragraph (the title is one) reaches its
threshold.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

from parsers.classify.topic_rules import (
    DEFAULT_RULES,
    Entry,
    Rules,
    RulesError,
    TopicRule,
    fold,
    hits,
    load_rules,
)
from parsers.model import TopicScore

__all__ = [
    "DEFAULT_RULES",
    "Entry",
    "Rules",
    "RulesError",
    "TopicRule",
    "classify",
    "load_rules",
    "paragraph_scores",
    "topic_signals",
]

_SENTENCE_END = re.compile(r"[.!?;:]\s|[。！？；]")
_PARAGRAPH_BREAK = re.compile(r"\s*\n\s*")

Counts = dict[str, dict[str, int]]  # topic -> phrase ("-phrase" for a negation) -> count


def _count(paragraphs: list[str], rules: Rules) -> list[Counts]:
    """Phrase counts per paragraph; a negation cancels its topics' positive terms in its sentence."""
    counts: list[Counts] = []
    for paragraph in paragraphs:
        tally: Counts = defaultdict(lambda: defaultdict(int))
        folded = fold(paragraph)
        sentences = [found := hits(folded, rules)]
        if any(e.negates for e in found):  # only then is the paragraph cut into sentences
            sentences = [hits(sentence, rules) for sentence in _SENTENCE_END.split(folded)]
        for sentence in sentences:
            cancelled = {t for e in sentence for t in e.negates}
            for hit in sentence:
                for topic in hit.negates:
                    tally[topic]["-" + hit.text] += 1
                for topic, weight in hit.weights:
                    if weight <= 0 or topic not in cancelled:
                        tally[topic][hit.text] += 1
        counts.append(tally)
    return counts


def _score(topic: str, phrases: dict[str, int], rules: Rules, divisor: float = 1.0) -> TopicScore:
    """Saturated weighted sum of the phrases; evidence strongest first, negatives marked `-`."""
    gains = {
        p: dict(rules.entries[p].weights)[topic] * (1 + math.log(n))
        for p, n in phrases.items()
        if p[0] != "-"
    }
    total = sum(gains.values()) / divisor
    ranked = sorted(phrases, key=lambda p: (gains.get(p, 0) <= 0, -gains.get(p, 0)))
    evidence = tuple(
        ("-" if gains.get(p, 1) <= 0 else "") + p + (f"×{phrases[p]}" if phrases[p] > 1 else "")
        for p in ranked
    )
    return TopicScore(
        topic, round(1 - math.exp(-total / rules.saturation), 4) if total > 0 else 0.0, evidence
    )


def _paragraphs(title: str, text: str) -> list[str]:
    paragraphs = _PARAGRAPH_BREAK.split(text.strip())
    if title.strip() and not text.lstrip().startswith(title.rstrip(" …")):
        paragraphs.insert(0, title)  # a title made of the first sentence is not counted twice
    return [p for p in paragraphs if p]


def paragraph_scores(text: str, rules: Rules) -> list[tuple[int, TopicScore]]:
    """(paragraph index, score) of every topic with evidence in each line-separated paragraph."""
    scores = []
    for index, counts in enumerate(_count(_PARAGRAPH_BREAK.split(text.strip()), rules)):
        scores += [
            (index, _score(r.topic, counts[r.topic], rules)) for r in rules.topics if r.topic in counts
        ]
    return [(i, s) for i, s in scores if s.score > 0]


def topic_signals(title: str, text: str, rules: Rules) -> dict[str, tuple[TopicScore, float]]:
    """Per topic with evidence: the length-normalised document score and the best paragraph score."""
    paragraphs = _count(_paragraphs(title, text), rules)
    size = (len(text) + len(title)) / 6 + (len((title + text).encode()) - len(title + text)) / 4
    divisor = max(1.0, size / rules.reference_words) ** rules.length_exponent
    signals = {}
    for rule in rules.topics:
        document: dict[str, int] = defaultdict(int)
        for counts in paragraphs:
            for phrase, n in counts.get(rule.topic, {}).items():
                document[phrase] += n
        if document:
            best = max(_score(rule.topic, c[rule.topic], rules).score for c in paragraphs if rule.topic in c)
            signals[rule.topic] = (_score(rule.topic, document, rules, divisor), best)
    return signals


def classify(title: str, text: str, rules: Rules) -> tuple[TopicScore, ...]:
    """The topics whose document or best-paragraph score reaches their threshold, best first."""
    signals, chosen = topic_signals(title, text, rules), []
    for rule in rules.topics:
        if found := signals.get(rule.topic):
            whole, best = found
            if whole.score >= rule.threshold or best >= rule.paragraph_threshold:
                chosen.append(TopicScore(rule.topic, max(whole.score, best), whole.evidence))
    return tuple(sorted(chosen, key=lambda s: -s.score))
