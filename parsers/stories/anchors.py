"""Event anchors of an article: what two reports of one event agree on whatever their language.

Pure: text in, a frozen `Anchors` out. Read from the title and the text's first LEAD_BYTES bytes
(long articles' background adds no anchors), after `normalise` (NFKC, traditional script to
simplified, Big5-gateway pinyin mojibake such as "務(wù)" repaired). Kinds, each a set of keys:

- issuers, places, countries, people, terms: canonical names from `seeds/gazetteer.toml` (bodies and
  places through parsers.classify.fields; countries, officials and bilingual trade terms here);
- docs: announcement and document numbers, `ann:2025:18` (`?` for an unwritten year), `doc:2018:71`
  (`国办函〔2018〕71号`), `decree:788`;
- counts: counted measures ("25 measures", "十条措施", "二十条");
- dates: full dates as ISO strings; a day written without a year takes the published year (or the
  text's latest year), one year earlier if that would put it more than 60 days after publication;
- percents, numbers (amounts and counts of 1,000 or more, scaled: "43.85 trillion" = "43.85万亿"),
  hs (6-digit HS prefixes), eccn (export-control numbers such as 1C902).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import date, timedelta
from functools import cache
from typing import Any

from parsers.classify import fields as measure_fields
from parsers.stories import lexicon

LEAD_BYTES = 2_000
MAIN_CHARS = 200
KINDS = (
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
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_HAS_CJK = re.compile(f"[{_CJK}]")
_MOJIBAKE = re.compile(rf"(?<=[{_CJK}])\((?:[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{{1,6}})\)")
_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_EN_NUMBERS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
} | {"thirty": 30, "forty": 40, "fifty": 50}
_ZH_NUM = "[零〇一二两三四五六七八九十百]+"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATES = [
    (re.compile(r"(?<!\d)(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日"), "ymd"),
    (re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE), "mdy"),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})(?:,?\s+(\d{{4}}))?", re.IGNORECASE), "dmy"),
]
_YEAR = re.compile(r"(?<!\d)(20\d\d|19\d\d)(?!\d)")
_PERCENT = re.compile(
    r"(\d+(?:\.\d+)?)(?:\s*(?:[-–~至到]|to)\s*(\d+(?:\.\d+)?))?\s*(?:%|-?\s*per\s*cent\b|-?\s*percent\b|-pct\b|\s+pct\b)",
    re.IGNORECASE,
)
_SCALES = {"trillion": 1e12, "billion": 1e9, "million": 1e6, "万亿": 1e12, "亿": 1e8, "万": 1e4}
_AMOUNT = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(trillion|billion|million|万亿|亿|万)", re.IGNORECASE)
_GROUPED = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d{4,5})(?![\d.,]*\d)(?!\s*年)(?:st|nd|rd|th)?")
_COUNT_EN = re.compile(
    r"\b(\d{1,3}|" + "|".join(_EN_NUMBERS) + r")(?:\s+[a-z-]+){0,2}?\s+"
    r"(?:measures|steps|policies|initiatives|tasks|articles|guidelines|points)\b",
    re.IGNORECASE,
)
_COUNT_ZH = re.compile(
    rf"(\d{{1,3}}|{_ZH_NUM})\s*[条项](?=[^\d]{{0,6}}?(?:措施|举措|政策|任务|意见))|共\s*(\d{{1,3}}|{_ZH_NUM})\s*[条项]"
)
_NICKNAME_ZH = re.compile(rf"(?<![\d{_CJK}])({_ZH_NUM})条(?![{_CJK}])")
_DOCS = [
    (re.compile(r"公告\s*[〔\[(（]?(\d{4})[〕\])）]?\s*年?\s*第\s*(\d{1,4})\s*号"), "ann", "yn"),
    (re.compile(r"(?:(\d{4})\s*年\s*)?(?:年度)?第\s*(\d{1,4})\s*号\s*公告"), "ann", "yn"),
    (re.compile(r"[〔\[【](\d{4})[〕\]】]\s*第?\s*(\d{1,4})\s*号"), "doc", "yn"),
    (re.compile(r"(?:国务院令|令)\s*第\s*(\d{1,4})\s*号"), "decree", "n"),
    (re.compile(r"\b(?:Decree|Order)\s+No\.?\s*(\d{1,4})\b", re.IGNORECASE), "decree", "n"),
    (
        re.compile(
            r"\bAnnouncements?\s+(?:No\.?|Number|Nos\.?)?\s*(\d{1,3})\b(?:\s*(?:of|\[|\()\s*(?:the\s+year\s+)?(\d{4}))?",
            re.IGNORECASE,
        ),
        "ann",
        "ny",
    ),
    (re.compile(r"\bAnnouncement\s*[\[(](\d{4})[\])]\s*No\.?\s*(\d{1,4})", re.IGNORECASE), "ann", "yn"),
    (
        re.compile(r"\bNo\.?\s*(\d{1,3})\s*(?:of\s+(\d{4})\s+)?(?:\w+\s+){0,2}?announcement", re.IGNORECASE),
        "ann",
        "ny",
    ),
]
_LIST = re.compile(r"\bAnnouncements?\s+Nos?\.?\s*((?:\d{1,3}\s*(?:,|and|&|-|–)\s*)+\d{1,3})", re.IGNORECASE)
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


def _zh_number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token.lower() in _EN_NUMBERS:
        return _EN_NUMBERS[token.lower()]
    total, current = 0, 0
    for ch in token:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        elif ch in "十百":
            total += (current or 1) * (10 if ch == "十" else 100)
            current = 0
        else:
            return None
    return total + current or None


def _month(token: str) -> int:
    return int(token) if token.isdigit() else _MONTHS.get(token.lower()[:3], 0)


def reference_year(text: str, published: date | None) -> int | None:
    """The year a day written without one belongs to: the published year, else the text's latest year."""
    if published is not None:
        return published.year
    years = [int(y) for y in _YEAR.findall(text)]
    return max(years) if years else None


