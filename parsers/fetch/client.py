"""Polite, guarded HTTP fetching: the only module in tradewire that imports httpx.

Every request goes through a `Fetcher`: per-host spacing of request starts (`min_interval`, raised
by robots.txt Crawl-delay) and a per-host concurrency cap; robots.txt (RFC 9309: 4xx allows all,
5xx disallows all); retries with exponential backoff on connection errors and 5xx; 429/503
Retry-After honoured up to a cap (pauses the whole host); a down-host cache; a body-size cap
(streamed and cut off, held by every Content-Encoding layer: `parsers.fetch.decoding`); redirects followed by hand so every hop is checked (scheme, allowed hosts,
every resolved address against the SSRF guard, robots.txt); conditional GET confirmed by a body hash.

Exceptions (defined in `parsers.fetch.types`, re-exported here; each has `.url` and a human `.reason`,
and `str(error)` is the reason):

    FetchError
     ├── BlockedError              refused, nothing sent: not http(s), host outside allowed_hosts,
     │                             robots.txt, loopback/private/link-local address (SSRF guard)
     ├── HostDownError             host skipped for the rest of the run
     ├── TransportError            no complete response, after all retries
     │    ├── ConnectionFailedError    DNS, refused, reset, protocol error
     │    └── FetchTimeoutError        connect, read or total timeout
     ├── HTTPStatusError           final status >= 400 (`.status`)
     ├── TooManyRedirectsError     more than `max_redirects` hops, or a loop
     └── TooLargeError             body over the source's max_bytes, on the wire or after any
                                   Content-Encoding layer (`.response`: the cut-off part)
An unsupported or corrupt Content-Encoding is a plain FetchError.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from parsers.extract import charset
from parsers.fetch.decoding import ACCEPTED, DecodeError, Inflater, OverBudgetError, content_codings
from parsers.fetch.policy import (
    address_refusal,
    backoff_delay,
    host_of,
    host_refusal,
    product_token,
    retry_after_seconds,
    scheme_refusal,
)
from parsers.fetch.politeness import HostGate, Sleep
from parsers.fetch.types import (
    BlockedError,
    ConnectionFailedError,
    FetchError,
    FetchTimeoutError,
    HostDownError,
    HTTPStatusError,
    Response,
    TooLargeError,
    TooManyRedirectsError,
    TransportError,
    Validators,
)
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
_TEXTUAL = ("text/", "xml", "html", "json", "rss", "atom")
_CONTACT = re.compile(r"https?://|mailto:|@")
ROBOTS_MAX_BYTES = 512_000  # RFC 9309 asks parsers to read at least 500 KiB


@dataclass
class _Raw:
    status: int
    headers: httpx.Headers
    body: bytes = b""
    truncated: bool = False


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
    ) -> None:
        if not _CONTACT.search(user_agent):
            log.warning("User-Agent %r names no contact (+https://... or an e-mail address)", user_agent)
        self.user_agent, self.min_interval, self.max_concurrency = user_agent, min_interval, max_concurrency
        self.timeout, self.total_timeout, self.retries = timeout, total_timeout, retries
        self.backoff, self.backoff_cap, self.max_retry_after = backoff, backoff_cap, max_retry_after
        self.max_redirects, self.down_after = max_redirects, down_after
        self._transport, self._resolve, self._sleep, self._clock = transport, resolve, sleep, clock
        self._total = asyncio.Semaphore(max_total)
        self._hosts: dict[str, HostGate] = {}
        self._robots: dict[str, Protego | str | None] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._client: httpx.AsyncClient | None = None

    @classmethod
    def from_registry(cls, registry: Registry, **options: Any) -> Fetcher:
        """A Fetcher with the registry's user agent, interval and concurrency defaults."""
        options.setdefault("min_interval", registry.min_interval)
        options.setdefault("max_concurrency", registry.max_concurrency)
        return cls(registry.user_agent, **options)

    async def __aenter__(self) -> Fetcher:
        self._client = httpx.AsyncClient(
            transport=self._transport,
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            trust_env=False,
            headers={
                "User-Agent": self.user_agent,
                "Accept": "text/html,application/xhtml+xml,"
                "application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.8",
                "Accept-Encoding": ACCEPTED,  # what `parsers.fetch.decoding` inflates under the size cap
            },
        )
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

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
                return response, Failure(source.id, url, "fetch", _too_large(source.max_bytes))
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
            raw = await self._attempts(source, current, validators, max_bytes)
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
        return self._response(source, url, hops[-1], raw, validators, keep_truncated, max_bytes)

    def _response(
        self,
        source: Source,
        url: str,
        final_url: str,
        raw: _Raw,
        validators: Validators | None,
        keep_truncated: bool,
        max_bytes: int,
    ) -> Response:
        old = validators or Validators()
        digest = hashlib.sha256(raw.body).hexdigest() if raw.status != 304 else (old.sha256 or "")
        kind = raw.headers.get("content-type", "")
        textual = raw.status != 304 and (not kind or any(t in kind.lower() for t in _TEXTUAL))
        textual = textual and (keep_truncated or not raw.truncated)  # no charset for a body refused anyway
        response = Response(
            url=url,
            final_url=final_url,
            status=raw.status,
            headers=tuple(raw.headers.multi_items()),
            body=raw.body,
            fetched_at=datetime.now(UTC),
            encoding=charset.detect(raw.body, kind, source.encoding) if textual else None,
            etag=raw.headers.get("etag") or (old.etag if raw.status == 304 else None),
            last_modified=raw.headers.get("last-modified")
            or (old.last_modified if raw.status == 304 else None),
            sha256=digest,
            not_modified=raw.status == 304 or (not raw.truncated and digest == old.sha256),
            truncated=raw.truncated,
        )
        if raw.truncated and not keep_truncated:
            raise TooLargeError(url, _too_large(max_bytes), response)
        return response

    async def _admit(self, source: Source, url: str, redirected: bool, robots: bool) -> None:
        """Refuse `url` unless every guard passes; the order gives the most telling reason first."""
        prefix = f"redirect to {url} refused: " if redirected else ""
        reason = scheme_refusal(url)
        if reason:
            raise BlockedError(url, prefix + reason)
        name = host_of(url)
        literal = _literal_ip(name)
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
            await self._check_robots(source, url, host)

    def _check_addresses(
        self, source: Source, url: str, name: str, addresses: list[str], redirected: bool
    ) -> None:
        for address in addresses:
            refusal = address_refusal(address, source.local)
            if refusal:
                shown = name if name == address else f"{name} ({address})"
                raise BlockedError(url, f"{'redirect to ' if redirected else ''}{shown} refused: {refusal}")

    async def _check_robots(self, source: Source, url: str, host: HostGate) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        async with self._robots_locks.setdefault(origin, asyncio.Lock()):
            if origin not in self._robots:
                self._robots[origin] = await self._load_robots(source, origin)
        rules = self._robots[origin]
        if isinstance(rules, str):
            raise BlockedError(url, rules)
        if rules is not None:
            delay = rules.crawl_delay(self.user_agent)
            if delay:
                host.raise_interval(float(delay))
            if not rules.can_fetch(url, self.user_agent):
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                raise BlockedError(
                    url, f"robots.txt disallows {path or '/'} for {product_token(self.user_agent)}"
                )

    async def _load_robots(self, source: Source, origin: str) -> Protego | str | None:
        try:
            found = await self._fetch(source, origin + "/robots.txt", None, True, False, ROBOTS_MAX_BYTES)
        except HTTPStatusError as exc:
            if exc.status == 429 or exc.status >= 500:
                return f"robots.txt answered HTTP {exc.status}: site treated as fully disallowed (RFC 9309)"
            return None  # 4xx: no robots.txt, everything allowed
        except (BlockedError, TooManyRedirectsError):
            return None  # unreachable robots.txt counts as absent (RFC 9309, 2.3.1.2)
        return Protego.parse(found.body.decode("utf-8", "replace"))

    def _host(self, source: Source, name: str) -> HostGate:
        interval = self.min_interval if source.min_interval is None else source.min_interval
        host = self._hosts.get(name)
        if host is None:
            cap = source.max_concurrency or self.max_concurrency
            host = self._hosts[name] = HostGate(interval, cap, self._sleep, self._clock)
        host.raise_interval(interval)
        return host

    async def _attempts(
        self, source: Source, url: str, validators: Validators | None, max_bytes: int
    ) -> _Raw:
        host = self._host(source, host_of(url))
        attempt = 0
        while True:
            attempt += 1
            error: TransportError
            try:
                raw = await self._once(host, url, validators, max_bytes)
            except (httpx.TimeoutException, TimeoutError) as exc:
                error = FetchTimeoutError(
                    url,
                    f"timed out ({type(exc).__name__}, limits {self.timeout:g} s "
                    f"per phase, {self.total_timeout:g} s in all)",
                )
            except httpx.TransportError as exc:
                error = ConnectionFailedError(url, f"connection failed: {type(exc).__name__}: {exc}")
            except (httpx.DecodingError, httpx.InvalidURL) as exc:
                raise FetchError(url, f"unusable response or URL: {type(exc).__name__}: {exc}") from exc
            else:
                host.succeeded()
                if raw.status != 429 and raw.status < 500:
                    return raw
                phrase = f"HTTP {raw.status} {httpx.codes.get_reason_phrase(raw.status)}"
                wait = retry_after_seconds(raw.headers.get("retry-after"))
                if wait is not None and wait > self.max_retry_after:
                    host.down = (
                        f"it asked for a {wait:.0f} s pause (Retry-After), over the "
                        f"{self.max_retry_after:g} s cap"
                    )
                    raise HTTPStatusError(
                        url,
                        f"{phrase}: Retry-After {wait:.0f} s exceeds the "
                        f"{self.max_retry_after:g} s cap; host skipped for this run",
                        raw.status,
                    )
                if attempt > self.retries:
                    raise HTTPStatusError(url, f"{phrase} (after {attempt} attempts)", raw.status)
                host.defer(wait if wait is not None else self._backoff(attempt))
                continue
            host.failed(error.reason, self.down_after)
            if host.down or attempt > self.retries:
                raise error
            host.defer(self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self.backoff, self.backoff_cap)

    async def _once(self, host: HostGate, url: str, validators: Validators | None, max_bytes: int) -> _Raw:
        if self._client is None:
            raise RuntimeError("use the Fetcher as `async with Fetcher(...) as fetcher:`")
        headers = {}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        client = self._client
        async with (
            host.slot(),
            asyncio.timeout(self.total_timeout),
            client.stream("GET", url, headers=headers) as reply,
        ):
            raw = _Raw(reply.status_code, reply.headers)
            if 200 <= reply.status_code < 300:
                raw.body, raw.truncated = await _read_capped(reply, url, max_bytes)
            return raw


async def _read_capped(reply: httpx.Response, url: str, limit: int) -> tuple[bytes, bool]:
    # Raw bytes, decoded here: httpx would inflate every Content-Encoding layer of a chunk whole
    # before any cap could see it (2 kB of "gzip, gzip" hold a gigabyte).
    codings = content_codings(reply.headers.get_list("content-encoding"))
    try:
        if reply.is_stream_consumed:  # a transport that read the body itself (httpx.MockTransport)
            inflater = Inflater([], limit)
            inflater.feed(reply.content)
        else:
            inflater = Inflater(codings, limit)
            async for chunk in reply.aiter_raw():
                inflater.feed(chunk)
    except OverBudgetError as exc:
        return exc.decoded, True
    except DecodeError as exc:
        raise FetchError(url, f"unusable response: {exc}") from exc
    return inflater.result(), False


def _literal_ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def _too_large(limit: int) -> str:
    return f"body exceeds {limit} bytes: cut off"


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
