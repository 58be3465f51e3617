"""Overlapping runs and alerts: two real `tradewire ingest` processes on one warehouse, one slow receiver.

Each trial copies the five seed press releases (six new customs measures) into a fresh folder and
warehouse, starts two `tradewire ingest` processes at once (each with its own temporary Prefect
server), and points both at one webhook receiver on 127.0.0.1 that answers every POST after
`--delay` seconds (Apprise `json://`). It counts the deliveries per alert: wanted, every alert
exactly once in every trial.

    .venv/bin/python -m bench.alert_trials [--trials 20] [--delay 3] [--own-servers]

By default both runs report to one temporary Prefect server this script starts (as two workers of
one deployment would); with `--own-servers` each run starts its own, as two `tradewire ingest`
commands without PREFECT_API_URL do (slower: two servers start per trial).

tests/test_alert_claims.py runs a few trials with the same code.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds" / "press"
TRADEWIRE = Path(sys.executable).parent / "tradewire"
ALERTS_IN_SEEDS = 6  # customs measures in the five seed texts


@dataclass
class Arrival:
    """One POST the receiver got: which alert, when, and whether it was answered."""

    key: str
    at: float
    answered: bool = False


@dataclass
class SlowReceiver:
    """A webhook receiver on 127.0.0.1 answering each POST after `delay` seconds (threaded)."""

    delay: float = 3.0
    path: str = "/hook"
    arrivals: list[Arrival] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrival = Arrival(alert_key(json.loads(body or b"{}")), time.monotonic())
                receiver.arrivals.append(arrival)
                receiver.arrived.set()
                time.sleep(receiver.delay)
                try:
                    self.send_response(200 if self.path == receiver.path else 404)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                    arrival.answered = True
                except OSError:  # the sender is gone (killed while waiting)
                    pass

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """The Apprise URL of this receiver."""
        return f"json://127.0.0.1:{self.server.server_address[1]}{self.path}"

    def counts(self) -> Counter[str]:
        """Deliveries per alert (every POST that arrived, answered or not)."""
        return Counter(a.key for a in self.arrivals)

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def alert_key(payload: dict[str, object]) -> str:
    """An alert's identity in a message: the first line of its measure text."""
    return str(payload.get("message", "")).split("\n", 1)[0][:60]


def make_press(folder: Path) -> Path:
    """A registry over a copy of the seed press releases in `folder`; returns the registry path."""
    shutil.copytree(SEEDS, folder / "press")
    registry = folder / "sources.toml"
    registry.write_text(
        '[[source]]\nid = "seed-press"\nname = "Seeds"\nkind = "files"\nurl = "press"\n', encoding="utf-8"
    )
    return registry


def start_tradewire(args: list[str], home: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """A `tradewire ...` process with its own Prefect home and, unless `env` names a Prefect API,
    its own temporary Prefect server."""
    full = {
        **{k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",  # two servers start at once on 2 cores
        **env,
    }
    return subprocess.Popen(
        [str(TRADEWIRE), *args],
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: a kill takes its Prefect server too
    )


def start_ingest(registry: Path, db: Path, home: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`tradewire ingest` of `registry` into `db`."""
    return start_tradewire(["ingest", "--sources", str(registry), "--db", str(db)], home, env)


@dataclass
class TrialResult:
    """Deliveries per alert in one trial, the runs' exit codes and outputs."""

    counts: Counter[str]
    returncodes: list[int]
    outputs: list[str]

    @property
    def overlapped(self) -> bool:
        """Whether one run reached its alert step while the other was sending (the case that broke)."""
        return any("being sent by another run" in out for out in self.outputs)

    @property
    def exactly_once(self) -> bool:
        """Every seed alert delivered exactly once, and both runs succeeded."""
        return (
            len(self.counts) == ALERTS_IN_SEEDS
            and set(self.counts.values()) == {1}
            and self.returncodes == [0, 0]
        )


def overlapping_trial(folder: Path, delay: float = 3.0, api: str | None = None) -> TrialResult:
    """Two `tradewire ingest` runs started together on one fresh warehouse, one slow receiver.

    With `api`, both report to that Prefect server; else each starts a temporary one.
    """
    receiver = SlowReceiver(delay)
    try:
        registry = make_press(folder)
        env = {"TRADEWIRE_ALERT_URLS": receiver.url, **({"PREFECT_API_URL": api} if api else {})}
        runs = [start_ingest(registry, folder / "tw.duckdb", folder / f"prefect{i}", env) for i in range(2)]
        outputs = [run.communicate(timeout=600)[0] for run in runs]
        return TrialResult(receiver.counts(), [run.returncode for run in runs], outputs)
    finally:
        receiver.close()


def main() -> None:
    """Run the trials and print the deliveries per alert of each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--delay", type=float, default=3.0, help="seconds the receiver takes to answer")
    parser.add_argument("--own-servers", action="store_true", help="each run starts its own Prefect server")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        api = None
        if not args.own_servers:
            from prefect.settings import PREFECT_API_URL

            from bench.__main__ import prefect_server

            stack.enter_context(prefect_server())
            api = str(PREFECT_API_URL.value())
        trials(args.trials, args.delay, api)


def trials(count: int, delay: float, api: str | None) -> None:
    """Run `count` trials and print each one's deliveries per alert, then the tally."""
    import tempfile

    good = overlapped = 0
    started = time.monotonic()
    for n in range(1, count + 1):
        with tempfile.TemporaryDirectory(prefix="tw-alert-trial-") as tmp:
            result = overlapping_trial(Path(tmp), delay, api)
        good += result.exactly_once
        overlapped += result.overlapped
        per_alert = " ".join(str(c) for _, c in sorted(result.counts.items()))
        print(
            f"trial {n:2d}: {sum(result.counts.values()):2d} deliveries for {len(result.counts)} alerts"
            f" (per alert: {per_alert or '-'}), exit codes {result.returncodes}"
            f"{', overlapping' if result.overlapped else ''}"
            f" -> {'exactly once' if result.exactly_once else 'NOT exactly once'}",
            flush=True,
        )
        if result.returncodes != [0, 0]:
            print("\n".join(result.outputs)[-3000:], flush=True)
    print(
        f"{good} of {count} trials delivered every alert exactly once; in {overlapped} the second run"
        f" found the alerts claimed by the first (receiver answering in {delay:g} s;"
        f" {time.monotonic() - started:.0f} s in all)"
    )


if __name__ == "__main__":
    main()
