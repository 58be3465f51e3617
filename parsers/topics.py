"""Rule-based multi-label topic classifier; the rules are data (`seeds/topics.toml`)."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from parsers.model import TOPICS, TopicScore

DEFAULT_RULES = Path(__file__).resolve().parents[1] / "seeds" / "topics.toml"


class RulesError(ValueError):
    """The topic rules file is missing or malformed."""


@dataclass(frozen=True)
class Term:
    """One lexicon entry: the text as written, its weight, and its compiled matcher."""

    text: str
    weight: float
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class TopicRule:
    """The lexicon and threshold of one topic."""

    topic: str
    terms: tuple[Term, ...]
    threshold: float


@dataclass(frozen=True)
class Rules:
    """All topic rules plus the score saturation constant."""

    topics: tuple[TopicRule, ...]
    saturation: float


def _compile(term: str) -> re.Pattern[str]:
    escaped = re.escape(term).replace(r"\ ", r"\s+")
    if term.isascii():
        return re.compile(rf"(?<![\w-]){escaped}(?![\w-])", re.IGNORECASE)
    return re.compile(escaped)


def load_rules(path: Path | str | None = None) -> Rules:
    """Read and validate a topics TOML file (default: `seeds/topics.toml`)."""
    path = Path(path) if path else DEFAULT_RULES
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"cannot read topic rules {path}: {exc}") from exc
    settings = data.get("settings", {})
    topics = data.get("topic", {})
    unknown = set(topics) - set(TOPICS)
    if unknown:
        raise RulesError(f"{path}: unknown topic(s) {sorted(unknown)}; expected {TOPICS}")
    rules = []
    for name, spec in topics.items():
        terms = tuple(Term(t, float(w), _compile(t)) for t, w in spec.get("terms", {}).items())
        if not terms:
            raise RulesError(f"{path}: topic {name!r} has no terms")
        rules.append(TopicRule(name, terms, float(spec.get("threshold", settings.get("threshold", 0.5)))))
    return Rules(tuple(rules), float(settings.get("saturation", 4.0)))


def score_topic(text: str, rule: TopicRule, saturation: float) -> TopicScore:
    """Score one topic on `text`: the saturated sum of its fired terms, with the evidence."""
    total, evidence = 0.0, []
    for term in rule.terms:
        count = len(term.pattern.findall(text))
        if count:
            total += term.weight * (1 + math.log(count))
            evidence.append(f"{term.text}×{count}" if count > 1 else term.text)
    score = 1 - math.exp(-total / saturation) if total > 0 else 0.0
    return TopicScore(rule.topic, round(score, 4), tuple(evidence))


def classify(title: str, text: str, rules: Rules) -> tuple[TopicScore, ...]:
    """The topics whose score reaches their threshold, best first."""
    document = f"{title}\n{text}"
    scores = [score_topic(document, rule, rules.saturation) for rule in rules.topics]
    chosen = [s for s, r in zip(scores, rules.topics, strict=True) if s.score >= r.threshold]
    return tuple(sorted(chosen, key=lambda s: -s.score))
