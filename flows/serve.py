"""`python -m flows.serve` (`make serve`): a local Prefect server and tradewire's deployments, served.

If `PREFECT_API_URL` answers, the deployments are served against it; otherwise a Prefect server
(UI and API) is started on 127.0.0.1 as a child process, with its database in `data/prefect/`, and
stopped again on Ctrl-C. Deployments: `ingest/ingest-default` and `ingest/ingest-live` every 10
minutes, each run taking the sources whose adaptive interval has passed (`flows.schedule`);
`watch/watch` every 2 minutes, polling the watched sources of the live profile and triggering
`ingest/ingest-live` for one that lists news (`flows.watch`); `reparse/reparse` on demand,
`digest/digest-daily` at 08:00 Beijing time. Ingest and reparse allow one run at a time per deployment
(a second one waits, shown as AwaitingConcurrencySlot); a watch run still going when the next is due
cancels the newer; the warehouse write lock serialises runs of different deployments.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from prefect import Flow
    from prefect.deployments.runner import RunnerDeployment

HOST = "127.0.0.1"
DEFAULT_PORT = 4200
DEFAULT_HOME = Path("data") / "prefect"
TIMEZONE = "Asia/Shanghai"
EVERY_10_MINUTES = "*/10 * * * *"  # the floor of the adaptive intervals (Media Cloud's too)
EVERY_2_MINUTES = "*/2 * * * *"
DEPLOYMENT_NAMES = ("ingest-default", "ingest-live", "watch", "reparse", "digest-daily")


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether a Prefect API answers its health check at `api_url`."""
    try:  # urllib, not httpx: the network client of tradewire is parsers.fetch alone
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as reply:
            return bool(reply.status == 200)
    except (OSError, ValueError):  # URLError and HTTPError are OSErrors
        return False


def wait_healthy(api_url: str, timeout: float = 90.0, process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until the API answers, failing early if the server process exits."""
    deadline = time.monotonic() + timeout
    while not healthy(api_url):
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with code {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Prefect server at {api_url} did not answer within {timeout:.0f} s")
        time.sleep(0.5)


def server_env(port: int, home: Path) -> dict[str, str]:
    """The environment for a Prefect server on 127.0.0.1:`port` keeping its database under `home`."""
    env = {**os.environ, "PREFECT_HOME": str(home.resolve()), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env["PREFECT_UI_API_URL"] = f"http://{HOST}:{port}/api"  # else the UI calls port 4200
    env.pop("PREFECT_API_URL", None)
    return env


def start_server(port: int, home: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start `prefect server start` on 127.0.0.1:`port` in its own session, logging to `log`."""
    home.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(port)]
    with open(log, "ab") as out:
        return subprocess.Popen(
            command, env=server_env(port, home), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """Stop a process started by `start_server` (its whole session), killing it if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def deployments(
    names: Sequence[str] = DEPLOYMENT_NAMES,
    parameters: dict[str, Any] | None = None,
    watch_seconds: float | None = None,
) -> list[RunnerDeployment]:
    """The named deployments, built from the flows; `parameters` (e.g. db_path, sources) go to every
    flow that takes them; `watch_seconds` replaces the watch's 2-minute schedule by an interval."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron, Interval

    from flows.alerts import digest
    from flows.ingest import ingest
    from flows.reparse import reparse
    from flows.watch import watch

    one_at_a_time = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)
    skip_if_busy = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    watch_every = {
        "profile": "live",
        "ingest_deployment": "ingest/ingest-live",
        "every_minutes": (watch_seconds or 120) / 60,
    }
    specs: dict[str, tuple[Flow[..., Any], str, dict[str, Any], str | None, ConcurrencyLimitConfig | None]] = {
        # name: (flow, description, parameters, cron in Beijing time, concurrency)
        "ingest-default": (ingest, "The offline default registry (seed press texts): the sources that are due.",
                           {"profile": "default"}, EVERY_10_MINUTES, one_at_a_time),
        "ingest-live": (ingest, "The enabled real publishers of the live profile that are due (needs internet).",
                        {"profile": "live"}, EVERY_10_MINUTES, one_at_a_time),
        "watch": (watch, "Polls the index pages of the live profile's watched sources; ingests one that lists news.",
                  watch_every, EVERY_2_MINUTES, skip_if_busy),
        "reparse": (reparse, "Rebuild every article from the raw archive (after a parser change).", {}, None,
                    one_at_a_time),
        "digest-daily": (digest, "One message a day with the alerts waiting (TRADEWIRE_ALERT_MODE=digest).",
                         {}, "0 8 * * *", None),
    }  # fmt: skip
    unknown = sorted(set(names) - set(specs))
    if unknown:
        raise ValueError(f"unknown deployment(s): {', '.join(unknown)}; known: {', '.join(DEPLOYMENT_NAMES)}")
    built = []
    for name in names:
        flow, description, defaults, cron, limit = specs[name]
        given = {k: v for k, v in (parameters or {}).items() if k in flow.parameters.properties}
        # a scheduled ingest takes the sources that are due; a run started by hand takes them all
        when: dict[str, Any] = {"due_only": True} if flow is ingest else {}
        schedule = Cron(cron, timezone=TIMEZONE, parameters=when or None) if cron else None
        if name == "watch" and watch_seconds is not None:  # 0: on demand only (tests)
            schedule = Interval(watch_seconds) if watch_seconds > 0 else None
        deployment = flow.to_deployment(
            name,
            description=description,
            parameters={**defaults, **given},
            schedules=[schedule] if schedule else [],
            concurrency_limit=limit,
            tags=["tradewire"],
        )
        built.append(cast("RunnerDeployment", deployment))  # sync call: a deployment, not a coroutine
    return built


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM ends serving the way Ctrl-C does


