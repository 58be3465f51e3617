"""The adaptive cadence: Media Cloud's rule, and source_health showing each source's interval and why."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import SEEDS
from parsers import cadence
from parsers.cadence import Observation
from warehouse.db import primary_path


def test_mostly_known_items_lengthen_the_interval_and_mostly_new_ones_shorten_it():
    grown = cadence.next_cadence(40, Observation(listed=23, known=18))
    assert grown == cadence.Cadence(50, "78% of items already known (18 of 23): 40 -> 50 min")
    assert cadence.next_cadence(40, Observation(20, 2)).minutes == 30  # above the default: back to it
    assert cadence.next_cadence(30, Observation(20, 2)).minutes == 10  # then down, to the floor
    assert cadence.next_cadence(40, Observation(10, 5)).minutes == 40  # half known: it stays
    quiet = cadence.next_cadence(40, Observation(0, 0, unchanged=True, quiet_days=60))
    assert quiet == cadence.Cadence(100, "index not modified: 40 -> 100 min")  # long quiet: an hour more


def test_the_interval_stays_within_the_source_bounds():
    assert cadence.next_cadence(1435, Observation(0, 0, unchanged=True)).minutes == 1440
    at_bound = cadence.next_cadence(20, Observation(10, 0), low=20, high=60)
    assert at_bound == cadence.Cadence(20, "0% of items already known (0 of 10): stays 20 min (at its bound)")
    assert cadence.first(low=45).minutes == 45


def _registry(tmp: Path, folder: Path) -> Path:
    registry = tmp / "sources.toml"
    registry.write_text(
        f'[[source]]\nid = "seeds"\nname = "seed texts"\nkind = "files"\nurl = "{folder}"\n'
        "poll_min_minutes = 15\npoll_max_minutes = 90\n",
        encoding="utf-8",
    )
    return registry


def _health(db: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(
        str(primary_path(db)), read_only=True
    ) as con:  # a run that loads nothing does not publish
        return con.execute(
            "SELECT source_id, poll_interval_minutes, poll_reason, next_poll_at IS NOT NULL, watched FROM source_health"
        ).fetchall()


@pytest.mark.usefixtures("prefect_server")
def test_source_health_shows_each_sources_interval_and_why(tmp_path):
    from flows.ingest import ingest

    db, registry = tmp_path / "tw.duckdb", _registry(tmp_path, SEEDS)
    ingest(sources=str(registry), db_path=str(db))
    assert _health(db) == [("seeds", 30.0, "first ingest: default interval 30 min", True, False)]

    ingest(sources=str(registry), db_path=str(db))  # the same five files: all known
    assert _health(db) == [("seeds", 40.0, "100% of items already known (5 of 5): 30 -> 40 min", True, False)]

    summary = ingest(sources=str(registry), db_path=str(db), due_only=True)  # not due for 40 minutes
    assert summary.sources == () and summary.alerts == "no source due"
    assert _health(db)[0][1] == 40.0
