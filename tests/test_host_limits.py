"""Two workers (two processes, each with its own Fetcher) crawling one host keep its interval between them
when TRADEWIRE_HOST_LIMITS=prefect: the host's budget is a Prefect rate limit, not per-process state.

A real Prefect server, a real local HTTP server that records when each request arrived, real processes.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time

import pytest
from werkzeug import Request, Response

from conftest import ROOT
from flows.host_limits import from_env, limit_name

INTERVAL = 1.0
PAGES = 4
WORKER = """
import asyncio, sys
from flows.host_limits import from_env
from parsers.fetch.client import Fetcher
from parsers.model import Source

async def main(base, name):
    source = Source(id=name, name=name, kind="listing", url=base, local=True, min_interval=float(sys.argv[3]))
    async with Fetcher("tradewire-test/1 (+mailto:t@example.org)", shared_gate=from_env()) as fetcher:
        for i in range(int(sys.argv[4])):
            await fetcher.fetch(source, f"{base}/{name}/{i}.html")

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@pytest.fixture
def arrivals(web):
    times: list[float] = []
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        if request.path != "/robots.txt":
            with lock:
                times.append(time.monotonic())
        return Response("<html><body><p>page</p></body></html>", content_type="text/html")

    web.clear_all_handlers()
    web.expect_request("/robots.txt").respond_with_data("", status=404)
    web.expect_request("/", method="GET").respond_with_handler(handler)  # never used: keeps order simple
    for worker in ("a", "b"):
        for i in range(PAGES):
            web.expect_request(f"/{worker}/{i}.html").respond_with_handler(handler)
    return times


def run_two_workers(base: str, limits: str) -> None:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": PREFECT_API_URL.value() or "",
           "TRADEWIRE_HOST_LIMITS": limits}  # fmt: skip
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, base, name, str(INTERVAL), str(PAGES)], env=env, cwd=ROOT
        )
        for name in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]


def closest_gap(times: list[float]) -> float:
    ordered = sorted(times)
    return min(b - a for a, b in itertools.pairwise(ordered))


@pytest.mark.slow
def test_two_workers_share_a_hosts_interval_through_prefect(prefect_server, web, arrivals):
    base = web.url_for("").rstrip("/")
    run_two_workers(base, "prefect")
    assert len(arrivals) == 2 * PAGES
    assert closest_gap(arrivals) >= INTERVAL - 0.15  # never two starts within one interval


@pytest.mark.slow
def test_without_shared_limits_two_workers_each_keep_only_their_own_interval(prefect_server, web, arrivals):
    base = web.url_for("").rstrip("/")
    run_two_workers(base, "local")
    assert len(arrivals) == 2 * PAGES
    assert closest_gap(arrivals) < INTERVAL / 2  # what the shared limit prevents


def test_the_setting_is_checked_and_names_are_valid(monkeypatch):
    monkeypatch.setenv("TRADEWIRE_HOST_LIMITS", "redis")
    with pytest.raises(ValueError, match="expected 'prefect' or 'local'"):
        from_env()
    monkeypatch.delenv("TRADEWIRE_HOST_LIMITS")
    assert from_env() is None
    assert limit_name("WWW.Customs.gov.cn:8080") == "tradewire-host-www.customs.gov.cn_8080"
