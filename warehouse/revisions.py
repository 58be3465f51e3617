"""Revisions in the warehouse: official pages due for a re-check, their stored versions, new revisions.

The re-check state is the crawl state itself: `core.http_cache` keeps each article page's
validators (ETag, Last-Modified, body hash) and `fetched_at`, the last time the page was asked for
(a 304 counts); `core.sightings` says when the URL was first seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import duckdb

from parsers.alert_plan import AmendedRow
from parsers.fetch.types import Validators
from parsers.model import Document, Failure, Link
from parsers.revisions import Revision, Snapshot
from warehouse import crawl, schemas

INDEX_HINTS = ("feed", "listing", "sitemap")  # title/date sources that came from an index, not the page


def due(
    con: duckdb.DuckDBPyConnection, source_id: str, run_id: str, days: float, every_hours: float
) -> dict[str, Validators]:
    """Article pages of the source first seen within `days` (before this run), not asked for in the last
    `every_hours`."""
    now = datetime.now()
    rows = con.execute(
        """
        SELECT h.url, h.etag, h.last_modified, h.sha256
        FROM core.http_cache h
        JOIN (SELECT url, min(seen_at) AS first_seen FROM core.sightings WHERE source_id = ? GROUP BY url
              HAVING NOT bool_or(run_id = ?)) s
          USING (url)
        WHERE h.source_id = ? AND h.kind = 'article' AND h.status = 200 AND s.first_seen >= ? AND h.fetched_at <= ?
        ORDER BY s.first_seen DESC, h.url
        """,
        [source_id, run_id, source_id, now - timedelta(days=days),
         datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=every_hours)],  # fetched_at is UTC
    ).fetchall()  # fmt: skip
    return {url: Validators(etag, modified, sha) for url, etag, modified, sha in rows}


def snapshots(con: duckdb.DuckDBPyConnection, urls: Sequence[str]) -> dict[str, tuple[Snapshot, Link]]:
    """For each URL, its article's latest stored version and the index hints it was parsed with."""
    if not urls:
        return {}
    rows = con.execute(
        """
        WITH seen AS (
            SELECT url, arg_max(article_id, seen_at) AS article_id FROM core.sightings
            WHERE list_contains(?, url) GROUP BY url
        ), latest AS (
            SELECT article_id, max(revision) AS revision FROM core.article_revisions
            WHERE article_id IN (SELECT article_id FROM seen) GROUP BY article_id
        )
        SELECT s.url, a.article_id, coalesce(l.revision, 0), coalesce(r.title, a.title),
               coalesce(r.clean_text, a.clean_text), coalesce(r.content_hash, a.content_hash),
               a.published_at, a.date_text, a.author, a.agency, a.language, a.title, a.title_source, a.date_source
        FROM seen s JOIN core.articles a USING (article_id)
        LEFT JOIN latest l USING (article_id)
        LEFT JOIN core.article_revisions r ON r.article_id = l.article_id AND r.revision = l.revision
        """,
        [list(urls)],
    ).fetchall()
    out = {}
    for url, article_id, rev, title, text, digest, published, date_text, author, agency, lang, first_title, \
            title_source, date_source in rows:  # fmt: skip
        meta = {"published_at": published.isoformat(sep=" ") if published else None, "date_text": date_text,
                "author": author, "agency": agency, "language": lang}  # fmt: skip
        hints = Link(
            url,
            title=first_title if title_source in INDEX_HINTS else None,
            published=published if date_source in INDEX_HINTS else None,
            date_text=date_text if date_source in INDEX_HINTS else None,
            via=next((s for s in (date_source, title_source) if s in INDEX_HINTS), "feed"),
        )
        out[url] = (Snapshot(article_id, int(rev), title or "", text, digest, meta), hints)
    return out


def record(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    run_id: str,
    checked: Sequence[Document],
    revisions: Sequence[Revision],
    failures: Sequence[Failure] = (),
) -> None:
    """Store a re-check (inside the caller's transaction): validators and time of every page asked for,
    the new revisions, and the pages that could not be fetched as failure rows."""
    crawl.upsert_cache(con, crawl.cache_table(source_id, "article", checked))
    table = schemas.table("core.article_revisions", (r.row(run_id) for r in revisions))
    if table.num_rows:
        con.register("new_revisions", table)
        try:
            con.execute(
                "INSERT INTO core.article_revisions BY NAME SELECT * FROM new_revisions"
                " ANTI JOIN core.article_revisions USING (article_id, revision)"
            )
        finally:
            con.unregister("new_revisions")
    if failures:
        now = datetime.now()
        rows = ((run_id, f.source_id, f.url, f.stage, f.reason, now) for f in failures)
        con.register("recheck_failures", schemas.table("core.failures", rows))
        try:
            con.execute("INSERT INTO core.failures BY NAME SELECT * FROM recheck_failures")
        finally:
            con.unregister("recheck_failures")


def amended(con: duckdb.DuckDBPyConnection) -> list[AmendedRow]:
    """Revisions of customs notices without their `amended` alert yet, oldest first.

    A customs notice: the revised text carries customs measures, or the article as loaded did.
    Rows: article_id, revision, title, diff, url, published_at, story_id, issuing_body, announcement_no,
    document_no.
    """
    return con.execute(
        """
        WITH customs AS (
            SELECT article_id, first(issuing_body ORDER BY ordinal) AS issuing_body,
                   first(announcement_no ORDER BY ordinal) AS announcement_no
            FROM core.measures WHERE is_customs GROUP BY article_id
        )
        SELECT r.article_id, r.revision, r.title, r.diff, r.url, a.published_at, a.story_id, c.issuing_body,
               c.announcement_no, a.document_no
        FROM core.article_revisions r JOIN core.articles a USING (article_id)
        LEFT JOIN customs c USING (article_id)
        WHERE (r.customs OR c.article_id IS NOT NULL) AND NOT EXISTS (
            SELECT 1 FROM core.alerts x
            WHERE x.article_id = r.article_id AND x.kind = 'amended' AND x.revision = r.revision
        )
        ORDER BY r.fetched_at, r.article_id, r.revision
        """
    ).fetchall()


def first_sources(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Each amended alert's page is its first source (so the alerts view counts it)."""
    con.execute(
        """
        INSERT INTO core.alert_sources BY NAME
        SELECT x.alert_id, x.article_id, r.source_id, x.url, r.title, a.language, a.published_at,
               r.fetched_at AS first_seen, 'first' AS rule, NULL AS probability, NULL AS why, ? AS run_id
        FROM core.alerts x
        JOIN core.article_revisions r ON r.article_id = x.article_id AND r.revision = x.revision
        JOIN core.articles a ON a.article_id = x.article_id
        WHERE x.kind = 'amended' AND NOT EXISTS (SELECT 1 FROM core.alert_sources s WHERE s.alert_id = x.alert_id)
        """,
        [run_id],
    )
