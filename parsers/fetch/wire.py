"""One URL on the wire: a streamed GET under the size cap, retried with backoff; the Response built from it.

`Wire` owns the httpx client and the retry policy (connection errors, timeouts, 429 and 5xx, Retry-After
up to a cap); `parsers.fetch.client.Fetcher` decides what may be fetched (guards, robots, redirects) and
calls `Wire.attempts` once per hop.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from parsers.extract import charset
from parsers.fetch.decoding import ACCEPTED, DecodeError, Inflater, OverBudgetError, content_codings
from parsers.fetch.policy import backoff_delay, retry_after_seconds
from parsers.fetch.politeness import HostGate
from parsers.fetch.tls import tls_failure, trust_store
from parsers.fetch.types import (
    ConnectionFailedError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    Response,
    TooLargeError,
    TransportError,
    Validators,
)
from parsers.model import Source

_TEXTUAL = ("text/", "xml", "html", "json", "rss", "atom")
_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.8"
)


@dataclass
class Raw:
    """What one GET returned: status, headers and the body read under the cap."""

    status: int
    headers: httpx.Headers
    body: bytes = b""
    truncated: bool = False


@dataclass
class RetryPolicy:
    """How long to wait and how often to try again."""

    timeout: float = 20.0
    total_timeout: float = 120.0
    retries: int = 2
    backoff: float = 1.0
    backoff_cap: float = 30.0
    max_retry_after: float = 120.0
    down_after: int = 3


class Wire:
    """The httpx clients of one Fetcher, opened and closed with it: one per trust store.

    The default client trusts the CA bundle httpx ships (certifi). A source with a `ca_bundle` gets a
    client whose trust store is that bundle plus its own PEM file (a CA or intermediate certificate
    the site's chain lacks); verification is never switched off.
    """

    def __init__(
        self, user_agent: str, policy: RetryPolicy, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.user_agent, self.policy, self._transport = user_agent, policy, transport
        self._clients: dict[Path | None, httpx.AsyncClient] = {}
        self._open = False

    def open(self) -> None:
        """Create the default client (no connection is made yet)."""
        self._open = True
        self._client_for(None)

    def _client_for(self, trust: Path | None) -> httpx.AsyncClient:
        client = self._clients.get(trust)
        if client is None:
            client = self._clients[trust] = httpx.AsyncClient(
                transport=self._transport,
                verify=trust_store(trust),
                timeout=httpx.Timeout(self.policy.timeout),
                follow_redirects=False,
                trust_env=False,
                headers={
                    "User-Agent": self.user_agent,
                    "Accept": _ACCEPT,
                    "Accept-Encoding": ACCEPTED,  # what `parsers.fetch.decoding` inflates under the size cap
                },
            )
        return client

    async def close(self) -> None:
        """Close every client and its connections."""
        self._open = False
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def attempts(
        self,
        host: HostGate,
        url: str,
        validators: Validators | None,
        max_bytes: int,
        trust: Path | None = None,
    ) -> Raw:
        """GET `url`, retrying what may succeed later; raises a `TransportError` or `HTTPStatusError`.

        `trust` is the source's `ca_bundle`: a certificate failure is never retried (it will not pass
        on a second try) and names the option that fixes a chain with a missing certificate.
        """
        policy, attempt = self.policy, 0
        while True:
            attempt += 1
            error: TransportError
            try:
                raw = await self._once(host, url, validators, max_bytes, trust)
            except httpx.ConnectError as exc:
                tls = tls_failure(url, exc, trust)
                if tls is None:
                    error = ConnectionFailedError(url, f"connection failed: {type(exc).__name__}: {exc}")
                else:
                    host.failed(tls.reason, policy.down_after)
                    raise tls from exc
            except (httpx.TimeoutException, TimeoutError) as exc:
                error = FetchTimeoutError(
                    url,
                    f"timed out ({type(exc).__name__}, limits {policy.timeout:g} s "
                    f"per phase, {policy.total_timeout:g} s in all)",
                )
            except httpx.TransportError as exc:
                error = ConnectionFailedError(url, f"connection failed: {type(exc).__name__}: {exc}")
            except (httpx.DecodingError, httpx.InvalidURL) as exc:
                raise FetchError(url, f"unusable response or URL: {type(exc).__name__}: {exc}") from exc
            else:
                host.succeeded()
                if raw.status != 429 and raw.status < 500:
                    return raw
                self._refuse_or_defer(host, url, raw, attempt)
                continue
            host.failed(error.reason, policy.down_after)
            if host.down or attempt > policy.retries:
                raise error
            host.defer(self._backoff(attempt))

    def _refuse_or_defer(self, host: HostGate, url: str, raw: Raw, attempt: int) -> None:
        """After a 429 or 5xx: raise when out of attempts or asked to wait too long, else defer the host."""
        cap = self.policy.max_retry_after
        phrase = f"HTTP {raw.status} {httpx.codes.get_reason_phrase(raw.status)}"
        wait = retry_after_seconds(raw.headers.get("retry-after"))
        if wait is not None and wait > cap:
            host.down = f"it asked for a {wait:.0f} s pause (Retry-After), over the {cap:g} s cap"
            raise HTTPStatusError(
                url,
                f"{phrase}: Retry-After {wait:.0f} s exceeds the {cap:g} s cap; host skipped for this run",
                raw.status,
            )
        if attempt > self.policy.retries:
            raise HTTPStatusError(url, f"{phrase} (after {attempt} attempts)", raw.status)
        host.defer(wait if wait is not None else self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self.policy.backoff, self.policy.backoff_cap)

    async def _once(
        self, host: HostGate, url: str, validators: Validators | None, max_bytes: int, trust: Path | None
    ) -> Raw:
        if not self._open:
            raise RuntimeError("use the Fetcher as `async with Fetcher(...) as fetcher:`")
        client = self._client_for(trust)
        headers = {}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        async with (
            host.slot(),
            asyncio.timeout(self.policy.total_timeout),
            client.stream("GET", url, headers=headers, extensions={"trace": _sending(host)}) as reply,
        ):
            raw = Raw(reply.status_code, reply.headers)
            if 200 <= reply.status_code < 300:
                raw.body, raw.truncated = await _read_capped(reply, url, max_bytes)
            return raw


def _sending(host: HostGate) -> Callable[[str, object], Awaitable[None]]:
    """An httpcore trace hook telling `host` when the request's headers really go out."""

    async def trace(event: str, info: object) -> None:
        if event.endswith("send_request_headers.started"):
            host.sent()

    return trace


def build_response(
    source: Source,
    url: str,
    final_url: str,
    raw: Raw,
    validators: Validators | None,
    keep_truncated: bool,
    max_bytes: int,
) -> Response:
    """The Response of a final hop; raises TooLargeError for a cut-off body unless it is kept."""
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
        last_modified=raw.headers.get("last-modified") or (old.last_modified if raw.status == 304 else None),
        sha256=digest,
        not_modified=raw.status == 304 or (not raw.truncated and digest == old.sha256),
        truncated=raw.truncated,
    )
    if raw.truncated and not keep_truncated:
        raise TooLargeError(url, too_large(max_bytes), response)
    return response


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


def literal_ip(host: str) -> str | None:
    """`host` as a normalized IP address if it is one, else None."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def too_large(limit: int) -> str:
    """The failure reason of a body cut off at `limit` bytes."""
    return f"body exceeds {limit} bytes: cut off"
