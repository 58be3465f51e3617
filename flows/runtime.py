"""Where flow runs report to: the Prefect API in `PREFECT_API_URL`, or a temporary local server.

Prefect starts a temporary server by itself when no API is configured, but stops it at interpreter
exit, after which its event and log workers fail to flush and print tracebacks on a good run. Here
the temporary server's life is explicit: started before the flow, workers drained, then stopped,
so a successful run ends with the summary and nothing else.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager


def _drain_workers() -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        for result in (APILogWorker.drain_all(), EventsWorker.drain_all()):
            if inspect.isawaitable(result):
                await result

    run_coro_as_sync(drain())


@contextmanager
def prefect_api() -> Iterator[str]:
    """Yield the API URL runs report to, starting (and then stopping) a temporary server if none is set."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    configured = PREFECT_API_URL.value()
    if configured:
        yield configured
        _drain_workers()
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the default instance Prefect's clients look up
    server.start()
    try:
        # The temporary server serves no UI: an empty UI URL keeps Prefect from logging dead "View at" links.
        with temporary_settings(updates={PREFECT_API_URL: server.api_url, PREFECT_UI_URL: ""}):
            yield server.api_url
            _drain_workers()
    finally:
        server.stop()
