"""Listing pages: article links, titles and dates picked with the source's CSS selectors.

Selectors (all optional, from `[source.selectors]` in the registry):
`item` one element per article; inside it `link` (default: the item itself if it is an <a>, else
its first a[href]), `title` (default: the link's text) and `date` (its `datetime`/`content`
attribute or its text). Without `item`, every `link` match (default a[href]) is an article.
`next` is the link to the next listing page, searched in the whole page; `next_listing_page` bounds
the walk by the source's `max_pages` and stops on a cycle.
URLs are made absolute (honouring <base href>), stripped of fragments, and kept only if http(s) and
on the source's allowed hosts.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag
from soupsieve import SelectorSyntaxError

from parsers import charset
from parsers.dates import parse_date
from parsers.model import Source
from parsers.netpolicy import url_refusal


@dataclass(frozen=True)
class ListingItem:
    """One article link found on a listing page, with what the listing says about it."""

    url: str
    title: str | None
    published: datetime | None
    date_text: str | None = None


def parse_listing(
    html: str | bytes, base_url: str, source: Source, content_type: str | None = None
) -> tuple[list[ListingItem], str | None]:
    """Article links on a listing page and the next page's URL (None if none or not allowed)."""
    text = html if isinstance(html, str) else charset.decode(html, content_type, source.encoding)[0]
    soup = BeautifulSoup(text, "lxml")
    base_tag = soup.find("base", href=True)
    if isinstance(base_tag, Tag):
        base_url = urljoin(base_url, str(base_tag["href"]).strip())
    items: dict[str, ListingItem] = {}
    item_selector = source.selector("item")
    containers = _select(soup, item_selector, "item") if item_selector else _links(soup, source)
    for container in containers:
        link = _link(container, source) if item_selector else container
        url = _absolute(link, base_url, source) if link is not None else None
        if link is None or url is None or url in items:
            continue
        title_node = (
            _first(container, source.selector("title"), "title") if source.selector("title") else link
        )
        title = _text(title_node) or str(link.get("title", "")).strip() or None
        date_text = _date_text(_first(container, source.selector("date"), "date"))
        items[url] = ListingItem(url, title, parse_date(date_text), date_text)
    return list(items.values()), _next_page(soup, base_url, source)


def next_listing_page(next_url: str | None, visited: Collection[str], source: Source) -> str | None:
    """The next listing page to fetch: None if there is none, it was visited, or max_pages are done."""
    if next_url is None or next_url in visited or len(visited) >= source.max_pages:
        return None
    return next_url


def _links(soup: BeautifulSoup, source: Source) -> list[Tag]:
    return _select(soup, source.selector("link") or "a[href]", "link")


def _link(container: Tag, source: Source) -> Tag | None:
    selector = source.selector("link")
    if selector:
        return _first(container, selector, "link")
    if container.name == "a" and container.get("href"):
        return container
    found = container.select_one("a[href]")
    return found if isinstance(found, Tag) else None


def _next_page(soup: BeautifulSoup, base_url: str, source: Source) -> str | None:
    selector = source.selector("next")
    node = _first(soup, selector, "next")
    if node is not None and node.name != "a":
        found = node.select_one("a[href]")
        node = found if isinstance(found, Tag) else None
    url = _absolute(node, base_url, source) if node is not None else None
    return url if url and url != base_url.split("#", 1)[0] else None


def _absolute(link: Tag, base_url: str, source: Source) -> str | None:
    href = str(link.get("href") or "").strip()
    if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
        return None
    url = urljoin(base_url, href).split("#", 1)[0]
    return None if url_refusal(url, source) else url


def _select(node: Tag, selector: str, name: str) -> list[Tag]:
    try:
        return [t for t in node.select(selector) if isinstance(t, Tag)]
    except SelectorSyntaxError as exc:
        raise ValueError(f"invalid CSS selector for {name!r}: {selector!r} ({exc})") from exc


def _first(node: Tag, selector: str | None, name: str) -> Tag | None:
    if not selector:
        return None
    found = _select(node, selector, name)
    return found[0] if found else None


def _text(node: Tag | None) -> str:
    return " ".join(node.get_text(" ").split()) if node is not None else ""


def _date_text(node: Tag | None) -> str | None:
    if node is None:
        return None
    for attribute in ("datetime", "content", "title"):
        value = node.get(attribute)
        if value and parse_date(str(value)):
            return str(value).strip()
    return _text(node) or None
