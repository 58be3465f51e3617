"""The revisions task: re-check an official source's recent article pages and record what changed.

An official source's article pages (`official = true`) first seen in the last
`TRADEWIRE_REVISION_DAYS` days (default 14; 0 turns re-checks off) are asked for again, at most once
every `TRADEWIRE_REVISION_HOURS` hours (default 24), with conditional requests (the stored ETag /
Last-Modified) through the run's one Network and its politeness. A 304 or the same body adds
nothing; a changed body goes through the same parse -> prepare as any page, and when its cleaned
text, title or metadata differ from the stored version the article gets a new revision
(`article_revisions`, with a unified diff) instead of a new article. Re-checked bodies are archived
as `revision` records, which `reparse` does not load as articles.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.tasks import process
from parsers.classify.measures import is_customs_measure
from parsers.fetch.network import Network
from parsers.fetch.types import Response
from parsers.model import Failure, Source
from parsers.revisions import Revision, compare
from warehouse import archive
from warehouse import revisions as store
from warehouse.handle import Warehouse
from warehouse.load import transaction

DAYS_ENV, HOURS_ENV = "TRADEWIRE_REVISION_DAYS", "TRADEWIRE_REVISION_HOURS"
DAYS, HOURS = 14.0, 24.0


def _setting(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = math.nan
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a number >= 0, not {raw!r}")
    return value


def window() -> tuple[float, float]:
    """(days after first sight during which pages are re-checked, hours between two re-checks of a page)."""
    return _setting(DAYS_ENV, DAYS), _setting(HOURS_ENV, HOURS)


def _revisions(
    source: Source, warehouse: Warehouse, changed: list[Response], rules: str | None
) -> tuple[list[Revision], list[Failure]]:
    """Parse the changed pages like any page and compare each with its stored version."""
    with warehouse.session() as con:
        stored = store.snapshots(con, [r.url for r in changed])
    documents = [r.to_document(source.id, stored[r.url][1]) for r in changed if r.url in stored]
    batch = process(source, documents, rules)
    customs = {m.article_id for m in batch.measures if is_customs_measure(m)}
    by_url = {a.url: a for a in batch.articles}
    found = []
    for doc in documents:
        article = by_url.get(doc.url)
        if article is not None:
            snapshot = stored[doc.url][0]
            revision = compare(snapshot, article, doc.url, source.id, doc.fetched_at.replace(tzinfo=None),
                               article.article_id in customs)  # fmt: skip
            found += [revision] if revision else []
    return found, batch.failures


@task(name="revisions", task_run_name="revisions-{source.id}", retries=1, retry_delay_seconds=[5],
      cache_policy=NO_CACHE)  # fmt: skip
def recheck(source: Source, warehouse: Warehouse, network: Network, run_id: str, rules: str | None) -> int:
    """Re-check the source's recent official pages; returns how many new revisions were recorded."""
    days, hours = window()
    if not source.official or source.kind == "files" or days <= 0:
        return 0
    with warehouse.session() as con:
        validators = store.due(con, source.id, run_id, days, hours)
    if not validators:
        return 0
    responses, failures = network.call(network.fetcher.fetch_many(source, list(validators), validators))
    ok = [r for r in responses if r.status in (200, 304) and not r.truncated]
    archive.write(warehouse.path, run_id, source.id,
                  [archive.RawRecord("revision", r.to_document(source.id), r.headers) for r in ok])  # fmt: skip
    changed = [r for r in ok if not r.not_modified]
    found, unparsed = _revisions(source, warehouse, changed, rules) if changed else ([], [])
    # A 304 keeps the page known (status 200 in the crawl state) and records when it was asked for.
    checked = [replace(r.to_document(source.id), status=200) for r in ok]
    with warehouse.session() as con, transaction(con):
        store.record(con, source.id, run_id, checked, found, [*failures, *unparsed])
    if found:
        get_run_logger().info(
            "source %s: %d official page(s) changed: new revision(s)", source.id, len(found)
        )
    return len(found)


def revise(source: Source, warehouse: Warehouse, network: Network, run_id: str, rules: str | None) -> int:
    """`recheck`, whose failure is logged and costs the source nothing: its batches are loaded already."""
    try:
        return recheck(source, warehouse, network, run_id, rules)
    except Exception as exc:  # the next run re-checks the same pages
        get_run_logger().error("source %s: re-checking official pages failed: %s", source.id, exc)
        return 0
