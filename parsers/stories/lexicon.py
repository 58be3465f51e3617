"""Fast gazetteer look-up for the event matcher: every table of `seeds/gazetteer.toml` as dictionaries.

Bodies and places are the tables parsers/classify/fields.py reads; countries, people and terms are
read here only. Matching is a dictionary look-up of word n-grams (Latin script) and of substrings of
CJK runs, so its cost does not grow with the number of aliases (a regular-expression alternation
over hundreds of aliases costs milliseconds per page). Latin aliases match whole words, ignoring case
and hyphens, except short all-capital acronyms ("US", "EU", "LNG"), which match with their case.
Overlapping aliases all count: "加征关税" names both "additional tariff" and "tariff".
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from parsers.classify import fields as measure_fields

TABLES = ("body", "place", "country", "person", "term")
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff0-9]+")  # digits too: "前4个月", "301条款"
_LATIN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,3}")


@dataclass(frozen=True)
class Lexicon:
    """Aliases of every table: Latin by lowered word tuple, acronyms by exact word, CJK by string.

    Each maps to its (table, canonical name) pairs; `prefixes` holds every proper prefix of a Latin
    word tuple or CJK string, so a scan stops as soon as no alias can continue.
    """

    latin: dict[tuple[str, ...], list[tuple[str, str]]]
    acronyms: dict[str, list[tuple[str, str]]]
    cjk: dict[str, list[tuple[str, str]]]
    prefixes: frozenset[tuple[str, ...] | str]
    body_kind: dict[str, str]
    goods: frozenset[str] = frozenset()  # the term names that are goods ([goods] of the gazetteer)


def _words(text: str) -> list[str]:
    return _LATIN.findall(text)


def _is_acronym(alias: str) -> bool:
    letters = [c for c in alias.replace(".", "") if c.isalpha()]
    return alias.isascii() and 0 < len(letters) <= 5 and all(c.isupper() for c in letters)


def _entries(data: dict, table: str) -> list[tuple[str, list[str]]]:
    if table == "body":
        return [(b["name"], list(b["aliases"])) for b in data.get("body", []) if not b.get("local")]
    return list(data.get(table, {}).items())


@cache
def load(path: str | None = None) -> Lexicon:
    """Every table of the gazetteer (default `seeds/gazetteer.toml`)."""
    data = tomllib.loads(Path(path or measure_fields.DEFAULT_GAZETTEER).read_text(encoding="utf-8"))
    latin: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    acronyms: dict[str, list[tuple[str, str]]] = {}
    cjk: dict[str, list[tuple[str, str]]] = {}
    prefixes: set[tuple[str, ...] | str] = set()
    for table in TABLES:
        for name, aliases in _entries(data, table):
            for alias in (unicodedata.normalize("NFKC", a).replace("’", "'") for a in aliases):
                entry = (table, name)
                if _CJK.search(alias):
                    _add(cjk, alias, entry)
                    prefixes.update(alias[:i] for i in range(1, len(alias)))
                elif _is_acronym(alias):
                    _add(acronyms, alias.replace(".", ""), entry)
                elif words := tuple(w.lower() for w in _words(alias)):
                    _add(latin, words, entry)
                    prefixes.update(words[:i] for i in range(1, len(words)))
    kinds = {b["name"]: b["kind"] for b in data.get("body", [])}
    goods = frozenset(data.get("goods", {}).get("names", []))
    if unknown := goods - set(data.get("term", {})):
        raise ValueError(f"[goods] names that are not [term] names: {sorted(unknown)}")
    return Lexicon(latin, acronyms, cjk, frozenset(prefixes), kinds, goods)


def _add(index: dict, key: object, entry: tuple[str, str]) -> None:
    if entry not in index.setdefault(key, []):
        index[key].append(entry)


def find_all(text: str, lexicon: Lexicon | None = None) -> dict[str, set[str]]:
    """Canonical names per table written in `text` (already NFKC and simplified)."""
    lex = lexicon or load()
    found: dict[str, set[str]] = {t: set() for t in TABLES}
    words = _LATIN.findall(_DOTTED.sub(lambda m: m.group().replace(".", ""), text))
    lowered = [w.lower() for w in words]
    for i, word in enumerate(words):
        hits = list(lex.acronyms.get(word, ()))
        for j in range(i + 1, len(words) + 1):
            gram = tuple(lowered[i:j])
            hits += lex.latin.get(gram, ())
            if gram not in lex.prefixes:
                break
        for table, name in hits:
            found[table].add(name)
    for run in _CJK_RUN.findall(text):
        for i in range(len(run)):
            for j in range(i + 1, len(run) + 1):
                for table, name in lex.cjk.get(run[i:j], ()):
                    found[table].add(name)
                if run[i:j] not in lex.prefixes:
                    break
    return found


def find(text: str, table: str, lexicon: Lexicon | None = None) -> set[str]:
    """Canonical names of one table's entries written in `text`."""
    return find_all(text, lexicon)[table]


def customs_districts(text: str, lexicon: Lexicon | None = None) -> set[str]:
    """Customs districts written as a place followed by "Customs" / "海关" ("Tianjin Customs", "天津海关")."""
    lex = lexicon or load()
    found = set()
    for m in re.finditer(r"([A-Z][a-z]+(?:[ -][A-Z][a-z]+)?)\s+Customs\b", text):
        name = _name(lex.latin.get(tuple(w.lower() for w in _words(m.group(1))), []))
        found.update([f"{name} Customs"] if name else [])
    for m in re.finditer("海关(?!总署)", text):
        before = text[max(0, m.start() - 5) : m.start()]
        name = next(
            (_name(lex.cjk[before[-n:]]) for n in (5, 4, 3, 2) if _name(lex.cjk.get(before[-n:], []))), None
        )
        found.update([f"{name} Customs"] if name else [])
    return found


def _name(entries: list[tuple[str, str]], table: str = "place") -> str | None:
    return next((name for t, name in entries if t == table), None)
