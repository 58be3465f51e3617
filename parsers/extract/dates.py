"""Dates as written in feeds, listings, sitemaps and pages, parsed into timezone-aware datetimes.

Times without a zone are taken as China Standard Time (UTC+8, no DST since 1991): the sources are
Chinese and their listings and feeds print Beijing time. Pass `naive_tz` to override.
"""

from __future__ import annotations

import calendar
import email.utils
import re
import time
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

CHINA_TZ = timezone(timedelta(hours=8), "CST")

# 2024-03-05, 2024/3/5, 2024.03.05, 2024年3月5日, optionally followed by 09:30 or 09:30:15
_NUMERIC = re.compile(
    r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?)?"
)


# A day in a URL's path, as Chinese publishers' systems write it: t20230707_800336078.html (TRS, the
# government sites), /20260119/ (news.cn), /202412/04/ (gov.cn, China Daily), /2025/0406/ (People's
# Daily), and the separated forms /2025-01/19/, /2022-06-25/, /2020/11/10/ htmldate reads too.
_URL_DAY = re.compile(
    r"(?:/|\bt|-)((?:19|20)\d\d)([-/]?)(0[1-9]|1[0-2])(?:\2|/|)(0[1-9]|[12]\d|3[01])(?=[/_.\-]|$)"
)


def from_url(url: str, today: datetime | None = None) -> datetime | None:
    """The publication day a URL's path spells (midnight, China time), or None; never after today."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    path = path.split("://", 1)[-1].partition("/")[2]
    now = today or datetime.now(CHINA_TZ)
    for match in _URL_DAY.finditer("/" + path):
        year, _, month, day = match.groups()
        try:
            found = datetime(int(year), int(month), int(day), tzinfo=CHINA_TZ)
        except ValueError:
            continue
        if found.year >= 1995 and found.date() <= now.date():
            return found
    return None


def parse_date(text: str | None, naive_tz: tzinfo = CHINA_TZ) -> datetime | None:
    """An aware datetime from RFC 822, ISO 8601 or Chinese-style date text; None if there is none."""
    if not text or not text.strip():
        return None
    value = text.strip()
    parsed = _rfc822(value) or _iso(value) or _numeric(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_tz)
    return parsed if 1970 <= parsed.year <= 2100 else None


def from_struct(value: time.struct_time | None) -> datetime | None:
    """An aware UTC datetime from a UTC `time.struct_time` (as feedparser gives), or None."""
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def _rfc822(value: str) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None and value.rstrip().endswith("-0000"):
        parsed = parsed.replace(tzinfo=UTC)  # RFC 5322: -0000 is UTC with no local offset known
    return parsed


def _iso(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _numeric(value: str) -> datetime | None:
    match = _NUMERIC.search(value)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def local_naive(value: datetime | None, timezone: str) -> datetime | None:
    """An aware datetime as the source's naive local time (how the warehouse stores dates)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
