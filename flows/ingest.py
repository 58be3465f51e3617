"""The `ingest` flow: it only wires tasks. Each task works on one source's batch, never one article.

discover -> parse -> clean -> deduplicate -> classify -> load, per source and per batch of documents.
Retries sit on the I/O tasks (discover, load). A broken source is recorded and the others go on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.summary import RunSummary, SourceCounts
from parsers.clean import clean_article
from parsers.dedup import split_batch_duplicates
from parsers.documents import parse_document
from parsers.files import read_files
from parsers.model import Article, Document, Failure, Source
from parsers.registry import load_registry
from parsers.topics import classify as classify_text
from parsers.topics import load_rules
from warehouse import db, load, reports, search

BATCH_SIZE = 500


@dataclass
class Parsed:
    """One batch after parsing: the articles and what could not be parsed."""

    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


@task(
    name="discover",
    task_run_name="discover-{source.id}",
    retries=2,
    retry_delay_seconds=[2, 10],
    cache_policy=NO_CACHE,
)
def discover(source: Source) -> tuple[list[Document], list[Failure]]:
    """Find and read/fetch the source's documents."""
    if source.kind == "files":
        return read_files(source)
    return [], [
        Failure(source.id, source.url, "discover", f"source kind {source.kind!r} is not supported yet")
    ]


@task(name="parse", task_run_name="parse-{source.id}", cache_policy=NO_CACHE)
def parse(source: Source, documents: list[Document]) -> Parsed:
    """Parse a batch of documents with the source's parser."""
    parsed = Parsed()
    for doc in documents:
        result = parse_document(source, doc)
        (parsed.failures if isinstance(result, Failure) else parsed.articles).append(result)  # type: ignore[arg-type]
    return parsed


@task(name="clean", task_run_name="clean-{source.id}", cache_policy=NO_CACHE)
def clean(source: Source, articles: list[Article]) -> Parsed:
    """Clean a batch; an article left with no text is a failure."""
    out = Parsed()
    for article in articles:
        cleaned = clean_article(article)
        if cleaned.clean_text:
            out.articles.append(cleaned)
        else:
            out.failures.append(Failure(source.id, article.url, "clean", "no text left after cleaning"))
    return out


@task(name="deduplicate", task_run_name="deduplicate-{source.id}", cache_policy=NO_CACHE)
def deduplicate(source: Source, db_path: str, articles: list[Article]) -> tuple[list[Article], list[Article]]:
    """Split a batch into (new, already known): same text within the batch or in the warehouse."""
    unique, repeats = split_batch_duplicates(articles)
    with db.writer(db_path) as con:
        known = load.known_article_ids(con, (a.article_id for a in unique))
    new = [a for a in unique if a.article_id not in known]
    return new, repeats + [a for a in unique if a.article_id in known]


@task(name="classify", task_run_name="classify-{source.id}", cache_policy=NO_CACHE)
def classify(source: Source, rules_path: str | None, articles: list[Article]) -> list[Article]:
    """Attach topic scores and evidence to each new article."""
    rules = load_rules(rules_path)
    return [replace(a, topics=classify_text(a.title, a.clean_text, rules)) for a in articles]


@task(
    name="load",
    task_run_name="load-{source.id}",
    retries=2,
    retry_delay_seconds=[1, 5],
    cache_policy=NO_CACHE,
)
def load_batch(
    source: Source,
    db_path: str,
    run_id: str,
    new: list[Article],
    seen: list[Article],
    failures: list[Failure],
) -> load.LoadResult:
    """Write one batch in one transaction."""
    sightings = [load.Sighting(a.url, a.article_id, a.source_id) for a in new + seen]
    with db.writer(db_path) as con:
        return load.load_batch(con, run_id, new, sightings, failures)


@task(name="publish", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def publish(db_path: str, new_articles: int) -> None:
    """Refresh the search index if articles arrived, then publish the analysts' copy atomically."""
    if new_articles:
        with db.writer(db_path) as con:
            search.refresh_index(con)
    db.publish(db_path)


def _batches(items: Sequence[Document], size: int) -> Iterator[list[Document]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def ingest_source(source: Source, db_path: str, run_id: str, rules_path: str | None) -> SourceCounts:
    """Run one source through every stage, batch by batch."""
    documents, failures = discover(source)
    counts = SourceCounts(source.id, found=len(documents) + len(failures))
    if not documents:
        load_batch(source, db_path, run_id, [], [], failures)
        return counts.add(failures=failures)
    for i, batch in enumerate(_batches(documents, BATCH_SIZE)):
        parsed = parse(source, batch)
        cleaned = clean(source, parsed.articles)
        new, seen = deduplicate(source, db_path, cleaned.articles)
        new = classify(source, rules_path, new)
        batch_failures = (failures if i == 0 else []) + parsed.failures + cleaned.failures
        result = load_batch(source, db_path, run_id, new, seen, batch_failures)
        counts = counts.add(
            new=len(result.new_article_ids),
            duplicate=len(new) + len(seen) - len(result.new_article_ids),
            failures=batch_failures,
        )
    return counts


@flow(name="ingest", log_prints=False)
def ingest(
    sources: str | None = None,
    db_path: str | None = None,
    profile: str = "default",
    only: list[str] | None = None,
    rules: str | None = None,
) -> RunSummary:
    """Ingest every enabled source of a registry into the warehouse and return the run's summary."""
    logger = get_run_logger()
    registry = load_registry(sources)
    selected = registry.select(profile, tuple(only or ()))
    db_file = str(db_path or db.default_db_path())
    run_id = flow_run.get_id() or "local"
    with db.writer(db_file) as con:
        load.start_run(con, run_id, profile, str(registry.path), flow_run.get_id())
    per_source = []
    for source in selected:
        logger.info("source %s: %s %s", source.id, source.kind, source.url)
        try:
            counts = ingest_source(source, db_file, run_id, rules)
        except Exception as exc:  # one broken source must not stop the others
            logger.error("source %s failed: %s", source.id, exc)
            failure = Failure(source.id, source.url, "run", f"{type(exc).__name__}: {exc}")
            with db.writer(db_file) as con:
                load.load_batch(con, run_id, [], [], [failure])
            counts = SourceCounts(source.id).add(failures=[failure])
        logger.info(
            "source %s: found %d, new %d, duplicate %d, failed %d",
            source.id,
            counts.found,
            counts.new,
            counts.duplicate,
            counts.failed,
        )
        per_source.append(counts)
    with db.writer(db_file) as con:
        summary = RunSummary(
            run_id,
            Path(db_file),
            tuple(per_source),
            reports.topic_counts(con, run_id),
            reports.article_total(con),
        )
        load.finish_run(
            con, run_id, summary.status, summary.found, summary.new, summary.duplicate, summary.failed
        )
    publish(db_file, summary.new)
    return summary
