"""The `reparse` flow: rebuild every article from the raw archive, with no network; and `backfill`.

Use reparse after a parser, cleaner or topic-rule change. It reads the archived documents batch by
batch, rebuilds each batch with the same pipeline as `ingest` (parse -> prepare) as a task that runs
in threads, local processes or on a Dask cluster (`flows.spread`), and loads the batches in archive
order in one transaction, from this process alone: analysts see the old articles or the new ones,
never a mixture, and every way of running gives the same warehouse.

A backfill (`backfill=True`) is the same path without the clearing: the archived pages of the
given sources (all by default) are parsed and what is not in the warehouse yet is added (the
loader's anti-joins skip what is); for a warehouse started from an archive, or sources added to a
registry after their pages were archived.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows import spread
from flows.artifacts import publish_artifacts
from flows.parallel import find_all_attachments
from flows.summary import RunSummary, SourceCounts
from flows.tasks import place_events, publish, report
from parsers.model import AttachmentLink, Document, Failure, Source
from parsers.pipeline import Batch
from parsers.registry import load_registry
from warehouse import archive, liveness, load, runs
from warehouse.handle import Warehouse


def _by_source(documents: list[Document]) -> dict[str, list[Document]]:
    grouped: dict[str, list[Document]] = {}
    for doc in documents:
        grouped.setdefault(doc.source_id, []).append(doc)
    return grouped


def _annexes(
    warehouse: Warehouse, source: Source, docs: list[Document]
) -> list[tuple[AttachmentLink, Document]]:
    """The archived annexes of these pages: their links found again, their bytes from the archive."""
    if not source.attachments:
        return []
    links, _failures = find_all_attachments(source, docs)  # failures were recorded by the run that fetched
    archived = archive.read_attachments(warehouse.path, [link.url for link in links])
    return [(link, archived[link.url]) for link in links if link.url in archived]


def _batches(
    warehouse: Warehouse,
    registry: dict[str, Source],
    documents: Iterator[list[Document]],
    only: Sequence[str] | None,
) -> Iterator[Batch | spread.Work]:
    """Each source's share of each archive chunk to rebuild; a source no longer known is its failures."""
    for chunk in documents:
        for source_id, docs in _by_source(chunk).items():
            if only and source_id not in only:
                continue
            source = registry.get(source_id)
            if source is None:
                lost = [Failure(source_id, d.url, "parse", "source no longer in the registry") for d in docs]
                yield Batch(source_id, failures=lost)
            else:
                yield spread.Work(source, docs, _annexes(warehouse, source, docs))


@flow(name="reparse", log_prints=False)
def reparse(
    sources: str | None = None,
    db_path: str | None = None,
    rules: str | None = None,
    backfill: bool = False,
    only: list[str] | None = None,
    ahead: int = 2,
    batch_size: int = 500,
) -> RunSummary:
    """Rebuild all articles from the raw archive (or, `backfill`, add those not stored yet)."""
    logger = get_run_logger()
    registry = {s.id: s for s in load_registry(sources).sources}
    warehouse = Warehouse.open(db_path)
    run_id = flow_run.get_id() or "local"
    liveness.hold(str(warehouse.path), run_id)  # a killed reparse is found and marked crashed like an ingest
    counts: dict[str, SourceCounts] = {}
    batches = _batches(warehouse, registry, archive.read_documents(warehouse.path, batch_size), only)
    with warehouse.session() as con:
        runs.start_run(
            con, run_id, "backfill" if backfill else "reparse", str(sources or "default"), flow_run.get_id()
        )
        with load.transaction(con):
            if not backfill:
                load.clear_articles(con)
            for batch in spread.in_order(batches, rules, ahead):
                result = load.insert(con, run_id, batch)
                counts[batch.source_id] = counts.get(
                    batch.source_id, SourceCounts(batch.source_id)
                ).add_batch(batch, len(result.new_article_ids))
    per_source = [replace_found(c) for c in counts.values()]
    summary, health = report(warehouse, run_id, per_source)
    place_events(warehouse)  # the event stories were cleared with the articles (a backfill adds some)
    publish(warehouse, summary.new or 1)  # the articles were rewritten: always refresh the search index
    publish_artifacts(summary, health)
    logger.info(
        "%s: %d article(s) in the warehouse", "backfill" if backfill else "reparse", summary.articles_total
    )
    return summary


def run(
    sources: str | None = None,
    db_path: str | None = None,
    processes: int | None = None,
    dask: str | None = None,
    **options: object,
) -> RunSummary:
    """`reparse` with its batches in `processes` local processes or on the Dask cluster `dask` (flows.spread)."""
    runner = spread.task_runner(processes, dask)
    flow_fn = reparse.with_options(task_runner=runner)
    return flow_fn(sources=sources, db_path=db_path, ahead=spread.ahead(processes, dask), **options)  # type: ignore[call-overload]


def replace_found(counts: SourceCounts) -> SourceCounts:
    """A reparse finds what it rebuilt: found = new + duplicate + failed."""
    return replace(counts, found=counts.new + counts.duplicate + counts.failed)
