"""Per-host politeness for `parsers.fetch.client`: spacing of request starts, a concurrency cap, the down flag.

One `HostGate` per host name and run. `slot()` waits for a free connection slot, then until
`interval` seconds have passed since the previous request start to that host; `defer()` pushes the
next start further away (Retry-After, backoff), for every request to the host, not only the retry.
A `SharedGate` (given by the flows, e.g. Prefect's global rate limits) extends the spacing to every
process that crawls the host: each start also waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
SharedGate = Callable[[str, float], Awaitable[None]]  # (host, interval): returns when a start is allowed


class HostGate:
    """Politeness state of one host for one run."""

    def __init__(
        self,
        interval: float,
        max_concurrency: int,
        sleep: Sleep,
        clock: Clock,
        name: str = "",
        shared: SharedGate | None = None,
    ) -> None:
        self.interval, self.name, self._shared = interval, name, shared
        self.down: str | None = None
        self.failures = 0
        self._slots = asyncio.Semaphore(max(1, max_concurrency))
        self._lock = asyncio.Lock()
        self._next_start = 0.0
        self._sleep, self._clock = sleep, clock

    def raise_interval(self, seconds: float) -> None:
        """Space requests at least `seconds` apart from now on (a source's interval, Crawl-delay)."""
        self.interval = max(self.interval, seconds)

    def sent(self) -> None:
        """A request's headers are going out now: the next start waits a full interval from here.

        A start is counted when the slot is entered; a loaded machine may hold the request back
        after that (seen: 0.3 s), and the host would then get two requests closer than its interval.
        """
        self._next_start = max(self._next_start, self._clock() + self.interval)

    def defer(self, seconds: float) -> None:
        """No request to this host may start within `seconds` from now."""
        self._next_start = max(self._next_start, self._clock() + seconds)

    def succeeded(self) -> None:
        """A response came back: the run of connection failures is over."""
        self.failures = 0

    def failed(self, reason: str, down_after: int) -> None:
        """One more connection failure; after `down_after` in a row the host is down for the run."""
        self.failures += 1
        if self.failures >= down_after:
            self.down = f"{self.failures} consecutive connection failures this run (last: {reason})"

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a connection slot, entered no sooner than `interval` after the previous start."""
        async with self._slots:
            async with self._lock:  # FIFO: waiters start in arrival order, one interval apart
                while (delay := self._next_start - self._clock()) > 0:
                    await self._sleep(delay)  # in a loop: an event loop may wake a timer a little early
                if self._shared is not None and self.interval > 0:
                    await self._shared(self.name, self.interval)  # other processes' starts count too
                self._next_start = self._clock() + self.interval
            yield
