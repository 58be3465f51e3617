"""RSS 0.9x/1.0/2.0 and Atom discovery: feed bytes to items (link, title, date as written, summary).

feedparser finds the charset itself (the XML declaration, GB2312 read as GB18030, and a fallback
for feeds with no declaration that are not UTF-8); a source's `encoding` overrides that. A DOCTYPE
that declares entities is refused before parsing (see `parsers.xmlsafe`).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from bs4 import BeautifulSoup

from parsers import charset
from parsers.dates import from_struct, parse_date
from parsers.model import Failure, Source
from parsers.xmlsafe import entity_refusal

log = logging.getLogger(__name__)
_XML_DECL_ENCODING = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])[\w.:-]+", re.I)


@dataclass(frozen=True)
class FeedItem:
    """One feed entry: the article URL and what the feed says about it."""

    url: str
    title: str | None
    published: datetime | None
    date_text: str | None = None
    summary: str | None = None


def parse_feed(
    body: bytes, base_url: str, source: Source, content_type: str | None = None
) -> tuple[list[FeedItem], Failure | None]:
    """Items of an RSS/Atom feed, or no items and a Failure (stage "discover") saying why."""
    refusal = entity_refusal(body, content_type, source.encoding)
    if refusal:
        return [], Failure(source.id, base_url, "discover", refusal)
    if source.encoding:
        body = _as_utf8(body, source.encoding)
    # A stream, never bytes: feedparser treats a bytes/str argument that names a file as a path to open.
    stream = io.BytesIO(body)
    # Only the header's charset is passed on: feedparser applies RFC 3023 (text/xml means US-ASCII).
    declared = charset.header_charset(content_type)
    headers = {
        "content-location": base_url,
        "content-type": "application/xml" + (f"; charset={declared}" if declared else ""),
    }
    parsed = feedparser.parse(stream, response_headers=headers, sanitize_html=True)
    items: dict[str, FeedItem] = {}
    for entry in parsed.entries:
        item = _item(entry, base_url)
        if item is not None and item.url not in items:
            items[item.url] = item
    if items:
        if parsed.get("bozo"):
            log.info("feed %s parsed with problems: %s", base_url, _describe(parsed.get("bozo_exception")))
        return list(items.values()), None
    if parsed.get("bozo"):
        reason = f"not a readable feed: {_describe(parsed.get('bozo_exception'))}"
    elif not parsed.get("version"):
        reason = "not a feed: no RSS or Atom root element"
    elif parsed.entries:
        reason = "feed entries carry no http(s) links"
    else:
        return [], None  # a valid feed with nothing in it today
    return [], Failure(source.id, base_url, "discover", reason)


def _item(entry: Any, base_url: str) -> FeedItem | None:
    # dict.get: FeedParserDict.get maps missing keys to others ("updated" -> "published") with a warning
    get = partial(dict.get, entry)
    link = get("link") or next(
        (x.get("href") for x in get("links") or () if x.get("rel") == "alternate"), None
    )
    if not link:
        return None
    url = urljoin(base_url, link.strip()).split("#", 1)[0]
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    date_text = get("published") or get("updated") or get("created")
    parsed = get("published_parsed") or get("updated_parsed") or get("created_parsed")
    published = parse_date(date_text) or from_struct(parsed)
    title = " ".join((get("title") or "").split()) or None
    return FeedItem(url, title, published, date_text, _plain(get("summary")))


def _plain(html: str | None) -> str | None:
    if not html:
        return None
    text = BeautifulSoup(html, "html.parser").get_text(" ") if "<" in html else html
    return " ".join(text.split()) or None


def _as_utf8(body: bytes, encoding: str) -> bytes:
    text, _ = charset.decode(body, override=encoding)
    return _XML_DECL_ENCODING.sub(rb"\g<1>utf-8", text.encode("utf-8"), count=1)


def _describe(error: object) -> str:
    if error is None:
        return "unknown error"
    return f"{type(error).__name__}: {error}"