def dates(text: str, published: date | None = None) -> frozenset[str]:
    """Full dates named in the text, ISO; year-less days placed by `reference_year`."""
    ref_year = reference_year(text, published)
    found = set()
    for pattern, order in _DATES:
        for m in pattern.finditer(text):
            g = m.groups()
            y, mo, d = (
                (g[0], g[1], g[2])
                if order == "ymd"
                else (g[2], g[0], g[1])
                if order == "mdy"
                else (g[2], g[1], g[0])
            )
            month = _month(mo)
            year = int(y) if y else ref_year
            if not month or year is None:
                continue
            try:
                day = date(year, month, int(d))
            except ValueError:
                continue
            if not y and published is not None and day > published + timedelta(days=60):
                day = day.replace(year=year - 1) if not (month == 2 and day.day == 29) else day
            found.add(day.isoformat())
    return frozenset(found)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def percents(text: str) -> frozenset[str]:
    """Percentages as numbers ("34%", "34-percent", "27.7%~34.9%" gives both ends)."""
    return frozenset(_fmt(float(v)) for m in _PERCENT.finditer(text) for v in m.groups() if v)


def numbers(text: str) -> frozenset[str]:
    """Scaled amounts ("10.3 trillion", "9823亿") and counts of 1,000 or more that are not years."""
    found = set()
    spans = []
    for m in _AMOUNT.finditer(text):
        found.add(_fmt(float(m.group(1).replace(",", "")) * _SCALES[m.group(2).lower()]))
        spans.append(m.span())
    for m in _GROUPED.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        value = int(m.group(1).replace(",", ""))
        if "," in m.group(1) or not 1900 <= value <= 2100:
            found.add(_fmt(value))
    return frozenset(found)


def counts(text: str) -> frozenset[str]:
    """Counted measures: "25 measures", "ten steps", "十条措施", "共25项", "二十条"."""
    found = set()
    for m in _COUNT_EN.finditer(text):
        found.add(_zh_number(m.group(1)))
    for m in _COUNT_ZH.finditer(text):
        found.add(_zh_number(m.group(1) or m.group(2)))
    for m in _NICKNAME_ZH.finditer(text):
        found.add(_zh_number(m.group(1)))
    return frozenset(str(n) for n in found if n)


def doc_mentions(text: str) -> list[tuple[int, str]]:
    """Announcement, document and decree numbers with where they are first written, in text order."""
    found: dict[str, int] = {}
    for pattern, kind, order in _DOCS:
        for m in pattern.finditer(text):
            g = m.groups()
            if order == "n":
                key = f"{kind}:{int(g[0])}"
            else:
                year, number = (g[0], g[1]) if order == "yn" else (g[1], g[0])
                key = f"{kind}:{year or '?'}:{int(number)}"
            found[key] = min(found.get(key, m.start()), m.start())
    for m in _LIST.finditer(text):
        year = re.match(r"\s*(?:of|\[|\()\s*(\d{4})", text[m.end() : m.end() + 12])
        for number in re.findall(r"\d{1,3}", m.group(1)):
            key = f"ann:{year.group(1) if year else '?'}:{int(number)}"
            found[key] = min(found.get(key, m.start()), m.start())
    dated = {k.rsplit(":", 1)[1] for k in found if k.startswith("ann:") and not k.startswith("ann:?")}
    kept = {
        k: pos for k, pos in found.items() if not (k.startswith("ann:?:") and k.rsplit(":", 1)[1] in dated)
    }
    return sorted((pos, k) for k, pos in kept.items())


def docs(text: str) -> frozenset[str]:
    """Announcement, document and decree numbers (`ann:2025:18`, `ann:?:34`, `doc:2018:71`, `decree:788`)."""
    return frozenset(k for _, k in doc_mentions(text))


def main_docs(text: str) -> frozenset[str]:
    """The documents an article is about: those named in its first MAIN_CHARS characters, else the first."""
    mentions = doc_mentions(text)
    early = frozenset(k for pos, k in mentions if pos < MAIN_CHARS)
    return early or frozenset(k for _, k in mentions[:1])


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
    return Anchors(
        issuers=frozenset(named["body"] | lexicon.customs_districts(body, lex)),
        docs=docs(body),
        main_docs=main_docs(body),
        counts=counts(body),
        dates=dates(body, published),
        percents=percents(body),
        numbers=numbers(body),
        hs=hs_codes(body),
        eccn=frozenset(_ECCN.findall(body)),
        places=frozenset(named["place"] | named["country"]),
        people=frozenset(named["person"]),
        terms=frozenset(named["term"]),
    )
