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
import io
import logging
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import trafilatura

from bench.flow_probe import flow_benchmark
from bench.site import Site, crawled_documents, load_pages, new_warehouse, warehouse_digest, write_registry
from parsers.model import Document, Source

TARGET = 0.8  # end-to-end pages/s over plain trafilatura's
STAGES = ("parse", "prepare", "load")


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
