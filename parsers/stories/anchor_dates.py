"""Event dates named in an article's text, as ISO strings, in English and Chinese.

"April 10, 2025", "10 April", "2025-04-10", "2025年4月10日" and "4月10日" give the same key; a day
written without a year takes the published year (or the text's latest year), one year earlier if
that would put it more than 60 days after publication (a January article about "Dec. 30").
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
