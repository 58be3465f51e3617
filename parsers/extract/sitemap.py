"""XML sitemaps (sitemaps.org): sitemap indexes, URL sets and Google News sitemaps, gzipped or not.

Element names are matched by local name, so sitemaps with a missing or wrong namespace still work.
Gzip (nested too) is inflated within the source's max_bytes (`parsers.fetch.decoding`). A DOCTYPE declaring
entities is refused before parsing, in whatever encoding (`parsers.extract.xmlsafe`); lxml never loads DTDs
or the network, and does not expand entities.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from parsers.extract.dates import parse_date
from parsers.extract.xmlsafe import entity_refusal
from parsers.fetch.decoding import DecodeError, OverBudgetError, gunzip_nested
from parsers.fetch.policy import host_refusal, join_url
from parsers.isolation import ItemGuard
from parsers.model import Failure, Link, Source


@dataclass(frozen=True)
class Sitemap:
    """What a sitemap lists: page entries (urlset) and child sitemaps (sitemapindex)."""

    entries: tuple[Link, ...] = ()  # pages (urlset)
    sitemaps: tuple[Link, ...] = ()  # child sitemaps (sitemapindex)
    failures: tuple[Failure, ...] = ()  # entries that could not be used, one row each


def parse_sitemap(body: bytes, base_url: str, source: Source) -> tuple[Sitemap, Failure | None]:
    """Entries of a sitemap or sitemap index, or an empty Sitemap and a Failure saying why."""
    try:
        body = _gunzip(body, source.max_bytes)
    except ValueError as exc:
        return Sitemap(), Failure(source.id, base_url, "discover", str(exc))
    refusal = entity_refusal(body)
    if refusal:
        return Sitemap(), Failure(source.id, base_url, "discover", refusal)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        return Sitemap(), Failure(source.id, base_url, "discover", f"not a readable sitemap: {exc}")
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        return Sitemap(), Failure(source.id, base_url, "discover", f"not a sitemap: root element <{kind}>")
    child = "url" if kind == "urlset" else "sitemap"
    entries: dict[str, Link] = {}
    guard = ItemGuard(source.id, "discover")  # one bad <url> is that entry's failure row, not the sitemap's
    for element in root:
        if isinstance(element.tag, str) and etree.QName(element).localname == child:
            entry = guard.run(base_url, _entry, element, base_url, source, guard)
            if entry is not None and entry.url not in entries:
                entries[entry.url] = entry
    found, failures = tuple(entries.values()), tuple(guard.failures)
    if kind == "urlset":
        return Sitemap(entries=found, failures=failures), None
    return Sitemap(sitemaps=found, failures=failures), None


def _entry(element: etree._Element, base_url: str, source: Source, guard: ItemGuard) -> Link | None:
    values: dict[str, str] = {}
    for node in element:  # <loc>, <lastmod> and <news:news> are children; ignore <image:loc> and the like
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node).localname
        inner = [n for n in node if isinstance(n.tag, str)] if name == "news" else [node]
        for leaf in inner:
            if leaf.text and leaf.text.strip():
                values.setdefault(etree.QName(leaf).localname, leaf.text.strip())
    loc = values.get("loc")
    if not loc:
        return None
    url, refusal = join_url(base_url, loc)
    refusal = refusal or host_refusal(url, source)
    if refusal:
        guard.fail(url, f"sitemap entry: {refusal}")
        return None
    published_text = values.get("publication_date")
    return Link(
        url=url,
        modified=parse_date(values.get("lastmod")),
        title=" ".join(values["title"].split()) if "title" in values else None,
        published=parse_date(published_text),
        date_text=published_text or values.get("lastmod"),
        via="sitemap",
    )


def _gunzip(body: bytes, limit: int) -> bytes:
    try:
        return gunzip_nested(body, limit)  # a .xml.gz may arrive gzipped once more
    except OverBudgetError as exc:
        raise ValueError(f"gzipped sitemap inflates beyond {limit} bytes: refused") from exc
    except DecodeError as exc:
        raise ValueError(f"not a readable gzipped sitemap: {exc}") from exc
