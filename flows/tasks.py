"""The ingest flow's batch tasks: each takes one source's batch, never one article.

Retries sit on the tasks that touch the warehouse; the others are pure and fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.parallel import parse_all
from flows.summary import RunSummary, SourceCounts
from parsers.classify.measures import Measure, extract_measures
from parsers.classify.topics import classify as classify_text
from parsers.classify.topics import load_rules, paragraph_scores
from parsers.clean.press import clean_article, clean_paragraphs
from parsers.clean.web import learn_boilerplate
from parsers.extract.canonical import canonical_url
from parsers.model import Article, Document, Failure, Source
from parsers.stories.hashing import split_batch_duplicates
from warehouse import db, load, reports, search, stories
from warehouse.stories import Sketches


@dataclass
class Parsed:
    """One batch after parsing: the articles and what could not be parsed."""

    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


@task(name="parse", task_run_name="parse-{source.id}", cache_policy=NO_CACHE)
def parse(source: Source, documents: list[Document]) -> Parsed:
    """Parse a batch of documents with the source's parser (a large HTML batch in worker processes)."""
    parsed = Parsed()
    for result in parse_all(source, documents):
        (parsed.failures if isinstance(result, Failure) else parsed.articles).append(result)  # type: ignore[arg-type]
    return parsed


@task(name="clean", task_run_name="clean-{source.id}", cache_policy=NO_CACHE)
def clean(source: Source, articles: list[Article]) -> Parsed:
    """Clean a batch, dropping lines that recur on most of one host's pages; empty results are failures."""
    paragraphs = [clean_paragraphs(a.paragraphs) for a in articles]
    pages_by_host: dict[str, list[list[str]]] = {}
    for article, lines in zip(articles, paragraphs, strict=True):
        pages_by_host.setdefault(urlsplit(article.url).netloc, []).append(lines)
    boilerplate = learn_boilerplate(pages_by_host)
    out = Parsed()
    for article, lines in zip(articles, paragraphs, strict=True):
        cleaned = clean_article(article, lines, boilerplate.get(urlsplit(article.url).netloc, frozenset()))
        cleaned = replace(cleaned, canonical_url=cleaned.canonical_url or canonical_url(article.url),
                          official=source.official)  # fmt: skip
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


@task(name="stories", task_run_name="stories-{source.id}", cache_policy=NO_CACHE)
def group_stories(source: Source, db_path: str, articles: list[Article]) -> tuple[list[Article], Sketches]:
    """Place each new article in a story: near duplicates across the whole history share one."""
    with db.writer(db_path) as con:
        return stories.assign(con, articles)


@task(name="classify", task_run_name="classify-{source.id}", cache_policy=NO_CACHE)
def classify(
    source: Source, rules_path: str | None, articles: list[Article]
) -> tuple[list[Article], list[Measure]]:
    """Attach topic scores and evidence to each new article, and split out its enumerated measures."""
    rules = load_rules(rules_path)
    classified = [
        replace(
            a,
            topics=classify_text(a.title, a.clean_text, rules),
            paragraph_topics=tuple(p for p in paragraph_scores(a.clean_text, rules) if p[1].score >= 0.1),
        )
        for a in articles
    ]
    measures = [
        m
        for a in classified
        for m in extract_measures(a.article_id, a.title, a.clean_text, rules, source.issuer)
    ]
    return classified, measures


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
    fetched: list[Document] | None = None,
    sketches: Sketches | None = None,
    measures: list[Measure] | None = None,
) -> load.LoadResult:
    """Write one batch in one transaction (with the crawl state of its fetched pages)."""
    sightings = [load.Sighting(a.url, a.article_id, a.source_id, a.canonical_url) for a in new + seen]
    with db.writer(db_path) as con:
        return load.load_batch(con, run_id, new, sightings, failures, fetched, sketches, measures)


@task(name="publish", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def publish(db_path: str, new_articles: int, changed: bool = True) -> bool:
    """Refresh the search index if articles arrived, then publish the analysts' copy atomically.

    A run that changed nothing analysts query (no article, failure or alert) skips the copy, whose
    cost grows with the warehouse, unless the analysts' copy is over `db.MAX_STALE` old.
    """
    if db.lake_config() is not None:  # DuckLake: commits are visible at once; it cannot hold an FTS index
        return False
    if new_articles:
        with db.writer(db_path) as con:
            search.refresh_index(con)
    if not (new_articles or changed or db.published_is_stale(db_path)):
        return False
    db.publish(db_path)
    return True


@task(name="report", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def report(
    db_path: str, run_id: str, per_source: list[SourceCounts]
) -> tuple[RunSummary, list[dict[str, object]]]:
    """Record the run's per-source counts and outcome; return its summary and the sources' health."""
    with db.writer(db_path) as con:
        load.record_source_runs(
            con,
            run_id,
            [(c.source_id, c.found, c.new, c.duplicate, c.failed, c.mean_text_chars) for c in per_source],
        )
        summary = RunSummary(
            run_id,
            Path(db_path),
            tuple(per_source),
            reports.topic_counts(con, run_id),
            reports.article_total(con),
        )
        load.finish_run(
            con, run_id, summary.status, summary.found, summary.new, summary.duplicate, summary.failed
        )
        return summary, reports.source_health(con)
