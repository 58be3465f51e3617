"""Event dates named in an article's text, as ISO strings, in English and Chinese.

"April 10, 2025", "10 April", "2025-04-10", "2025年4月10日" and "4月10日" give the same key; a day
written without a year takes the year that puts it nearest the published day (a January article's
"Dec. 30" is last year's, a September one's "effective from Dec. 1" this year's), or without a published
date the text's latest year. With a published date, the first weekday named ("on Tuesday", "周四")
is the latest such day on or before publication: news reports what happened, and an outlet writing
"on Tuesday" names the day another writes "Oct. 28". Without one, the yearless days and the weekday
are kept as they are written (`loose_days`, `loose_weekdays`) and read against the other page's day
when two pages are compared (`resolve`).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATES = [
    (re.compile(r"(?<!\d)(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日"), "ymd"),
    (re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE), "mdy"),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})(?:,?\s+(\d{{4}}))?", re.IGNORECASE), "dmy"),
]
_YEAR = re.compile(r"(?<!\d)(20\d\d|19\d\d)(?!\d)")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_EN = re.compile(
    r"\b(?:on|last|this|late|early)\s+(" + "|".join(_WEEKDAYS) + r")\b"
    r"|\b(" + "|".join(_WEEKDAYS) + r")\s+(?:morning|afternoon|evening|night)\b",
    re.IGNORECASE,
)
_WEEKDAY_ZH = re.compile(r"(?<!每)(?:星期|周|礼拜)([一二三四五六日天])(?![年刊])")  # not 每周五, 周年
_ZH_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


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
    return frozenset(iso for _, iso in date_mentions(text, published))


def date_mentions(text: str, published: date | None = None) -> list[tuple[int, str]]:
    """(position, ISO date) of every full date and weekday named, in text order."""
    ref_year = reference_year(text, published)
    found: list[tuple[int, str]] = []
    for pos, y, month, d in _written(text):
        if y is not None:
            found.append((pos, _iso(y, month, d)))
        elif published is not None:
            found.append((pos, nearest(month, d, published)))
        elif ref_year is not None:
            found.append((pos, _iso(ref_year, month, d)))
    return sorted((pos, iso) for pos, iso in found + weekdays(text, published) if iso)


def _written(text: str) -> list[tuple[int, int | None, int, int]]:
    """(position, year or None, month, day) of every day written with its month."""
    out = []
    for pattern, order in _DATES:
        if pattern is _DATES[1][0] and "月" not in text:  # 4月10日: its optional year tries every position
            continue
        for m in pattern.finditer(text):
            g = m.groups()
            y, mo, d = (
                (g[0], g[1], g[2])
                if order == "ymd"
                else (g[2], g[0], g[1])
                if order == "mdy"
                else (g[2], g[1], g[0])
            )
            if _month(mo):
                out.append((m.start(), int(y) if y else None, _month(mo), int(d)))
    return out


def _iso(year: int, month: int, day: int) -> str:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return ""


def nearest(month: int, day: int, ref: date) -> str:
    """A day written without a year, in the year that puts it nearest `ref` (ISO; "" if no such day):
    a January report's "Dec. 30" is last year's, a September one's "Dec. 1" (effective) this year's."""
    found = [date.fromisoformat(x) for x in (_iso(ref.year + k, month, day) for k in (-1, 0, 1)) if x]
    return min(found, key=lambda x: abs(x.toordinal() - ref.toordinal())).isoformat() if found else ""


def loose_days(text: str) -> frozenset[str]:
    """Days named without a year ("May 12", "5月12日") as MM-DD, for a page with no published date."""
    return frozenset(
        f"{month:02d}-{d:02d}"
        for _, y, month, d in _written(text)
        if y is None and _iso(2000, month, d)  # 2000: a leap year, so 02-29 passes
    )


def loose_weekdays(text: str) -> frozenset[str]:
    """Weekdays named ("on Tuesday", "周四") as 0-6 (Monday 0), for a page with no published date."""
    return frozenset(str(w) for _, w in _named_weekdays(text))


def resolve(days: frozenset[str], weekdays_: frozenset[str], ref: date | None) -> frozenset[str]:
    """A page's yearless days and weekdays as ISO dates, read against another page's day `ref`: the
    nearest such day, and the latest such weekday on or before it."""
    if ref is None:
        return frozenset()
    out = {nearest(int(md[:2]), int(md[3:]), ref) for md in days}
    out.update((ref - timedelta(days=(ref.weekday() - int(w)) % 7)).isoformat() for w in weekdays_)
    return frozenset(x for x in out if x)


def weekdays(text: str, published: date | None) -> list[tuple[int, str]]:
    """Days named by weekday ("on Tuesday", "周四"), as the latest such day on or before `published`."""
    if published is None:
        return []
    return [
        (pos, (published - timedelta(days=(published.weekday() - w) % 7)).isoformat())
        for pos, w in _named_weekdays(text)
    ]


def _named_weekdays(text: str) -> list[tuple[int, int]]:
    """The first weekday named (position, 0-6): the news day; later ones are plans or background
    ("issued a notice on Tuesday ... to be launched on Thursday")."""
    named = [
        (m.start(), _WEEKDAYS.index((m.group(1) or m.group(2)).lower()))
        for m in (_WEEKDAY_EN.finditer(text) if "day" in text.lower() else ())
    ]
    named += [(m.start(), _ZH_WEEKDAY[m.group(1)]) for m in _WEEKDAY_ZH.finditer(text)]
    return sorted(named)[:1]
