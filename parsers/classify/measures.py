"""Enumerated measures of an article, one row each, with their topics and fields: pure functions.

Items come from `parsers.classify.enumerations`; each is classified with the topic rules (a measure is short, so
one clear term is enough: `measure_threshold` in `seeds/topics.toml`) and its fields are read from its
own text first. What the item does not say is taken from the article, when the article says it once:
the announcement number and effective date (when the article names exactly one), the issuing body (the
body said to issue, formulate or introduce the measures in the title or the text before the list, else
the first body named there, else `issuer`), and the places of the title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from parsers.classify.enumerations import enumerated_items
from parsers.classify.fields import (
    Gazetteer,
    announcement_numbers,
    bodies,
    body_kind,
    effective_dates,
    hs_codes,
    load_gazetteer,
    places,
    table_hs_codes,
)
from parsers.classify.topics import Rules, topic_signals

CUSTOMS_AUTHORITIES = ("customs", "port")
_ANNEX_REF = re.compile(r"(?:附\s*件|附\s*表|\b(?:Annex|Attachment|Appendix)\b)\s*(\d{1,2})?", re.IGNORECASE)
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_NOTICE_TEXT_MAX = 300
_PREPOSITIONS = frozenset({"of", "by", "from", "with", "to", "and", "for"})
T = TypeVar("T")


@dataclass(frozen=True)
class Measure:
    """One enumerated measure of an article."""

    article_id: str
    ordinal: int
    text: str
    topics: tuple[str, ...]
    announcement_no: str | None = None
    issuing_body: str | None = None
    effective_date: date | None = None
    places: tuple[str, ...] = ()
    hs_codes: tuple[str, ...] = ()


def measure_topics(text: str, rules: Rules) -> tuple[str, ...]:
    """The topics of a measure's text: each topic whose score reaches the rules' `measure_threshold`."""
    signals = topic_signals("", text, rules)
    scored = [(max(whole.score, best), topic) for topic, (whole, best) in signals.items()]
    return tuple(topic for score, topic in sorted(scored, reverse=True) if score >= rules.measure_threshold)


def _subject(text: str, gazetteer: Gazetteer, home: str | None) -> str | None:
    """The first body an item names as an actor (not after `of`, `by`, `from`, `with`, ...)."""
    for body in bodies(text, gazetteer, home):
        words = text[max(0, body.start - 12) : body.start].lower().split()
        words = words[:-1] if words[-1:] == ["the"] else words
        if not words or words[-1] not in _PREPOSITIONS:
            return body.name
    return None


def _article_issuer(title: str, lead: str, gazetteer: Gazetteer, home: str | None) -> str | None:
    named = bodies(title, gazetteer, home) + bodies(lead, gazetteer, home)
    issuing = [b for b in named if b.issues]
    return (issuing or named)[0].name if named else None


def _only(values: list[T]) -> T | None:
    return values[0] if len(values) == 1 else None


def extract_measures(
    article_id: str, title: str, clean_text: str, rules: Rules, issuer: str | None = None
) -> list[Measure]:
    """The enumerated measures of an article, numbered from 1; [] when it enumerates none."""
    enumeration = enumerated_items(title, clean_text)
    start, items = enumeration.start, enumeration.items
    if not items:
        return []
    gazetteer = load_gazetteer()
    scope = places(title, gazetteer)
    home = (scope or places(clean_text[:start], gazetteer) or (None,))[0]
    default_body = _article_issuer(title, clean_text[:start], gazetteer, home) or issuer
    if not scope and default_body:  # a local body or a customs district governs its own place
        scope = places(default_body, gazetteer)
    default_number = _only(announcement_numbers(f"{title}\n{clean_text}"))
    default_date = _only(effective_dates(f"{title}\n{clean_text}"))
    measures = []
    for ordinal, text in enumerate(items, start=1):
        numbers, dates = announcement_numbers(text), effective_dates(text)
        measures.append(
            Measure(
                article_id=article_id,
                ordinal=ordinal,
                text=text,
                topics=measure_topics(f"{enumeration.stem} {text}", rules),
                announcement_no=numbers[0] if numbers else default_number,
                issuing_body=_subject(text, gazetteer, home) or default_body,
                effective_date=dates[0] if dates else default_date,
                places=places(text, gazetteer) or scope,
                hs_codes=hs_codes(text),
            )
        )
    return measures


def is_customs_measure(measure: Measure) -> bool:
    """A measure about customs or port clearance issued by a customs or port authority."""
    kind = body_kind(measure.issuing_body, load_gazetteer()) if measure.issuing_body else None
    return "customs" in measure.topics and kind in CUSTOMS_AUTHORITIES


def _cited(text: str, count: int) -> list[int]:
    """The annexes (0-based, in page order) a text refers to: `附件2` one, a bare `附件` or `Annex` all."""
    cited: list[int] = []
    for m in _ANNEX_REF.finditer(text):
        number = int(m.group(1)) if m.group(1) else None
        cited += [number - 1] if number and number <= count else list(range(count))
    return sorted(set(cited))


def _merge(first: tuple[str, ...], *more: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for values in (first, *more) for v in values))


def annex_measures(
    measures: list[Measure],
    article_id: str,
    title: str,
    clean_text: str,
    annexes: list[str],
    rules: Rules,
    issuer: str | None = None,
) -> list[Measure]:
    """The article's measures with the HS codes and places of its annexes (texts in page order).

    A measure that cites an annex (`附件2`, `见附件`, `Annex 1`) takes that annex's codes and places (a
    bare citation: every annex's). When none cites one, the notice itself becomes one more measure,
    its text the sentence citing the annexes (else the title), carrying every annex's codes and places.
    """
    gazetteer = load_gazetteer()
    found = [(table_hs_codes(text), places(text, gazetteer)) for text in annexes]
    if not any(codes or where for codes, where in found):
        return measures
    out, cited_any = [], False
    for m in measures:
        cited = _cited(m.text, len(found))
        cited_any = cited_any or bool(cited)
        out.append(
            replace(
                m,
                hs_codes=_merge(m.hs_codes, *(found[i][0] for i in cited)),
                places=_merge(m.places, *(found[i][1] for i in cited)),
            )
            if cited
            else m
        )
    if cited_any:
        return out
    return [*out, _notice_measure(len(out) + 1, article_id, title, clean_text, found, rules, issuer)]


def _notice_measure(
    ordinal: int,
    article_id: str,
    title: str,
    clean_text: str,
    found: list[tuple[tuple[str, ...], tuple[str, ...]]],
    rules: Rules,
    issuer: str | None,
) -> Measure:
    sentences = (m.group().strip() for m in _SENTENCE.finditer(clean_text))
    citing = next((s for s in sentences if _ANNEX_REF.search(s) and len(s) > 8), None)
    text = (citing or title or "")[:_NOTICE_TEXT_MAX]
    gazetteer = load_gazetteer()
    home = (places(title, gazetteer) or (None,))[0]
    return Measure(
        article_id=article_id,
        ordinal=ordinal,
        text=text,
        topics=measure_topics(f"{title} {text}", rules),
        announcement_no=_only(announcement_numbers(f"{title}\n{clean_text}")),
        issuing_body=_article_issuer(title, clean_text[:500], gazetteer, home) or issuer,
        effective_date=_only(effective_dates(f"{title}\n{clean_text}")),
        places=_merge(places(f"{title} {text}", gazetteer), *(where for _, where in found)),
        hs_codes=_merge(hs_codes(text), *(codes for codes, _ in found)),
    )
