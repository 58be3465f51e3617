"""Analysts' topic verdicts: set one, list them, and read overridden articles back as labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from warehouse.db import WarehouseError


@dataclass(frozen=True)
class Verdict:
    """One analyst's verdict on one topic of one article, with the article's stored title and text."""

    article_id: str | None
    url: str
    topic: str
    verdict: bool
    note: str | None
    set_by: str | None
    set_at: datetime
    title: str = ""
    text: str = ""


def resolve_article(con: duckdb.DuckDBPyConnection, article: str) -> tuple[str, str]:
    """(article_id, url) of the article named by its id, its URL or one of its sightings' URLs."""
    row = con.execute(
        "SELECT article_id, url FROM core.articles WHERE article_id = $a OR url = $a OR canonical_url = $a"
        " UNION SELECT a.article_id, a.url FROM core.sightings s JOIN core.articles a USING (article_id)"
        " WHERE s.url = $a LIMIT 2",
        {"a": article},
    ).fetchall()
    if not row:
        raise WarehouseError(f"no article {article!r}: give an article_id or a URL from the articles view")
    return row[0][0], row[0][1]


def set_verdict(
    con: duckdb.DuckDBPyConnection, url: str, topic: str, verdict: bool, note: str | None, set_by: str | None
) -> None:
    """Record the verdict for (url, topic), replacing an earlier one, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        # DELETE then INSERT rather than an upsert: DuckLake has no keys to upsert on.
        con.execute("DELETE FROM core.topic_overrides WHERE url = ? AND topic = ?", [url, topic])
        con.execute(
            "INSERT INTO core.topic_overrides VALUES (?, ?, ?, ?, ?, ?)",
            [url, topic, verdict, note, set_by, datetime.now(UTC).replace(tzinfo=None)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def verdicts(con: duckdb.DuckDBPyConnection, with_text: bool = False) -> list[Verdict]:
    """Every verdict, newest first; `with_text` adds the article's title and clean text (labels)."""
    text = ", coalesce(a.title, ''), coalesce(a.clean_text, '')" if with_text else ""
    rows = con.execute(
        f"SELECT a.article_id, o.url, o.topic, o.verdict, o.note, o.set_by, o.set_at{text}"
        " FROM core.topic_overrides o LEFT JOIN core.articles a ON a.url = o.url ORDER BY o.set_at DESC, o.url"
    ).fetchall()
    return [Verdict(*row) for row in rows]
