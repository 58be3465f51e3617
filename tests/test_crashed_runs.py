"""A run killed mid-way is recorded `crashed` by the next run, with what it committed; live runs never are.

Real processes on one warehouse: `tradewire ingest` killed with SIGKILL, processes holding a run's
lock, a real (temporary) Prefect server for runs recorded before run locks existed.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, SEEDS
from flows.summary import RunSummary, format_summary
from test_concurrency import N_DOCS, start
from test_ducklake import local_lake, pg_lake, postgres  # noqa: F401 - fixtures: DuckLake catalogs
from warehouse import db, liveness
from warehouse import runs as run_log
from warehouse.crashes import CrashedRun

BAD_FILES = 3  # empty files: failure rows of the first batch


@pytest.fixture(autouse=True)
def _file_warehouse(monkeypatch):
    monkeypatch.delenv("TRADEWIRE_CATALOG", raising=False)
    monkeypatch.delenv("TRADEWIRE_LAKE_DATA", raising=False)
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")  # 2 busy cores


@pytest.fixture
def launched() -> Iterator[list[subprocess.Popen[str]]]:
    """`tradewire ingest` processes a test starts; any still running at its end are killed, not leaked."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.stdout is not None and not proc.stdout.closed:
            proc.communicate()


@pytest.fixture
def bulk(tmp_path: Path) -> Path:
    """A registry over N_DOCS distinct press texts plus BAD_FILES empty ones, sorted first."""
    press = tmp_path / "press"
    press.mkdir()
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for i in range(BAD_FILES):
        (press / f"a-empty{i}.txt").write_bytes(b"")
    for i in range(N_DOCS):
        text = seeds[i % len(seeds)] + f"\n\nThe office answered question number {i} on customs clearance."
        (press / f"doc{i:05d}.txt").write_text(text, encoding="utf-8")
    registry = tmp_path / "sources.toml"
    registry.write_text(
        '[[source]]\nid = "bulk"\nname = "Bulk"\nkind = "files"\nurl = "press"\n', encoding="utf-8"
    )
    return registry


