"""Crawl one network source in two steps: its index pages (feed, listing, sitemap) -> links, then
the article pages of the links worth fetching -> documents.

Index pages are fetched conditionally (ETag / Last-Modified, confirmed by a body hash); an index
that has not changed yields nothing to do. Between the two steps the caller drops the links whose
URLs are already known (`to_fetch`): known articles are never fetched again; links that failed
before (the frontier) are retried a few times. Nothing here touches the warehouse: the caller
passes what is stored and writes what comes back.

Nothing here raises for one page or one item: each index page (fetch, then parse) and each article
URL runs under an `ItemGuard`, so whatever goes wrong is that page's or item's failure row and the
rest of the source goes on. The source fails only if its own index page cannot be used, as a row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from flows.parallel import parse_feed, parse_listing, parse_sitemap  # in worker processes, within budgets
from parsers.extract.annexes import STAGE as ANNEX_STAGE
from parsers.extract.charset import well_formed
from parsers.extract.dates import local_naive
from parsers.extract.listing import next_listing_page
from parsers.extract.sitemap import Sitemap
from parsers.fetch.client import Fetcher, FetchError
from parsers.fetch.types import Response, Validators
from parsers.isolation import ItemGuard
from parsers.model import AttachmentLink, Document, Failure, Link, Source
from warehouse.archive import RawRecord

T = TypeVar("T")


@dataclass
class Crawl:
    """What crawling one source produced."""

    documents: list[Document] = field(default_factory=list)  # fetched article pages
    index_pages: list[Document] = field(default_factory=list)  # changed index pages (validators to keep)
    index_look: Response | FetchError | None = None  # the first answer at the source's index (its health)
    failures: list[Failure] = field(default_factory=list)
    failed: list[tuple[Link, str]] = field(default_factory=list)  # article links to retry later
    raw: list[RawRecord] = field(default_factory=list)  # every response, for the archive
    unchanged: bool = False  # every index page answered "not modified"
    attachments: list[tuple[AttachmentLink, Document]] = field(default_factory=list)  # fetched annexes
    attachment_failures: list[Failure] = field(default_factory=list)


class Crawler:
    """One source's crawl state between `links()` and `articles()`; what it produced is `out`."""

    def __init__(self, source: Source, fetcher: Fetcher, stored: dict[str, Validators]) -> None:
        self.source, self.fetcher, self.stored = source, fetcher, stored
        self.out = Crawl()
        self.modified = 0
        self.discover = ItemGuard(source.id, "discover")
        self.fetch = ItemGuard(source.id, "fetch")

    async def index(self, url: str) -> Response | None:
        """Fetch one index page conditionally; None when it failed or has not changed."""
        response = await self.discover.run_async(url, self._index, url)
        if response is None:
            return None
        if self.out.index_look is None:
            self.out.index_look = response
        doc = response.to_document(self.source.id)
        self.out.raw.append(RawRecord("index", doc, response.headers))
        if response.not_modified:
            return None
        self.modified += 1
        self.out.index_pages.append(doc)
        return response

    async def _index(self, url: str) -> Response | None:
        try:
            return await self.fetcher.fetch(self.source, url, self.stored.get(url))
        except FetchError as exc:
            self.discover.fail(url, exc.reason)
            if self.out.index_look is None:
                self.out.index_look = exc
            return None

    def storable(self, link: Link) -> Link:
        """The link with storable hints whatever the index held, its date in the source's time zone."""
        title, text, summary = (
            well_formed(t) if t else None for t in (link.title, link.date_text, link.summary)
        )
        published = local_naive(link.published, self.source.timezone)
        return replace(link, title=title, date_text=text, summary=summary, published=published)

    def hints(self, entries: Iterable[Link]) -> list[Link]:
        """Each entry made storable; an entry whose hints cannot be read is that entry's failure."""
        found = (self.discover.run(e.url, self.storable, e) for e in entries)
        return [link for link in found if link is not None]

    async def links(self) -> list[Link]:
        """The article links (with their hints) listed by the source's index pages."""
        walk = {"feed": self._feed, "listing": self._listing, "sitemap": self._sitemap}.get(self.source.kind)
        found = await walk() if walk else []
        self.out.failures += self.discover.failures
        self.out.unchanged = self.modified == 0 and not self.out.failures
        return found

    def _parse(self, step: Callable[..., T], response: Response, *args: object) -> T | None:
        """`step` over one index page; None (the page's failure recorded) if it raised."""
        return self.discover.run(
            response.final_url, step, response.body, response.final_url, self.source, *args
        )

    async def _feed(self) -> list[Link]:
        response = await self.index(self.source.url)
        page = self._parse(parse_feed, response, response.content_type) if response else None
        entries, failures = page or ([], [])
        self.out.failures += failures
        return self.hints(entries)

    async def _listing(self) -> list[Link]:
        url: str | None = self.source.url
        found: list[Link] = []
        visited: list[str] = []
        while url and (response := await self.index(url)):
            visited.append(url)
            page = self._parse(parse_listing, response, response.content_type)
            listed, next_url, failures = page or ([], None, [])
            self.out.failures += failures
            found += self.hints(listed)
            url = next_listing_page(next_url, visited, self.source)
        return found

    async def _sitemap(self) -> list[Link]:
        queue, visited, found = [self.source.url], [], []  # type: list[str], list[str], list[Link]
        while queue and len(visited) < self.source.max_pages:
            visited.append(queue.pop(0))
            response = await self.index(visited[-1])
            page = self._parse(parse_sitemap, response) if response else None
            sitemap, failure = page or (Sitemap(), None)
            self.out.failures += [*([failure] if failure else []), *sitemap.failures]
            found += self.hints(sitemap.entries)
            queue += [s.url for s in sitemap.sitemaps if s.url not in visited]
        return found

    async def articles(self, candidates: list[Link]) -> Crawl:
        """Fetch the candidate article pages; failures are recorded and queued for retry."""
        by_url = {c.url: c for c in candidates}
        fetched = await asyncio.gather(*(self.fetch.run_async(url, self._article, url) for url in by_url))
        for response in filter(None, fetched):
            if response.status == 200 and not response.truncated:
                doc = self.fetch.run(
                    response.url, response.to_document, self.source.id, by_url.get(response.url)
                )
                if doc is not None:
                    self.out.documents.append(doc)
                    self.out.raw.append(RawRecord("article", doc, response.headers))
        self.out.failures += self.fetch.failures
        self.out.failed += [(by_url[f.url], f.reason) for f in self.fetch.failures if f.url in by_url]
        return self.out

    async def _article(self, url: str) -> Response | None:
        # One URL per call: an exception fetch_many lets through then costs only this URL.
        responses, failures = await self.fetcher.fetch_many(self.source, [url])
        for failed in failures:
            self.fetch.fail(failed.url, failed.reason)
        return responses[0] if responses else None

    async def attachments(self, links: list[AttachmentLink]) -> Crawl:
        """Fetch the annexes the article pages link to (each URL once); failures are rows, not retried."""
        guard = ItemGuard(self.source.id, ANNEX_STAGE)
        by_url: dict[str, list[AttachmentLink]] = {}
        for link in links:
            by_url.setdefault(link.url, []).append(link)
        fetched = await asyncio.gather(*(guard.run_async(url, self._annex, url, guard) for url in by_url))
        for response in filter(None, fetched):
            doc = response.to_document(self.source.id)
            self.out.raw.append(RawRecord("attachment", doc, response.headers))
            self.out.attachments += [(link, doc) for link in by_url[response.url]]
        pages = {url: by_url[url][0].page_url for url in by_url}
        self.out.attachment_failures += [
            replace(f, reason=f"annex of {pages[f.url]}: {f.reason}") if f.url in pages else f
            for f in guard.failures
        ]
        return self.out

    async def _annex(self, url: str, guard: ItemGuard) -> Response | None:
        # The page's politeness, allowed hosts, robots.txt and max_bytes hold for its annexes too.
        responses, failures = await self.fetcher.fetch_many(self.source, [url])
        for failed in failures:
            guard.fail(failed.url, failed.reason)
        ok = [r for r in responses if r.status == 200 and not r.truncated]
        return ok[0] if ok else None


def to_fetch(source: Source, listed: list[Link], retry: list[Link], known: set[str]) -> list[Link]:
    """The links worth fetching: listed or due for a retry, not known, newest first, at most max_items."""
    candidates = list({c.url: c for c in [*retry, *listed]}.values())
    fresh = [c for c in candidates if c.url not in known]
    fresh.sort(key=lambda c: c.published or datetime.min, reverse=True)  # newest first under the cap
    return fresh[: source.max_items]


def candidate_urls(listed: list[Link], retry: list[Link]) -> list[str]:
    """The URLs whose known-ness `to_fetch` needs."""
    return list(dict.fromkeys(c.url for c in [*retry, *listed]))
