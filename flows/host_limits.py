"""Per-host politeness shared across processes and machines: one Prefect rate limit per host.

With `TRADEWIRE_HOST_LIMITS=prefect`, every request start to a host also takes a slot of the global
concurrency limit `tradewire-host-<host>` (limit 1, one slot decaying per `min_interval` seconds) on
the Prefect server the run reports to. Two workers on two machines crawling one host then keep its
interval between them, as the sources of one run already do through their shared Fetcher. The limits
are created on first use and show in the UI (Concurrency). Off by default: it costs one API call per
request, which a single process does not need.
"""

from __future__ import annotations

import asyncio
import os

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.concurrency.asyncio import rate_limit
from prefect.exceptions import ObjectAlreadyExists

from parsers.fetch.politeness import SharedGate

ENV = "TRADEWIRE_HOST_LIMITS"
PREFIX = "tradewire-host-"


class PrefectHostLimits:
    """A `SharedGate` over Prefect's global concurrency limits with slot decay (rate limits)."""

    def __init__(self) -> None:
        self._ready: dict[str, float] = {}  # limit name -> the interval it was set up for
        self._lock = asyncio.Lock()

    async def __call__(self, host: str, interval: float) -> None:
        """Return when `host` may get its next request from any process (at most one per interval)."""
        name = limit_name(host)
        if self._ready.get(name) != interval:
            async with self._lock:
                if self._ready.get(name) != interval:
                    await _ensure(name, interval)
                    self._ready[name] = interval
        await rate_limit(name, occupy=1, strict=True)


def limit_name(host: str) -> str:
    """The Prefect limit of `host` (names allow letters, digits, '-', '_' and '.')."""
    return PREFIX + "".join(c if c.isalnum() or c in "-_." else "_" for c in host.lower())


async def _ensure(name: str, interval: float) -> None:
    decay = 1.0 / interval
    async with get_client() as client:
        try:
            await client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=name, limit=1, slot_decay_per_second=decay, active=True)
            )
        except ObjectAlreadyExists:
            found = await client.read_global_concurrency_limit_by_name(name)
            if found.slot_decay_per_second != decay or found.limit != 1 or not found.active:
                # the slowest interval asked for wins, as within one run
                decay = min(decay, found.slot_decay_per_second or decay)
                await client.update_global_concurrency_limit(
                    name, GlobalConcurrencyLimitUpdate(limit=1, slot_decay_per_second=decay, active=True)
                )


def from_env() -> SharedGate | None:
    """The shared gate chosen by `TRADEWIRE_HOST_LIMITS` (`prefect`, or unset/`local` for none)."""
    choice = os.environ.get(ENV, "local").strip().lower()
    if choice in ("", "local"):
        return None
    if choice != "prefect":
        raise ValueError(f"{ENV}={choice!r}: expected 'prefect' or 'local'")
    return PrefectHostLimits()
