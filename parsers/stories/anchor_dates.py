"""Event dates named in an article's text, as ISO strings, in English and Chinese.

"April 10, 2025", "10 April", "2025-04-10", "2025年4月10日" and "4月10日" give the same key; a day
written without a year takes the published year (or the text's latest year), one year earlier if
that would put it more than 60 days after publication (a January article about "Dec. 30"). With a
published date, a weekday ("on Tuesday", "周四") is the latest such day on or before publication:
news reports what happened, and an outlet writing "on Tuesday" names the day another writes "Oct. 28".
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
            found.append((m.start(), day.isoformat()))
    return sorted(found + weekdays(text, published))


def weekdays(text: str, published: date | None) -> list[tuple[int, str]]:
    """Days named by weekday ("on Tuesday", "周四"), as the latest such day on or before `published`."""
    if published is None:
        return []
    named = [
        (m.start(), _WEEKDAYS.index((m.group(1) or m.group(2)).lower()))
        for m in (_WEEKDAY_EN.finditer(text) if "day" in text.lower() else ())
    ]
    named += [(m.start(), _ZH_WEEKDAY[m.group(1)]) for m in _WEEKDAY_ZH.finditer(text)]
    return [
        (pos, (published - timedelta(days=(published.weekday() - w) % 7)).isoformat()) for pos, w in named
    ]
