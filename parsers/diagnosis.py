"""What is wrong with a source, from one look at its index page: the pure half of `tradewire doctor`.

`diagnose` takes what was seen at the index (a fetched or recorded page, an HTTP answer, or the
fetch error), the article links its parser found there, and the time of the look; it returns a
`Diagnosis`: how many links the selectors yield, how many match the source's `article_pattern`, the
newest item's age, and one verdict with its reason, checked in this order:

    tls        the TLS handshake failed (most often a certificate chain the trust store rejects)
    robots     robots.txt disallows the index for tradewire
    dead       the index or feed is gone (HTTP 404/410)
    scripts    the index is built by scripts: a JavaScript challenge (HTTP 412), or a tiny page
               with no usable links (its content comes from scripts or frames)
    unreachable any other fetch failure (connection, timeout, HTTP error)
    no-links   the page is there but the selectors yield nothing, or nothing the pattern accepts
    stale      the newest item is older than `stale_after` (a dead or abandoned feed or list)
    ok         links found, and fresh or undated
    no-page    nothing was recorded to look at (not a failure: there is nothing to judge)

No I/O here: the caller fetches (or reads the recorded page) and parses the links within its budgets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup

from parsers.extract import charset
from parsers.fetch.types import (
    BlockedError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    Response,
    TLSError,
    TransportError,
)
from parsers.model import Link, Source

BROKEN = ("tls", "robots", "dead", "scripts", "unreachable", "no-links", "stale")
VERDICTS = (*BROKEN, "ok", "no-page")
TINY_BYTES = 4_000  # a script shell or challenge page; real index pages here are 5-60 kB
_SHAPE_MAX_BYTES = 64_000  # only small pages are examined for their shape (bounded cost)
_VISIBLE_MIN = 300  # characters of visible text below which a page without links says nothing
_NAVIGATION = ("javascript:", "mailto:", "tel:", "#")
_JS_REDIRECT = re.compile(rb"(window\.)?location(\.href)?\s*=|location\.replace\(|\$_ts\s*=", re.I)


@dataclass(frozen=True)
class IndexPage:
    """What a look at a source's index gave: a body, an HTTP answer without one, or an error."""

    url: str
    seen_at: datetime | None = None  # fetch time (recorded pages: when they were recorded)
    status: int | None = None  # the final HTTP status, if a response came
    body: bytes | None = None  # None: no bytes (an error, or an observation kept without a copy)
    content_type: str | None = None
    size: int | None = None  # bytes observed when the body itself is not kept
    error: str | None = None  # the fetch failure's reason
    error_kind: str | None = None  # tls | robots | blocked | http | connection | timeout | other
    not_modified: bool = False  # a conditional GET answered "not modified"


@dataclass(frozen=True)
class Diagnosis:
    """One source's health at one look."""

    source_id: str
    verdict: str
    reason: str
    enabled: bool = True
    links: int | None = None
    matching: int | None = None
    newest_age_hours: float | None = None
    seen_at: datetime | None = None
    checked: str = "recorded"  # recorded (a kept page) | live (fetched now) | run (an ingest run)

    @property
    def broken(self) -> bool:
        """True if the verdict says the source cannot deliver articles as registered."""
        return self.verdict in BROKEN


def diagnose(
    source: Source,
    page: IndexPage | None,
    links: Sequence[Link] | None,
    *,
    stale_after: timedelta = timedelta(days=45),
    checked: str = "recorded",
    problem: str | None = None,
) -> Diagnosis:
    """The verdict on `source` from `page` and the `links` its parser found there (None: not parsed).

    `problem` is why the parser could not read the page (a budget, a feed it refused), if it said so.
    """

    def result(
        verdict: str, reason: str, counts: tuple[int, int | None, float | None] | None = None
    ) -> Diagnosis:
        links, matching, age = counts or (None, None, None)
        seen = page.seen_at if page else None
        return Diagnosis(source.id, verdict, reason, source.enabled, links, matching, age, seen, checked)

    if page is None:
        return result("no-page", source.no_sample or "no recorded index page")
    failed = _failed(page)
    if failed:
        return result(*failed)
    if page.not_modified:
        return result("ok", "index not modified since the last look")
    if page.body is None:
        if page.size is not None and page.size < TINY_BYTES:
            return result("scripts", f"index built by scripts: {page.size} bytes of static HTML, no links")
        return result("no-page", "the look kept no copy of the page")
    found = list(links or [])
    if not found and problem:
        return result("no-links", f"the index could not be parsed: {problem}")
    if not found:
        return result(*_empty(source, page))
    matching = _matching(source, found)
    age = _newest_age(found, page.seen_at)
    counts = (len(found), matching, age)
    if source.article_pattern and matching == 0:
        first = found[0].url
        return result(
            "no-links", f"{len(found)} link(s), none matches article_pattern (first: {first})", counts
        )
    if age is not None and age > stale_after.total_seconds() / 3600:
        what = _index_word(source)
        return result("stale", f"newest item is {_age_words(age)} old: a dead or abandoned {what}", counts)
    return result("ok", _ok_words(found, matching, age), counts)


