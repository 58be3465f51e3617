"""The `ingest` flow: it only wires tasks. The sources of a run proceed side by side, one branch each.

    ingest ─┬─ source-a: discover -> [parse -> prepare -> load] per batch of documents
            ├─ source-b: ...
            └─ ... then report -> events -> alerts -> publish

One warehouse handle (migrated once) and one network (one Fetcher, politeness per host shared by
every source) serve the whole run. Retries sit on the I/O tasks (discover, load). A broken source
is recorded as a failure row and the others go on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows import host_limits, schedule
from flows.alerts import AlertReport, describe, send_alerts
from flows.artifacts import publish_artifacts
from flows.discover import Discovered, discover
from flows.revisions import revise
from flows.summary import RunSummary, SourceCounts
from flows.tasks import load_batch, place_events, process, publish, ref, report
from parsers.fetch.network import Network
from parsers.model import Document, Failure, Source
from parsers.pipeline import Batch, CrawlState
from parsers.registry import load_registry
from warehouse import liveness, runs
from warehouse.handle import Warehouse

BATCH_SIZE = 500
SOURCE_WORKERS = int(os.environ.get("TRADEWIRE_SOURCE_WORKERS", "") or 8)  # sources crawled side by side


def _batches(items: Sequence[Document], size: int) -> Iterator[list[Document]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _crawl_state(found: Discovered, documents: list[Document], last: bool) -> CrawlState | None:
    """A batch's share of the crawl state: its fetched pages; the last batch also the index and retries."""
    if found.crawl is None:
        return None
    fetched = tuple(d for d in documents if d.sha256)
    return CrawlState(fetched, *((found.crawl.index_pages, found.crawl.failed) if last else ((), ())))


@task(name="source", task_run_name="source-{source.id}", cache_policy=NO_CACHE)
def ingest_source(
    source: Source, warehouse: Warehouse, network: Network, run_id: str, rules_path: str | None
) -> SourceCounts:
    """Run one source through every stage, batch by batch; a source that breaks is one failure row."""
    logger = get_run_logger()
    logger.info("source %s: %s %s", source.id, source.kind, source.url)
    try:
        counts = _ingest(source, warehouse, network, run_id, rules_path)
    except Exception as exc:  # one broken source must not stop the others
        logger.error("source %s failed: %s", source.id, exc)
        failure = Failure(source.id, source.url, "run", f"{type(exc).__name__}: {exc}")
        load_batch(warehouse, run_id, source.id, ref(Batch(source.id, failures=[failure])))
        counts = SourceCounts(source.id).add(failures=[failure])
    logger.info(
        "source %s: found %d, new %d, duplicate %d, failed %d",
        *(source.id, counts.found, counts.new, counts.duplicate, counts.failed),
    )
    return counts


def _ingest(
    source: Source, warehouse: Warehouse, network: Network, run_id: str, rules: str | None
) -> SourceCounts:
    found = discover(source, ref(warehouse), ref(network))
    counts = SourceCounts(
        source.id, len(found.documents) + len(found.failures), health=found.health, listed=found.listed,
        known=found.known, unchanged=found.unchanged,
    )  # fmt: skip
    batches = list(_batches(found.documents, BATCH_SIZE)) or [[]]
    for i, documents in enumerate(batches):
        pages = {d.url for d in documents}
        annexes = [a for a in found.attachments if a[0].page_url in pages]
        batch = process(source, documents, rules, annexes) if documents else Batch(source.id)
        first = found.failures + found.attachment_failures if i == 0 else []
        batch.failures = first + batch.failures
        batch.crawl = _crawl_state(found, documents, last=i == len(batches) - 1)
        result = load_batch(warehouse, run_id, source.id, ref(batch))
        counts = counts.add_batch(batch, len(result.new_article_ids))
    revise(source, ref(warehouse), ref(network), run_id, rules)  # official pages changed since: revisions
    return counts


_SIDE_BY_SIDE: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=SOURCE_WORKERS)


@flow(name="ingest", log_prints=False, task_runner=_SIDE_BY_SIDE)
def ingest(
    sources: str | None = None,
    db_path: str | None = None,
    profile: str = "default",
    only: list[str] | None = None,
    rules: str | None = None,
    fetch_options: dict[str, object] | None = None,
    due_only: bool = False,
) -> RunSummary:
    """Ingest every enabled source of a registry into the warehouse and return the run's summary.

    `due_only` (the scheduled deployments): only the sources whose adaptive interval has passed,
    never the watched ones (the `watch` flow triggers their ingests).
    """
    logger = get_run_logger()
    registry = load_registry(sources)
    selected = registry.select(profile, tuple(only or ()))
    warehouse = Warehouse.open(db_path)
    started = datetime.now()
    if due_only:
        selected = schedule.due(warehouse, selected, started)
        if not selected:
            logger.info("no source is due yet: %s", schedule.next_due(warehouse))
            return schedule.nothing_due(warehouse, flow_run.get_id() or "local")
    run_id = flow_run.get_id() or "local"
    liveness.hold(str(warehouse.path), run_id)  # until finish_run records the outcome (or this process ends)
    with warehouse.session() as con:  # also records runs found dead while `running` as crashed
        crashed = runs.start_run(con, run_id, profile, str(registry.path), flow_run.get_id())
    options = {"shared_gate": host_limits.from_env(), **(fetch_options or {})}  # across workers, if asked
    with Network.running(registry, **options) as network:
        schedule.reuse_robots(warehouse, network)
        futures = [ingest_source.submit(s, ref(warehouse), ref(network), run_id, rules) for s in selected]
        per_source = [future.result() for future in futures]
        schedule.keep_robots(warehouse, network)
    schedule.record_cadence(warehouse, selected, per_source, datetime.now())  # before report: health shows it
    summary, health = report(warehouse, run_id, per_source)
    try:
        place_events(warehouse)
    except Exception as exc:  # like alerts: must not undo a good load; unplaced articles go next run
        logger.error("event stories failed: %s", exc)
    try:
        alerted = send_alerts(warehouse, run_id)
    except Exception as exc:  # alerting must not undo a good load; pending alerts are retried next run
        logger.error("alerts failed: %s", exc)
        alerted = AlertReport(0, 0, 0, 0)
    latency = schedule.alert_latency(warehouse, registry, started)
    summary = replace(summary, alerts="; ".join(filter(None, [describe(alerted), latency])), crashed=crashed)
    changed = bool(summary.new or summary.failed or alerted.new or alerted.delivered or crashed)
    publish(warehouse, summary.new, changed=changed)
    publish_artifacts(summary, health, alerted.measures)
    logger.info("warehouse sessions this run: %d", warehouse.opens)
    if summary.status == "completed":
        return summary
    message = f"{summary.failed} failure(s) in {sum(1 for s in summary.sources if s.failed)} source(s)"
    return Completed(name="Partial", message=message, data=summary)  # type: ignore[return-value]
