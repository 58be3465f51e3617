"""Loading one batch in one transaction: known articles dropped, stories placed, every row written.

The batch comes from `parsers.pipeline.prepare`. Which of its articles are already stored, and
which story each new one joins, is decided here, inside the transaction that writes it: two runs
loading the same article take turns on the write lock, and the second sees the first's rows.
Arrow tables in (`warehouse.schemas`), inserted by name; anti-joins keep every insert idempotent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from parsers.model import Article
from parsers.pipeline import Batch
from warehouse import crawl, schemas, stories
from warehouse.measures import store as store_measures


@dataclass(frozen=True)
class LoadResult:
    """What a batch load actually inserted."""

    new_article_ids: tuple[str, ...]
    sightings: int
    failures: int


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


# Migration 021's keys first: equal ids have equal keys, so with no key in common and no row lacking its
# key (a writer other than this loader may leave it NULL) no candidate is stored, and the 1M id strings
# are not read. NULLs: row groups whose statistics say none are skipped.
_ANY_KEY = "SELECT 1 FROM core.articles WHERE article_key IN (SELECT article_key FROM candidate_ids) LIMIT 1"
_ANY_NULL = "SELECT 1 FROM core.articles WHERE article_key IS NULL LIMIT 1"
_STORED = "SELECT article_id FROM candidate_ids SEMI JOIN core.articles USING (article_id)"


def known_article_ids(con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]) -> set[str]:
    """The subset of `article_ids` already stored (one join, not one query per id)."""
    unique = sorted(set(article_ids))
    keys = pa.array([schemas.md5_lower(a) for a in unique], pa.uint64())
    con.register(
        "candidate_ids", pa.table({"article_id": pa.array(unique, pa.string()), "article_key": keys})
    )
    try:
        if not (con.execute(_ANY_KEY).fetchone() or con.execute(_ANY_NULL).fetchone()):
            return set()
        return {row[0] for row in con.execute(_STORED).fetchall()}
    finally:
        con.unregister("candidate_ids")


def load(con: duckdb.DuckDBPyConnection, run_id: str, batch: Batch) -> LoadResult:
    """Write one batch (and its crawl state, if any) in one transaction."""
    with transaction(con):
        return insert(con, run_id, batch)


def insert(con: duckdb.DuckDBPyConnection, run_id: str, batch: Batch) -> LoadResult:
    """`load` inside the caller's transaction (a reparse writes all its batches in one)."""
    now = datetime.now()
    known = known_article_ids(con, (a.article_id for a in batch.articles))
    unique: dict[str, Article] = {}
    for article in batch.articles:
        if article.article_id not in known:
            unique.setdefault(article.article_id, article)  # the first of one text in the batch wins
    fresh = list(unique.values())
    sketched = batch.sketches.select([a.article_id for a in fresh]) if batch.sketches is not None else None
    new, sketches = stories.assign(con, fresh, sketched)
    new_ids = {a.article_id for a in new}
    # no second anti-join: `known` was read in this transaction, under the write lock (core.articles
    # has no key since migration 017; this check is what keeps one row per article)
    _append(con, "core.articles", _article_rows(new, run_id, now))
    _append(
        con,
        "core.article_topics",
        ((a.article_id, t.topic, t.score, list(t.evidence)) for a in new for t in a.topics),
    )
    _append(con, "core.paragraph_topics", ((a.article_id, i, t.topic, t.score, list(t.evidence))
                                           for a in new for i, t in a.paragraph_topics))  # fmt: skip
    sighted = _sightings(con, batch, run_id, now, new_ids)
    _append(
        con, "core.failures", ((run_id, f.source_id, f.url, f.stage, f.reason, now) for f in batch.failures)
    )
    stories.store(con, sketches)
    _append(con, "core.attachments", _attachment_rows(batch), anti_join="article_id, url")
    store_measures(con, [m for m in batch.measures if m.article_id in new_ids])
    if batch.crawl is not None:
        crawl.record(con, batch.source_id, batch.crawl)
    return LoadResult(tuple(a.article_id for a in new), sighted, len(batch.failures))


def _sightings(
    con: duckdb.DuckDBPyConnection, batch: Batch, run_id: str, now: datetime, new_ids: set[str]
) -> int:
    """Insert the batch's sightings not stored yet; only those of articles stored before are looked up.

    A sighting is only ever written with its article (and deleted with it), so an article inserted
    in this transaction has none in the history: its sightings need no scan of core.sightings.
    """
    rows = [
        (s.url, s.article_id, s.source_id, run_id, now, s.canonical_url or s.url) for s in batch.sightings
    ]
    fresh = [r for r in rows if r[1] in new_ids]
    known = [r for r in rows if r[1] not in new_ids]
    key = "canonical_url, article_id"
    return _append(con, "core.sightings", fresh, distinct=key) + _append(
        con, "core.sightings", known, anti_join=key
    )


def _article_rows(articles: list[Article], run_id: str, now: datetime) -> Iterator[tuple[object, ...]]:
    for a in articles:
        yield (
            a.article_id, a.content_hash, a.source_id, a.url, a.title, a.title_source, a.published_at,
            a.date_text, a.date_source, a.agency, a.author, a.language, a.clean_text, a.raw_text, run_id, now,
            a.story_id, a.canonical_url, a.official, a.document_no, a.issuer, a.issuer_canonical, a.written_at,
            schemas.md5_lower(a.article_id),
        )  # fmt: skip


def _attachment_rows(batch: Batch) -> Iterator[tuple[object, ...]]:
    for x in batch.attachments:  # an annex of an article already stored is added to it too
        fetched = x.fetched_at.astimezone(UTC).replace(tzinfo=None) if x.fetched_at.tzinfo else x.fetched_at
        key = hashlib.sha256(f"{x.article_id} {x.url}".encode()).hexdigest()[:16]
        yield key, x.article_id, x.url, x.name, x.media_type, x.text, x.sha256, x.size, fetched


def _append(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rows: Iterable[tuple[object, ...]],
    anti_join: str | None = None,
    distinct: str | None = None,
) -> int:
    """Insert rows into table `name` by name, once per `distinct` key, skipping those whose `anti_join`
    key exists; the count."""
    table = schemas.table(name, rows)
    if not table.num_rows:
        return 0
    con.register("batch_rows", table)
    try:
        key = anti_join or distinct
        query = f"INSERT INTO {name} BY NAME SELECT " + (f"DISTINCT ON ({key}) " if key else "")
        query += "* FROM batch_rows" + (f" ANTI JOIN {name} USING ({anti_join})" if anti_join else "")
        inserted = con.execute(query).fetchone()
        return int(inserted[0]) if inserted else 0
    finally:
        con.unregister("batch_rows")


def clear_articles(con: duckdb.DuckDBPyConnection) -> None:
    """Remove every article and what hangs on it (inside the caller's transaction), before a rebuild."""
    for table in (
        "core.attachments",
        "core.article_topics",
        "core.paragraph_topics",
        "core.measures",
        "core.sightings",
        "core.dedup_bands",
        "core.dedup_signatures",
        "core.event_keys",
        "core.event_profiles",
        "core.event_placements",
        "core.articles",
    ):
        con.execute(f"DELETE FROM {table}")
