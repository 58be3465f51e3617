"""`make bench` (`python -m bench`): every benchmark, each figure printed with its target, all of them
written to bench/results.json.

0. official documents: metadata per field on govcn and other real official documents (bench.official);
1. topics: quality on the real-page set (test split vs dev split vs the rules before issue 15), the govcn
   documents, classification speed (bench.topics);
2. extract: pages/s per core (CPU time, interleaved rounds) and F1 of plain trafilatura (default and
   without comments) and of tradewire, on the aeb pages and on a same-host set (bench.extract);
3. pipeline: end-to-end pages/s through the flow's stages vs plain trafilatura (bench.pipeline);
4. with a temporary Prefect server: the real flow over a local site (Prefect overhead share), then
   the synthetic 100k / 1M warehouses: load, no-op run, dedup, peak RSS (bench.scale), then a
   hostile site: peak RSS of a run fetching a doubly gzipped bomb, time to stop the deep-nesting
   page at its parse budget (bench.budgets), then warehouse opens and Prefect overhead of a 181-page run
   before (commit 5f11830, the last before the redesign) and after the redesign, and four sources on four hosts vs one (bench.spine),
   then reparse in 1, 2 and all local processes and on a Dask LocalCluster of 2 workers (bench.spread).
5. events: event-level stories on the real event set (dev / test P, R beside the copy level) and
   placing 1,000 articles against 100k / 1M event histories (bench.events, its own process).
6. with `--watch` (about 40 minutes more: ten publications on a 2-minute watch): minutes from a customs
   notice's publication to its alert, and the requests a quiet site receives (bench.watch). Without
   it, the watch figures of the last `--watch` run are kept in results.json.

About 8-12 minutes on the 2-core machine; timings move with other work on the machine, so the load
average and CPU pressure at start and end are recorded with the figures.

    python -m bench [--quick] [--json bench/results.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"
# (key, target, passes(value) or None, format)
TARGETS: tuple[tuple[str, str, Any, str], ...] = (
    ("topics_test_macro_f1", ">= 0.92", lambda v: v >= 0.92, "{:.3f}"),
    ("topics_test_min_precision", ">= 0.9", lambda v: v >= 0.9, "{:.3f}"),
    ("topics_classify_cpu_seconds_per_1000", "<= 1 s", lambda v: v <= 1.0, "{:.3f} s"),
    ("extract_aeb_vs_default", ">= 1.5x", lambda v: v >= 1.5, "{:.2f}x"),
    ("extract_aeb_f1", ">= 0.969", lambda v: v >= 0.969, "{:.4f}"),
    ("extract_same_host_vs_default", ">= 1.5x", lambda v: v >= 1.5, "{:.2f}x"),
    ("extract_same_host_f1", ">= 0.960", lambda v: v >= 0.960, "{:.4f}"),
    ("official_govcn_min_of_four", ">= 18 of 19", lambda v: v >= 18, "{:d}"),
    ("end_to_end_vs_trafilatura", ">= 0.8", lambda v: v >= 0.8, "{:.2f}"),
    ("load_write_rows_per_s_100k", ">= 20k", lambda v: v >= 20_000, "{:,.0f}"),
    ("load_write_rows_per_s_1m", ">= 20k", lambda v: v >= 20_000, "{:,.0f}"),
    ("load_rows_per_s_1m", ">= 20k", lambda v: v >= 20_000, "{:,.0f}"),
    ("noop_run_seconds_1m", "<= 2 s", lambda v: v <= 2.0, "{:.2f} s"),
    ("spread_identical", "true", lambda v: v is True, "{}"),
    ("dedup_1k_growth_100k_to_1m", "< 3x", lambda v: v < 3.0, "{:.2f}x"),
    ("budget_bomb_peak_rss_mb", "< 600 MB", lambda v: v < 600, "{:.0f} MB"),
    ("budget_deep_page_seconds", "<= 25 s", lambda v: v <= 25.0, "{:.1f} s"),  # the 20 s budget + 5
    ("hosts_four_vs_one_ratio", "<= 1.6", lambda v: v <= 1.6, "{:.2f}x"),
    ("events_event_test_precision", ">= 0.95", lambda v: v >= 0.95, "{:.3f}"),
    ("events_event_test_recall", ">= 0.9", lambda v: v >= 0.9, "{:.3f}"),
    ("events_1k_growth_100k_to_1m", "< 3x", lambda v: v < 3.0, "{:.2f}x"),
    ("total_minutes", "<= 15", lambda v: v <= 15.0, "{:.1f} min"),
    ("alert_latency_p95_seconds", "<= 180 s", lambda v: v <= 180.0, "{:.0f} s"),  # 2-minute watch
    ("watch_quiet_requests_per_poll", "<= 1", lambda v: v <= 1.0, "{:.2f}"),
    ("watch_quiet_article_requests", "0", lambda v: v == 0, "{:d}"),
)
WATCH_KEYS = ("alert_", "watch_")  # the figures of bench.watch


@contextlib.contextmanager
def prefect_server() -> Iterator[None]:
    """A temporary Prefect server with its own database (nothing lands in the user's Prefect)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        quiet_logs()
        yield


def quiet_logs() -> None:
    """Console shows warnings of the benchmark only; flow and task logs still go to the Prefect API."""
    from prefect.logging.configuration import ensure_logging_setup

    ensure_logging_setup()
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)
    for name in ("trafilatura", "htmldate", "courlan", "justext", "readability", "parsers"):
        logging.getLogger(name).setLevel(logging.ERROR)  # pages without an article are expected here


