"""Every parse of a fetched or read document runs here: in worker processes, under a budget per document.

Budgets: a document over `TRADEWIRE_PARSE_MAX_BYTES` (default: its source's `max_bytes`) is a
failure without being parsed; one whose parse takes longer than `TRADEWIRE_PARSE_SECONDS` (default
20) is stopped, its worker replaced, and it becomes a failure row "parse exceeded N s budget" (stage
"parse" for pages, "discover" for feeds, listings and sitemaps); the rest of the batch goes on. Real
pages parse in 10-50 ms, and the attacks seen take 35-85 s (4.8 MB of unclosed `<p>` in trafilatura,
a 1 MB one-line feed in feedparser's fallback parser): 20 s leaves room for a slow machine.

`TRADEWIRE_PARSE_WORKERS` sets the processes (default: one per CPU); 0 parses in this process, with
no time budget (for profiling). A batch of at least `PARALLEL_PARSE_MIN` HTML documents is spread
over all of them; smaller batches, feeds, listings and sitemaps use one.
"""

from __future__ import annotations

import logging
import math
import os
from typing import Any
from urllib.parse import urlsplit

from flows.workers import POOL, Overrun, Raised
from parsers.extract import feeds, listing, sitemap
from parsers.extract.annexes import STAGE as ANNEX_STAGE
from parsers.extract.annexes import extract_attachment
from parsers.extract.attachments import MAX_PER_PAGE, find_attachments, on_site
from parsers.extract.documents import parse_document
from parsers.model import Article, Attachment, AttachmentLink, Document, Failure, Link, Source

log = logging.getLogger(__name__)
# HTML parsing (trafilatura) is most of a run's CPU. On the 181 aeb pages (`make bench`, 2 CPUs):
# 2 workers parse 1.7-1.8x faster than this process alone, with identical results, when the second
# CPU is free; when other work keeps the CPUs busy they gain little (they share this process's CPU).
PARALLEL_PARSE_MIN = 32
PARSE_SECONDS = 20.0


def parse_workers() -> int:
    """Worker processes: `TRADEWIRE_PARSE_WORKERS` (0: this process), else the CPUs this process may use."""
    configured = os.environ.get("TRADEWIRE_PARSE_WORKERS", "").strip()
    if configured.isdigit():
        return int(configured)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def parse_seconds() -> float:
    """The time budget of one document's parse: `TRADEWIRE_PARSE_SECONDS`, else 20 s."""
    configured = os.environ.get("TRADEWIRE_PARSE_SECONDS", "").strip()
    try:
        return float(configured) if configured and float(configured) > 0 else PARSE_SECONDS
    except ValueError:
        log.warning(
            "TRADEWIRE_PARSE_SECONDS=%r is not a number of seconds; using %g", configured, PARSE_SECONDS
        )
        return PARSE_SECONDS


def parse_max_bytes(source: Source) -> int:
    """The size budget of one document: `TRADEWIRE_PARSE_MAX_BYTES`, else the source's max_bytes."""
    configured = os.environ.get("TRADEWIRE_PARSE_MAX_BYTES", "").strip()
    return int(configured) if configured.isdigit() and int(configured) > 0 else source.max_bytes


