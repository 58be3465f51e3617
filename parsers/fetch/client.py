"""Polite, guarded HTTP fetching: the `Fetcher` every request of tradewire goes through.

Per-host spacing of request starts (`min_interval`, raised
by robots.txt Crawl-delay) and a per-host concurrency cap; robots.txt (RFC 9309: 4xx allows all,
5xx disallows all); retries with exponential backoff on connection errors and 5xx; 429/503
Retry-After honoured up to a cap (pauses the whole host); a down-host cache; a body-size cap
(streamed and cut off, held by every Content-Encoding layer: `parsers.fetch.decoding`); redirects
followed by hand so every hop is checked (scheme, allowed hosts, every resolved address against the
SSRF guard, robots.txt); conditional GET confirmed by a body hash. The wire (httpx, retries) is
`parsers.fetch.wire`, robots.txt `parsers.fetch.robots`.

Exceptions (defined in `parsers.fetch.types`, re-exported here; each has `.url` and a human `.reason`,
and `str(error)` is the reason):

    FetchError
     ├── BlockedError              refused, nothing sent: not http(s), host outside allowed_hosts,
     │                             robots.txt, loopback/private/link-local address (SSRF guard)
     ├── HostDownError             host skipped for the rest of the run
     ├── TransportError            no complete response, after all retries
     │    ├── ConnectionFailedError    DNS, refused, reset, protocol error
     │    │    └── TLSError                TLS handshake: most often an untrusted certificate
     │    │                                (never retried; a source's `ca_bundle` adds trust)
     │    └── FetchTimeoutError        connect, read or total timeout
     ├── HTTPStatusError           final status >= 400 (`.status`)
     ├── TooManyRedirectsError     more than `max_redirects` hops, or a loop
     └── TooLargeError             body over the source's max_bytes, on the wire or after any
                                   Content-Encoding layer (`.response`: the cut-off part)
An unsupported or corrupt Content-Encoding is a plain FetchError.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from parsers.fetch.policy import address_refusal, host_of, host_refusal, scheme_refusal
from parsers.fetch.politeness import HostGate, SharedGate, Sleep
from parsers.fetch.robots import ROBOTS_MAX_BYTES, Robots
from parsers.fetch.types import (
    BlockedError,
    ConnectionFailedError,
    FetchError,
    FetchTimeoutError,
    HostDownError,
    HTTPStatusError,
    Response,
    TLSError,
    TooLargeError,
    TooManyRedirectsError,
    TransportError,
    Validators,
)
from parsers.fetch.wire import RetryPolicy, Wire, build_response, literal_ip, too_large
from parsers.model import Failure, Source
from parsers.registry import Registry

__all__ = [
    "BlockedError",
    "ConnectionFailedError",
    "FetchError",
    "FetchTimeoutError",
    "Fetcher",
    "HTTPStatusError",
    "HostDownError",
    "Response",
    "TLSError",
    "TooLargeError",
    "TooManyRedirectsError",
    "TransportError",
    "Validators",
    "fetch_all",
    "system_resolve",
]

log = logging.getLogger(__name__)
Resolver = Callable[[str, int], Awaitable[list[str]]]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CONTACT = re.compile(r"https?://|mailto:|@")


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the system resolver, run off the event loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class Fetcher:
    """Async HTTP client for all of tradewire's fetching; use as `async with Fetcher(ua) as f:`."""

    def __init__(
        self,
        user_agent: str,
        *,
        min_interval: float = 5.0,
        max_concurrency: int = 4,
        max_total: int = 16,
        timeout: float = 20.0,
        total_timeout: float = 120.0,
        retries: int = 2,
        backoff: float = 1.0,
        backoff_cap: float = 30.0,
        max_retry_after: float = 120.0,
        max_redirects: int = 5,
        down_after: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        resolve: Resolver = system_resolve,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        shared_gate: SharedGate | None = None,
    ) -> None:
        if not _CONTACT.search(user_agent):
            log.warning("User-Agent %r names no contact (+https://... or an e-mail address)", user_agent)
        self.user_agent, self.min_interval, self.max_concurrency = user_agent, min_interval, max_concurrency
        self.max_redirects, self.down_after = max_redirects, down_after
        policy = RetryPolicy(
            timeout, total_timeout, retries, backoff, backoff_cap, max_retry_after, down_after
        )
        self._wire = Wire(user_agent, policy, transport)
        self._resolve, self._sleep, self._clock, self._shared = resolve, sleep, clock, shared_gate
        self._total = asyncio.Semaphore(max_total)
        self._hosts: dict[str, HostGate] = {}
        self._robots = Robots(user_agent)

    @classmethod
    def from_registry(cls, registry: Registry, **options: Any) -> Fetcher:
        """A Fetcher with the registry's user agent, interval and concurrency defaults."""
        options.setdefault("min_interval", registry.min_interval)
        options.setdefault("max_concurrency", registry.max_concurrency)
        return cls(registry.user_agent, **options)

    async def __aenter__(self) -> Fetcher:
        self._wire.open()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._wire.close()

    @property
    def robots(self) -> Robots:
        """The robots.txt rules this Fetcher has loaded, or was given from an earlier run."""
        return self._robots

    def host_down(self, host: str) -> str | None:
        """Why `host` is skipped for the rest of this run, or None if it is not."""
        state = self._hosts.get(host.lower())
        return state.down if state else None

    async def fetch(
        self, source: Source, url: str, validators: Validators | None = None, *, keep_truncated: bool = False
    ) -> Response:
        """GET `url` for `source` with every guard; raises a `FetchError` subclass on failure."""
        return await self._fetch(source, url, validators, keep_truncated, True, source.max_bytes)

    async def fetch_many(
        self,
        source: Source,
        urls: Iterable[str],
        validators_by_url: Mapping[str, Validators] | None = None,
        *,
        keep_truncated: bool = False,
    ) -> tuple[list[Response], list[Failure]]:
        """Fetch `urls` concurrently within the politeness limits; per-URL problems become Failures."""
        known = validators_by_url or {}

        async def one(url: str) -> tuple[Response | None, Failure | None]:
            async with self._total:
                try:
                    response = await self.fetch(source, url, known.get(url), keep_truncated=keep_truncated)
                except FetchError as exc:
                    log.info("fetch failed: %s: %s", url, exc.reason)
                    return None, Failure(source.id, url, "fetch", exc.reason)
            if response.truncated:
                return response, Failure(source.id, url, "fetch", too_large(source.max_bytes))
            return response, None

        results = await asyncio.gather(*(one(url) for url in dict.fromkeys(urls)))
        return [r for r, _ in results if r], [f for _, f in results if f]

    async def _fetch(
        self,
        source: Source,
        url: str,
        validators: Validators | None,
        keep_truncated: bool,
        robots: bool,
        max_bytes: int,
    ) -> Response:
        hops = [url]
        while True:
            current = hops[-1]
            await self._admit(source, current, len(hops) > 1, robots)
            raw = await self._wire.attempts(
                self._host(source, host_of(current)), current, validators, max_bytes, source.ca_bundle
            )
            location = raw.headers.get("location")
            if raw.status not in _REDIRECTS or not location:
                break
            target = urljoin(current, location.strip())
            if target in hops:
                raise TooManyRedirectsError(url, "redirect loop: " + " -> ".join([*hops, target]))
            if len(hops) > self.max_redirects:
                raise TooManyRedirectsError(url, f"more than {self.max_redirects} redirects (last: {target})")
            hops.append(target)
        if raw.status >= 300 and not (raw.status == 304 and validators):
            raise HTTPStatusError(
                url, f"HTTP {raw.status} {httpx.codes.get_reason_phrase(raw.status)}", raw.status
            )
        return build_response(source, url, hops[-1], raw, validators, keep_truncated, max_bytes)

    async def _admit(self, source: Source, url: str, redirected: bool, robots: bool) -> None:
        """Refuse `url` unless every guard passes; the order gives the most telling reason first."""
        prefix = f"redirect to {url} refused: " if redirected else ""
        reason = scheme_refusal(url)
        if reason:
            raise BlockedError(url, prefix + reason)
        name = host_of(url)
        literal = literal_ip(name)
        if literal:
            self._check_addresses(source, url, name, [literal], redirected)
        reason = host_refusal(url, source)
        if reason:
            raise BlockedError(url, prefix + reason)
        host = self._host(source, name)
        if host.down:
            raise HostDownError(url, f"host {name} skipped: {host.down}")
        if not literal:
            port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
            try:
                addresses = await self._resolve(name, port)
            except OSError as exc:
                host.failed(f"cannot resolve {name}: {exc}", self.down_after)
                raise ConnectionFailedError(url, f"cannot resolve {name}: {exc}") from exc
            self._check_addresses(source, url, name, addresses, redirected)
        if robots:

            def load(robots_url: str) -> Awaitable[Response]:
                return self._fetch(source, robots_url, None, True, False, ROBOTS_MAX_BYTES)

            await self._robots.check(url, host, load)

    def _check_addresses(
        self, source: Source, url: str, name: str, addresses: list[str], redirected: bool
    ) -> None:
        for address in addresses:
            refusal = address_refusal(address, source.local)
            if refusal:
                shown = name if name == address else f"{name} ({address})"
                raise BlockedError(url, f"{'redirect to ' if redirected else ''}{shown} refused: {refusal}")

    def _host(self, source: Source, name: str) -> HostGate:
        interval = self.min_interval if source.min_interval is None else source.min_interval
        host = self._hosts.get(name)
        if host is None:
            cap = source.max_concurrency or self.max_concurrency
            host = self._hosts[name] = HostGate(interval, cap, self._sleep, self._clock, name, self._shared)
        host.raise_interval(interval)
        return host


def fetch_all(
    source: Source,
    urls: Iterable[str],
    validators_by_url: Mapping[str, Validators] | None = None,
    *,
    user_agent: str,
    **options: Any,
) -> tuple[list[Response], list[Failure]]:
    """Synchronous `fetch_many` for callers without an event loop (runs its own)."""

    async def run() -> tuple[list[Response], list[Failure]]:
        async with Fetcher(user_agent, **options) as fetcher:
            return await fetcher.fetch_many(source, urls, validators_by_url)

    return asyncio.run(run())
