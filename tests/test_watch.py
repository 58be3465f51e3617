"""The watch end to end: a real Prefect server, the watch and ingest deployments served, a loopback notice list.

An unchanged index costs the site one conditional request and starts no ingest; a new notice starts
exactly one ingest of that source, whose alert reaches a real webhook with its latency recorded.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bench.press_site import PressSite, Webhook, notice_texts, registry_toml
from conftest import ROOT
from flows import serve
from test_deploy import FINAL, free_port, wait_for
from warehouse.db import primary_path

SOURCE = "customs-notices"


class WatchStack:
    """The press site, a webhook, a Prefect server and `flows.serve --only watch --only ingest-live`."""

    def __init__(self, tmp: Path) -> None:
        self.site, self.hook = PressSite().__enter__(), Webhook().__enter__()
        self.texts = notice_texts()
        self.site.site.publish(self.texts[0])
        registry = tmp / "sources.toml"
        registry.write_text(registry_toml(self.site.url, min_interval=0.2), encoding="utf-8")
        port = free_port()
        self.api, self.db, self.log = f"http://127.0.0.1:{port}/api", tmp / "tw.duckdb", tmp / "serve.log"
        self.server = serve.start_server(port, tmp / "prefect", tmp / "server.log")
        env = {**serve.server_env(port, tmp / "prefect"), "PREFECT_API_URL": self.api}
        env |= {"PREFECT_RUNNER_POLL_FREQUENCY": "1", "TRADEWIRE_ALERT_URLS": self.hook.url}
        serve.wait_healthy(self.api, process=self.server)
        command = [sys.executable, "-m", "flows.serve", "--only", "watch", "--only", "ingest-live",
                   "--sources", str(registry), "--db", str(self.db), "--watch-seconds", "0"]  # fmt: skip
        with open(self.log, "wb") as out:
            self.served = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def post(self, path: str, body: dict[str, Any]) -> Any:
        import httpx

        for _ in range(10):  # retry 503 (the server's SQLite was busy), like Prefect's client
            response = httpx.post(self.api + path, json=body, timeout=10)
            if response.status_code != 503:
                return response.raise_for_status().json()
            time.sleep(1)
        return response.raise_for_status().json()

    def deployment(self, name: str) -> dict[str, Any]:
        import httpx

        def registered() -> Any:
            assert self.served.poll() is None, self.log.read_text()
            response = httpx.get(f"{self.api}/deployments/name/{name}", timeout=10)
            return response.json() if response.status_code == 200 else None

        return wait_for(registered, 90, f"the deployment {name}")  # type: ignore[no-any-return]

    def runs_of(self, deployment_id: str) -> list[dict[str, Any]]:
        """The deployment's runs the watch triggered (not those of its own schedule, which find nothing due)."""
        body = {"deployments": {"id": {"any_": [deployment_id]}}, "flow_runs": {"tags": {"all_": ["watch"]}},
                "sort": "START_TIME_ASC"}  # fmt: skip
        return self.post("/flow_runs/filter", body)  # type: ignore[no-any-return]

    def finished(self, run_id: str, timeout: float = 180) -> dict[str, Any]:
        import httpx

        def done() -> Any:
            run = httpx.get(f"{self.api}/flow_runs/{run_id}", timeout=10).json()
            return run if run["state_type"] in FINAL else None

        return wait_for(done, timeout, f"flow run {run_id}")  # type: ignore[no-any-return]

    def watch_once(self) -> dict[str, Any]:
        run = self.post(f"/deployments/{self.deployment('watch/watch')['id']}/create_flow_run", {})
        return self.finished(str(run["id"]))

    def close(self) -> None:
        for process in (self.served, self.server):
            serve.stop(process)
        self.site.__exit__()
        self.hook.__exit__()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WatchStack]:
    running = WatchStack(tmp_path_factory.mktemp("watch"))
    try:
        yield running
    finally:
        running.close()


def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(primary_path(db)), read_only=True) as con:  # watch runs write, never publish
        return con.execute(sql).fetchall()


@pytest.mark.slow
def test_an_unchanged_index_starts_no_ingest_and_a_new_notice_exactly_one(stack):
    ingest = stack.deployment("ingest/ingest-live")

    first = stack.watch_once()  # the watch has never seen the list: its notice is new
    assert first["state_type"] == "COMPLETED", stack.log.read_text()
    runs = wait_for(lambda: stack.runs_of(ingest["id"]), 30, "the triggered ingest")
    assert [r["parameters"]["only"] for r in runs] == [[SOURCE]]
    assert runs[0]["parent_task_run_id"]  # a child of the watch's run: the chain shows in the UI
    assert stack.finished(runs[0]["id"])["state_type"] == "COMPLETED", stack.log.read_text()

    quiet_from = time.time()
    second = stack.watch_once()  # nothing changed
    quiet_until = time.time()
    assert second["state_type"] == "COMPLETED"
    time.sleep(3)  # a triggered run would be created within the watch's run; give the API time to show it
    assert len(stack.runs_of(ingest["id"])) == 1
    during = [r for r in stack.site.site.requests if quiet_from <= r[0] < quiet_until]
    assert [(path, status, conditional) for _, path, status, conditional in during] == [
        ("/notices/", 304, True)
    ]

    notice = stack.site.site.publish(stack.texts[1])
    third = stack.watch_once()
    assert third["state_type"] == "COMPLETED"
    runs = wait_for(lambda: (r := stack.runs_of(ingest["id"])) and len(r) == 2 and r, 30, "the second ingest")
    assert [r["parameters"]["only"] for r in runs] == [[SOURCE], [SOURCE]]
    assert stack.finished(runs[1]["id"])["state_type"] == "COMPLETED", stack.log.read_text()
    assert len(stack.runs_of(ingest["id"])) == 2  # exactly one ingest for the one change

    assert wait_for(lambda: stack.hook.first_mention(notice.path), 30, "the new notice's alert")
    outcomes = _query(stack.db, "SELECT outcome FROM watch_polls ORDER BY polled_at")
    assert [o for (o,) in outcomes] == ["new-items", "unchanged", "new-items"]
    latency = _query(
        stack.db,
        f"SELECT listed_via, latency_seconds, fetched_at >= listed_at FROM alerts"
        f" WHERE url LIKE '%{notice.path}' AND status = 'delivered'",
    )
    assert latency and all(
        via == "watch" and 0 < seconds < 180 and ordered for via, seconds, ordered in latency
    )
    health = _query(stack.db, f"SELECT watched, poll_interval_minutes, poll_reason FROM source_health"
                              f" WHERE source_id = '{SOURCE}'")  # fmt: skip
    assert health == [(True, 2.0, "watched: index polled every 2 min (last poll: new-items)")]
