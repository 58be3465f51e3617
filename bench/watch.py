"""Minutes from a customs notice's publication to its alert, and what a quiet site pays for the watch.

A loopback press site (`bench.press_site`) lists real customs notices; a real Prefect server runs;
`python -m flows.serve --only watch --only ingest-live` serves the watch (every `--watch-seconds`,
default 120) and the ingest deployment against a registry with the site as a watched source
(politeness as on the government sites: one request every 10 s). After a warm-up (the first notice
alerted), the site is left alone for `--quiet-minutes` and every request it receives is counted;
then `--publications` new notices are published, each at a random moment (uniform over one watch
interval after the previous alert arrived), and the time until the webhook receives its alert is
recorded. Writes `alert_latency_p95_seconds` and the quiet figures into bench/results.json.

    python -m bench.watch [--watch-seconds 120] [--publications 10] [--quiet-minutes 10]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.press_site import PressSite, Webhook, notice_texts, registry_toml
from flows import serve
from warehouse.db import primary_path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_alert(hook: Webhook, needle: str, timeout: float) -> float | None:
    """When the alert naming `needle` arrived; None if none came within `timeout` (a miss, counted)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        arrived = hook.first_mention(needle)
        if arrived:
            return arrived
        time.sleep(0.2)
    return None


def check_notices(texts: list[str]) -> None:
    """Refuse notices that could not alert: each must yield a customs measure no earlier one repeats."""
    from datetime import UTC, datetime

    from flows.alerts import decide
    from parsers.classify.measures import is_customs_measure
    from parsers.classify.topics import load_rules
    from parsers.extract.documents import parse_document
    from parsers.model import Document, Source
    from parsers.pipeline import prepare
    from warehouse.alerts import Candidate

    source = Source(
        "check", "check", "listing", "http://127.0.0.1/", issuer="General Administration of Customs"
    )
    rules, alerted = load_rules(None), []
    for i, text in enumerate(texts):
        doc = Document(
            "check", f"http://127.0.0.1/{i}.txt", text.encode(), datetime.now(UTC), "text/plain", "utf-8"
        )
        batch = prepare(source, [parse_document(source, doc)], rules)
        found = [Candidate(m.article_id, m.ordinal, m.text, m.issuing_body, m.announcement_no, None, doc.url, None,
                           None) for m in batch.measures if is_customs_measure(m)]  # fmt: skip
        fresh = [a for a in decide(found, alerted, "pending") if a.status != "duplicate"]
        if not fresh:
            raise ValueError(
                f"notice #{i} would not alert: no customs measure, or only repeats of earlier ones"
            )
        alerted += [(a.alert_id, a.n_shingles, a.sig) for a in fresh]


def p95(values: list[float]) -> float:
    """The 95th percentile (linear interpolation between the closest ranks)."""
    ordered = sorted(values)
    rank = 0.95 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _breakdown(db: Path) -> list[tuple[Any, ...]]:
    """Per delivered alert: its URL, listed_via and the seconds listed -> fetched -> delivered."""
    with duckdb.connect(str(primary_path(db)), read_only=True) as con:
        return con.execute(
            "SELECT url, listed_via, epoch(fetched_at) - epoch(listed_at), epoch(delivered_at) - epoch(fetched_at)"
            " FROM alerts WHERE status = 'delivered' ORDER BY delivered_at"
        ).fetchall()


