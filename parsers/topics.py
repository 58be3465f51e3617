"""Rule-based multi-label topic classifier; the rules are data (`seeds/topics.toml`).

Text is lower-cased and cut into tokens once. Latin phrases are looked up as runs of whole words
(with an optional plural `s`); Chinese phrases are found by one regex, longest alternative first.
A stretch of text counts once, as the longest phrase found there. A `negate` phrase cancels its
topic's positive terms in its sentence (`health quarantine of inbound travellers` is not a customs
measure) and shows in the evidence as `-phrase`. A topic fires when the length-normalised document
score or the score of its best paragraph (the title is one) reaches its threshold.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from parsers.model import TOPICS, TopicScore

DEFAULT_RULES = Path(__file__).resolve().parents[1] / "seeds" / "topics.toml"
_TOKEN = re.compile(r"[a-z0-9][a-z0-9_-]*|[^a-z0-9\s]+")  # words; anything else separates phrases
_SENTENCE_END = re.compile(r"[.!?;:]\s|[。！？；]")
_PARAGRAPH_BREAK = re.compile(r"\s*\n\s*")
_MAX_WORDS = 8
_PHRASE = re.compile(rf"[a-z0-9][a-z0-9_-]*(?: [a-z0-9][a-z0-9_-]*){{0,{_MAX_WORDS - 1}}}")
_SPACE = re.compile(r"\s+")

Counts = dict[str, dict[str, int]]  # topic -> phrase ("-phrase" for a negation) -> count


class RulesError(ValueError):
    """The topic rules file is missing or malformed."""


@dataclass(frozen=True)
class Entry:
    """One lexicon phrase: its weight per topic and the topics it cancels in its sentence."""

    text: str
    weights: tuple[tuple[str, float], ...]
    negates: tuple[str, ...]


@dataclass(frozen=True)
class TopicRule:
    """A topic's thresholds: for the whole (length-normalised) document and for one paragraph."""

    topic: str
    threshold: float
    paragraph_threshold: float


@dataclass(frozen=True)
class Rules:
    """All topic rules, the compiled lexicon and the scoring constants."""

    topics: tuple[TopicRule, ...]
    entries: dict[str, Entry]
    first_words: frozenset[str]
    prefixes: frozenset[str]
    chinese: re.Pattern[str]
    saturation: float
    reference_words: float
    length_exponent: float
    measure_threshold: float


def _key(text: str) -> str:
    return _SPACE.sub(" ", text.strip().lower())


def load_rules(path: Path | str | None = None) -> Rules:
    """Read and validate a topics TOML file (default: `seeds/topics.toml`)."""
    path = Path(path) if path else DEFAULT_RULES
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"cannot read topic rules {path}: {exc}") from exc
    settings, topics = data.get("settings", {}), data.get("topic", {})
    if unknown := set(topics) - set(TOPICS):
        raise RulesError(f"{path}: unknown topic(s) {sorted(unknown)}; expected {TOPICS}")
    weights: dict[str, dict[str, float]] = defaultdict(dict)
    negates: dict[str, set[str]] = defaultdict(set)
    rules = []
    for name, spec in topics.items():
        terms = spec.get("terms", {})
        if not any(float(w) > 0 for w in terms.values()):
            raise RulesError(f"{path}: topic {name!r} has no terms")
        for text, weight in terms.items():
            weights[_key(text)][name] = float(weight)
        for text in spec.get("negate", []):
            negates[_key(text)].add(name)
        threshold = float(spec.get("threshold", settings.get("threshold", 0.5)))
        rules.append(TopicRule(name, threshold, float(spec.get("paragraph_threshold", threshold))))
    entries: dict[str, Entry] = {}
    for key in sorted(set(weights) | set(negates)):
        if key.isascii() and not _PHRASE.fullmatch(key):
            raise RulesError(
                f"{path}: phrase {key!r} must be 1 to {_MAX_WORDS} words of letters, digits, hyphens"
            )
        entries[key] = entry = Entry(key, tuple(sorted(weights[key].items())), tuple(sorted(negates[key])))
        if key.isascii() and key[-1].isalpha() and not key.endswith("s"):
            entries.setdefault(key + "s", entry)
    latin = [k.split(" ") for k in entries if k.isascii()]
    chinese = sorted((k for k in entries if not k.isascii()), key=len, reverse=True)  # longest first
    return Rules(
        tuple(rules),
        entries,
        frozenset(words[0] for words in latin),
        frozenset(" ".join(words[:n]) for words in latin for n in range(1, len(words) + 1)),
        re.compile("|".join(map(re.escape, chinese)) or r"(?!)"),
        float(settings.get("saturation", 4.0)),
        float(settings.get("reference_words", 300)),
        float(settings.get("length_exponent", 0.5)),
        float(settings.get("measure_threshold", 0.2)),
    )


def _latin_phrases(words: list[str], rules: Rules) -> Iterator[Entry]:
    """The longest lexicon phrase starting at each word, left to right (punctuation separates)."""
    first, prefixes, entries = rules.first_words, rules.prefixes, rules.entries
    done = 0
    for i in [i for i, word in enumerate(words) if word in first]:
        if i < done:
            continue
        best, key = None, words[i]
        for j in range(i, min(len(words), i + _MAX_WORDS)):
            if j > i and (key := f"{key} {words[j]}") not in prefixes:
                break
            if entry := entries.get(key):
                best, done = entry, j + 1
        if best:
            yield best


def _hits(text: str, rules: Rules) -> list[Entry]:
    """The lexicon phrases found in lower-cased `text`."""
    hits = [rules.entries[m.group()] for m in rules.chinese.finditer(text)]
    words = _TOKEN.findall(text)
    if not rules.first_words.isdisjoint(words):
        hits += _latin_phrases(words, rules)
    return hits


def _count(paragraphs: list[str], rules: Rules) -> list[Counts]:
    """Phrase counts per paragraph; a negation cancels its topics' positive terms in its sentence."""
    counts: list[Counts] = []
    for paragraph in paragraphs:
        tally: Counts = defaultdict(lambda: defaultdict(int))
        lowered = paragraph.lower()
        sentences = [hits := _hits(lowered, rules)]
        if any(e.negates for e in hits):  # only then is the paragraph cut into sentences
            sentences = [_hits(sentence, rules) for sentence in _SENTENCE_END.split(lowered)]
        for hits in sentences:
            cancelled = {t for e in hits for t in e.negates}
            for hit in hits:
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
