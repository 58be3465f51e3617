"""Overlapping runs, and a run killed with SIGKILL mid-load: real processes on one warehouse."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import SEEDS

TRADEWIRE = Path(sys.executable).parent / "tradewire"
N_DOCS = 1100  # three batches of at most 500


@pytest.fixture
def many_docs(tmp_path: Path) -> Path:
    """A registry over N_DOCS distinct press texts (seed texts with a distinct closing line)."""
    press = tmp_path / "press"
    press.mkdir()
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for i in range(N_DOCS):
        text = seeds[i % len(seeds)] + f"\n\nThe office answered question number {i} on customs clearance."
        (press / f"doc{i:05d}.txt").write_text(text, encoding="utf-8")
    registry = tmp_path / "sources.toml"
    registry.write_text(
        '[[source]]\nid = "bulk"\nname = "Bulk"\nkind = "files"\nurl = "press"\n', encoding="utf-8"
    )
    return registry


def start(registry: Path, db: Path, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    return subprocess.Popen(
        [str(TRADEWIRE), "ingest", "--sources", str(registry), "--db", str(db)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: SIGKILL takes the temporary Prefect server too
    )


def counts(db: Path) -> tuple[int, int, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        untopiced = con.execute(
            "SELECT count(*) FROM articles ANTI JOIN article_topics USING (article_id)"
        ).fetchone()[0]
        sighted = con.execute("SELECT count(DISTINCT article_id) FROM core.sightings").fetchone()[0]
    return articles, untopiced, sighted


def wait_for_write(run: subprocess.Popen[str], wal: Path, nth: int) -> bool:
    """Wait until the run opens a write transaction for the `nth` time (its WAL file appears)."""
    seen, present = 0, False
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        now = wal.exists()
        seen += now and not present
        present = now
        if seen >= nth and present:
            return True
        time.sleep(0.001)
    return False


def primary_state(primary: Path) -> tuple[int, int]:
    """(articles, articles without topics) in the runs' primary file, recovering its WAL like a new run would."""
    if not primary.exists():
        return 0, 0
    with duckdb.connect(str(primary), read_only=True) as con:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'articles'").fetchone()[
            0
        ]:
            return 0, 0  # killed before the first migration committed
        articles = con.execute("SELECT count(*) FROM core.articles").fetchone()[0]
        orphans = con.execute(
            "SELECT count(*) FROM core.articles ANTI JOIN core.article_topics USING (article_id)"
        )
        return articles, orphans.fetchone()[0]


def test_overlapping_runs_neither_corrupt_nor_double_load(many_docs, tmp_path):
    db = tmp_path / "tw.duckdb"
    runs = [start(many_docs, db, tmp_path / f"prefect{i}") for i in range(2)]
    outputs = [r.communicate(timeout=300)[0] for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    assert counts(db) == (N_DOCS, 0, N_DOCS)
    new = sorted(
        int(line.split()[2]) for out in outputs for line in out.splitlines() if line.startswith("bulk ")
    )
    assert sum(new) == N_DOCS  # every article loaded by exactly one of the two runs


def test_sigkill_mid_load_leaves_no_partial_rows_and_a_rerun_completes(many_docs, tmp_path):
    db = tmp_path / "tw.duckdb"
    wal = db.with_name("tw.primary.duckdb.wal")
    killed = 0
    for attempt in range(3):
        run = start(many_docs, db, tmp_path / "prefect")
        if wait_for_write(run, wal, nth=2):  # the 1st write opens the run; the 2nd loads a batch
            try:
                os.killpg(run.pid, signal.SIGKILL)  # like a container or node dying
                killed += 1
            except ProcessLookupError:  # it finished first
                pass
        run.communicate(timeout=60)
        articles, orphans = primary_state(db.with_name("tw.primary.duckdb"))
        assert articles % 500 == 0 or articles == N_DOCS, (
            f"attempt {attempt}: a batch half-loaded ({articles})"
        )
        assert orphans == 0
    assert killed >= 1, "no run was caught mid-load: the test proved nothing"
    final = start(many_docs, db, tmp_path / "prefect")
    out = final.communicate(timeout=300)[0]
    assert final.returncode == 0, out
    assert counts(db) == (N_DOCS, 0, N_DOCS)