def _failed(page: IndexPage) -> tuple[str, str] | None:
    if page.error_kind == "tls":
        return "tls", page.error or "TLS handshake failed"
    if page.error_kind == "robots":
        return "robots", page.error or "robots.txt disallows the index"
    if page.status in (404, 410):
        return "dead", f"HTTP {page.status}: the index is gone" + (f" ({page.error})" if page.error else "")
    if page.status == 412:
        return "scripts", "HTTP 412: a JavaScript challenge answers non-browser clients (a bot wall)"
    if page.error or (page.status is not None and page.status >= 400):
        return "unreachable", page.error or f"HTTP {page.status}"
    return None


def _empty(source: Source, page: IndexPage) -> tuple[str, str]:
    """Why a page that came back yields no article link: built by scripts, or selectors that miss."""
    body = page.body or b""
    shape = _shape(body, page.content_type, source) if len(body) <= _SHAPE_MAX_BYTES else None
    if shape is not None:
        usable, visible, scripted = shape
        if usable == 0 and (len(body) < TINY_BYTES or scripted) and visible < _VISIBLE_MIN:
            how = "scripts or frames" if scripted else "nothing in the static HTML"
            return "scripts", (
                f"index built by scripts: {len(body)} bytes, {visible} characters of text, no usable "
                f"link (its content comes from {how})"
            )
        if source.kind == "feed":
            return (
                "no-links",
                f"no feed entry: the URL serves {len(body)} bytes of HTML with {usable} link(s)",
            )
        return (
            "no-links",
            f"the selectors yield nothing (the page has {usable} link(s)): has the layout changed?",
        )
    what = "no feed entry" if source.kind == "feed" else "the selectors yield nothing"
    return "no-links", f"{what} in {len(body)} bytes"


def _shape(body: bytes, content_type: str | None, source: Source) -> tuple[int, int, bool] | None:
    """(usable links, characters of visible text, scripted) of an HTML page; None for XML."""
    text = charset.decode(body, content_type, source.encoding)[0]
    if text.lstrip()[:5].lower() == "<?xml" or "<rss" in text[:500].lower():
        return None
    soup = BeautifulSoup(text, "lxml")
    usable = sum(
        1 for a in soup.select("a[href]") if not str(a["href"]).strip().lower().startswith(_NAVIGATION)
    )
    scripted = bool(soup.find("iframe")) or bool(_JS_REDIRECT.search(body))
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    visible = len(" ".join(soup.get_text(" ").split()))
    return usable, visible, scripted or (bool(soup.find("script")) and usable == 0)


def _matching(source: Source, links: Sequence[Link]) -> int | None:
    if not source.article_pattern:
        return None
    pattern = re.compile(source.article_pattern)
    return sum(1 for link in links if pattern.search(link.url))


def _newest_age(links: Sequence[Link], seen_at: datetime | None) -> float | None:
    """Hours between the look and the newest dated item (negative: dated in the future)."""
    dates = [_aware(link.published) for link in links if link.published is not None]
    if not dates:
        return None
    now = _aware(seen_at) if seen_at else datetime.now(UTC)
    return (now - max(dates)).total_seconds() / 3600


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _age_words(hours: float) -> str:
    if hours < 0:
        return f"{-hours:.1f} h in the future"
    if hours < 48:
        return f"{hours:.1f} h"
    days = hours / 24
    return f"{days:.0f} days" if days < 730 else f"{days / 365.25:.1f} years"


def _index_word(source: Source) -> str:
    return {"feed": "feed", "sitemap": "sitemap"}.get(source.kind, "list")


def _ok_words(links: Sequence[Link], matching: int | None, age: float | None) -> str:
    parts = [f"{len(links)} link(s)"]
    if matching is not None:
        parts.append(f"{matching} match the article pattern")
    if age is None:
        parts.append("undated")
    elif age < -1:
        parts.append(f"newest dated {_age_words(age)}: the source's dates are off (time zone?)")
    else:
        parts.append(f"newest {_age_words(max(age, 0.0))} old")
    return ", ".join(parts)


def page_of_response(response: Response) -> IndexPage:
    """The IndexPage of a fetched index (a 304 or an unchanged body is `not_modified`)."""
    return IndexPage(
        url=response.final_url or response.url,
        seen_at=response.fetched_at,
        status=response.status,
        body=None if response.not_modified else response.body,
        content_type=response.header("content-type"),
        not_modified=response.not_modified,
    )


def page_of_error(url: str, error: FetchError, seen_at: datetime | None = None) -> IndexPage:
    """The IndexPage of an index that could not be fetched, with the kind of failure."""
    status = error.status if isinstance(error, HTTPStatusError) else None
    return IndexPage(url, seen_at or datetime.now(UTC), status, error=error.reason, error_kind=_kind(error))


def _kind(error: FetchError) -> str:
    if isinstance(error, TLSError):
        return "tls"
    if isinstance(error, BlockedError):
        return "robots" if "robots.txt" in error.reason else "blocked"
    if isinstance(error, HTTPStatusError):
        return "http"
    if isinstance(error, FetchTimeoutError):
        return "timeout"
    return "connection" if isinstance(error, TransportError) else "other"
