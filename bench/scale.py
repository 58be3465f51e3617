"""Scale benchmark: synthetic warehouses of 100k and 1M articles, built from variants of real pages.

Each warehouse has the real schema (`warehouse.db.connect` migrates it) and is filled with DuckDB SQL
from ~280 real texts (the aeb article bodies, the seed releases, the topic dev set), each article a
variant of one (a dateline and a reference line added, so every text and hash is distinct), with the
topics, measures and paragraph scores the real code gives that text, sightings (30% seen at a second
URL), an http_cache row per article URL, failures, run history (ingest_runs, source_runs), alerts for
every customs measure (delivered and latency-stamped, or duplicates), every article marked as looked at
by the alert step, and dedup signatures and LSH band rows drawn from the real texts' sketches: by
default each article a distinct text with 5% near-copies (`--history copies`: h16-load's history, ~373
or ~3,730 near-copies of each text; bench.scale_history). Nine sources; `local-news` is the feed the
no-op run revalidates.

Figures, per size:
  (a) load: `load.load` of 2,000 new articles in the flow's batches of 500 (with their sketches, as prepare
      makes them), then CHECKPOINT; median of 3 (the rows are deleted again, untimed, between repeats); rows/s,
      and apart: the story placement against the history and the writes (rows/s without the placement);
      and the stories they got (distinct history: ~5% are near-copies of sampled history articles and
      must join their stories, the others must start their own).
  (b) no-op run: the real `ingest` flow against a local HTTP server whose feed answers 304 (its
      validators are in http_cache); wall time of the flow run minus the time spent in HTTP fetches;
      the first run in the process (Prefect's client and workers start) is reported apart, then the
      median of 3 more. Per-task body times show where the rest goes.
  (c) dedup: `bench.dedup.scale` (1,000 new articles against a 100k and a 1M signature history).
  (d) peak RSS of each phase (the kernel's high-water mark, reset before each phase).

    python -m bench.scale [--sizes 100000,1000000] [--repeat 3] [--no-dedup] [--history distinct|copies|both]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import scale_history, scale_lake
from bench.scale_build import build_warehouse
from bench.scale_load import LOAD_ROWS, arrow_ceiling, build_band_index, load_benchmark
from bench.scale_noop import noop_benchmark
from bench.scale_templates import templates

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB (each phase runs in a process of its own).

    VmHWM, not ru_maxrss: after fork + exec, ru_maxrss starts at the parent's peak.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- All of it: each phase in a fresh process (its own peak RSS, nothing left over) -------------


def label(size: int) -> str:
    """100000 -> '100k', 1000000 -> '1m'."""
    return f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k"


def last_row_group_rows(size: int, row_group: int = 122_880) -> int:
    """Rows in core.articles' last (partial) row group: what each checkpoint after a load rewrites."""
    return size % row_group or row_group


