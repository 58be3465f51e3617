"""Batched, idempotent, transactional loads: Arrow tables in, anti-joins against what exists."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from parsers.classify.measures import Measure
from parsers.model import Article, Document, Failure
from warehouse import crashes, crawl, liveness, stories
from warehouse.crashes import CrashedRun
from warehouse.measures import store as measures_store

_ARTICLE_COLUMNS = (
    "article_id",
    "content_hash",
    "source_id",
    "url",
    "title",
    "title_source",
    "published_at",
    "date_text",
    "date_source",
    "agency",
    "author",
    "language",
    "clean_text",
    "raw_text",
    "story_id",
    "canonical_url",
    "official",
)


@dataclass(frozen=True)
class Sighting:
    """One URL where an article was found in this run."""

    url: str
    article_id: str
    source_id: str
    canonical_url: str = ""


@dataclass(frozen=True)
class LoadResult:
    """What a batch load actually inserted."""

    new_article_ids: tuple[str, ...]
    sightings: int
    failures: int


def _articles_table(articles: list[Article], run_id: str, now: datetime) -> pa.Table:
    columns: dict[str, list] = {name: [] for name in _ARTICLE_COLUMNS}
    for article in articles:
        for name in _ARTICLE_COLUMNS:
            columns[name].append(getattr(article, name))
    columns.update(run_id=[run_id] * len(articles), loaded_at=[now] * len(articles))
    # An explicit schema: an empty batch must still join as VARCHAR, not as a column of NULL type.
    types = {"published_at": pa.timestamp("us"), "loaded_at": pa.timestamp("us"), "official": pa.bool_()}
    return pa.table({n: pa.array(v, types.get(n, pa.string())) for n, v in columns.items()})


def _topics_table(articles: list[Article]) -> pa.Table:
    rows = [(a.article_id, t.topic, t.score, list(t.evidence)) for a in articles for t in a.topics]
    ids, topics, scores, evidence = (
        (list(col) for col in zip(*rows, strict=True)) if rows else ([], [], [], [])
    )
    return pa.table(
        {
            "article_id": pa.array(ids, pa.string()),
            "topic": pa.array(topics, pa.string()),
            "score": pa.array(scores, pa.float64()),
            "evidence": pa.array(evidence, pa.list_(pa.string())),
        }
    )


def _paragraph_topics_table(articles: list[Article]) -> pa.Table:
    rows = [
        (a.article_id, i, t.topic, t.score, list(t.evidence)) for a in articles for i, t in a.paragraph_topics
    ]
    columns: list[tuple[object, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 5
    types = (pa.string(), pa.int32(), pa.string(), pa.float64(), pa.list_(pa.string()))
    names = ("article_id", "paragraph", "topic", "score", "evidence")
    return pa.table({n: pa.array(list(c), t) for n, c, t in zip(names, columns, types, strict=True)})


def _rows_table(names: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> pa.Table:
    columns: list[list[str]] = [[] for _ in names]
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    return pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)})


def known_article_ids(con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]) -> set[str]:
    """The subset of `article_ids` already stored (one join, not one query per id)."""
    ids = pa.table({"article_id": pa.array(sorted(set(article_ids)), pa.string())})
    con.register("candidate_ids", ids)
    try:
        rows = con.execute("SELECT article_id FROM candidate_ids SEMI JOIN core.articles USING (article_id)")
        return {row[0] for row in rows.fetchall()}
    finally:
        con.unregister("candidate_ids")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT, rolled back on any error (or on a kill: DuckDB never commits half)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def load_batch(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    articles: list[Article],
    sightings: list[Sighting],
    failures: list[Failure],
    fetched: list[Document] | None = None,
    sketches: stories.Sketches | None = None,
    measures: list[Measure] | None = None,
) -> LoadResult:
    """Insert one batch in one transaction; rows that already exist are skipped by anti-joins.

    `fetched` are the batch's documents that came over HTTP: their URLs become known (not fetched
    again) and leave the retry frontier in the same transaction as the articles they produced.
    """
    with transaction(con):
        return insert_batch(con, run_id, articles, sightings, failures, fetched, sketches, measures)


def insert_batch(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    articles: list[Article],
    sightings: list[Sighting],
    failures: list[Failure],
    fetched: list[Document] | None = None,
    sketches: stories.Sketches | None = None,
    measures: list[Measure] | None = None,
) -> LoadResult:
    """`load_batch` without its own transaction, for callers that span several batches."""
    now = datetime.now()
    tables = {
        "batch_articles": _articles_table(articles, run_id, now),
        "batch_topics": _topics_table(articles),
        "batch_paragraph_topics": _paragraph_topics_table(articles),
        "batch_sightings": _rows_table(
            ("url", "article_id", "source_id", "canonical_url"),
            ((s.url, s.article_id, s.source_id, s.canonical_url or s.url) for s in sightings),
        ),
        "batch_failures": _rows_table(
            ("source_id", "url", "stage", "reason"),
            ((f.source_id, f.url, f.stage, f.reason) for f in failures),
        ),
    }
    for name, table in tables.items():
        con.register(name, table)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE fresh AS SELECT DISTINCT ON (article_id) * FROM batch_articles"
            " ANTI JOIN core.articles USING (article_id)"
        )
        new_ids = tuple(row[0] for row in con.execute("SELECT article_id FROM fresh").fetchall())
        con.execute(
            f"INSERT INTO core.articles BY NAME SELECT {', '.join(_ARTICLE_COLUMNS)}, run_id, loaded_at FROM fresh"
        )
        for target, batch in (
            ("article_topics", "batch_topics"),
            ("paragraph_topics", "batch_paragraph_topics"),
        ):
            con.execute(f"INSERT INTO core.{target} SELECT * FROM {batch} SEMI JOIN fresh USING (article_id)")
        sighted = con.execute(
            "INSERT INTO core.sightings BY NAME SELECT DISTINCT ON (canonical_url, article_id) url, article_id,"
            " source_id, ? AS run_id, ? AS seen_at, canonical_url FROM batch_sightings"
            " ANTI JOIN core.sightings USING (canonical_url, article_id)",
            [run_id, now],
        ).fetchone()
        con.execute(
            "INSERT INTO core.failures SELECT ?, source_id, url, stage, reason, ? FROM batch_failures",
            [run_id, now],
        )
        if sketches is not None:
            stories.store(con, sketches)
        measures_store(con, list(measures or ()))
        con.execute("DROP TABLE fresh")
        if fetched:
            cache = crawl.cache_table(fetched[0].source_id, "article", fetched)
            crawl.upsert_cache(con, cache)
            con.register("fetched_urls", cache.select(["url"]))
            con.execute("DELETE FROM core.frontier WHERE url IN (SELECT url FROM fetched_urls)")
            con.unregister("fetched_urls")
    finally:
        for name in tables:
            con.unregister(name)
    return LoadResult(new_ids, int(sighted[0]) if sighted else 0, len(failures))


def clear_articles(con: duckdb.DuckDBPyConnection) -> None:
    """Remove every article and what hangs on it (inside the caller's transaction), before a rebuild."""
    for table in (
        "core.article_topics",
        "core.paragraph_topics",
        "core.measures",
        "core.sightings",
        "core.dedup_bands",
        "core.dedup_signatures",
        "core.articles",
    ):
        con.execute(f"DELETE FROM {table}")


def start_run(
    con: duckdb.DuckDBPyConnection, run_id: str, profile: str, registry: str, flow_run_id: str | None
) -> tuple[CrashedRun, ...]:
    """Record a run as started, with its owner and the lock it holds (`liveness.hold`, taken before).

    First, every other run recorded `running` with nothing alive behind it is recorded `crashed`
    with what it had committed (`crashes.mark_crashed`); those are returned for the run's summary.
    """
    owner = liveness.owner(run_id)
    with transaction(con):
        crashed = crashes.mark_crashed(con, run_id)
        con.execute(
            "INSERT INTO ingest_runs (run_id, flow_run_id, profile, registry, started_at, status, owner_host,"
            " owner_pid, owner_start, liveness_lock) VALUES (?, ?, ?, ?, now(), 'running', ?, ?, ?, ?)",
            [run_id, flow_run_id, profile, registry, owner.host, owner.pid, owner.start, owner.lock],
        )
    return crashed


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    found: int,
    new: int,
    duplicate: int,
    failed: int,
) -> None:
    """Record a run's outcome and counts, then let go of its liveness lock."""
    con.execute(
        "UPDATE ingest_runs SET finished_at = now(), status = ?, found = ?, new = ?, duplicate = ?,"
        " failed = ? WHERE run_id = ?",
        [status, found, new, duplicate, failed, run_id],
    )
    liveness.release(run_id)  # after the outcome is stored: a run seen `running` still holds it


def record_source_runs(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    rows: list[tuple[str, int, int, int, int, float | None]],
) -> None:
    """Store per-source counts of a run: (source_id, found, new, duplicate, failed, mean_text_chars)."""
    columns: list[tuple[object, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 6
    table = pa.table(
        {
            "source_id": pa.array(columns[0], pa.string()),
            "found": pa.array(columns[1], pa.int32()),
            "new": pa.array(columns[2], pa.int32()),
            "duplicate": pa.array(columns[3], pa.int32()),
            "failed": pa.array(columns[4], pa.int32()),
            "mean_text_chars": pa.array(columns[5], pa.float64()),
        }
    )
    con.register("batch_source_runs", table)
    try:
        con.execute(
            "INSERT INTO core.source_runs SELECT ?, source_id, now()::TIMESTAMP, found, new, duplicate, failed,"
            " mean_text_chars FROM batch_source_runs",
            [run_id],
        )
    finally:
        con.unregister("batch_source_runs")
