"""The `reparse` flow: rebuild every article from the raw archive, with no network.

Use it after a parser, cleaner or topic-rule change. It reads the archived documents batch by
batch through the same pipeline as `ingest` (`flows.tasks.process`: parse -> prepare) and the same
loader, and replaces the articles in one transaction: analysts see the old articles or the new
ones, never a mixture.
"""

from __future__ import annotations

from dataclasses import replace

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.artifacts import publish_artifacts
from flows.parallel import find_all_attachments
from flows.summary import RunSummary, SourceCounts
from flows.tasks import place_events, process, publish, report
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


@flow(name="reparse", log_prints=False)
def reparse(sources: str | None = None, db_path: str | None = None, rules: str | None = None) -> RunSummary:
    """Rebuild all articles from the raw archive with the current parsers, cleaner and rules."""
    logger = get_run_logger()
    registry = {s.id: s for s in load_registry(sources).sources}
    warehouse = Warehouse.open(db_path)
    run_id = flow_run.get_id() or "local"
    liveness.hold(str(warehouse.path), run_id)  # a killed reparse is found and marked crashed like an ingest
    counts: dict[str, SourceCounts] = {}
    with warehouse.session() as con:
        runs.start_run(con, run_id, "reparse", str(sources or "default"), flow_run.get_id())
        with load.transaction(con):
            load.clear_articles(con)
            for documents in archive.read_documents(warehouse.path):
                for source_id, docs in _by_source(documents).items():
                    source = registry.get(source_id)
                    if source is None:
                        lost = [
                            Failure(source_id, d.url, "parse", "source no longer in the registry")
                            for d in docs
                        ]
                        batch = Batch(source_id, failures=lost)
                    else:
                        batch = process(source, docs, rules, _annexes(warehouse, source, docs))
                    result = load.insert(con, run_id, batch)
                    counts[source_id] = counts.get(source_id, SourceCounts(source_id)).add_batch(
                        batch, len(result.new_article_ids)
                    )
    per_source = [replace_found(c) for c in counts.values()]
    summary, health = report(warehouse, run_id, per_source)
    place_events(warehouse)  # the event stories were cleared with the articles
    publish(warehouse, summary.new or 1)  # the articles were rewritten: always refresh the search index
    publish_artifacts(summary, health)
    logger.info("reparse: %d article(s) rebuilt from the raw archive", summary.articles_total)
    return summary


def replace_found(counts: SourceCounts) -> SourceCounts:
    """A reparse finds what it rebuilt: found = new + duplicate + failed."""
    return replace(counts, found=counts.new + counts.duplicate + counts.failed)