def _phase(name: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `python -m bench.scale --phase name ...` and return the figures it wrote."""
    with tempfile.TemporaryDirectory(prefix="bench-phase-") as tmp:
        out = Path(tmp) / "figures.json"
        subprocess.run(
            [sys.executable, "-m", "bench.scale", "--phase", name, *args, "--out", str(out)],
            check=True, cwd=ROOT, env={**os.environ, **(env or {})},
        )  # fmt: skip
        return dict(json.loads(out.read_text(encoding="utf-8")))


def _prefect_env(home: Path) -> dict[str, str]:
    """Environment for a child process to report to the Prefect API this process uses."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise RuntimeError("the no-op phase needs a running Prefect API (see bench.__main__.prefect_server)")
    return {
        "PREFECT_API_URL": str(url),
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


def scale_benchmark(
    sizes: list[int], repeat: int = 3, dedup: bool = True, history: str = "distinct", backend: str = "file"
) -> dict[str, Any]:
    """Build each warehouse, time loads and no-op runs on it, then the dedup scale benchmark.

    Needs a running Prefect API (the no-op runs are real flow runs). `backend="lake"`: the built file
    is copied into a DuckLake (bench.scale_lake) and the loads and no-op runs use the lake.
    """
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        env = _prefect_env(Path(tmp) / "prefect-home")
        for size in sizes:
            name = label(size)
            folder = Path(tmp) / name
            folder.mkdir()
            published = folder / "tw.duckdb"
            built = _phase("build", "--path", str(published), "--size", str(size), "--history", history)
            figures[f"build_seconds_{name}"], figures[f"warehouse_mb_{name}"] = built["seconds"], built["mb"]
            figures[f"build_peak_rss_mb_{name}"] = built["peak_rss_mb"]
            figures[f"band_index_seconds_{name}"] = built["band_index_seconds"]
            print(f"  {size:>9,} articles: built in {built['seconds']:.0f} s, {built['mb']:,.0f} MB; band index "
                  f"(warehouse.band_index, once) {built['band_index_seconds']:.1f} s", flush=True)  # fmt: skip
            lake_env: dict[str, str] = {}
            if backend == "lake":
                lake_env = scale_lake.lake_env(folder / "lake")
                figures.update(scale_lake.fill_and_ceilings(_phase, published, folder / "lake", name, repeat))
            loaded = _phase(
                "load", "--path", str(published), "--repeat", str(repeat), "--history", history, env=lake_env
            )
            commits = "COMMIT" if backend == "lake" else "COMMIT + CHECKPOINT"  # no CHECKPOINT on a lake
            figures[f"load_rows_per_s_{name}"] = loaded["rows_per_s"]
            figures[f"load_seconds_{name}"] = loaded["seconds"]
            figures[f"load_commit_and_checkpoint_seconds_{name}"] = loaded["commit_and_checkpoint_seconds"]
            figures[f"load_peak_rss_mb_{name}"] = loaded["peak_rss_mb"]
            figures[f"load_write_rows_per_s_{name}"] = loaded["write_rows_per_s"]
            figures[f"load_story_placement_seconds_{name}"] = loaded["story_placement_seconds"]
            figures[f"load_one_batch_rows_per_s_{name}"] = loaded["one_batch_rows_per_s"]
            figures[f"load_one_batch_write_rows_per_s_{name}"] = loaded["one_batch_write_rows_per_s"]
            figures[f"articles_last_row_group_rows_{name}"] = last_row_group_rows(size)
            print(f"  {size:>9,} articles: load {LOAD_ROWS:,} in {loaded['seconds']:.2f} s "
                  f"({loaded['rows_per_s']:,.0f} rows/s; runs {', '.join(f'{t:.2f}' for t in loaded['runs'])}; "
                  f"{commits} {loaded['commit_and_checkpoint_seconds']:.2f} s), peak RSS "
                  f"{loaded['peak_rss_mb']:,.0f} MB", flush=True)  # fmt: skip
            print(f"  {size:>9,} articles: of that, story placement {loaded['story_placement_seconds']:.2f} s; the "
                  f"writes {loaded['write_seconds']:.2f} s = {loaded['write_rows_per_s']:,.0f} rows/s; as one batch of "
                  f"{LOAD_ROWS:,}: {loaded['one_batch_rows_per_s']:,.0f} rows/s, the writes "
                  f"{loaded['one_batch_write_rows_per_s']:,.0f} rows/s", flush=True)  # fmt: skip
            figures[f"load_arrow_rows_per_s_{name}"] = loaded["arrow_rows_per_s"]
            print(f"  {size:>9,} articles: beside it, the same {LOAD_ROWS:,} articles' rows alone as one Arrow insert "
                  f"into core.articles, {commits.replace(' +', ',')}: {loaded['arrow_rows_per_s']:,.0f} rows/s", flush=True)  # fmt: skip
            figures[f"load_stories_{name}"] = loaded["stories"]
            print(
                f"  {size:>9,} articles: stories of the {LOAD_ROWS:,} ({history} history): {loaded['stories']}"
            )
            noop = _phase("noop", "--path", str(published), "--repeat", str(repeat), env={**env, **lake_env})
            for key in ("seconds", "wall_seconds", "network_seconds", "prefect_overhead_seconds", "republished",
                        "task_body_seconds", "peak_rss_mb", "first_run_seconds", "flow_body_seconds",
                        "after_body_seconds"):  # fmt: skip
                figures[f"noop_{key}_{name}".replace("noop_seconds", "noop_run_seconds")] = noop[key]
            print(f"  {size:>9,} articles: no-op run {noop['seconds']:.2f} s outside the network "
                  f"(wall {noop['wall_seconds']:.2f}, flow body {noop['flow_body_seconds']:.2f}, after it "
                  f"{noop['after_body_seconds']:.2f}, network {noop['network_seconds']:.3f}, Prefect "
                  f"{noop['prefect_overhead_seconds']:.2f}; runs {', '.join(f'{t:.2f}' for t in noop['runs'])}; "
                  f"first run in its process {noop['first_run_seconds']:.2f}), "
                  f"peak RSS {noop['peak_rss_mb']:,.0f} MB", flush=True)  # fmt: skip
            print(
                "      task bodies: "
                + ", ".join(f"{k} {v:.3f}" for k, v in noop["task_body_seconds"].items())
            )
            shutil.rmtree(folder)  # 1M articles take ~8 GB
    if dedup:
        deduplicated = _phase("dedup", "--sizes", ",".join(map(str, sizes)), "--repeat", str(repeat))
        deduplicated["dedup_peak_rss_mb"] = deduplicated.pop("peak_rss_mb")  # its own figure reads ru_maxrss
        figures.update(deduplicated)
    if len(sizes) > 1:
        lo, hi = label(sizes[0]), label(sizes[-1])
        for key in ("load_seconds", "noop_run_seconds", "load_peak_rss_mb", "noop_peak_rss_mb"):
            figures[f"{key}_growth_{lo}_to_{hi}"] = figures[f"{key}_{hi}"] / figures[f"{key}_{lo}"]
    return figures


def run_phase(args: argparse.Namespace) -> dict[str, Any]:
    """One phase in this (fresh) process; its figures include this process's peak RSS."""
    from warehouse import db

    if args.phase == "build":
        primary = db.primary_path(Path(args.path))
        out = build_warehouse(
            primary, args.size, templates(), "http://127.0.0.1:1/feed.xml", args.size, args.history
        )
        out["band_index_seconds"] = build_band_index(primary)  # as the first load after an upgrade would
        os.sync()  # untimed: the next phase's commits must not queue behind this one's gigabytes
    elif args.phase == "load":
        primary, tmpl = db.primary_path(Path(args.path)), templates()
        out = load_benchmark(primary, tmpl, args.repeat, history=args.history)
        # batched differently: the same rows as one batch (a backfill's or reparse's loader could do
        # this): each scan of the history is done once for all of them
        whole = load_benchmark(primary, tmpl, args.repeat, LOAD_ROWS, args.history)
        out.update({f"one_batch_{k}": v for k, v in whole.items() if k != "runs"})
        out["arrow_rows_per_s"] = arrow_ceiling(primary, tmpl, args.repeat)
    elif args.phase == "noop":
        from bench.__main__ import quiet_logs

        quiet_logs()
        out = noop_benchmark(Path(args.path), args.repeat)
    elif args.phase in ("lake", "ceiling"):
        out = scale_lake.run_phase(args.phase, db.primary_path(Path(args.path)), Path(args.lake), args.repeat)
    elif args.phase == "dedup":
        from bench import dedup as dedup_bench

        out = dedup_bench.scale([int(s) for s in args.sizes.split(",")], 1000, args.repeat)
    else:
        raise SystemExit(f"unknown phase {args.phase!r}")
    return {**out, "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> None:
    """Run the scale benchmark with a temporary Prefect server (or one phase) and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-dedup", action="store_true")
    parser.add_argument(
        "--history", choices=(*scale_history.PROFILES, "both"), default="distinct",
        help="synthetic sketch history: distinct texts with 5%% near-copies, h16-load's copies of ~280 texts,"
        " or both, one after the other, printed side by side",
    )  # fmt: skip
    parser.add_argument(
        "--backend", choices=("file", "lake"), default="file",
        help="the single DuckDB file, or a DuckLake (DuckDB-file catalog, Parquet data) filled from it",
    )  # fmt: skip
    parser.add_argument(
        "--phase", choices=("build", "lake", "ceiling", "load", "noop", "dedup"), help=argparse.SUPPRESS
    )
    parser.add_argument("--lake", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        args.out.write_text(json.dumps(run_phase(args), default=str), encoding="utf-8")
        return
    from bench.__main__ import prefect_server, quiet_logs

    quiet_logs()
    sizes = [int(s) for s in args.sizes.split(",")]
    profiles = scale_history.PROFILES[::-1] if args.history == "both" else (args.history,)
    runs: dict[str, dict[str, Any]] = {}
    with prefect_server():
        for history in profiles:
            print(f"history: {history}", flush=True)
            runs[history] = scale_benchmark(
                sizes, args.repeat, not args.no_dedup and history == profiles[-1], history, args.backend
            )
    if len(runs) == 1:
        for key, value in runs[profiles[0]].items():
            print(f"{key}: {value}")
        return
    print(f"{'figure':<48}" + "".join(f"{h:>22}" for h in profiles))
    for key in runs[profiles[-1]]:
        cells = [runs[h].get(key, "") for h in profiles]
        if any(isinstance(c, dict) for c in cells):  # stories and task bodies: one line per history
            print("\n".join(f"{key} ({h}): {c}" for h, c in zip(profiles, cells, strict=True)))
            continue
        print(f"{key:<48}" + "".join(f"{c:>22,.2f}" if isinstance(c, float) else f"{c!s:>22}" for c in cells))


if __name__ == "__main__":
    main()
