"""The topic rules (`seeds/topics.toml`): loading, validation, and the phrase matcher they compile to.

Text and lexicon are folded alike before matching: lower case, traditional Chinese characters to
simplified (`seeds/zh_t2s.tsv`). Latin phrases are looked up as runs of whole words; every word of a
phrase may take a plural `s`, and a `*` word stands for up to two words (`resumed * operations`
matches `resumed full operations`). Chinese phrases are found by one regex, longest alternative
first; `*` in a Chinese phrase stands for up to four characters. A stretch of text counts once, as
the longest phrase found there.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from parsers.model import TOPICS

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
DEFAULT_RULES = SEEDS / "topics.toml"
T2S = SEEDS / "zh_t2s.tsv"
_TOKEN = re.compile(r"[a-z0-9][a-z0-9_-]*|[^a-z0-9\s]+")  # words; anything else separates phrases
_MAX_WORDS = 8
_MAX_GAP = 2  # words a Latin `*` stands for
_PHRASE = re.compile(rf"(?:[a-z0-9][a-z0-9_-]*|\*)(?: (?:[a-z0-9][a-z0-9_-]*|\*)){{0,{_MAX_WORDS - 1}}}")
_SPACE = re.compile(r"\s+")


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


@dataclass
class _Node:
    """A word trie: the phrase ending here and the words (or `*`) that continue it."""

    entry: Entry | None = None
    children: dict[str, _Node] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    """All topic rules, the compiled lexicon and the scoring constants."""

    topics: tuple[TopicRule, ...]
    entries: dict[str, Entry]
    trie: _Node
    chinese: re.Pattern[str]
    chinese_gapped: tuple[tuple[re.Pattern[str], Entry], ...]
    saturation: float
    reference_words: float
    length_exponent: float
    measure_threshold: float


@cache
def _t2s() -> tuple[re.Pattern[str], dict[int, int]]:
    """A regex finding any traditional character (cheap), and the table that folds them."""
    pairs = [line.split("\t") for line in T2S.read_text(encoding="utf-8").splitlines() if "\t" in line]
    table = {ord(t): ord(s) for t, s in pairs if not t.startswith("#")}
    bmp = "".join(re.escape(chr(c)) for c in table if c <= 0xFFFF)  # astral ones are folded only beside them
    return re.compile(f"[{bmp}]"), table


def fold(text: str) -> str:
    """Lower case, traditional Chinese characters as simplified: the form every phrase is matched in."""
    text = text.lower()
    if text.isascii():
        return text
    traditional, table = _t2s()
    return text.translate(table) if traditional.search(text) else text


def _key(text: str) -> str:
    return _SPACE.sub(" ", fold(text).strip())


def _plural(word: str) -> str | None:
    if not word[-1].isalpha() or word.endswith("s"):
        return None
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"  # duty -> duties
    return word + "es" if word.endswith(("x", "ch", "sh", "z")) else word + "s"


def _variants(words: list[str]) -> Iterator[list[str]]:
    """The phrase, then each form with one more word in the plural (`certificates of origin`)."""
    yield words
    for i, word in enumerate(words):
        if word != "*" and (plural := _plural(word)):
            yield [*words[:i], plural, *words[i + 1 :]]


def _compile(entries: dict[str, Entry]) -> tuple[_Node, re.Pattern[str], tuple]:
    trie = _Node()
    for key, entry in entries.items():
        if key.isascii():
            for words in _variants(key.split(" ")):
                node = trie
                for word in words:
                    node = node.children.setdefault(word, _Node())
                if node.entry is None or words == key.split(" "):
                    node.entry = entry
    chinese = sorted((k for k in entries if not k.isascii()), key=lambda k: -len(k.replace("*", "")))
    patterns = {k: r"[\u3400-\u9fff]{0,4}".join(map(re.escape, k.split("*"))) for k in chinese}
    gapped = tuple((re.compile(patterns[k]), entries[k]) for k in chinese if "*" in k)
    return trie, re.compile("|".join(patterns[k] for k in chinese) or r"(?!)"), gapped


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
        if (key.isascii() and not _PHRASE.fullmatch(key)) or key.strip("* ") != key:
            raise RulesError(
                f"{path}: phrase {key!r} must be 1 to {_MAX_WORDS} words of letters, digits, hyphens"
                " (a `*` only between words)"
            )
        entries[key] = Entry(key, tuple(sorted(weights[key].items())), tuple(sorted(negates[key])))
    trie, chinese, gapped = _compile(entries)
    return Rules(
        tuple(rules),
        entries,
        trie,
        chinese,
        gapped,
        float(settings.get("saturation", 4.0)),
        float(settings.get("reference_words", 300)),
        float(settings.get("length_exponent", 0.5)),
        float(settings.get("measure_threshold", 0.2)),
    )


def _longest(node: _Node, words: list[str], j: int) -> tuple[Entry | None, int]:
    """The longest phrase continuing from `node` at word `j`, and the index after it."""
    best: tuple[Entry | None, int] = (node.entry, j)
    while True:
        if star := node.children.get("*"):  # rare: only gapped phrases branch
            for gap in range(_MAX_GAP + 1):
                if j + gap > len(words) or (gap and not words[j + gap - 1][0].isalnum()):
                    break
                entry, end = _longest(star, words, j + gap)
                if entry and (best[0] is None or end > best[1]):
                    best = (entry, end)
        if j >= len(words) or (child := node.children.get(words[j])) is None:
            return best
        node, j = child, j + 1
        if node.entry and (best[0] is None or j > best[1]):
            best = (node.entry, j)


def hits(text: str, rules: Rules) -> list[Entry]:
    """The lexicon phrases found in folded `text` (see `fold`)."""
    found = []
    if not text.isascii():
        for match in rules.chinese.finditer(text):
            if entry := rules.entries.get(match.group()):
                found.append(entry)
            else:
                found += [e for pattern, e in rules.chinese_gapped if pattern.fullmatch(match.group())][:1]
    words = _TOKEN.findall(text)
    children, done = rules.trie.children, 0
    for i in [i for i, word in enumerate(words) if word in children]:
        if i >= done:
            entry, end = _longest(rules.trie, words, i)
            if entry:
                found.append(entry)
                done = end
    return found
