"""RSS 0.9x/1.0/2.0 and Atom discovery: feed bytes to items (link, title, date as written, summary).

The charset is found by `parsers.extract.charset` (the source's `encoding`, a BOM, the HTTP header, the XML
declaration, then detection; GB2312 read as GB18030), and feedparser is handed the feed as UTF-8
declaring UTF-8 with every character reference one that XML allows: it then never meets what
crashes it (a lone surrogate `&#xd800;`, a code point past U+10FFFF, a non-ASCII byte in the
declared encoding name). A DOCTYPE that declares entities is refused before parsing (see
`parsers.extract.xmlsafe`). Each entry is read under an `ItemGuard`: an entry that cannot be used (no link,
a link that is no http(s) URL, anything that raises) is that entry's failure row; the others load.
"""

from __future__ import annotations

import io
import logging
import re
from functools import partial
from typing import Any

import feedparser
from bs4 import BeautifulSoup

from parsers.extract import charset
from parsers.extract.dates import from_struct, parse_date
from parsers.extract.xmlsafe import entity_refusal
from parsers.fetch.policy import join_url
from parsers.isolation import ItemGuard, describe
from parsers.model import Failure, Link, Source

log = logging.getLogger(__name__)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*?\?>", re.I)
_DECL_ENCODING = re.compile(r"""\sencoding\s*=\s*(?:"[^"]*"|'[^']*')""", re.I)
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


def parse_feed(
    body: bytes, base_url: str, source: Source, content_type: str | None = None
) -> tuple[list[Link], list[Failure]]:
    """Items of an RSS/Atom feed, and Failures (stage "discover"): the feed's own, or its bad entries'."""
    refusal = entity_refusal(body, content_type, source.encoding)
    if refusal:
        return [], [Failure(source.id, base_url, "discover", refusal)]
    # A stream, never bytes: feedparser treats a bytes/str argument that names a file as a path to open.
    stream = io.BytesIO(_as_utf8(body, content_type, source.encoding))
    headers = {"content-location": base_url, "content-type": "application/xml; charset=utf-8"}
    try:
        parsed = feedparser.parse(stream, response_headers=headers, sanitize_html=True)
    except Exception as exc:  # feedparser's own bug on this document: the feed is unreadable, not the run
        reason = f"not a readable feed: feedparser failed: {describe(exc)}"
        return [], [Failure(source.id, base_url, "discover", reason)]
    guard = ItemGuard(source.id, "discover")
    items: dict[str, Link] = {}
    for number, entry in enumerate(parsed.entries, 1):
        item = guard.run(_entry_link(entry) or base_url, _item, entry, base_url, number, guard)
        if item is not None and item.url not in items:
            items[item.url] = item
    if items:
        if parsed.get("bozo"):
            log.info("feed %s parsed with problems: %s", base_url, _describe(parsed.get("bozo_exception")))
        return list(items.values()), guard.failures
    if parsed.get("bozo"):
        reason = f"not a readable feed: {_describe(parsed.get('bozo_exception'))}"
    elif not parsed.get("version"):
        reason = "not a feed: no RSS or Atom root element"
    else:
        return [], guard.failures  # a valid feed: with nothing in it today, or only unusable entries
    return [], [Failure(source.id, base_url, "discover", reason)]


def _entry_link(entry: Any) -> str | None:
    # dict.get: FeedParserDict.get maps missing keys to others ("updated" -> "published") with a warning
    link = dict.get(entry, "link") or next(
        (x.get("href") for x in dict.get(entry, "links") or () if x.get("rel") == "alternate"), None
    )
    return str(link).strip() if link else None


def _item(entry: Any, base_url: str, number: int, guard: ItemGuard) -> Link | None:
    get = partial(dict.get, entry)
    title = " ".join((get("title") or "").split()) or None
    link = _entry_link(entry)
    if not link:  # feedparser empties a link it cannot resolve (`http://[::1/x`), keeping the element
        unusable = any(not x.get("href") for x in get("links") or ())
        problem = "a link that is not a valid URL" if unusable else "no link"
        guard.fail(base_url, f"feed entry {number} ({title or 'untitled'!r}) has {problem}")
        return None
    url, refusal = join_url(base_url, link)
    if refusal:
        guard.fail(url, f"feed entry {number} ({title or 'untitled'!r}): {refusal}")
        return None
    date_text = get("published") or get("updated") or get("created")
    parsed = get("published_parsed") or get("updated_parsed") or get("created_parsed")
    published = parse_date(date_text) or from_struct(parsed)
    return Link(url, title, published, date_text, _plain(get("summary")), via="feed")


def _plain(html: str | None) -> str | None:
    if not html:
        return None
    text = BeautifulSoup(html, "html.parser").get_text(" ") if "<" in html else html
    return " ".join(text.split()) or None


def _as_utf8(body: bytes, content_type: str | None, override: str | None) -> bytes:
    text, _ = charset.decode(body, content_type, override)
    text = _XML_DECL.sub(lambda m: _DECL_ENCODING.sub(' encoding="utf-8"', m[0]), text, count=1)
    return _CHAR_REF.sub(_allowed_char_ref, text).encode("utf-8")


def _allowed_char_ref(match: re.Match[str]) -> str:
    """The reference if XML allows its character (the Char production), else one to U+FFFD."""
    digits = (match[1] or match[2]).lstrip("0") or "0"
    code = int(digits, 16 if match[1] else 10) if len(digits) <= 8 else -1  # no 10**20-digit numbers
    allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
    return match[0] if allowed or 0x10000 <= code <= 0x10FFFF else "&#xFFFD;"


def _describe(error: object) -> str:
    return describe(error) if isinstance(error, BaseException) else "unknown error"
