"""The discover task: from a registered source to its new documents, every byte fetched archived.

A network source is crawled in two network steps on the run's shared `Network` (index pages ->
links; then the article pages worth fetching), with the warehouse asked in between which links are
already known. What the crawl must remember (validators, fetched URLs, links to retry) is handed
back as a `CrawlState` and written with the source's last batch, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.crawl import Crawl, Crawler, candidate_urls, to_fetch
from flows.parallel import find_all_attachments
from parsers.diagnosis import Diagnosis, diagnose, page_of_error, page_of_response
from parsers.fetch.files import read_files
from parsers.fetch.network import Network
from parsers.fetch.types import FetchError
from parsers.model import AttachmentLink, Document, Failure, Link, Source
from parsers.pipeline import CrawlState
from warehouse import archive
from warehouse import crawl as crawl_state
from warehouse import watch as watch_store
from warehouse.handle import Warehouse
from warehouse.latency import local


@dataclass
class Discovered:
    """A source's documents to parse, its discovery failures, and the crawl state to keep once loaded."""

    documents: list[Document] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    crawl: CrawlState | None = None  # None for files sources: nothing to remember
    unchanged: bool = False
    health: Diagnosis | None = None  # what this run's look at the index says (None for files sources)
    attachments: list[tuple[AttachmentLink, Document]] = field(default_factory=list)  # fetched annexes
    attachment_failures: list[Failure] = field(default_factory=list)
    listed: int = 0  # article links the index pages listed (the adaptive cadence's input)
    known: int = 0  # of those, links already known


def _run_id() -> str:
    return flow_run.get_id() or "local"


def crawl_source(source: Source, warehouse: Warehouse, network: Network) -> Discovered:
    """Crawl a network source: links from its index pages, then the pages not yet known."""
    with warehouse.session() as con:
        stored = crawl_state.index_validators(con, source.id)
        retry = crawl_state.pending(con, source.id)
    crawler = Crawler(source, network.fetcher, stored)
    listed = network.call(crawler.links())
    urls = candidate_urls(listed, retry)
    known: set[str] = set()
    listed_urls = list(dict.fromkeys(link.url for link in listed))
    if urls:
        with warehouse.session() as con:
            known = crawl_state.known_urls(con, urls)
            seen_at = crawler.out.index_pages[0].fetched_at if crawler.out.index_pages else datetime.now(UTC)
            watch_store.record_listings(
                con, source.id, listed_urls, local(seen_at), "ingest"
            )  # alert latency
    out = network.call(crawler.articles(to_fetch(source, listed, retry, known)))
    if source.attachments and out.documents:
        links, failures = find_all_attachments(source, out.documents)  # worker processes, within budgets
        out = network.call(crawler.attachments(links))
        out.attachment_failures[:0] = failures
    archive.write(warehouse.path, _run_id(), source.id, out.raw)
    fetched = tuple(d for d in out.documents if d.sha256)
    state = CrawlState(fetched, tuple(out.index_pages), tuple(out.failed))
    return Discovered(
        out.documents,
        out.failures,
        state,
        out.unchanged,
        health(source, listed, out),
        out.attachments,
        out.attachment_failures,
        len(listed_urls),
        sum(1 for url in listed_urls if url in known),
    )


def health(source: Source, listed: list[Link], out: Crawl) -> Diagnosis:
    """The run's diagnosis of the source (the conditions `tradewire doctor` names), from its index."""
    look = out.index_look
    index = None
    if isinstance(look, FetchError):
        index = page_of_error(source.url, look)
    elif look is not None:
        index = page_of_response(look)
    url = index.url if index else source.url
    problem = next((f.reason for f in out.failures if f.url in (url, source.url)), None)
    return diagnose(source, index, listed, checked="run", problem=problem)


@task(
    name="discover",
    task_run_name="discover-{source.id}",
    retries=2,
    retry_delay_seconds=[2, 10],
    cache_policy=NO_CACHE,
)
def discover(source: Source, warehouse: Warehouse, network: Network) -> Discovered:
    """Find the source's new documents (reading files or crawling) and archive every byte fetched."""
    if source.kind == "files":
        documents, failures = read_files(source)
        archive.write(
            warehouse.path, _run_id(), source.id, [archive.RawRecord("article", d) for d in documents]
        )
        return Discovered(documents, failures)
    found = crawl_source(source, warehouse, network)
    if found.unchanged:
        get_run_logger().info("source %s: index not modified since the last run", source.id)
    return found
