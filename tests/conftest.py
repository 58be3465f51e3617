"""Shared fixtures: the seed texts, an in-memory warehouse, a Prefect test server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds" / "press"
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def seed_path(prefix: str) -> Path:
    """The seed file whose name starts with `prefix` (e.g. '003')."""
    return next(SEEDS.glob(f"{prefix}_*.txt"))


@pytest.fixture
def con() -> Iterator:
    from warehouse import db

    connection = db.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A real (temporary) Prefect server with its own database for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="session")
def seeded_db(prefect_server, tmp_path_factory) -> Path:
    """The published warehouse after one real ingest run over the five seeds."""
    from flows.ingest import ingest

    path = tmp_path_factory.mktemp("seeded") / "tradewire.duckdb"
    ingest(db_path=str(path))
    return path


@pytest.fixture(scope="session")
def server() -> Iterator[Any]:
    """A real threaded HTTP server on 127.0.0.1 shared by the network tests."""
    from pytest_httpserver import HTTPServer

    with HTTPServer(host="127.0.0.1", threaded=True) as running:
        yield running


@pytest.fixture
def web(server: Any) -> Iterator[Any]:
    """The shared server, cleared, answering robots.txt with 404 (everything allowed)."""
    server.clear()
    server.clear_all_handlers()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    yield server
    server.clear_all_handlers()


@pytest.fixture(scope="module")
def event_pages() -> dict:
    """The dev split of the real event set (tests/data/events), by page id."""
    from bench import events_eval

    return {p.page_id: p for p in events_eval.load(split="dev")}


@pytest.fixture(scope="module")
def event_profiles(event_pages: dict) -> dict:
    """The event matcher's profiles of the dev pages (no title: the excerpts start with the page)."""
    from parsers.stories import events

    return {k: events.profile(k, "", p.text, p.published) for k, p in event_pages.items()}


@pytest.fixture(scope="module")
def settled_stats(event_profiles: dict) -> Any:
    """Document frequencies of the dev pages labelled before 2026-12-04 (clusters c01-c65, n01-n62):
    a fixed history, so that a family folded into dev later does not change what a test calls rare."""
    from parsers.stories import events

    def settled(page_id: str) -> bool:
        cluster = page_id.split("_", 1)[0]
        return int(cluster[1:]) <= (65 if cluster[0] == "c" else 62)

    return events.Stats.of(p for k, p in event_profiles.items() if settled(k))
