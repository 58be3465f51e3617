"""Alert bookkeeping: which customs measures still need an alert, and what happened to each alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa

from parsers.alert_plan import Alert, Candidate

__all__ = ["Alert", "Candidate", "alerted", "candidates", "claim", "insert", "mark"]


def candidates(con: duckdb.DuckDBPyConnection) -> list[Candidate]:
    """Customs measures never considered for an alert, oldest first."""
    rows = con.execute(
        """
        WITH unseen AS (  -- customs measures without an alert row, before touching articles
            SELECT article_id, ordinal, text, issuing_body, announcement_no
            FROM (SELECT * FROM core.measures WHERE is_customs) m
            ANTI JOIN core.alerts x USING (article_id, ordinal)
        )
        SELECT m.article_id, m.ordinal, m.text, m.issuing_body, m.announcement_no, a.title, a.url, a.published_at,
               a.story_id, a.document_no
        FROM unseen m JOIN core.articles a USING (article_id)
        ORDER BY a.published_at NULLS LAST, a.loaded_at, m.article_id, m.ordinal
        """
    ).fetchall()
    return [Candidate(*row) for row in rows]


def alerted(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, bytes, str]]:
    """(alert_id, n_shingles, signature, text) of every measure already alerted or waiting to be."""
    rows = con.execute(
        "SELECT alert_id, n_shingles, sig, measure_text FROM core.alerts"
        " WHERE status <> 'duplicate' AND coalesce(kind, 'new') = 'new'"
    ).fetchall()
    return [(alert_id, int(n), bytes(sig), text) for alert_id, n, sig, text in rows]


def insert(con: duckdb.DuckDBPyConnection, alerts: list[Alert], run_id: str) -> None:
    """Record decided alerts."""
    if not alerts:
        return
    now = datetime.now()
    table = pa.table(
        {
            "alert_id": [a.alert_id for a in alerts],
            "article_id": [a.candidate.article_id for a in alerts],
            "ordinal": pa.array([a.candidate.ordinal for a in alerts], pa.int32()),
            "story_id": pa.array([a.candidate.story_id for a in alerts], pa.string()),
            "title": pa.array([a.candidate.title for a in alerts], pa.string()),
            "issuing_body": pa.array([a.candidate.issuing_body for a in alerts], pa.string()),
            "announcement_no": pa.array([a.candidate.announcement_no for a in alerts], pa.string()),
            "published_at": pa.array([a.candidate.published_at for a in alerts], pa.timestamp("us")),
            "url": pa.array([a.candidate.url for a in alerts], pa.string()),
            "document_no": pa.array([a.candidate.document_no for a in alerts], pa.string()),
            "measure_text": [a.candidate.text for a in alerts],
            "n_shingles": pa.array([a.n_shingles for a in alerts], pa.int32()),
            "sig": pa.array([a.sig for a in alerts], pa.binary()),
            "status": [a.status for a in alerts],
            "duplicate_of": pa.array([a.duplicate_of for a in alerts], pa.string()),
            "kind": [a.kind for a in alerts],
            "revision": pa.array([a.revision for a in alerts], pa.int32()),
        }
    )
    con.register("new_alerts", table)
    try:
        con.execute(
            "INSERT INTO core.alerts BY NAME SELECT *, 0 AS attempts, ? AS run_id, ? AS created_at FROM new_alerts"
            " ANTI JOIN core.alerts USING (alert_id)",
            [run_id, now],
        )
    finally:
        con.unregister("new_alerts")


_FIELDS = (
    "alert_id, kind, revision, article_id, title, issuing_body, announcement_no, document_no, published_at, url,"
    " measure_text, attempts"
)


def utcnow() -> datetime:
    """The current time in UTC, without a zone (as claims store it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def claim(
    con: duckdb.DuckDBPyConnection, status: str, owner: str, lease: float
) -> tuple[list[dict[str, object]], int]:
    """Claim for `owner`, for `lease` seconds, every alert in `status` that no live claim holds.

    Returns the claimed alerts (oldest first) and how many others a live claim of another run holds.
    Call it on a writer (the write lock held): one UPDATE takes the claims, so of two runs only the
    first to get the lock gets an alert. Expired claims (their run died) are taken over.
    """
    now = utcnow()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "UPDATE core.alerts SET claimed_by = ?, claim_expires_at = ?"
            " WHERE status = ? AND (claim_expires_at IS NULL OR claim_expires_at <= ?)",
            [owner, now + timedelta(seconds=lease), status, now],
        )
        result = con.execute(
            f"SELECT {_FIELDS} FROM core.alerts WHERE status = ? AND claimed_by = ?"
            " ORDER BY created_at, alert_id",
            [status, owner],
        )
        names = [d[0] for d in result.description or []]
        claimed = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        row = con.execute(
            "SELECT count(*) FROM core.alerts WHERE status = ? AND claimed_by <> ? AND claim_expires_at > ?",
            [status, owner, now],
        ).fetchone()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return claimed, int(row[0]) if row else 0


def mark(
    con: duckdb.DuckDBPyConnection,
    outcomes: dict[str, str | None],
    owner: str,
    unsent: list[str] | None = None,
) -> None:
    """Record delivery outcomes (alert_id -> None when delivered, else why not); end `owner`'s claims.

    A failed alert, and a claimed one left `unsent`, stays `pending` with its claim released: the next
    run takes it at once. One transaction.
    """
    now = datetime.now()
    released = [alert_id for alert_id, error in outcomes.items() if error is not None] + list(unsent or ())
    con.execute("BEGIN TRANSACTION")
    try:
        for alert_id, error in outcomes.items():
            if error is None:
                con.execute(
                    "UPDATE core.alerts SET status = 'delivered', delivered_at = ?, attempts = attempts + 1,"
                    " last_error = NULL, claimed_by = NULL, claim_expires_at = NULL WHERE alert_id = ?",
                    [now, alert_id],
                )
            else:
                con.execute(
                    "UPDATE core.alerts SET attempts = attempts + 1, last_error = ? WHERE alert_id = ?",
                    [error, alert_id],
                )
        if released:
            con.execute(
                "UPDATE core.alerts SET claimed_by = NULL, claim_expires_at = NULL"
                " WHERE claimed_by = ? AND list_contains(?, alert_id)",
                [owner, released],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
