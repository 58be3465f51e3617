"""The watch's and the cadence's bookkeeping: polls and their validators, first listings, intervals, robots.txt.

Times are local and naive, like `source_runs."at"` and `alerts.created_at` (migration 016).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from parsers.cadence import Cadence
from parsers.fetch.types import Validators
from warehouse import schemas


@dataclass(frozen=True)
class Poll:
    """One poll of a watched source's index, as stored in core.watch_polls."""

    source_id: str
    url: str
    polled_at: datetime
    outcome: str  # unchanged | changed | new-items | failed
    reason: str
    http_status: int | None = None
    validators: Validators | None = None  # what the next poll sends; None keeps the previous ones
    listed: int | None = None
    new_items: int | None = None
    ingest_run: str | None = None


def poll_validators(con: duckdb.DuckDBPyConnection, source_id: str, url: str) -> Validators | None:
    """The validators of the last poll of `url` that kept some, for the next conditional request."""
    row = con.execute(
        "SELECT etag, last_modified, sha256 FROM core.watch_polls WHERE source_id = ? AND url = ?"
        " AND sha256 IS NOT NULL ORDER BY polled_at DESC LIMIT 1",
        [source_id, url],
    ).fetchone()
    return Validators(*row) if row else None


def last_poll_at(con: duckdb.DuckDBPyConnection, source_id: str) -> datetime | None:
    """When the source's index was last polled (successfully or not)."""
    row = con.execute(
        "SELECT max(polled_at) FROM core.watch_polls WHERE source_id = ?", [source_id]
    ).fetchone()
    return row[0] if row else None


def record_poll(con: duckdb.DuckDBPyConnection, poll: Poll) -> None:
    """Store one poll; a poll that keeps validators carries them, one that does not carries the old ones."""
    kept = poll.validators
    if kept is None and poll.outcome == "unchanged":
        kept = poll_validators(con, poll.source_id, poll.url)
    etag, modified, sha = (kept.etag, kept.last_modified, kept.sha256) if kept else (None, None, None)
    con.execute(
        "INSERT INTO core.watch_polls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [poll.source_id, poll.url, poll.polled_at, poll.outcome, poll.http_status, etag, modified, sha,
         poll.listed, poll.new_items, poll.ingest_run, poll.reason],
    )  # fmt: skip


def record_listings(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    urls: Iterable[str],
    listed_at: datetime,
    via: str,
    previous_poll_at: datetime | None = None,
) -> None:
    """Remember when each URL was first seen listed; URLs seen before keep their first time."""
    rows = [(url, source_id, listed_at, previous_poll_at, via) for url in dict.fromkeys(urls)]
    if not rows:
        return
    con.register("listed_now", schemas.table("core.listings", rows))
    try:
        con.execute("INSERT INTO core.listings SELECT * FROM listed_now ANTI JOIN core.listings USING (url)")
    finally:
        con.unregister("listed_now")


def cadences(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[float, datetime | None, bool]]:
    """Per source: (interval in minutes, when the next scheduled ingest is due, watched)."""
    rows = con.execute(
        "SELECT source_id, interval_minutes, due_at, watched FROM core.source_cadence"
    ).fetchall()
    return {sid: (float(minutes), due, bool(watched)) for sid, minutes, due, watched in rows}


def set_cadence(
    con: duckdb.DuckDBPyConnection, source_id: str, cadence: Cadence, now: datetime, watched: bool
) -> None:
    """Replace the source's interval; a scheduled source is next due `cadence.minutes` from `now`."""
    due = None if watched else now + timedelta(minutes=cadence.minutes)
    con.execute("DELETE FROM core.source_cadence WHERE source_id = ?", [source_id])
    con.execute(
        "INSERT INTO core.source_cadence VALUES (?, ?, ?, ?, ?, ?)",
        [source_id, cadence.minutes, cadence.reason, now, due, watched],
    )


def quiet_days(con: duckdb.DuckDBPyConnection, source_id: str, now: datetime) -> float:
    """Days since the source last brought a new article (since its first run when it never did)."""
    row = con.execute(
        'SELECT coalesce(max("at") FILTER (WHERE new > 0), min("at")) FROM core.source_runs WHERE source_id = ?',
        [source_id],
    ).fetchone()
    last = row[0] if row else None
    return (now - last).total_seconds() / 86400 if last else 0.0


def robots(con: duckdb.DuckDBPyConnection, max_age: timedelta, now: datetime) -> dict[str, str | None]:
    """robots.txt bodies fetched within `max_age` (None: the origin has none), by origin."""
    rows = con.execute(
        "SELECT origin, arg_max(body, fetched_at) FROM core.robots_cache WHERE fetched_at > ? GROUP BY origin",
        [now - max_age],
    ).fetchall()
    return {origin: body for origin, body in rows}


def save_robots(con: duckdb.DuckDBPyConnection, fetched: dict[str, str | None], now: datetime) -> None:
    """Keep the robots.txt bodies fetched in this run (replacing older ones of the same origins)."""
    for origin, body in fetched.items():
        con.execute("DELETE FROM core.robots_cache WHERE origin = ?", [origin])
        con.execute("INSERT INTO core.robots_cache VALUES (?, ?, ?)", [origin, body, now])
