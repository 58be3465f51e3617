"""The `reparse` flow: rebuild every article from the raw archive, with no network.

Use it after a parser, cleaner or topic-rule change. It reads the archived documents batch by
batch through the same parse, clean and classify tasks as `ingest`, and replaces the articles in
one transaction: analysts see the old articles or the new ones, never a mixture.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.artifacts import publish_artifacts
from flows.summary import RunSummary, SourceCounts
from flows.tasks import classify, clean, parse, publish, report
from parsers.model import Document, Failure
from parsers.registry import load_registry
from parsers.stories.hashing import split_batch_duplicates
from warehouse import archive, db, load, stories


@flow(name="reparse", log_prints=False)
def reparse(sources: str | None = None, db_path: str | None = None, rules: str | None = None) -> RunSummary:
    """Rebuild all articles from the raw archive with the current parsers, cleaner and rules."""
    logger = get_run_logger()
    registry = {s.id: s for s in load_registry(sources).sources}
    db_file = str(db_path or db.default_db_path())
    run_id = flow_run.get_id() or "local"
    counts: dict[str, SourceCounts] = {}
    with db.writer(db_file) as con:
        load.start_run(con, run_id, "reparse", str(sources or "default"), flow_run.get_id())
        with load.transaction(con):
            load.clear_articles(con)
            for batch in archive.read_documents(db_file):
                by_source: dict[str, list[Document]] = {}
                for doc in batch:
                    by_source.setdefault(doc.source_id, []).append(doc)
                for source_id, docs in by_source.items():
                    tally = counts.get(source_id, SourceCounts(source_id))
                    source = registry.get(source_id)
                    if source is None:
                        lost = [
                            Failure(source_id, d.url, "parse", "source no longer in the registry")
                            for d in docs
                        ]
                        load.insert_batch(con, run_id, [], [], lost)
                        counts[source_id] = tally.add(failures=lost)
                        continue
                    parsed = parse(source, docs)
                    cleaned = clean(source, parsed.articles)
                    unique, _ = split_batch_duplicates(cleaned.articles)
                    stored = load.known_article_ids(con, (a.article_id for a in unique))
                    fresh = [a for a in unique if a.article_id not in stored]
                    grouped, sketches = stories.assign(con, fresh)
                    articles, measures = classify(source, rules, grouped)
                    sightings = [
                        load.Sighting(a.url, a.article_id, a.source_id, a.canonical_url)
                        for a in cleaned.articles
                    ]
                    failures = parsed.failures + cleaned.failures
                    result = load.insert_batch(
                        con, run_id, articles, sightings, failures, sketches=sketches, measures=measures
                    )
                    counts[source_id] = tally.add(
                        new=len(result.new_article_ids),
                        duplicate=len(cleaned.articles) - len(result.new_article_ids),
                        failures=failures,
                        texts=[a.clean_text for a in articles],
                    )
    per_source = [SourceCounts(c.source_id, c.new + c.duplicate + c.failed, c.new, c.duplicate, c.failures,
                               c.parsed, c.text_chars) for c in counts.values()]  # fmt: skip
    summary, health = report(db_file, run_id, per_source)
    publish(db_file, summary.new or 1)  # the articles were rewritten: always refresh the search index
    publish_artifacts(summary, health)
    logger.info("reparse: %d article(s) rebuilt from the raw archive", summary.articles_total)
    return summary
