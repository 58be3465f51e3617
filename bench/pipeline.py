"""End-to-end pipeline benchmark on the aeb pages, against plain trafilatura in the same run.

Data: the 181 pages of `../shared/corpora/aeb`, served as a feed plus article pages.

1. Stages: the documents are built as the crawler builds them (feed hints, detected charset, body
   hash), then the flow's task bodies run on them batch by batch as `flows.ingest` does
   (`parse.fn`, `prepare_batch.fn`, `load_batch.fn`)
   into a fresh temporary warehouse (created, untimed, beforehand). Plain `trafilatura.extract(html,
   include_comments=False)` runs over the same pages in the same rounds. Pages per second of both,
   and the ratio (target >= 0.8). Parsing runs twice per round: in worker processes as the flow does
   (`flows.parallel.PARALLEL_PARSE_MIN`) and in this process only (`TRADEWIRE_PARSE_WORKERS=0`, the
   path before that change); the two warehouses must be identical.
2. Prefect: the real `ingest` flow against a local HTTP server (feed + pages, min_interval 1 ms)
   with a Prefect server already up. Every task body, every task call and the flow body are timed;
   Prefect overhead = flow wall time - flow body + sum(task call - task body), and its share of the
   wall time. HTTP fetch time (union of the fetch intervals) is reported beside it.

    python -m bench.pipeline [--rounds 3] [--profile] [--no-flow]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import gzip
import hashlib
import io
import logging
import os
import pstats
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import trafilatura

from bench.extraction import CORPUS
from parsers.model import Document, Source

TARGET = 0.8  # end-to-end pages/s over plain trafilatura's
STAGES = ("parse", "prepare", "load")
FAST: dict[str, object] = {"timeout": 10.0, "total_timeout": 30.0, "backoff": 0.2, "max_retry_after": 5.0}


def load_pages(corpus: Path = CORPUS) -> list[tuple[str, bytes]]:
    """(key, HTML bytes) of every page, sorted by key."""
    return [
        (path.name.split(".", 1)[0], gzip.decompress(path.read_bytes()))
        for path in sorted((corpus / "html").glob("*.html.gz"))
    ]


# --- A local news site: a feed (with an ETag) and article pages ------------------------------


class Site:
    """A threaded HTTP server on `host` (127.0.0.1) serving robots.txt, /feed.xml and /news/<key>.html."""

    def __init__(self, pages: list[tuple[str, bytes]], host: str = "127.0.0.1") -> None:
        self.pages = {f"/news/{key}.html": body for key, body in pages}
        self.etag = '"v1"'
        self.feed_requests = self.not_modified = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_address[1]}"
        self.feed = self._rss(list(self.pages)).encode()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _rss(self, paths: list[str]) -> str:
        day = datetime(2020, 3, 3, tzinfo=UTC)
        items = "".join(
            f"<item><title>Item {p.rsplit('/', 1)[-1][:-5]}</title><link>{self.base}{p}</link>"
            f"<pubDate>{format_datetime(day + timedelta(minutes=7 * i))}</pubDate></item>"
            for i, p in enumerate(paths)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>aeb</title>'
            f"{items}</channel></rss>"
        )

    @property
    def feed_url(self) -> str:
        return f"{self.base}/feed.xml"

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        status, kind, body, headers = 404, "text/plain", b"not found", {}
        if path == "/robots.txt":
            status, kind, body = 200, "text/plain", b"User-agent: *\nAllow: /\n"
        elif path == "/feed.xml":
            self.feed_requests += 1
            headers = {"ETag": self.etag}
            if request.headers.get("If-None-Match") == self.etag:
                status, body = 304, b""
                self.not_modified += 1
            else:
                status, kind, body = 200, "application/rss+xml", self.feed
        elif path in self.pages:
            status, kind, body = 200, "text/html; charset=utf-8", self.pages[path]
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        if status != 304:
            request.send_header("Content-Type", kind)
            request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if status != 304:
            request.wfile.write(body)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_registry(folder: Path, feed_url: str, source_id: str = "local-news") -> Path:
    """A registry with one local feed source (HTML parser, min_interval 1 ms)."""
    path = folder / "sources.toml"
    path.write_text(
        f"""
