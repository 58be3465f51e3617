"""Event anchors of an article: what two reports of one event agree on whatever their language.

Pure: text in, a frozen `Anchors` out. Read from the title and the text's first LEAD_BYTES bytes
(long articles' background adds no anchors), after `normalise` (NFKC, traditional script to
simplified, Big5-gateway pinyin mojibake such as "務(wù)" repaired). Kinds, each a set of keys:

- issuers, places, countries, people, terms: canonical names from `seeds/gazetteer.toml` (bodies and
  places through parsers.classify.fields; countries, officials and bilingual trade terms here);
- docs: announcement and document numbers, `ann:2025:18` (`?` for an unwritten year), `doc:2018:71`
  (`国办函〔2018〕71号`), `decree:788`;
- counts: counted measures ("25 measures", "十条措施", "二十条"); entities: counted entities of the
  opening ("seven U.S. companies", "三家美国企业");
- dates: full dates as ISO strings; a day written without a year takes the published year (or the
  text's latest year), one year earlier if that would put it more than 60 days after publication;
- percents, numbers (amounts and counts of 1,000 or more, scaled: "43.85 trillion" = "43.85万亿"),
  hs (6-digit HS prefixes), eccn (export-control numbers such as 1C902).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import date
from functools import cache
from typing import Any

from parsers.classify import fields as measure_fields
from parsers.stories import anchor_dates, direction, lexicon, stage
from parsers.stories.anchor_dates import dates as dates
from parsers.stories.anchor_dates import reference_year as reference_year
from parsers.stories.anchor_docs import MAIN_CHARS as MAIN_CHARS
from parsers.stories.anchor_docs import doc_mentions as doc_mentions
from parsers.stories.anchor_docs import docs as docs
from parsers.stories.anchor_docs import main_docs as main_docs
from parsers.stories.anchor_numbers import counts as counts
from parsers.stories.anchor_numbers import entities as entities
from parsers.stories.anchor_numbers import main_rates
from parsers.stories.anchor_numbers import numbers as numbers
from parsers.stories.anchor_numbers import percents as percents

LEAD_BYTES = 2_000
# Kinds of anchors (the fields of `Anchors`); dates, numbers and documents are read by the modules
# anchor_dates, anchor_numbers and anchor_docs, re-exported here.
KINDS = tuple(
    [
        "issuers",
        "docs",
        "main_docs",
        "counts",
        "dates",
        "percents",
        "numbers",
        "hs",
        "eccn",
        "places",
        "people",
        "terms",
        "genre",
        "rates",
        "stage",
        "direction",
        "goods",
        "head_terms",
        "entities",
        "days",
        "weekdays",
    ]
)
GENRE_CHARS = 300
# The goods named in the opening (the gazetteer's [goods]) say what a measure is on.
GOODS_CHARS = 250
# A clause that recites what the news rests on ("根据…公布的调查初裁结果", "following the preliminary
# ruling"): its terms are not what the opening reports.
_RECITED = re.compile(
    r"(?:根据|依据|按照)[^,，。;；]{0,40}|\b(?:according to|following|pursuant to|based on)\b[^,.;]{0,60}",
    re.IGNORECASE,
)
# A press answer or an explanatory Q&A is its own event, apart from the document it explains: its
# opening says so ("Question:", "A reporter asked", "答记者问"); a report quoting a spokesperson does not.
_QA = re.compile(
    r"(?:^|\n)\s*(?:Q|Question|问)\s*[:：]|\bA reporter asked\b|\bQ\s*&\s*A\b"
    r"|\b(?:in response to|answer(?:s|ed|ing)?|respond(?:s|ed|ing)? to)\s+(?:a\s+|the\s+)?"
    r"(?:media|reporters?'?s?|journalists?'?s?|press)\s+(?:inquir|question|quer)"
    r"|答记者问|记者问|答问|问答|应询",
    re.IGNORECASE,
)
_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_HAS_CJK = re.compile(f"[{_CJK}]")
_MOJIBAKE = re.compile(rf"(?<=[{_CJK}])\((?:[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{{1,6}})\)")
_HS_TRIGGER = re.compile(
    r"(?:海关商品编号|商品编号|HS\s*编码|HS\s*codes?|HS)\s*[:：]?\s*((?:\d{4}(?:\.?\d{2}){1,3}[、,，\s和及]*)+)"
)
_ECCN = re.compile(r"(?<![A-Za-z0-9])(\d[A-E]\d{3})(?:\.[a-z])?(?![A-Za-z0-9])")


@dataclass(frozen=True)
class Anchors:
    """An article's anchors by kind (see the module docstring)."""

    issuers: frozenset[str] = frozenset()
    docs: frozenset[str] = frozenset()
    main_docs: frozenset[str] = frozenset()
    counts: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    percents: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    hs: frozenset[str] = frozenset()
    eccn: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    people: frozenset[str] = frozenset()
    terms: frozenset[str] = frozenset()
    genre: frozenset[str] = frozenset()  # {"qa"}: a press answer or Q&A (GENRE_CHARS of the opening)
    rates: frozenset[str] = frozenset()  # percentages of the opening; a change "from X% to Y%" gives Y
    stage: frozenset[str] = frozenset()  # follow-up stage the opening reports (parsers.stories.stage)
    direction: frozenset[str] = frozenset()  # "lift" / "impose": the way the reported measure goes
    # the goods (gazetteer [goods]) the opening names: what the measure is on
    goods: frozenset[str] = frozenset()
    # the terms of the opening (GOODS_CHARS): the ruling or period it reports, where the lead also
    # recites earlier ones ("the preliminary ruling of January" in a report of the final ruling)
    head_terms: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()  # counted entities of the opening ("seven U.S. companies")
    # No published date: days named without a year (MM-DD) and weekdays (0-6), read against the other
    # page's day when two pages are compared (events.pair_anchors)
    days: frozenset[str] = frozenset()
    weekdays: frozenset[str] = frozenset()

    def keys(self) -> list[str]:
        """Every anchor as `kind:value`, sorted."""
        return sorted(f"{f.name}:{v}" for f in fields(self) for v in getattr(self, f.name))

    def as_dict(self) -> dict[str, list[str]]:
        """Plain lists per kind (for JSON)."""
        return {f.name: sorted(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}


@cache
def _t2s() -> Any:
    try:
        import opencc  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - a dependency; without it traditional script stays as written
        return None
    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """NFKC, traditional script to simplified, Big5-gateway pinyin mojibake removed, quotes unified."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    if _HAS_CJK.search(text):
        text = _MOJIBAKE.sub("", text)
        converter = _t2s()
        if converter is not None:
            text = converter.convert(text)
    return text


def lead(text: str, limit: int = LEAD_BYTES) -> str:
    """The text cut to its first `limit` UTF-8 bytes (at a character boundary)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def hs_codes(text: str) -> frozenset[str]:
    """HS codes cut to their 6-digit international prefix."""
    codes = set(measure_fields.hs_codes(text))
    for m in _HS_TRIGGER.finditer(text):
        codes.update(c.replace(".", "") for c in re.findall(r"\d{4}(?:\.?\d{2}){1,3}", m.group(1)))
    return frozenset(c[:6] for c in codes if len(c) >= 6)


def extract(title: str, text: str, published: date | None = None) -> Anchors:
    """The anchors of one article (title and the first LEAD_BYTES bytes of its text)."""
    body = normalise(f"{title}\n{lead(text)}" if title and not text.startswith(title) else lead(text))
    lex = lexicon.load()
    named = lexicon.find_all(body, lex)
    mentions = doc_mentions(body)
    head_terms = frozenset(lexicon.find_all(_RECITED.sub(" ", body[:GOODS_CHARS]), lex)["term"])
    return Anchors(
        issuers=frozenset(named["body"] | lexicon.customs_districts(body, lex)),
        docs=frozenset(k for _, k in mentions),
        main_docs=main_docs(body, mentions),
        counts=counts(body),
        dates=dates(body, published),
        percents=percents(body),
        numbers=numbers(body),
        hs=hs_codes(body),
        eccn=frozenset(_ECCN.findall(body)),
        places=frozenset(named["place"] | named["country"]),
        people=frozenset(named["person"]),
        terms=frozenset(named["term"]),
        rates=main_rates(body),
        genre=frozenset({"qa"} if _QA.search(body[:GENRE_CHARS]) or stage.explainer(body) else ()),
        stage=stage.stages(body),
        direction=direction.directions(body),
        goods=head_terms & lex.goods,
        head_terms=head_terms,
        entities=entities(body),
        days=anchor_dates.loose_days(body) if published is None else frozenset(),
        weekdays=anchor_dates.loose_weekdays(body) if published is None else frozenset(),
    )
