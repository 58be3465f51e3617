"""The real `ingest` flow, instrumented: Prefect overhead and HTTP fetch time over the aeb site.

The flow runs against a local HTTP server (feed + pages, min_interval 1 ms) with a Prefect server
already up. Every task body, every task call and the flow body are timed; Prefect overhead = flow
wall time - flow body + sum(task call - task body), and its share of the wall time.
"""

from __future__ import annotations

import functools
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.site import Site, load_pages, new_warehouse, write_registry

FAST: dict[str, object] = {"timeout": 10.0, "total_timeout": 30.0, "backoff": 0.2, "max_retry_after": 5.0}


class Probe:
    """Times the ingest flow's pieces: flow body, each task call and body, and HTTP fetches."""

    def __init__(self) -> None:
        self.flow_body = 0.0
        self.calls: dict[str, float] = defaultdict(float)
        self.bodies: dict[str, float] = defaultdict(float)
        self.fetches: list[tuple[float, float]] = []
        self.body_started = self.body_ended = 0.0
        self._undo: list[Callable[[], None]] = []

    def _swap(self, owner: Any, name: str, value: Any) -> None:
        old = getattr(owner, name)
        setattr(owner, name, value)
        self._undo.append(lambda: setattr(owner, name, old))

    def __enter__(self) -> Probe:
        import flows.ingest as ingest_module
        import flows.tasks as tasks_module
        from parsers.fetch.client import Fetcher

        names = [(ingest_module, n) for n in ("discover", "load_batch", "report", "send_alerts", "publish",
                                              "publish_artifacts")]  # fmt: skip
        for module, name in [*names, (tasks_module, "parse"), (tasks_module, "prepare_batch")]:
            task = getattr(module, name)
            self._swap(task, "fn", self._timer(task.fn, self.bodies, task.name))
            self._swap(module, name, self._timer(task, self.calls, task.name))
        source = ingest_module.ingest_source  # submitted, not called: timed from submit to its result
        self._swap(source, "fn", self._timer(source.fn, self.bodies, source.name))
        self._swap(source, "submit", self._submit_timer(source.submit, self.calls, source.name))
        flow = ingest_module.ingest

        @functools.wraps(flow.fn)
        def flow_body(*args: Any, **kwargs: Any) -> Any:
            self.body_started = start = time.perf_counter()
            try:
                return body(*args, **kwargs)
            finally:
                self.body_ended = time.perf_counter()
                self.flow_body += self.body_ended - start

        body = flow.fn
        self._swap(flow, "fn", flow_body)
        fetch = Fetcher.fetch

        @functools.wraps(fetch)
        async def timed_fetch(fetcher: Fetcher, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await fetch(fetcher, *args, **kwargs)
            finally:
                self.fetches.append((start, time.perf_counter()))

        self._swap(Fetcher, "fetch", timed_fetch)
        return self

    def __exit__(self, *exc: object) -> None:
        for undo in reversed(self._undo):
            undo()

    @staticmethod
    def _submit_timer(submit: Callable[..., Any], into: dict[str, float], name: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            future = submit(*args, **kwargs)
            result = future.result

            def timed_result(*a: Any, **k: Any) -> Any:
                try:
                    return result(*a, **k)
                finally:
                    into[name] += time.perf_counter() - start

            future.result = timed_result
            return future

        return timed

    @staticmethod
    def _timer(fn: Callable[..., Any], into: dict[str, float], name: str) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                into[name] += time.perf_counter() - start

        return timed

    def network_seconds(self) -> float:
        """Wall time during which at least one HTTP fetch was under way."""
        total, end = 0.0, float("-inf")
        for start, stop in sorted(self.fetches):
            if stop > end:
                total += stop - max(start, end)
                end = stop
        return total

    def figures(self, wall: float, started: float) -> dict[str, Any]:
        task_overhead = sum(self.calls[k] - self.bodies[k] for k in self.calls)
        overhead = (wall - self.flow_body) + task_overhead
        return {
            "wall_seconds": wall,
            "flow_body_seconds": self.flow_body,
            # Prefect before the flow body starts, and after it returns (Prefect 3.8.8 joins its
            # heartbeat thread, which sleeps in 1 s steps: runs end on a whole second after the start)
            "before_body_seconds": self.body_started - started,
            "after_body_seconds": started + wall - self.body_ended,
            "network_seconds": self.network_seconds(),
            "prefect_overhead_seconds": overhead,
            "prefect_overhead_share": overhead / wall,
            "flow_overhead_seconds": wall - self.flow_body,
            "task_overhead_seconds": task_overhead,
            "task_calls": sum(1 for _ in self.calls),
            "task_body_seconds": dict(sorted(self.bodies.items(), key=lambda kv: -kv[1])),
            "task_overhead_by_task": {k: self.calls[k] - self.bodies[k] for k in self.calls},
        }


def run_flow(registry: Path, db_path: str) -> tuple[Any, dict[str, Any]]:
    """One instrumented `ingest` flow run; (summary, figures)."""
    from flows.ingest import ingest

    with Probe() as probe:
        start = time.perf_counter()
        summary = ingest(sources=str(registry), db_path=db_path, fetch_options=FAST)
        wall = time.perf_counter() - start
    return summary, probe.figures(wall, start)


def flow_benchmark(runs: int = 2) -> list[dict[str, Any]]:
    """The real flow over the aeb site, each run into a fresh warehouse (needs a running Prefect API).

    The first run in a process is what `tradewire ingest` does (Prefect's client and workers start
    during it); later runs show the steady state of a long-lived process.
    """
    pages = load_pages()
    out = []
    with Site(pages) as site, tempfile.TemporaryDirectory(prefix="bench-flow-") as tmp:
        for r in range(runs):
            folder = Path(tmp) / f"run-{r}"
            folder.mkdir()
            db_path = new_warehouse(folder)
            summary, figures = run_flow(write_registry(folder, site.feed_url), db_path)
            figures.update(pages=len(pages), new=summary.new, failed=summary.failed,
                           pages_per_s=len(pages) / figures["wall_seconds"])  # fmt: skip
            out.append(figures)
    return out
