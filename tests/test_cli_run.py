"""`tradewire ingest` as a newcomer runs it: a real process, a temporary Prefect server, clean output."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import ROOT

TRADEWIRE = Path(sys.executable).parent / "tradewire"


def ingest(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TRADEWIRE_DB": str(tmp_path / "tw.duckdb"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    env.pop("PREFECT_API_URL", None)
    return subprocess.run(
        [str(TRADEWIRE), "ingest"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_ingest_twice_is_clean_and_the_second_run_says_nothing_new(tmp_path):
    first = ingest(tmp_path)
    assert first.returncode == 0, first.stderr
    output = first.stdout + first.stderr
    assert "Traceback" not in output and "ERROR" not in output
    assert first.stdout.rstrip().splitlines()[-1].startswith(f"database: {tmp_path / 'tw.duckdb'}")
    assert "seed-press      5      5          0       0" in first.stdout

    second = ingest(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stdout + second.stderr
    assert "0 new articles: nothing new since the last run (5 in the warehouse)." in second.stdout
    with duckdb.connect(str(tmp_path / "tw.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (5,)
