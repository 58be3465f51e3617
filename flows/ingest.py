"""The `ingest` flow: it only wires tasks. Each task works on one source's batch, never one article.

discover -> parse -> clean -> deduplicate -> classify -> load, per source and per batch of documents.
Retries sit on the I/O tasks (discover, load). A broken source is recorded and the others go on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Completed

from flows.alerts import AlertReport, describe, send_alerts
from flows.artifacts import publish_artifacts
from flows.discover import discover, remember
from flows.summary import RunSummary, SourceCounts
from flows.tasks import classify, clean, deduplicate, group_stories, load_batch, parse, publish, report
from parsers.model import Document, Failure, Source
from parsers.registry import Registry, load_registry
from warehouse import db, liveness, load

BATCH_SIZE = 500


def _batches(items: Sequence[Document], size: int) -> Iterator[list[Document]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def ingest_source(
    source: Source, registry: Registry, db_path: str, run_id: str, rules_path: str | None,
    fetch_options: dict[str, object] | None,
) -> SourceCounts:  # fmt: skip
    """Run one source through every stage, batch by batch."""
    found = discover(source, registry, db_path, fetch_options)
    documents, failures = found.documents, found.failures
    counts = SourceCounts(source.id, found=len(documents) + len(failures))
    if not documents:
        load_batch(source, db_path, run_id, [], [], failures)
        remember(source, db_path, found)
        return counts.add(failures=failures)
    for i, batch in enumerate(_batches(documents, BATCH_SIZE)):
        parsed = parse(source, batch)
        cleaned = clean(source, parsed.articles)
        new, seen = deduplicate(source, db_path, cleaned.articles)
        new, sketches = group_stories(source, db_path, new)
        new, measures = classify(source, rules_path, new)
        batch_failures = (failures if i == 0 else []) + parsed.failures + cleaned.failures
        result = load_batch(
            source,
            db_path,
            run_id,
            new,
            seen,
            batch_failures,
            batch if found.fetched else [],
            sketches,
            measures,
        )
        counts = counts.add(
            new=len(result.new_article_ids),
            duplicate=len(new) + len(seen) - len(result.new_article_ids),
            failures=batch_failures,
            texts=[a.clean_text for a in cleaned.articles],
        )
    remember(source, db_path, found)
    return counts


@flow(name="ingest", log_prints=False)
def ingest(
    sources: str | None = None,
    db_path: str | None = None,
    profile: str = "default",
    only: list[str] | None = None,
    rules: str | None = None,
    fetch_options: dict[str, object] | None = None,
) -> RunSummary:
    """Ingest every enabled source of a registry into the warehouse and return the run's summary."""
    logger = get_run_logger()
    registry = load_registry(sources)
    selected = registry.select(profile, tuple(only or ()))
    db_file = str(db_path or db.default_db_path())
    run_id = flow_run.get_id() or "local"
    liveness.hold(db_file, run_id)  # until finish_run records the outcome (or this process ends)
    with db.writer(db_file) as con:  # also records runs found dead while `running` as crashed
        crashed = load.start_run(con, run_id, profile, str(registry.path), flow_run.get_id())
    per_source = []
    for source in selected:
        logger.info("source %s: %s %s", source.id, source.kind, source.url)
        try:
            counts = ingest_source(source, registry, db_file, run_id, rules, fetch_options)
        except Exception as exc:  # one broken source must not stop the others
            logger.error("source %s failed: %s", source.id, exc)
            failure = Failure(source.id, source.url, "run", f"{type(exc).__name__}: {exc}")
            load_batch(source, db_file, run_id, [], [], [failure])
            counts = SourceCounts(source.id).add(failures=[failure])
        logger.info(
            "source %s: found %d, new %d, duplicate %d, failed %d",
            *(source.id, counts.found, counts.new, counts.duplicate, counts.failed),
        )
        per_source.append(counts)
    summary, health = report(db_file, run_id, per_source)
    try:
        alerted = send_alerts(db_file, run_id)
    except Exception as exc:  # alerting must not undo a good load; pending alerts are retried next run
        logger.error("alerts failed: %s", exc)
        alerted = AlertReport(0, 0, 0, 0)
    summary = replace(summary, alerts=describe(alerted), crashed=crashed)
    publish(
        db_file,
        summary.new,
        changed=bool(summary.new or summary.failed or alerted.new or alerted.delivered or crashed),
    )
    publish_artifacts(summary, health, alerted.measures)
    if summary.status == "completed":
        return summary
    message = f"{summary.failed} failure(s) in {sum(1 for s in summary.sources if s.failed)} source(s)"
    return Completed(name="Partial", message=message, data=summary)  # type: ignore[return-value]