[defaults]
user_agent = "tradewire-bench/1 (+mailto:bench@example.org)"
min_interval = 0.001
max_concurrency = 4
[[source]]
id = "{source_id}"
name = "Local news feed (aeb pages)"
kind = "feed"
url = "{feed_url}"
parser = "html"
local = true
max_bytes = 10000000
max_items = 1000
""",
        encoding="utf-8",
    )
    return path


def crawled_documents(site: Site, source: Source) -> list[Document]:
    """The site's article documents exactly as the crawler builds them (feed hints, charset, hash)."""
    from flows.crawl import Crawler
    from parsers.extract import charset
    from parsers.extract.feeds import parse_feed
    from parsers.fetch.types import Response

    entries, _ = parse_feed(site.feed, site.feed_url, source, "application/rss+xml")
    crawler = Crawler(source, None, {})  # type: ignore[arg-type]  # only its storable() is used
    docs = []
    for entry in entries:
        body = site.pages[entry.url.removeprefix(site.base)]
        kind = "text/html; charset=utf-8"
        response = Response(
            url=entry.url, final_url=entry.url, status=200, headers=(("content-type", kind),), body=body,
            fetched_at=datetime.now(UTC), encoding=charset.detect(body, kind, source.encoding), etag=None,
            last_modified=None, sha256=hashlib.sha256(body).hexdigest(),
        )  # fmt: skip
        docs.append(response.to_document(source.id, crawler.storable(entry)))
    return docs


# --- The stages, as the flow runs them --------------------------------------------------------


@contextlib.contextmanager
def parse_workers(workers: int | None) -> Iterator[None]:
    """Run with TRADEWIRE_PARSE_WORKERS set (None: the default, one per CPU)."""
    old = os.environ.pop("TRADEWIRE_PARSE_WORKERS", None)
    if workers is not None:
        os.environ["TRADEWIRE_PARSE_WORKERS"] = str(workers)
    try:
        yield
    finally:
        os.environ.pop("TRADEWIRE_PARSE_WORKERS", None)
        if old is not None:
            os.environ["TRADEWIRE_PARSE_WORKERS"] = old


def new_warehouse(folder: Path) -> str:
    """A migrated, empty warehouse (published path) in `folder`."""
    from warehouse import db

    path = folder / "tw.duckdb"
    with db.writer(path):
        pass
    return str(path)


