"""Run bookkeeping: a run recorded as started (finding crashed ones first), its per-source counts, its outcome."""

from __future__ import annotations

import duckdb

from warehouse import crashes, liveness, schemas
from warehouse.crashes import CrashedRun
from warehouse.load import transaction


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
    table = schemas.table("core.source_runs", ((run_id, sid, None, *counts) for sid, *counts in rows))
    con.register("batch_source_runs", table)
    try:
        con.execute(
            'INSERT INTO core.source_runs BY NAME SELECT * REPLACE (now()::TIMESTAMP AS "at") FROM batch_source_runs'
        )
    finally:
        con.unregister("batch_source_runs")