def parse_all(
    source: Source, documents: list[Document], max_workers: int | None = None
) -> list[Article | Failure]:
    """`parse_document` over the batch, in order, each document within the budgets.

    `max_workers` caps the worker processes (a batch already running in a process of a reparse's
    pool parses in one of its own: one budget, no second layer of parallelism).
    """
    limit = parse_max_bytes(source)
    results: list[Article | Failure | None] = [
        Failure(source.id, d.url, "parse", _oversize(len(d.body), limit)) if len(d.body) > limit else None
        for d in documents
    ]
    todo = [i for i, r in enumerate(results) if r is None]
    todo.sort(key=lambda i: -len(documents[i].body))  # largest first: no worker is left with one at the end
    workers = parse_workers() if max_workers is None else min(parse_workers(), max_workers)
    if source.parser == "html" and len(todo) >= PARALLEL_PARSE_MIN:
        workers = min(workers, math.ceil(len(todo) / (PARALLEL_PARSE_MIN // 2)))
    else:
        workers = min(workers, 1)
    done = _run(parse_document, [(source, documents[i]) for i in todo], workers)
    for i, outcome in zip(todo, done, strict=True):
        results[i] = _failure(source, documents[i].url, "parse", outcome)
    return results  # type: ignore[return-value]


def _workers(calls: int) -> int:
    """One worker for a few calls, more (up to `parse_workers()`) for a big batch."""
    return min(parse_workers(), max(1, math.ceil(calls / (PARALLEL_PARSE_MIN // 2))))


def find_all_attachments(
    source: Source, documents: list[Document]
) -> tuple[list[AttachmentLink], list[Failure]]:
    """The annex links of the HTML pages among `documents`, each page within the parse budgets."""
    limit = parse_max_bytes(source)
    pages = [d for d in documents if "html" in d.content_type and len(d.body) <= limit]
    calls = [(d.body, d.url, d.content_type, source.encoding, d.final_url) for d in pages]
    links: list[AttachmentLink] = []
    failures: list[Failure] = []
    for page, outcome in zip(pages, _run(find_attachments, calls, _workers(len(calls))), strict=True):
        found = _failure(source, page.url, ANNEX_STAGE, outcome)
        if isinstance(found, Failure):
            failures.append(found)
            continue
        kept, off_site = on_site(found.links, source)
        links += kept
        if off_site:
            hosts = sorted({urlsplit(link.url).hostname or "" for link in off_site})
            log.info(
                "%s: %d annex link(s) to other sites skipped: %s", page.url, len(off_site), ", ".join(hosts)
            )
        failures += [
            Failure(
                source.id,
                url,
                ANNEX_STAGE,
                f"annex of {page.url}: not fetched: over {MAX_PER_PAGE} annexes on one page",
            )
            for url in found.over_cap
        ]
    return links, failures


def extract_attachments(
    source: Source, annexes: list[tuple[AttachmentLink, Document]], max_workers: int | None = None
) -> list[Attachment | Failure]:
    """Each fetched annex's text (`parsers.extract.annexes`), in order, each within the parse budgets.

    `max_workers` caps the worker processes, as in `parse_all`.
    """
    limit = parse_max_bytes(source)
    results: list[Attachment | Failure | None] = [
        Failure(source.id, link.url, ANNEX_STAGE, _oversize(len(doc.body), limit))
        if len(doc.body) > limit
        else None
        for link, doc in annexes
    ]
    todo = [i for i, r in enumerate(results) if r is None]
    calls = [(source, *annexes[i]) for i in todo]
    workers = _workers(len(calls)) if max_workers is None else min(_workers(len(calls)), max_workers)
    for i, outcome in zip(todo, _run(extract_attachment, calls, workers), strict=True):
        results[i] = _failure(source, annexes[i][0].url, ANNEX_STAGE, outcome)
    return results  # type: ignore[return-value]


def parse_feed(
    body: bytes, base_url: str, source: Source, content_type: str | None = None
) -> tuple[list[Link], list[Failure]]:
    """`parsers.extract.feeds.parse_feed` within the budgets; over them, no items and the feed's Failure."""
    outcome = _index(feeds.parse_feed, body, base_url, source, content_type)
    return ([], [outcome]) if isinstance(outcome, Failure) else outcome


def parse_sitemap(body: bytes, base_url: str, source: Source) -> tuple[sitemap.Sitemap, Failure | None]:
    """`parsers.extract.sitemap.parse_sitemap` within the budgets; over them, an empty Sitemap and a Failure."""
    outcome = _index(sitemap.parse_sitemap, body, base_url, source)
    return (sitemap.Sitemap(), outcome) if isinstance(outcome, Failure) else outcome


def parse_listing(
    html: str | bytes, base_url: str, source: Source, content_type: str | None = None
) -> tuple[list[Link], str | None, list[Failure]]:
    """`parsers.extract.listing.parse_listing` within the budgets; over them, no links and the page's Failure."""
    outcome = _index(listing.parse_listing, html, base_url, source, content_type)
    return ([], None, [outcome]) if isinstance(outcome, Failure) else outcome


def _index(fn: Any, body: str | bytes, base_url: str, source: Source, *rest: Any) -> Any:
    limit = parse_max_bytes(source)
    if len(body) > limit:
        return Failure(source.id, base_url, "discover", _oversize(len(body), limit))
    (outcome,) = _run(fn, [(body, base_url, source, *rest)], 1, reraise=True)
    return _failure(source, base_url, "discover", outcome)


def _run(fn: Any, calls: list[tuple[Any, ...]], workers: int, reraise: bool = False) -> list[Any]:
    if workers < 1:
        return [fn(*args) for args in calls]
    outcomes = POOL.map(fn, calls, workers, parse_seconds())
    for outcome in outcomes:
        if reraise and isinstance(outcome, Raised):
            raise outcome.error  # as if called here: parse_listing's ValueError for a bad selector
    return outcomes


def _failure(source: Source, url: str, stage: str, outcome: Any) -> Any:
    if isinstance(outcome, Overrun):
        log.warning("parse of %s stopped: %s", url, outcome.reason)
        return Failure(source.id, url, stage, outcome.reason)
    if isinstance(outcome, Raised):  # parse_document catches its own errors; this is a last resort
        return Failure(
            source.id, url, stage, f"parser error: {type(outcome.error).__name__}: {outcome.error}"
        )
    return outcome


def _oversize(size: int, limit: int) -> str:
    return f"document is {size} bytes, over the {limit}-byte parse budget: not parsed"