def run_stages(source: Source, docs: list[Document], db_path: str) -> dict[str, float]:
    """The flow's stage bodies over the documents, batch by batch; seconds per stage and counts."""
    from flows import tasks
    from flows.ingest import BATCH_SIZE, _batches
    from parsers.pipeline import CrawlState
    from warehouse.handle import Warehouse

    spent = dict.fromkeys(STAGES, 0.0)

    def timed(stage: str, fn: Callable[..., Any], *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            spent[stage] += time.perf_counter() - start

    warehouse = Warehouse.open(db_path)
    loaded = failed = 0
    for batch in _batches(docs, BATCH_SIZE):
        parsed = timed("parse", tasks.parse.fn, source, batch)
        prepared = timed("prepare", tasks.prepare_batch.fn, source, parsed, None)
        prepared.crawl = CrawlState(tuple(batch))
        result = timed("load", tasks.load_batch.fn, warehouse, "bench", source.id, prepared)
        loaded += len(result.new_article_ids)
        failed += len(prepared.failures)
    return {**spent, "seconds": sum(spent.values()), "loaded": loaded, "failed": failed}


def warehouse_digest(db_path: str) -> str:
    """A hash of what the run stored (articles, topics, stories, measures, failures)."""
    from warehouse import db

    queries = (
        "SELECT article_id, url, title, published_at, date_source, story_id, clean_text FROM core.articles ORDER BY 1",
        "SELECT article_id, topic, score FROM core.article_topics ORDER BY 1, 2",
        "SELECT article_id, ordinal, text FROM core.measures ORDER BY 1, 2",
        "SELECT url, reason FROM core.failures ORDER BY 1",
    )
    digest = hashlib.sha256()
    with duckdb.connect(str(db.primary_path(Path(db_path))), read_only=True) as con:
        for query in queries:
            digest.update(repr(con.execute(query).fetchall()).encode())
    return digest.hexdigest()


def cpu_pressure() -> float | None:
    """Share of the last 10 s in which runnable work waited for a CPU (Linux PSI), in %."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return float(dict(kv.split("=") for kv in line.split()[1:])["avg10"])


def plain_trafilatura(htmls: list[str]) -> float:
    """Seconds for plain trafilatura over the pages (the aeb benchmark's own call)."""
    start = time.perf_counter()
    for html in htmls:
        trafilatura.extract(html, include_comments=False)
    return time.perf_counter() - start


def stages_benchmark(rounds: int = 3, profile: bool | None = None) -> dict[str, Any]:
    """Plain trafilatura vs the flow's stages (parse in workers, and in this process), interleaved.

    `profile`: cProfile the parse stage (None: only when the ratio misses its target).
    """
    from parsers.registry import load_registry

    pages = load_pages()
    htmls = [body.decode("utf-8") for _, body in pages]
    plain: list[float] = []
    runs: dict[str, list[dict[str, float]]] = {"workers": [], "serial": []}
    digests: dict[str, set[str]] = {"workers": set(), "serial": set()}
    pressure: list[float | None] = []  # other work on the machine: the worker processes share the CPUs
    with Site(pages) as site, tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        source = load_registry(write_registry(Path(tmp), site.feed_url)).sources[0]
        docs = crawled_documents(site, source)
        for r in range(rounds):
            plain.append(plain_trafilatura(htmls))
            for mode, workers in (("workers", None), ("serial", 0)):
                folder = Path(tmp) / f"{mode}-{r}"
                folder.mkdir()
                db_path = new_warehouse(folder)
                with parse_workers(workers):
                    runs[mode].append(run_stages(source, docs, db_path))
                digests[mode].add(warehouse_digest(db_path))
            pressure.append(cpu_pressure())
            print(f"  round {r + 1}: plain {len(pages) / plain[-1]:.1f} pages/s, stages (parse in workers) "
                  f"{len(docs) / runs['workers'][-1]['seconds']:.1f}, (parse in this process) "
                  f"{len(docs) / runs['serial'][-1]['seconds']:.1f}; CPU pressure {pressure[-1]}% "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
        ratios = [p / r["seconds"] for p, r in zip(plain, runs["workers"], strict=True)]
        below = statistics.median(ratios) < TARGET
        profile_text = _profile_parse(source, docs) if profile or (profile is None and below) else ""
    n = len(docs)
    plain_pps = n / statistics.median(plain)
    out: dict[str, Any] = {
        "pages": n,
        "plain_trafilatura_pages_per_s": plain_pps,
        "rounds": rounds,
        "loaded": runs["workers"][0]["loaded"],
        "failed": runs["workers"][0]["failed"],
        "parse_workers": _default_workers(),
        "parse_pool_identical": len(digests["workers"] | digests["serial"]) == 1,
        "cpu_pressure_rounds": pressure,
    }
    for mode in runs:
        seconds = statistics.median(r["seconds"] for r in runs[mode])
        out[f"end_to_end_pages_per_s_{mode}"] = n / seconds
        out[f"stage_seconds_{mode}"] = {s: statistics.median(r[s] for r in runs[mode]) for s in STAGES}
        # per round, against the plain run of the same round (the machine's load drifts)
        out[f"ratio_rounds_{mode}"] = [p / r["seconds"] for p, r in zip(plain, runs[mode], strict=True)]
    out["end_to_end_vs_trafilatura"] = statistics.median(out["ratio_rounds_workers"])
    out["end_to_end_vs_trafilatura_serial"] = statistics.median(out["ratio_rounds_serial"])
    if profile_text:
        out["profile"] = profile_text
    return out


def _default_workers() -> int:
    from flows.parallel import parse_workers as workers

    return workers()


def _profile_parse(source: Source, docs: list[Document], top: int = 12) -> str:
    """cProfile of parsing the pages in this process: the functions with the most cumulative time."""
    from flows import tasks

    profiler = cProfile.Profile()
    with parse_workers(0):
        profiler.runcall(tasks.parse.fn, source, docs)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    return text.getvalue()


# --- The real flow, instrumented ----------------------------------------------------------------


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


def main(argv: list[str] | None = None) -> None:
    """Run the stage benchmark (and the flow, with a temporary Prefect server) and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", default=None, help="cProfile the parse stage")
    parser.add_argument("--no-flow", action="store_true", help="skip the Prefect flow run")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    result = stages_benchmark(args.rounds, args.profile)
    for key, value in result.items():
        print(f"{key}: {value}")
    if not args.no_flow:
        from bench.__main__ import prefect_server

        with prefect_server():
            for r, figures in enumerate(flow_benchmark()):
                for key, value in figures.items():
                    print(f"flow run {r + 1} {key}: {value}")


if __name__ == "__main__":
    main()
