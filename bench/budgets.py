"""Budget benchmark: a real ingest of a hostile site, its peak memory and how long the slow page takes.

A local HTTP server serves a feed listing five real pages (tests/data/aeb), a doubly gzipped bomb
(`Content-Encoding: gzip, gzip`, 1 GB of zeros in 1,827 bytes: the attack of issue 11, which peaked
at 2.3 GB) and a 4.8 MB page of unclosed `<p>` tags (85 s in trafilatura), plus a sitemap source
whose child sitemap is gzip inside gzip (application/gzip, 1 GB inside). The real `ingest` flow runs
in a fresh process; figures:

  budget_bomb_peak_rss_mb     peak RSS (VmHWM) of that process (target < 600 MB)
  budget_worker_peak_rss_mb   the largest peak RSS of its parse worker processes (sampled every 0.1 s)
  budget_deep_page_seconds    wall time of the parse batch that records the deep page as a failure,
                              with the default budget (`flows.parallel.PARSE_SECONDS`) unless
                              TRADEWIRE_PARSE_SECONDS is set
  budget_run_seconds          the whole flow run

    python -m bench.budgets
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz"))
BOMB_BYTES = 1 << 30
DEEP = b"<html><body>" + b"<p>" * 1_600_000


def zeros_gzip(size: int) -> bytes:
    """gzip of `size` zero bytes, compressed a megabyte at a time."""
    packer, block, out = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(1 << 20), bytearray()
    for _ in range(size >> 20):
        out += packer.compress(block)
    return bytes(out + packer.flush())


class HostileSite:
    """The feed, its pages, the bomb, the deep page and the nested-gzip sitemap on 127.0.0.1."""

    def __init__(self) -> None:
        inner = zeros_gzip(BOMB_BYTES)
        self.bomb = gzip.compress(inner, 9)
        self.routes: dict[str, tuple[str, dict[str, str], bytes]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        pages = [f"/news/{i}.html" for i in range(len(PAGES))]
        for path, file in zip(pages, PAGES, strict=True):
            self.route(path, "text/html; charset=utf-8", gzip.decompress(file.read_bytes()))
        self.route("/news/bomb.html", "text/html", self.bomb, {"Content-Encoding": "gzip, gzip"})
        self.route("/news/deep.html", "text/html", DEEP)
        items = "".join(f"<item><title>{p}</title><link>{self.base}{p}</link></item>" for p in
                        [*pages[:3], "/news/bomb.html", "/news/deep.html"])  # fmt: skip
        self.route(
            "/feed.xml",
            "application/rss+xml",
            f'<rss version="2.0"><channel>{items}</channel></rss>'.encode(),
        )
        index = f"<sitemapindex><sitemap><loc>{self.base}/pages.xml</loc></sitemap><sitemap><loc>{self.base}/nested.xml.gz</loc></sitemap></sitemapindex>"
        urls = "".join(f"<url><loc>{self.base}{p}</loc></url>" for p in pages[3:])
        self.route("/sitemap.xml", "application/xml", index.encode())
        self.route("/pages.xml", "application/xml", f"<urlset>{urls}</urlset>".encode())
        self.route("/nested.xml.gz", "application/gzip", gzip.compress(inner, 9))  # .gz of a 1 GB .gz
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, path: str, kind: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        """Serve `body` at `path`."""
        self.routes[path] = (kind, headers or {}, body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                kind, headers, body = site.routes.get(self.path, ("text/plain", {}, b""))
                self.send_response(200 if self.path in site.routes else 404)
                for name, value in {
                    "Content-Type": kind,
                    "Content-Length": str(len(body)),
                    **headers,
                }.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def registry(self, folder: Path) -> Path:
        """A registry with the feed source and the sitemap source."""
        path = folder / "sources.toml"
        common = 'parser = "html"\nlocal = true\n'
        path.write_text(
            '[defaults]\nuser_agent = "tradewire-bench/1 (+mailto:bench@example.org)"\nmin_interval = 0.001\n'
            f'[[source]]\nid = "site"\nname = "Hostile feed"\nkind = "feed"\nurl = "{self.base}/feed.xml"\n{common}'
            f'[[source]]\nid = "map"\nname = "Hostile sitemap"\nkind = "sitemap"\nurl = "{self.base}/sitemap.xml"\n'
            f"max_pages = 3\n{common}",
            encoding="utf-8",
        )
        return path

    def __enter__(self) -> HostileSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def vm_hwm_mb(pid: int | str = "self") -> float:
    """Peak RSS (VmHWM) of a process in MB, 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class WorkerSampler(threading.Thread):
    """Samples the peak RSS of every descendant process (the parse workers fork from a forkserver)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, float] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            for pid in _descendants(os.getpid()):
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), vm_hwm_mb(pid))


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def ingest_phase(registry: Path, db: Path) -> dict[str, Any]:
    """The real flow, in this (fresh) process: its figures and its failures."""
    import duckdb

    from bench.__main__ import quiet_logs
    from bench.flow_probe import FAST
    from flows import tasks
    from flows.ingest import ingest
    from flows.parallel import parse_seconds

    quiet_logs()
    batches: list[tuple[str, float, list[str]]] = []
    parse_all: Callable[..., Any] = tasks.parse_all

    def timed(source: Any, documents: list[Any]) -> Any:
        start = time.perf_counter()
        results = parse_all(source, documents)
        batches.append((source.id, time.perf_counter() - start, [getattr(r, "url", "") for r in results]))
        return results

    tasks.parse_all = timed  # type: ignore[assignment]
    sampler = WorkerSampler()
    sampler.start()
    start = time.perf_counter()
    summary = ingest(sources=str(registry), db_path=str(db), fetch_options=FAST)
    run_seconds = time.perf_counter() - start
    sampler.stopped.set()
    with duckdb.connect(str(db), read_only=True) as con:
        failures = dict(con.execute("SELECT url, reason FROM failures").fetchall())
    deep = next(seconds for _, seconds, urls in batches if any(u.endswith("/deep.html") for u in urls))
    return {
        "peak_rss_mb": vm_hwm_mb(),
        "worker_peak_rss_mb": max(sampler.peaks.values(), default=0.0),
        "deep_page_seconds": deep,
        "parse_budget_seconds": parse_seconds(),
        "run_seconds": run_seconds,
        "new": summary.new,
        "failures": {url.rsplit("/", 1)[-1]: reason for url, reason in failures.items()},
    }


def budget_benchmark() -> dict[str, Any]:
    """Serve the hostile site and run the ingest phase in a fresh process (needs a Prefect API)."""
    from bench.scale import _prefect_env

    with HostileSite() as site, tempfile.TemporaryDirectory(prefix="bench-budgets-") as tmp:
        out = Path(tmp) / "figures.json"
        command = [
            sys.executable,
            "-m",
            "bench.budgets",
            "--phase",
            "--registry",
            str(site.registry(Path(tmp))),
        ]
        command += ["--db", str(Path(tmp) / "tw.duckdb"), "--out", str(out)]
        env = {**os.environ, **_prefect_env(Path(tmp) / "prefect-home")}
        subprocess.run(command, check=True, cwd=ROOT, env=env)
        phase = json.loads(out.read_text(encoding="utf-8"))
        phase["bomb_wire_bytes"] = len(site.bomb)
    failures = phase["failures"]
    for name in ("bomb.html", "deep.html", "nested.xml.gz"):
        if name not in failures:
            raise RuntimeError(f"{name} was not recorded as a failure: {failures}")
    print(f"  bomb: {phase['bomb_wire_bytes']:,} bytes on the wire ({BOMB_BYTES >> 20:,} MB inside): "
          f"{failures['bomb.html']}; nested sitemap: {failures['nested.xml.gz']}")  # fmt: skip
    print(f"  deep page: {failures['deep.html']}, recorded after {phase['deep_page_seconds']:.1f} s "
          f"(budget {phase['parse_budget_seconds']:g} s)")  # fmt: skip
    print(f"  peak RSS: ingest process {phase['peak_rss_mb']:,.0f} MB (target < 600), largest parse worker "
          f"{phase['worker_peak_rss_mb']:,.0f} MB; run {phase['run_seconds']:.1f} s, {phase['new']} articles loaded")  # fmt: skip
    return {
        "budget_bomb_peak_rss_mb": phase["peak_rss_mb"],
        "budget_worker_peak_rss_mb": phase["worker_peak_rss_mb"],
        "budget_deep_page_seconds": phase["deep_page_seconds"],
        "budget_parse_seconds": phase["parse_budget_seconds"],
        "budget_run_seconds": phase["run_seconds"],
        "budget_articles_loaded": phase["new"],
        "budget_failures": failures,
    }


def main(argv: list[str] | None = None) -> None:
    """Run the budget benchmark with a temporary Prefect server (or, with --phase, the ingest itself)."""
    parser = argparse.ArgumentParser(prog="python -m bench.budgets", description=__doc__.splitlines()[0])
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--registry", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        args.out.write_text(json.dumps(ingest_phase(args.registry, args.db)), encoding="utf-8")
        return
    from bench.__main__ import prefect_server, quiet_logs

    quiet_logs()
    with prefect_server():
        figures = budget_benchmark()
    for key, value in figures.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
