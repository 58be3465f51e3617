"""Crawl one network source: index pages (feed, listing, sitemap) -> new article URLs -> documents.

Index pages are fetched conditionally (ETag / Last-Modified, confirmed by a body hash); an index
that has not changed yields nothing to do. Article URLs already known are never fetched again;
URLs that failed before (the frontier) are retried a few times. Nothing here touches the
warehouse: the caller passes what is stored and writes what comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flows.parallel import parse_feed, parse_listing, parse_sitemap  # in worker processes, within budgets
from parsers.dates import local_naive
from parsers.fetch import Fetcher, FetchError
from parsers.fetchtypes import Response, Validators
from parsers.listing import next_listing_page
from parsers.model import Document, Failure, Source
from warehouse.archive import RawRecord
from warehouse.crawl import Pending


@dataclass
class Crawl:
    """What crawling one source produced."""

    documents: list[Document] = field(default_factory=list)  # fetched article pages
    index_pages: list[Document] = field(default_factory=list)  # changed index pages (validators to keep)
    failures: list[Failure] = field(default_factory=list)
    failed: list[tuple[Pending, str]] = field(default_factory=list)  # article URLs to retry later
    raw: list[RawRecord] = field(default_factory=list)  # every response, for the archive
    unchanged: bool = False  # every index page answered "not modified"


def _document(source: Source, response: Response, hint: Pending | None = None) -> Document:
    return Document(
        source_id=source.id,
        url=response.url,
        body=response.body,
        fetched_at=response.fetched_at,
        content_type=response.content_type or "application/octet-stream",
        encoding=response.encoding,
        title_hint=hint.title_hint if hint else None,
        date_hint=hint.date_hint if hint else None,
        date_text_hint=hint.date_text if hint else None,
        hint_source=hint.hint_source if hint else None,
        final_url=response.final_url,
        status=response.status,
        etag=response.etag,
        last_modified=response.last_modified,
        sha256=response.sha256,
    )


class _Crawler:
    def __init__(self, source: Source, fetcher: Fetcher, stored: dict[str, Validators]) -> None:
        self.source, self.fetcher, self.stored = source, fetcher, stored
        self.out = Crawl()
        self.modified = 0

    async def index(self, url: str) -> Response | None:
        """Fetch one index page conditionally; None when it failed or has not changed."""
        try:
            response = await self.fetcher.fetch(self.source, url, self.stored.get(url))
        except FetchError as exc:
            self.out.failures.append(Failure(self.source.id, url, "discover", exc.reason))
            return None
        doc = _document(self.source, response)
        self.out.raw.append(RawRecord("index", doc, response.headers))
        if response.not_modified:
            return None
        self.modified += 1
        self.out.index_pages.append(doc)
        return response

    def hint(self, url: str, title: str | None, published: datetime | None, text: str | None) -> Pending:
        return Pending(url, title, local_naive(published, self.source.timezone), text, self.source.kind, 0)

    async def items(self) -> list[Pending]:
        """Article URLs (with hints) listed by the source's index pages."""
        kind, found = self.source.kind, []  # type: tuple[str, list[Pending]]
        if kind == "feed" and (response := await self.index(self.source.url)):
            entries, failure = parse_feed(
                response.body, response.final_url, self.source, response.content_type
            )
            self._fail(failure)
            found = [self.hint(e.url, e.title, e.published, e.date_text) for e in entries]
        elif kind == "listing":
            url: str | None = self.source.url
            visited: list[str] = []
            while url and (response := await self.index(url)):
                visited.append(url)
                listed, next_url = parse_listing(
                    response.body, response.final_url, self.source, response.content_type
                )
                found += [self.hint(e.url, e.title, e.published, e.date_text) for e in listed]
                url = next_listing_page(next_url, visited, self.source)
        elif kind == "sitemap":
            queue, visited = [self.source.url], []
            while queue and len(visited) < self.source.max_pages:
                visited.append(queue.pop(0))
                if response := await self.index(visited[-1]):
                    sitemap, failure = parse_sitemap(response.body, response.final_url, self.source)
                    self._fail(failure)
                    found += [self.hint(e.url, e.title, e.published, e.date_text) for e in sitemap.entries]
                    queue += [s.url for s in sitemap.sitemaps if s.url not in visited]
        return found

    def _fail(self, failure: Failure | None) -> None:
        if failure:
            self.out.failures.append(failure)

    async def articles(self, candidates: list[Pending]) -> None:
        """Fetch the candidate article pages; failures are recorded and queued for retry."""
        by_url = {c.url: c for c in candidates}
        responses, failures = await self.fetcher.fetch_many(self.source, by_url)
        for response in responses:
            if response.status == 200 and not response.truncated:
                doc = _document(self.source, response, by_url.get(response.url))
                self.out.documents.append(doc)
                self.out.raw.append(RawRecord("article", doc, response.headers))
        self.out.failures += failures
        self.out.failed += [(by_url[f.url], f.reason) for f in failures if f.url in by_url]


async def crawl(
    source: Source,
    fetcher: Fetcher,
    stored: dict[str, Validators],
    known: Callable[[Iterable[str]], set[str]],
    retry: list[Pending],
) -> Crawl:
    """Discover and fetch what is new at `source`."""
    crawler = _Crawler(source, fetcher, stored)
    listed = await crawler.items()
    crawler.out.unchanged = crawler.modified == 0 and not crawler.out.failures
    candidates = list({c.url: c for c in [*retry, *listed]}.values())
    seen = known(c.url for c in candidates)
    fresh = [c for c in candidates if c.url not in seen]
    fresh.sort(key=lambda c: c.date_hint or datetime.min, reverse=True)  # newest first under the cap
    await crawler.articles(fresh[: source.max_items])
    return crawler.out
