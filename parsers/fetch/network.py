"""One run's network: a single `Fetcher` on its own event-loop thread, shared by every source.

Sources of a run proceed side by side in threads; they all reach the web through this one Fetcher,
whose politeness state (request spacing, concurrency cap, robots.txt, Retry-After pauses, the down
flag) is per host name. Two sources on one host therefore share that host's budget, and the sum of
a run's sources costs each host no more than one source would.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from parsers.fetch.client import Fetcher
from parsers.registry import Registry

T = TypeVar("T")


class Network:
    """A Fetcher living on a background event loop; `call()` runs a coroutine there from any thread."""

    def __init__(self, fetcher: Fetcher, loop: asyncio.AbstractEventLoop) -> None:
        self.fetcher, self._loop = fetcher, loop

    @classmethod
    @contextmanager
    def running(cls, registry: Registry, **options: Any) -> Iterator[Network]:
        """Start the loop thread and the Fetcher (registry defaults, `options` win); stop both on exit."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="tradewire-network", daemon=True)
        thread.start()
        network = cls(Fetcher.from_registry(registry, **options), loop)
        try:
            network.call(network.fetcher.__aenter__())
            yield network
        finally:
            try:
                network.call(network.fetcher.__aexit__(None, None, None))
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join()
                loop.close()

    def call(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on the network's loop and wait for its result (its exception is raised here)."""
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()