def run(watch_seconds: float, publications: int, quiet_minutes: float, seed: int = 17) -> dict[str, Any]:
    """Run the benchmark; returns its figures."""
    rng = random.Random(seed)
    texts = notice_texts()
    if publications + 1 > len(texts):
        raise ValueError(f"at most {len(texts) - 1} publications: {len(texts)} real notices")
    check_notices(texts[: publications + 1])
    tmp = Path(tempfile.mkdtemp(prefix="tw-watch-bench-"))
    with PressSite() as site, Webhook() as hook:
        registry = tmp / "sources.toml"
        registry.write_text(registry_toml(site.url), encoding="utf-8")
        first = site.site.publish(texts[0])
        port = _free_port()
        api, db = f"http://127.0.0.1:{port}/api", tmp / "tw.duckdb"
        server = serve.start_server(port, tmp / "prefect", tmp / "server.log")
        env = {
            **serve.server_env(port, tmp / "prefect"),
            "PREFECT_API_URL": api,
            "TRADEWIRE_ALERT_URLS": hook.url,
        }
        served = None
        try:
            serve.wait_healthy(api, process=server)
            command = [sys.executable, "-m", "flows.serve", "--only", "watch", "--only", "ingest-live",
                       "--sources", str(registry), "--db", str(db), "--watch-seconds", f"{watch_seconds:g}"]  # fmt: skip
            with open(tmp / "serve.log", "wb") as out:
                served = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)  # fmt: skip
            print(f"  warm-up: first notice published, watch every {watch_seconds:g} s", flush=True)
            if _wait_alert(hook, first.path, watch_seconds + 600) is None:
                raise RuntimeError(f"the first notice was not alerted; see {tmp / 'serve.log'}")
            time.sleep(watch_seconds / 2)
            quiet_from = time.time()
            print(f"  quiet: nothing published for {quiet_minutes:g} min", flush=True)
            time.sleep(quiet_minutes * 60)
            quiet_until = time.time()
            quiet = [r for r in site.site.requests if quiet_from <= r[0] < quiet_until]
            latencies, missed = [], 0
            for i in range(1, publications + 1):
                time.sleep(rng.uniform(0, watch_seconds))  # a random moment within the watch's cycle
                notice = site.site.publish(texts[i])
                arrived = _wait_alert(hook, notice.path, watch_seconds + 600)
                if arrived is None:
                    missed += 1
                    print(f"  publication {i}: no alert within {watch_seconds + 600:.0f} s", flush=True)
                    continue
                latencies.append(arrived - notice.published.timestamp())
                print(f"  publication {i}: alert after {latencies[-1]:.0f} s", flush=True)
            time.sleep(2)
            breakdown = _breakdown(db)
        finally:
            for process in (served, server):
                if process is not None:
                    serve.stop(process)
    polls_expected = quiet_minutes * 60 / watch_seconds
    index = [r for r in quiet if r[1] == "/notices/"]
    processing = [b[2] + b[3] for b in breakdown[1:] if b[2] is not None and b[3] is not None]
    return {
        "watch_interval_seconds": watch_seconds,
        "alert_publications": publications,
        "alert_missed": missed,  # publications whose alert did not come within the interval + 10 min
        "alert_latency_seconds": [round(v, 1) for v in latencies],
        "alert_latency_median_seconds": round(statistics.median(latencies), 1) if latencies else None,
        "alert_latency_p95_seconds": round(p95(latencies), 1)
        if latencies and not missed
        else None,  # a miss: none
        "alert_latency_max_seconds": round(max(latencies), 1) if latencies else None,
        "alert_processing_p95_seconds": round(p95(processing), 1) if processing else None,
        "alert_latency_bound_seconds": round(watch_seconds + (p95(processing) if processing else 0), 1),
        "watch_quiet_minutes": quiet_minutes,
        "watch_quiet_requests": len(quiet),
        "watch_quiet_requests_per_hour": round(len(quiet) * 3600 / (quiet_until - quiet_from), 1),
        "watch_quiet_requests_per_poll": round(len(quiet) / polls_expected, 2),
        "watch_quiet_conditional_share": round(sum(1 for r in index if r[3]) / len(index), 3)
        if index
        else None,
        "watch_quiet_not_modified": sum(1 for r in index if r[2] == 304),
        "watch_quiet_article_requests": sum(1 for r in quiet if r[1].endswith(".txt")),
        "watch_quiet_robots_requests": sum(1 for r in quiet if r[1] == "/robots.txt"),
        "watch_prefect_runner_poll_seconds": float(os.environ.get("PREFECT_RUNNER_POLL_FREQUENCY", 10)),
    }


def merge(figures: dict[str, Any], path: Path = RESULTS) -> None:
    """Write the figures into results.json, keeping the other benchmarks' figures."""
    current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    current.update(figures)
    path.write_text(json.dumps(current, indent=2, default=str) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Run the watch benchmark and merge its figures into bench/results.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.watch", description=__doc__.splitlines()[0])
    parser.add_argument("--watch-seconds", type=float, default=120.0)
    parser.add_argument("--publications", type=int, default=10)
    parser.add_argument("--quiet-minutes", type=float, default=10.0)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    figures = run(args.watch_seconds, args.publications, args.quiet_minutes)
    for key, value in figures.items():
        print(f"  {key:<40} {value}")
    merge(figures, args.json)
    print(f"written to {args.json}")


if __name__ == "__main__":
    main()
