"""Listing pages: article links, titles and dates picked with the source's CSS selectors.

Selectors (all optional, from `[source.selectors]` in the registry):
`item` one element per article; inside it `link` (default: the item itself if it is an <a>, else
its first a[href]), `title` (default: the link's text) and `date` (its `datetime`/`content`
attribute or its text). Without `item`, every `link` match (default a[href]) is an article.
`next` is the link to the next listing page, searched in the whole page; `next_listing_page` bounds
the walk by the source's `max_pages` and stops on a cycle.
URLs are made absolute (honouring <base href>), stripped of fragments, and kept only if http(s) and
on the source's allowed hosts.

Each link is read under an `ItemGuard`: a link that is not a URL at all (`http://[::1/x`, a port
past 65535) or that raises is that item's failure row, and the other links load. A link the
registry's `item`/`link` selectors picked that is refused for its scheme or host is a failure row
too; under the default `a[href]`, which picks every link of the page, the page's navigation, mail
and script links and links to other sites are skipped without one.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import soupsieve
from bs4 import BeautifulSoup, Tag
from soupsieve import SelectorSyntaxError

from parsers.extract import charset
from parsers.extract.dates import parse_date
from parsers.fetch.policy import host_refusal, join_url
from parsers.isolation import ItemGuard
from parsers.model import Failure, Link, Source

_XML_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*>?", re.IGNORECASE)

_SELECTORS = ("item", "link", "title", "date", "next")
_NAVIGATION = ("javascript:", "mailto:", "tel:")


def parse_listing(
    html: str | bytes, base_url: str, source: Source, content_type: str | None = None
) -> tuple[list[Link], str | None, list[Failure]]:
    """Article links on a listing page, the next page's URL (None if none or not allowed), and the
    failures of links that could not be used (stage "discover")."""
    for name in _SELECTORS:  # a bad selector is the registry's error, for the whole page: raise
        _compile(source.selector(name), name)
    text = html if isinstance(html, str) else charset.decode(html, content_type, source.encoding)[0]
    # An XML declaration means nothing to the HTML parser; left in, bs4 warns (XMLParsedAsHTMLWarning)
    # for every XHTML listing or page that starts like XML (b'<?xml' alone did, under -W error).
    soup = BeautifulSoup(_XML_DECLARATION.sub("", text, count=1), "lxml")
    base_tag = soup.find("base", href=True)
    if isinstance(base_tag, Tag):
        joined, refusal = join_url(base_url, str(base_tag["href"]))
        base_url = base_url if refusal else joined
    guard = ItemGuard(source.id, "discover")
    items: dict[str, Link] = {}
    picked = bool(source.selector("item") or source.selector("link"))
    item_selector = source.selector("item")
    containers = _select(soup, item_selector) if item_selector else _links(soup, source)
    for container in containers:
        item = guard.run(_href(container) or base_url, _listed, container, base_url, source, picked, guard)
        if item is not None and item.url not in items:
            items[item.url] = item
    next_url = guard.run(base_url, _next_page, soup, base_url, source, guard)
    return list(items.values()), next_url, guard.failures


def _listed(container: Tag, base_url: str, source: Source, picked: bool, guard: ItemGuard) -> Link | None:
    link = _link(container, source) if source.selector("item") else container
    url = _checked(link, base_url, source, guard, picked) if link is not None else None
    if link is None or url is None:
        return None
    title_node = _first(container, source.selector("title")) if source.selector("title") else link
    title = _text(title_node) or str(link.get("title", "")).strip() or None
    date_text = _date_text(_first(container, source.selector("date")))
    return Link(url, title, parse_date(date_text), date_text, via="listing")


def _checked(link: Tag, base_url: str, source: Source, guard: ItemGuard, picked: bool) -> str | None:
    """The link's absolute URL if it may be fetched; else None, with a failure row unless (when
    `picked` is false) it is a script, mail or phone link or one to another site."""
    href = _href(link)
    if not href or href.startswith("#") or (not picked and href.lower().startswith(_NAVIGATION)):
        return None
    url, refusal = join_url(base_url, href)
    off_site = None if refusal else host_refusal(url, source)
    if refusal or (off_site and picked):
        guard.fail(url, f"listing link {_text(link)[:80]!r}: {refusal or off_site}")
    return None if refusal or off_site else url


def next_listing_page(next_url: str | None, visited: Collection[str], source: Source) -> str | None:
    """The next listing page to fetch: None if there is none, it was visited, or max_pages are done."""
    if next_url is None or next_url in visited or len(visited) >= source.max_pages:
        return None
    return next_url


def _links(soup: BeautifulSoup, source: Source) -> list[Tag]:
    return _select(soup, source.selector("link") or "a[href]")


def _link(container: Tag, source: Source) -> Tag | None:
    selector = source.selector("link")
    if selector:
        return _first(container, selector)
    if container.name == "a" and container.get("href"):
        return container
    found = container.select_one("a[href]")
    return found if isinstance(found, Tag) else None


def _next_page(soup: BeautifulSoup, base_url: str, source: Source, guard: ItemGuard) -> str | None:
    selector = source.selector("next")
    node = _first(soup, selector)
    if node is not None and node.name != "a":
        found = node.select_one("a[href]")
        node = found if isinstance(found, Tag) else None
    url = _checked(node, base_url, source, guard, True) if node is not None else None
    return url if url and url != base_url.split("#", 1)[0] else None


def _href(node: Tag) -> str:
    return str(node.get("href") or "").strip()


def _compile(selector: str | None, name: str) -> None:
    try:
        if selector:
            soupsieve.compile(selector)
    except SelectorSyntaxError as exc:
        raise ValueError(f"invalid CSS selector for {name!r}: {selector!r} ({exc})") from exc


def _select(node: Tag, selector: str) -> list[Tag]:
    return [t for t in node.select(selector) if isinstance(t, Tag)]  # `_compile` checked the syntax


def _first(node: Tag, selector: str | None) -> Tag | None:
    if not selector:
        return None
    found = _select(node, selector)
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
