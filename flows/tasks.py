"""The batch tasks that `ingest` and `reparse` share: each takes one source's batch, never one article.

    parse (worker processes) -> prepare (pure: clean, batch duplicates, topics, measures) -> load

Retries sit on the tasks that touch the warehouse; the others are pure. Big values cross task
boundaries wrapped in `opaque`: Prefect then resolves them without walking every article.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar, cast

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import opaque

from flows.parallel import extract_attachments, parse_all
from flows.summary import RunSummary, SourceCounts
from parsers.classify.topics import load_rules
from parsers.model import Article, Attachment, AttachmentLink, Document, Failure, Source
from parsers.pipeline import Batch, prepare
from warehouse import db, event_stories, load, reports, runs, search
from warehouse.handle import Warehouse

T = TypeVar("T")


def ref(value: T) -> T:
    """`value` for a task input that Prefect resolves without walking into it (see the module doc)."""
    return cast(T, opaque(value))


@task(name="parse", task_run_name="parse-{source.id}", cache_policy=NO_CACHE)
def parse(source: Source, documents: list[Document]) -> list[Article | Failure]:
    """Parse a batch of documents with the source's parser (a large HTML batch in worker processes)."""
    return parse_all(source, documents)


@task(name="attachments", task_run_name="attachments-{source.id}", cache_policy=NO_CACHE)
def read_attachments(
    source: Source, annexes: list[tuple[AttachmentLink, Document]]
) -> list[Attachment | Failure]:
    """Extract the text of a batch's annexes (PDF, XLSX, XLS, DOCX) in worker processes, within budgets."""
    return extract_attachments(source, annexes)


@task(name="prepare", task_run_name="prepare-{source.id}", cache_policy=NO_CACHE)
def prepare_batch(
    source: Source,
    parsed: list[Article | Failure],
    rules_path: str | None,
    annexes: list[Attachment | Failure] | None = None,
) -> Batch:
    """Clean, drop repeats within the batch, classify and split out measures (pure, see parsers.pipeline)."""
    annexes = annexes or []
    batch = prepare(source, parsed, load_rules(rules_path), [a for a in annexes if isinstance(a, Attachment)])
    batch.failures += [a for a in annexes if isinstance(a, Failure)]
    return batch


def process(
    source: Source,
    documents: list[Document],
    rules_path: str | None,
    annexes: list[tuple[AttachmentLink, Document]] | None = None,
) -> Batch:
    """parse -> [annexes' text] -> prepare for one batch: the pipeline ingest and reparse share."""
    parsed = parse(source, ref(documents))
    texts = read_attachments(source, ref(annexes)) if annexes else []
    return prepare_batch(source, ref(parsed), rules_path, ref(texts))


@task(
    name="load",
    task_run_name="load-{source_id}",
    retries=2,
    retry_delay_seconds=[1, 5],
    cache_policy=NO_CACHE,
)
def load_batch(warehouse: Warehouse, run_id: str, source_id: str, batch: Batch) -> load.LoadResult:
    """Write one batch (with its crawl state) in one transaction."""
    with warehouse.session() as con:
        return load.load(con, run_id, batch)


@task(name="events", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def place_events(warehouse: Warehouse) -> int:
    """Place the run's new articles (and any left unplaced before) in event stories; how many."""
    with warehouse.session() as con:
        return event_stories.place_pending(con)


@task(name="publish", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def publish(warehouse: Warehouse, new_articles: int, changed: bool = True) -> bool:
    """Refresh the search index if articles arrived, then publish the analysts' copy atomically.

    A run that changed nothing analysts query (no article, failure or alert) skips the copy, whose
    cost grows with the warehouse, unless the analysts' copy is over `db.MAX_STALE` old.
    """
    if warehouse.on_lake:  # DuckLake: commits are visible at once; it cannot hold an FTS index
        return False
    if new_articles:
        with warehouse.session() as con:
            search.refresh_index(con)
    if not (new_articles or changed or db.published_is_stale(warehouse.path)):
        return False
    db.publish(warehouse.path)
    return True


@task(name="report", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def report(
    warehouse: Warehouse, run_id: str, per_source: list[SourceCounts]
) -> tuple[RunSummary, list[dict[str, object]]]:
    """Record the run's per-source counts and outcome; return its summary and the sources' health."""
    with warehouse.session() as con:
        runs.record_source_runs(
            con,
            run_id,
            [(c.source_id, c.found, c.new, c.duplicate, c.failed, c.mean_text_chars) for c in per_source],
        )
        summary = RunSummary(
            run_id,
            Path(warehouse.path),
            tuple(per_source),
            reports.topic_counts(con, run_id),
            reports.article_total(con),
        )
        runs.finish_run(
            con, run_id, summary.status, summary.found, summary.new, summary.duplicate, summary.failed
        )
        return summary, reports.source_health(con)