def machine() -> dict[str, Any]:
    """Load average and CPU pressure now (other work on the machine moves every timing)."""
    info: dict[str, Any] = {"loadavg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
    with contextlib.suppress(OSError):
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        info["cpu_pressure_some"] = dict(kv.split("=") for kv in line.split()[1:4])
    return info


def report(figures: dict[str, Any]) -> list[str]:
    """Lines for the target figures: value, target, PASS / MISS."""
    lines = []
    for key, target, passes, fmt in TARGETS:
        value = figures.get(key)
        if value is None:
            lines.append(f"  {key:<34} {'n/a':>12}   target {target:<8} MISSING")
            continue
        lines.append(
            f"  {key:<34} {fmt.format(value):>12}   target {target:<8} {'PASS' if passes(value) else 'MISS'}"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    """Run every benchmark, print the figures, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the figures")
    parser.add_argument("--rounds", type=int, default=3, help="pipeline rounds (plain vs stages)")
    parser.add_argument("--repeat", type=int, default=3, help="repeats of each scale measurement")
    parser.add_argument("--sizes", default="100000,1000000", help="synthetic warehouse sizes")
    parser.add_argument("--quick", action="store_true", help="10k and 100k warehouses, 1 round, 1 repeat")
    parser.add_argument("--watch", action="store_true", help="also the watch's alert latency (~40 min more)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.repeat, args.sizes = 1, 1, "10000,100000"
    start = time.perf_counter()
    quiet_logs()
    from bench import budgets, flow_probe, pipeline, scale

    figures: dict[str, Any] = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine_at_start": machine(),
    }

    from bench import topics

    figures.update(topics.run(repeat=args.repeat))

    print("\n== official documents: title, number, issuer, dates per field (govcn, gov.cn dev/test, real pages dev/test)",
          flush=True)  # fmt: skip
    from bench import official

    figures.update(official.run())
    from bench import official_signals

    print(
        "\n== trade signals on official documents not about foreign trade (60 gov.cn documents)", flush=True
    )
    signals = official_signals.signals()
    official_signals.show(signals)
    found = signals["table"].get("no", {})
    figures["official_no_trade_customs_measure_docs"] = found.get("customs_measures", 0)
    figures["official_no_trade_customs_topic_docs"] = found.get("customs", 0)

    print("\n== extract: plain trafilatura and tradewire, side by side, per core", flush=True)
    from bench import extract

    figures.update(extract.run(rounds=args.rounds))

    print(f"\n== pipeline: flow stages vs plain trafilatura ({args.rounds} rounds)", flush=True)
    stages = pipeline.stages_benchmark(args.rounds)  # profiles the parse stage if below target
    figures.update({k: v for k, v in stages.items() if k != "profile"})
    print(f"  plain trafilatura {stages['plain_trafilatura_pages_per_s']:.1f} pages/s; stages "
          f"{stages['end_to_end_pages_per_s_workers']:.1f} pages/s with parsing in {stages['parse_workers']} "
          f"worker processes, {stages['end_to_end_pages_per_s_serial']:.1f} in this process only")  # fmt: skip
    print(f"  ratio {stages['end_to_end_vs_trafilatura']:.2f} (parse in this process only: "
          f"{stages['end_to_end_vs_trafilatura_serial']:.2f}); same warehouse either way: "
          f"{stages['parse_pool_identical']}")  # fmt: skip
    for mode in ("workers", "serial"):
        print(
            f"  stage seconds ({mode}): "
            + ", ".join(f"{k} {v:.2f}" for k, v in stages[f"stage_seconds_{mode}"].items())
        )
    if "profile" in stages:
        print("  below target: cProfile of the parse stage (in this process):")
        print("\n".join("    " + line for line in stages["profile"].splitlines()[:40]))

    with prefect_server():
        print("\n== the real ingest flow over a local site (181 pages), Prefect server up", flush=True)
        flows = flow_probe.flow_benchmark(2)
        figures["prefect_overhead_share"] = flows[0]["prefect_overhead_share"]
        figures["prefect_overhead_share_later_run"] = flows[1]["prefect_overhead_share"]
        figures["flow_runs"] = flows
        for label, flow in zip(("first run in the process", "second run"), flows, strict=True):
            print(f"  {label}: wall {flow['wall_seconds']:.2f} s ({flow['pages_per_s']:.1f} pages/s), HTTP "
                  f"{flow['network_seconds']:.2f} s, Prefect overhead {flow['prefect_overhead_seconds']:.2f} s = "
                  f"{flow['prefect_overhead_share']:.1%} (flow {flow['flow_overhead_seconds']:.2f} s, "
                  f"{flow['task_calls']} task calls {flow['task_overhead_seconds']:.2f} s)")  # fmt: skip
            print(
                "    task bodies: " + ", ".join(f"{k} {v:.2f}" for k, v in flow["task_body_seconds"].items())
            )
            print(
                "    Prefect per task call: "
                + ", ".join(f"{k} {v:.3f}" for k, v in flow["task_overhead_by_task"].items())
            )

        print(f"\n== scale: synthetic warehouses of {args.sizes} articles", flush=True)
        figures.update(scale.scale_benchmark([int(s) for s in args.sizes.split(",")], args.repeat))

        print("\n== budgets: a run fetching a doubly gzipped bomb and a deep-nesting page", flush=True)
        figures.update(budgets.budget_benchmark())

        print("\n== spine: warehouse opens and Prefect overhead before/after the redesign; hosts side by side",
              flush=True)  # fmt: skip
        from bench import spine

        figures.update(spine.spine_benchmark())

        print("\n== spread: reparse in local processes and on a Dask cluster", flush=True)
        from bench import spread

        reparsed = spread.spread_benchmark()
        figures["spread"] = reparsed
        figures["spread_identical"] = reparsed["identical"]
    print("\n== events: event-level stories on the real event set, beside the copy level; placing 1,000 "
          "articles against the synthetic histories", flush=True)  # fmt: skip
    from bench import events as events_bench

    figures.update(events_bench.in_subprocess([int(s) for s in args.sizes.split(",")], args.repeat))

    figures["total_minutes"] = (time.perf_counter() - start) / 60  # the 15-minute target: without --watch
    if args.watch:
        print("\n== watch: publication -> alert latency on a loopback press site, 2-minute watch", flush=True)
        from bench import watch

        figures.update(watch.run(watch_seconds=120.0, publications=10, quiet_minutes=10.0))
    elif args.json.exists():  # keep the last watch figures: that benchmark takes 40 minutes
        kept = json.loads(args.json.read_text(encoding="utf-8"))
        figures.update({k: v for k, v in kept.items() if k.startswith(WATCH_KEYS)})
    figures["machine_at_end"] = machine()
    lo, hi = (scale.label(int(s)) for s in args.sizes.split(",")[:: len(args.sizes.split(",")) - 1])
    print("\n== figures")
    for key in (f"load_rows_per_s_{lo}", f"load_rows_per_s_{hi}", f"load_write_rows_per_s_{lo}",
                f"load_write_rows_per_s_{hi}", f"load_story_placement_seconds_{lo}", f"load_story_placement_seconds_{hi}", f"load_seconds_growth_{lo}_to_{hi}",
                f"load_commit_and_checkpoint_seconds_{lo}", f"load_commit_and_checkpoint_seconds_{hi}",
                f"noop_run_seconds_{lo}", f"noop_run_seconds_{hi}", f"noop_run_seconds_growth_{lo}_to_{hi}",
                f"dedup_1000_seconds_at_{int(args.sizes.split(',')[0])}",
                f"dedup_1000_seconds_at_{int(args.sizes.split(',')[-1])}",
                f"load_peak_rss_mb_{lo}", f"load_peak_rss_mb_{hi}", f"load_peak_rss_mb_growth_{lo}_to_{hi}",
                f"noop_peak_rss_mb_{lo}", f"noop_peak_rss_mb_{hi}", f"noop_peak_rss_mb_growth_{lo}_to_{hi}",
                f"noop_first_run_seconds_{lo}", f"noop_first_run_seconds_{hi}",
                "dedup_peak_rss_mb", "prefect_overhead_share", "prefect_overhead_share_later_run",
                "spine_opens_before", "spine_opens_after", "spine_overhead_share_before",
                "spine_overhead_share_after", "hosts_four_vs_one_ratio",
                "budget_bomb_peak_rss_mb", "budget_worker_peak_rss_mb", "budget_deep_page_seconds",
                "events_event_dev_precision", "events_event_dev_recall", "events_copy_dev_precision",
                "events_copy_dev_recall", "events_event_test_precision", "events_event_test_recall",
                "events_copy_test_precision", "events_copy_test_recall",
                f"events_1000_seconds_at_{int(args.sizes.split(',')[0])}",
                f"events_1000_seconds_at_{int(args.sizes.split(',')[-1])}", "events_peak_rss_mb",
                "alert_latency_median_seconds", "alert_latency_p95_seconds", "alert_latency_max_seconds",
                "alert_processing_p95_seconds", "alert_latency_bound_seconds", "watch_quiet_requests_per_hour",
                "watch_quiet_requests_per_poll", "watch_quiet_article_requests"):  # fmt: skip
        if key in figures:
            value = figures[key]
            print(f"  {key:<40} {value:,.3f}" if isinstance(value, float) else f"  {key:<40} {value}")
    print("\n== targets")
    print("\n".join(report(figures)))
    print(f"  machine: load average {figures['machine_at_start']['loadavg']} at start, "
          f"{figures['machine_at_end']['loadavg']} at end ({os.cpu_count()} CPUs)")  # fmt: skip
    args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
