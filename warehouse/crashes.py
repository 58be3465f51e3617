"""Runs left `running` with nothing alive behind them, recorded as `crashed` with what they committed.

A run killed mid-way (kill -9, a lost container) never records its outcome, but every batch it
committed is in the warehouse under its run id. The next run (`load.start_run`) finds it, asks
`liveness.is_dead`, and records it: status `crashed`, finished_at its last commit, the counts of
what it loaded (articles, duplicate sightings, failure rows), and one `core.source_runs` row per
source it loaded something for, so `source_health` shows the crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from warehouse import liveness


@dataclass(frozen=True)
class CrashedRun:
    """A run found dead while recorded `running`, and what it had committed."""

    run_id: str
    at: datetime  # its last commit (or its start): it died after that
    articles: int
    failures: int


# Per source: what the run committed. Duplicates are its sightings beyond the articles it loaded
# (a lower bound: a URL seen again adds no sighting).
_COMMITTED = """
WITH a AS (SELECT source_id, count(*) AS new, max(loaded_at) AS t, avg(length(clean_text)) AS chars
           FROM core.articles WHERE run_id = $run GROUP BY source_id),
     f AS (SELECT source_id, count(*) AS failed, max("at") AS t FROM core.failures WHERE run_id = $run
           GROUP BY source_id),
     s AS (SELECT source_id, count(*) AS seen, max(seen_at) AS t FROM core.sightings WHERE run_id = $run
           GROUP BY source_id)
SELECT source_id, coalesce(a.new, 0) AS new, greatest(coalesce(s.seen, 0) - coalesce(a.new, 0), 0) AS duplicate,
       coalesce(f.failed, 0) AS failed, greatest(a.t, f.t, s.t) AS last_commit, a.chars
FROM a FULL JOIN f USING (source_id) FULL JOIN s USING (source_id)
"""


def mark_crashed(con: duckdb.DuckDBPyConnection, by_run: str) -> tuple[CrashedRun, ...]:
    """Record as `crashed` every other run recorded `running` whose owner is gone (call under the writer)."""
    rows = con.execute(
        "SELECT run_id, flow_run_id, started_at, owner_host, owner_pid, owner_start, liveness_lock"
        " FROM ingest_runs WHERE status = 'running' AND run_id <> ? ORDER BY started_at",
        [by_run],
    ).fetchall()
    crashed = []
    for run_id, flow_run_id, started, host, pid, start, lock in rows:
        if liveness.is_dead(liveness.Owner(host or "", pid or 0, start, lock), flow_run_id):
            crashed.append(_record(con, run_id, started, by_run))
            if lock:
                liveness.forget(lock)
    return tuple(crashed)


def _record(con: duckdb.DuckDBPyConnection, run_id: str, started: datetime, by_run: str) -> CrashedRun:
    con.execute(f"CREATE OR REPLACE TEMP TABLE crashed_counts AS {_COMMITTED}", {"run": run_id})
    try:
        con.execute(  # unless the run recorded its per-source counts before it died
            'INSERT INTO core.source_runs (run_id, source_id, "at", found, new, duplicate, failed,'
            " mean_text_chars) SELECT ?, c.source_id, c.last_commit, c.new + c.duplicate + c.failed, c.new,"
            " c.duplicate, c.failed, c.chars FROM crashed_counts c"
            " WHERE c.source_id NOT IN (SELECT source_id FROM core.source_runs WHERE run_id = ?)",
            [run_id, run_id],
        )
        row = con.execute(
            "SELECT coalesce(sum(new), 0), coalesce(sum(duplicate), 0), coalesce(sum(failed), 0),"
            " max(last_commit) FROM crashed_counts"
        ).fetchone()
    finally:
        con.execute("DROP TABLE crashed_counts")
    new, duplicate, failed, last = row if row else (0, 0, 0, None)
    at = last or started
    con.execute(
        "UPDATE ingest_runs SET status = 'crashed', finished_at = ?, found = ?, new = ?, duplicate = ?,"
        " failed = ?, marked_crashed_by = ? WHERE run_id = ? AND status = 'running'",
        [at, new + duplicate + failed, new, duplicate, failed, by_run, run_id],
    )
    return CrashedRun(run_id, at, int(new), int(failed))