def runs(primary: Path) -> dict[str, tuple]:
    """run_id -> (status, found, new, duplicate, failed, finished_at, marked_crashed_by) in a warehouse file."""
    with duckdb.connect(str(primary), read_only=True) as con:
        rows = con.execute(
            "SELECT run_id, status, found, new, duplicate, failed, finished_at, marked_crashed_by FROM ingest_runs"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def committed(primary: Path) -> dict[str, tuple[int, int, datetime | None]]:
    """run_id -> (articles, failure rows, last commit) as stored, read while holding the runs' write lock."""
    with duckdb.connect(str(primary), read_only=True) as con:
        rows = con.execute(
            "SELECT run_id, count(DISTINCT a.article_id), count(DISTINCT f.url), greatest(max(a.loaded_at), max(f.at))"
            " FROM ingest_runs LEFT JOIN core.articles a USING (run_id) LEFT JOIN core.failures f USING (run_id)"
            " GROUP BY run_id"
        ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def kill_after_first_batch(run: subprocess.Popen[str], db_path: Path) -> None:
    """SIGKILL the run (and its temporary Prefect server) once it has committed a batch of articles.

    The test takes the runs' write lock to look, so the run is waiting for it, between two commits.
    """
    primary = db.primary_path(db_path)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and run.poll() is None:
        with db.write_lock(db_path):
            if primary.exists():
                with duckdb.connect(str(primary), read_only=True) as con:
                    tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'articles'")
                    migrated = tables.fetchone()[0]
                    loaded = migrated and con.execute("SELECT count(*) FROM core.articles").fetchone()[0]
                if loaded:
                    os.killpg(run.pid, signal.SIGKILL)  # like a container or node dying
                    run.communicate(timeout=60)
                    return
        time.sleep(0.05)
    pytest.fail(f"the run committed no batch in time: {run.communicate(timeout=60)[0]}")


def test_a_killed_ingest_is_recorded_crashed_with_its_committed_counts(bulk, tmp_path, launched):
    db_path = tmp_path / "tw.duckdb"
    primary = db.primary_path(db_path)
    first = start(bulk, db_path, tmp_path / "prefect1")
    launched.append(first)
    kill_after_first_batch(first, db_path)
    ((killed, row),) = runs(primary).items()
    assert row[0] == "running"  # nobody has looked yet
    articles, failures, last_commit = committed(primary)[killed]
    whole_batches = (
        500 - BAD_FILES,
        1000 - BAD_FILES,
    )  # batches of 500 documents, the empty files in the first
    assert articles in whole_batches
    assert failures == BAD_FILES  # the first batch carried them

    second = start(bulk, db_path, tmp_path / "prefect2")
    launched.append(second)
    out = second.communicate(timeout=300)[0]
    assert second.returncode == 0, out
    assert "Traceback" not in out
    after = runs(db_path)  # the published copy, as analysts see it
    (rerun,) = set(after) - {killed}
    assert after[killed] == ("crashed", articles + failures, articles, 0, failures, last_commit, rerun)
    assert after[rerun][:3] == ("partial", N_DOCS + BAD_FILES, N_DOCS - articles)
    line = (
        f"previous run {killed} crashed at {last_commit:%Y-%m-%d %H:%M:%S} after loading {articles} article(s)"
        f" and {failures} failure(s); recorded as crashed in ingest_runs"
    )
    assert line in out.splitlines()
    with duckdb.connect(str(db_path), read_only=True) as con:
        health = con.execute(
            "SELECT runs, crashed_runs, last_crash, last_new_item >= last_crash, canary FROM source_health"
            " WHERE source_id = 'bulk'"
        ).fetchone()
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (N_DOCS,)
    assert health == (2, 1, last_commit, True, None)
    assert not list((tmp_path / "tw.duckdb.runs").iterdir())  # no lock file left behind

    third = start(bulk, db_path, tmp_path / "prefect3")
    launched.append(third)
    out = third.communicate(timeout=300)[0]
    assert third.returncode == 0 and "crashed" not in out, out  # reported once, by the run that found it


def test_two_overlapping_live_runs_do_not_mark_each_other_crashed(bulk, tmp_path, launched):
    db_path = tmp_path / "tw.duckdb"
    first = start(bulk, db_path, tmp_path / "prefect1")
    launched.append(first)
    read_until(first, "source bulk: files")  # logged once the run is recorded `running`
    with db.write_lock(db_path):  # the first waits here at its next write, far from its end
        second = start(bulk, db_path, tmp_path / "prefect2")
        launched.append(second)
        read_until(second, "Beginning flow run")  # next: record itself, looking for dead runs
        time.sleep(1.0)
    outputs = [run.communicate(timeout=300)[0] for run in (first, second)]
    assert [run.returncode for run in (first, second)] == [0, 0], outputs
    assert not any("crashed" in out for out in outputs), outputs
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            "SELECT status, started_at, finished_at, marked_crashed_by FROM ingest_runs ORDER BY started_at"
        ).fetchall()
        assert con.execute("SELECT crashed_runs FROM source_health").fetchall() == [(0,)]
    assert [(r[0], r[3]) for r in rows] == [("partial", None), ("partial", None)]  # empty files fail in both
    (_, a_start, a_end, _), (_, b_start, _, _) = rows
    assert a_start < b_start < a_end  # the second looked for dead runs while the first was running


def read_until(run: subprocess.Popen[str], marker: str) -> None:
    """Read the run's output until a line containing `marker` (the rest stays for communicate)."""
    assert run.stdout is not None
    seen = []
    for line in run.stdout:
        seen.append(line)
        if marker in line:
            return
    pytest.fail(f"{marker!r} never came: {''.join(seen)}")


# --- The rule, one case at a time, with real processes holding real locks ---------------------

HOLDER = """
import sys, time
from warehouse import db, liveness, runs
db_path, run_id = sys.argv[1], sys.argv[2]
liveness.hold(db_path, run_id)
with db.writer(db_path) as con:
    runs.start_run(con, run_id, "default", "test", None)
print("ready", flush=True)
time.sleep(600)
"""


def holder(db_path: Path, run_id: str) -> subprocess.Popen[str]:
    """A process that records `run_id` as running, holds its lock, and sleeps."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path), run_id], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    return proc


def start_run(db_path: Path, run_id: str) -> tuple[CrashedRun, ...]:
    liveness.hold(str(db_path), run_id)
    with db.writer(db_path) as con:
        found = run_log.start_run(con, run_id, "default", "test", None)
        run_log.finish_run(con, run_id, "completed", 0, 0, 0, 0)
    return found


def edit(db_path: Path, sql: str, params: list[object]) -> None:
    with db.writer(db_path) as con:
        con.execute(sql, params)


def test_a_held_lock_keeps_a_run_alive_whatever_its_owner_looks_like(tmp_path):
    db_path = tmp_path / "tw.duckdb"
    live = holder(db_path, "run-a")
    try:
        assert start_run(db_path, "run-b") == ()
        edit(
            db_path,
            "UPDATE ingest_runs SET owner_host = 'another-host', owner_pid = 1 WHERE run_id = ?",
            ["run-a"],
        )
        assert start_run(db_path, "run-c") == ()  # owner elsewhere, but its lock is held
        assert runs(db.primary_path(db_path))["run-a"][0] == "running"
    finally:
        live.kill()
        live.communicate()
    (crashed,) = start_run(db_path, "run-d")  # lock free, owner on another host: dead
    assert (crashed.run_id, crashed.articles, crashed.failures) == ("run-a", 0, 0)
    assert runs(db.primary_path(db_path))["run-a"][0] == "crashed"


def test_a_live_owner_on_this_host_keeps_a_run_alive_without_its_lock_file(tmp_path):
    db_path = tmp_path / "tw.duckdb"
    live = holder(db_path, "run-a")
    try:
        for path in (tmp_path / "tw.duckdb.runs").iterdir():
            path.unlink()  # someone cleaned up the lock files
        assert start_run(db_path, "run-b") == ()
        edit(db_path, "UPDATE ingest_runs SET owner_start = owner_start + 1 WHERE run_id = ?", ["run-a"])
        (crashed,) = start_run(db_path, "run-c")  # same pid, another start time: a reused pid
        assert crashed.run_id == "run-a"
    finally:
        live.kill()
        live.communicate()


def test_a_run_without_a_lock_is_judged_by_its_owner_process(tmp_path):
    db_path = tmp_path / "tw.duckdb"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        with db.writer(db_path) as con:  # recorded without `liveness.hold`, as tests and old code do
            run_log.start_run(con, "run-a", "default", "test", None)
        edit(
            db_path,
            "UPDATE ingest_runs SET owner_pid = ?, owner_start = NULL WHERE run_id = ?",
            [sleeper.pid, "run-a"],
        )
        assert start_run(db_path, "run-b") == ()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert [c.run_id for c in start_run(db_path, "run-c")] == ["run-a"]


@pytest.mark.usefixtures("prefect_server")
def test_a_run_recorded_before_run_locks_is_judged_by_its_prefect_flow_run(tmp_path):
    from flows.ingest import ingest

    registry = tmp_path / "sources.toml"
    registry.write_text(
        f'[[source]]\nid = "seed-press"\nname = "Seeds"\nkind = "files"\nurl = "{SEEDS}"\n', encoding="utf-8"
    )
    db_path = tmp_path / "tw.duckdb"
    done = ingest(sources=str(registry), db_path=str(db_path))
    unknown = str(uuid.uuid4())
    with db.writer(db_path) as con:  # as a pre-009 warehouse left them: no owner, no lock
        con.execute(
            "UPDATE ingest_runs SET status = 'running', owner_host = NULL, owner_pid = NULL, owner_start = NULL,"
            " liveness_lock = NULL"
        )
        con.execute(
            "INSERT INTO ingest_runs (run_id, flow_run_id, started_at, status) VALUES (?, ?, now(), 'running')",
            [unknown, unknown],
        )
    again = ingest(sources=str(registry), db_path=str(db_path))
    assert [c.run_id for c in again.crashed] == [done.run_id]  # Prefect: that flow run completed
    assert [(c.articles, c.failures) for c in again.crashed] == [(5, 0)]
    statuses = {run_id: row[0] for run_id, row in runs(db_path).items()}
    assert statuses == {done.run_id: "crashed", unknown: "running", again.run_id: "completed"}


def test_the_summary_names_each_crashed_run():
    at = datetime(2026, 3, 1, 8, 30, 5)
    summary = RunSummary("r2", Path("tw.duckdb"), (), (), 500, crashed=(CrashedRun("r1", at, 500, 3),))
    lines = format_summary(summary).splitlines()
    assert lines[-2:] == [
        "previous run r1 crashed at 2026-03-01 08:30:05 after loading 500 article(s) and 3 failure(s);"
        " recorded as crashed in ingest_runs",
        "database: tw.duckdb   (status: completed, run r2)",
    ]
    assert not re.search("crashed", format_summary(RunSummary("r3", Path("tw.duckdb"), (), (), 0)))


@pytest.mark.slow
def test_on_ducklake_the_run_lock_is_a_postgresql_advisory_lock(pg_lake, tmp_path):  # noqa: F811
    db_path = tmp_path / "unused.duckdb"
    live = holder(db_path, "run-a")
    try:
        with db.connect(db_path, read_only=True) as con:
            (lock,) = con.execute("SELECT liveness_lock FROM ingest_runs WHERE run_id = 'run-a'").fetchone()
        assert lock.startswith("postgres:")
        edit(db_path, "UPDATE ingest_runs SET owner_host = 'another-host' WHERE run_id = ?", ["run-a"])
        assert start_run(db_path, "run-b") == ()  # owner elsewhere, lock held in PostgreSQL: alive
    finally:
        os.kill(live.pid, signal.SIGKILL)
        live.communicate()
    deadline = time.monotonic() + 30
    while liveness.lock_held(lock):  # PostgreSQL ends the session once it sees the connection close
        assert time.monotonic() < deadline, "PostgreSQL kept a dead process's lock"
        time.sleep(0.1)
    assert [c.run_id for c in start_run(db_path, "run-c")] == ["run-a"]
    with db.connect(db_path, read_only=True) as con:
        assert con.execute(
            "SELECT status, marked_crashed_by FROM ingest_runs WHERE run_id = 'run-a'"
        ).fetchone() == (
            "crashed",
            "run-c",
        )
        assert not (tmp_path / "unused.duckdb").exists()


def test_on_a_ducklake_with_a_file_catalog_the_run_lock_is_a_file_beside_it(local_lake, tmp_path):  # noqa: F811
    db_path = tmp_path / "unused.duckdb"
    live = holder(db_path, "run-a")
    try:
        assert [p.name for p in (tmp_path / "lake" / "catalog.ducklake.runs").iterdir()] == ["run-a.lock"]
        edit(db_path, "UPDATE ingest_runs SET owner_host = 'another-host' WHERE run_id = ?", ["run-a"])
        assert start_run(db_path, "run-b") == ()
    finally:
        live.kill()
        live.communicate()
    assert [c.run_id for c in start_run(db_path, "run-c")] == ["run-a"]
    assert not (tmp_path / "unused.duckdb").exists()