def describe(served: Sequence[RunnerDeployment], ui_url: str) -> str:
    """What is served, when it runs, and where to watch it."""
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    lines = ["Serving (Ctrl-C stops):"]
    for d in served:
        crons = [s.schedule for s in d.schedules or [] if isinstance(s.schedule, CronSchedule)]
        every = [s.schedule for s in d.schedules or [] if isinstance(s.schedule, IntervalSchedule)]
        when = ", ".join([f"cron {c.cron} {c.timezone}" for c in crons] +
                         [f"every {i.interval.total_seconds():g} s" for i in every])  # fmt: skip
        lines.append(f"  {f'{d.flow_name}/{d.name}':<24} {when or 'on demand'}")
    lines += [
        f"Prefect UI: {ui_url}",
        f"Run one now: prefect deployment run {served[0].flow_name}/{served[0].name}",
    ]
    return "\n".join(lines)


def serve(served: Sequence[RunnerDeployment]) -> None:
    """Serve the deployments with Prefect's runner until Ctrl-C or SIGTERM."""
    from prefect.runner import Runner

    runner = Runner(name="tradewire", pause_on_shutdown=True)
    for deployment in served:
        runner.add_deployment(deployment)
    setattr(runner, "handle_sigterm", _terminate)  # noqa: B010 (Prefect's own handler calls sys.exit mid-loop)
    asyncio.run(runner.start())


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the deployments, starting a local Prefect server first when none answers."""
    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port of the server to start (4200)")
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="PREFECT_HOME of that server")
    parser.add_argument("--only", action="append", choices=DEPLOYMENT_NAMES, help="serve only these")
    parser.add_argument("--db", help="warehouse file for every deployment (default: TRADEWIRE_DB or data/)")
    parser.add_argument("--sources", help="registry file for every deployment (default: seeds/sources.toml)")
    parser.add_argument(
        "--watch-seconds", type=float, help="poll watched sources this often (default 120; 0: on demand)"
    )
    args = parser.parse_args(argv)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    configured = os.environ.get("PREFECT_API_URL")
    api_url = configured or f"http://{HOST}:{args.port}/api"
    server = None
    if not healthy(api_url):
        if configured:
            print(
                f"PREFECT_API_URL={api_url} does not answer; unset it to start a local server.",
                file=sys.stderr,
            )
            return 1
        print(f"Starting a Prefect server on {HOST}:{args.port} (database and log in {args.home}/) ...")
        server = start_server(args.port, args.home, args.home / "server.log")
        os.environ["PREFECT_HOME"] = str(args.home.resolve())
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if server is not None:
            wait_healthy(api_url, process=server)
        os.environ["PREFECT_API_URL"] = api_url
        given = {k: v for k, v in {"db_path": args.db, "sources": args.sources}.items() if v}
        served = deployments(args.only or DEPLOYMENT_NAMES, given, args.watch_seconds)
        print(describe(served, api_url.removesuffix("/api")), flush=True)
        serve(served)
    except KeyboardInterrupt:
        print("Stopped serving.", flush=True)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            print("Stopping the Prefect server ...", flush=True)
            stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
