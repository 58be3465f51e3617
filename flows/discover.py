"""Discovery tasks: from a registered source to archived documents, and the crawl state after loading."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.crawl import crawl
from parsers.fetch.client import Fetcher
from parsers.fetch.files import read_files
from parsers.model import Document, Failure, Source
from parsers.registry import Registry
from warehouse import archive, db
from warehouse import crawl as crawl_state


@dataclass
class Discovered:
    """A source's documents to parse, plus what the crawl must remember once they are loaded."""

    documents: list[Document] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    index_pages: list[Document] = field(default_factory=list)
    failed: list[tuple[crawl_state.Pending, str]] = field(default_factory=list)
    unchanged: bool = False

    @property
    def fetched(self) -> bool:
        """Whether the documents came over HTTP (their URLs then become known when loaded)."""
        return any(d.sha256 for d in self.documents)


async def _crawl(
    source: Source, registry: Registry, db_path: str, fetch_options: dict[str, object]
) -> Discovered:
    with db.writer(db_path) as con:
        stored = crawl_state.index_validators(con, source.id)
        retry = crawl_state.pending(con, source.id)

    def known(urls: Iterable[str]) -> set[str]:
        with db.writer(db_path) as con:
            return crawl_state.known_urls(con, urls)

    async with Fetcher.from_registry(registry, **fetch_options) as fetcher:
        result = await crawl(source, fetcher, stored, known, retry)
    archive.write(db_path, _run_id(), source.id, result.raw)
    return Discovered(result.documents, result.failures, result.index_pages, result.failed, result.unchanged)


def _run_id() -> str:
    from prefect.runtime import flow_run

    return flow_run.get_id() or "local"


@task(
    name="discover",
    task_run_name="discover-{source.id}",
    retries=2,
    retry_delay_seconds=[2, 10],
    cache_policy=NO_CACHE,
)
def discover(
    source: Source, registry: Registry, db_path: str, fetch_options: dict[str, object] | None = None
) -> Discovered:
    """Find the source's new documents (reading files or crawling) and archive every byte fetched."""
    if source.kind == "files":
        documents, failures = read_files(source)
        archive.write(db_path, _run_id(), source.id, [archive.RawRecord("article", d) for d in documents])
        return Discovered(documents, failures)
    found = asyncio.run(_crawl(source, registry, db_path, fetch_options or {}))
    if found.unchanged:
        get_run_logger().info("source %s: index not modified since the last run", source.id)
    return found


@task(name="remember", task_run_name="remember-{source.id}", retries=2, retry_delay_seconds=[1, 5],
      cache_policy=NO_CACHE)  # fmt: skip
def remember(source: Source, db_path: str, found: Discovered) -> None:
    """Keep index validators and queue failed article URLs, once the source's batches are loaded."""
    if source.kind == "files":
        return
    with db.writer(db_path) as con:
        crawl_state.remember(con, source.id, found.index_pages, found.failed)
