"""Alerts exactly once across processes: claims in the warehouse, overlapping and killed real runs."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from bench.alert_trials import SlowReceiver, make_press, overlapping_trial, start_ingest, start_tradewire
from test_alerts import NEW_NOTICE
from warehouse import alerts as store
from warehouse import db, lake

# --- Claims on every backend (fast: the file warehouse and a DuckDB-catalog lake) ---------------


def alert(i: int) -> store.Alert:
    candidate = store.Candidate(
        f"art{i}", 0, f"Customs measure number {i}.", "GACC", None, "t", "u", None, None
    )
    return store.Alert(f"al-{i}", candidate, 3, b"sig", "pending")


@pytest.fixture(params=["file", "lake"])
def warehouse(request, tmp_path, monkeypatch) -> Path:
    """A migrated warehouse holding four pending alerts: a DuckDB file, or a DuckLake (DuckDB catalog)."""
    if request.param == "lake":
        monkeypatch.setenv(lake.ENV_CATALOG, str(tmp_path / "lake" / "catalog.ducklake"))
        monkeypatch.setenv(lake.ENV_DATA, str(tmp_path / "lake" / "data"))
    path = tmp_path / "tw.duckdb"
    with db.writer(path) as con:
        store.insert(con, [alert(i) for i in range(4)], "run0")
    return path


def claim(path: Path, owner: str, lease: float = 60.0) -> tuple[list[str], int]:
    with db.writer(path) as con:
        claimed, elsewhere = store.claim(con, "pending", owner, lease)
    return [str(a["alert_id"]) for a in claimed], elsewhere


def states(path: Path) -> dict[str, tuple[str, int, str | None]]:
    with db.writer(path) as con:
        rows = con.execute("SELECT alert_id, status, attempts, claimed_by FROM core.alerts").fetchall()
    return {alert_id: (status, attempts, owner) for alert_id, status, attempts, owner in rows}


def test_a_claimed_alert_is_nobody_elses_until_released_or_expired(warehouse):
    assert claim(warehouse, "A") == (["al-0", "al-1", "al-2", "al-3"], 0)
    assert claim(warehouse, "B") == ([], 4)  # an overlapping run gets nothing while A's claim lives

    with db.writer(warehouse) as con:  # A: one delivered, one failed, one it ran out of time for
        store.mark(con, {"al-0": None, "al-1": "delivery failed: no destination accepted it"}, "A", ["al-2"])
    assert states(warehouse) == {
        "al-0": ("delivered", 1, None),
        "al-1": ("pending", 1, None),
        "al-2": ("pending", 0, None),
        "al-3": ("pending", 0, "A"),  # still A's: A has not finished with it
    }
    assert claim(warehouse, "B") == (["al-1", "al-2"], 1)  # released ones go at once; delivered ones never

    with db.writer(warehouse) as con:  # a run that is not the owner cannot release another's claim
        store.mark(con, {"al-1": "delivery failed"}, "C", ["al-2"])
    assert states(warehouse)["al-1"][2] == "B" and states(warehouse)["al-2"][2] == "B"


def test_an_expired_claim_is_taken_over(warehouse):
    assert claim(warehouse, "dead", lease=5.0)[0] == ["al-0", "al-1", "al-2", "al-3"]
    assert claim(warehouse, "early") == ([], 4)
    with db.writer(warehouse) as con:
        expires = con.execute("SELECT max(claim_expires_at) FROM core.alerts").fetchone()[0]
    time.sleep(max(0.0, (expires - store.utcnow()).total_seconds()) + 0.1)
    assert claim(warehouse, "late") == (["al-0", "al-1", "al-2", "al-3"], 0)


@pytest.mark.slow
def test_claims_on_a_postgresql_catalog(pg_lake_env, tmp_path):
    path = tmp_path / "tw.duckdb"
    with db.writer(path) as con:
        store.insert(con, [alert(i) for i in range(3)], "run0")
    assert claim(path, "A") == (["al-0", "al-1", "al-2"], 0)
    assert claim(path, "B") == ([], 3)
    with db.writer(path) as con:
        store.mark(con, {"al-0": None}, "A", ["al-1"])
    assert claim(path, "B") == (["al-1"], 1)
    assert states(path)["al-0"] == ("delivered", 1, None)


@pytest.fixture
def pg_lake_env(tmp_path, monkeypatch) -> Iterator[None]:
    """A real PostgreSQL catalog for the lake (tests/postgres.py), the variables set."""
    import postgres as pg

    server = pg.start()
    try:
        monkeypatch.setenv(lake.ENV_CATALOG, "postgres:" + server.create_database("claims"))
        monkeypatch.setenv(lake.ENV_DATA, str(tmp_path / "lake-data") + "/")
        yield
    finally:
        server.stop()


# --- Real processes against a receiver that takes 3 s to answer -------------------------------


@pytest.mark.slow
def test_two_overlapping_ingest_runs_deliver_each_alert_exactly_once(prefect_server, tmp_path):
    from prefect.settings import PREFECT_API_URL

    api = str(PREFECT_API_URL.value())  # two workers of one Prefect server
    results = [overlapping_trial(tmp_path / f"trial{n}", 3.0, api) for n in range(3)]
    for result in results:
        assert result.returncodes == [0, 0], result.outputs
        assert len(result.counts) == 6 and set(result.counts.values()) == {1}, result.counts
    assert any(r.overlapped for r in results), "the runs never overlapped at the alert step: nothing shown"
    with duckdb.connect(str(tmp_path / "trial0" / "tw.duckdb"), read_only=True) as con:
        assert con.execute("SELECT status, attempts, count(*) FROM alerts GROUP BY ALL").fetchall() == [
            ("delivered", 1, 6)
        ]


@pytest.mark.slow
def test_two_overlapping_digest_runs_send_one_digest(prefect_server, tmp_path):
    from prefect.settings import PREFECT_API_URL

    db_file = tmp_path / "tw.duckdb"
    env = {"PREFECT_API_URL": str(PREFECT_API_URL.value()), "TRADEWIRE_ALERT_MODE": "digest"}
    run = start_ingest(make_press(tmp_path), db_file, tmp_path / "prefect", env)
    out = run.communicate(timeout=600)[0]
    assert run.returncode == 0, out
    receiver = SlowReceiver(delay=10.0)  # long enough for the second digest to start while it waits
    try:
        env["TRADEWIRE_ALERT_URLS"] = receiver.url + "?rto=30"  # Apprise's read timeout: 4 s by default
        digests = [
            start_tradewire(["digest", "--db", str(db_file)], tmp_path / f"prefect{i}", env) for i in range(2)
        ]
        outputs = [d.communicate(timeout=600)[0] for d in digests]
    finally:
        receiver.close()
    assert [d.returncode for d in digests] == [0, 0], outputs
    assert len(receiver.arrivals) == 1  # one message covering the six alerts
    assert sorted(out.strip().splitlines()[-1] for out in outputs) == [
        "digest: 0 alert(s) sent",
        "digest: 6 alert(s) sent",
    ]
    assert any("6 digest alert(s) are being sent by another run" in out for out in outputs), outputs


def notice_press(folder: Path) -> Path:
    """A registry over one customs notice with two new measures."""
    (folder / "press").mkdir(parents=True)
    (folder / "press" / "gacc-cold-chain.txt").write_text(NEW_NOTICE, encoding="utf-8")
    registry = folder / "sources.toml"
    registry.write_text(
        '[[source]]\nid = "press"\nname = "Press"\nkind = "files"\nurl = "press"\n', encoding="utf-8"
    )
    return registry


def claims(primary: Path) -> list[tuple[str, int, str | None, datetime | None]]:
    with duckdb.connect(str(primary), read_only=True) as con:
        return con.execute(
            "SELECT status, attempts, claimed_by, claim_expires_at FROM core.alerts ORDER BY alert_id"
        ).fetchall()


@pytest.mark.slow
def test_a_run_killed_while_sending_leaves_its_alerts_to_the_first_run_after_the_claim_expires(
    prefect_server, tmp_path
):
    from prefect.settings import PREFECT_API_URL

    registry, db_file = notice_press(tmp_path), tmp_path / "tw.duckdb"
    receiver = SlowReceiver(delay=3.0)
    env = {
        "TRADEWIRE_ALERT_URLS": receiver.url,
        "TRADEWIRE_ALERT_CLAIM_SECONDS": "20",
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),  # the worker dies, the server lives on
    }
    try:
        doomed = start_ingest(registry, db_file, tmp_path / "prefect", env)
        assert receiver.arrived.wait(300), doomed.communicate()[0]
        os.killpg(doomed.pid, signal.SIGKILL)  # while the receiver is still answering the first alert
        killed_at = time.monotonic()
        doomed.communicate(timeout=60)

        rows = claims(db.primary_path(db_file))
        assert len(rows) == 2 and all(r[0] == "pending" and r[1] == 0 and r[2] for r in rows), rows
        expires = max(r[3] for r in rows if r[3] is not None)
        time.sleep(max(0.0, (expires - store.utcnow()).total_seconds()) + 0.5)

        rerun = start_ingest(registry, db_file, tmp_path / "prefect-rerun", env)
        out = rerun.communicate(timeout=600)[0]
        assert rerun.returncode == 0, out
        assert "2 sent" in out, out
    finally:
        receiver.close()
    after_kill = Counter(a.key for a in receiver.arrivals if a.at > killed_at)
    assert sorted(after_kill.values()) == [1, 1], after_kill  # each alert once by the run after the expiry
    rows = claims(db.primary_path(db_file))
    assert [(r[0], r[1], r[2]) for r in rows] == [("delivered", 1, None)] * 2
