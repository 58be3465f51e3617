"""robots.txt per origin (RFC 9309): fetched once per run, 4xx allows all, 5xx and 429 disallow all.

A caller may keep what a run fetched (`fetched`) and give it to a later run (`preload`): RFC 9309
lets a crawler reuse robots.txt for up to 24 hours, so a frequent poll need not fetch it each time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit

from protego import Protego

from parsers.fetch.policy import product_token
from parsers.fetch.politeness import HostGate
from parsers.fetch.types import BlockedError, HTTPStatusError, Response, TooManyRedirectsError

ROBOTS_MAX_BYTES = 512_000  # RFC 9309 asks parsers to read at least 500 KiB
Loader = Callable[[str], Awaitable[Response]]


class Robots:
    """The robots.txt rules of every origin a Fetcher has seen, loaded once each."""

    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent
        self._rules: dict[str, Protego | str | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.fetched: dict[str, str | None] = {}  # origin -> body fetched this run (None: it has none)

    def preload(self, bodies: Mapping[str, str | None]) -> None:
        """Use robots.txt bodies kept from an earlier run (origin -> body, None: the origin has none)."""
        for origin, body in bodies.items():
            self._rules[origin] = Protego.parse(body) if body is not None else None

    async def check(self, url: str, host: HostGate, load: Loader) -> None:
        """Raise BlockedError if robots.txt refuses `url`; apply its Crawl-delay to `host`."""
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        async with self._locks.setdefault(origin, asyncio.Lock()):
            if origin not in self._rules:
                rules, body = await _load(origin, load)
                self._rules[origin] = rules
                if not isinstance(rules, str):  # a refusal (5xx) is asked again next run, not kept
                    self.fetched[origin] = body
        rules = self._rules[origin]
        if isinstance(rules, str):
            raise BlockedError(url, rules)
        if rules is None:
            return
        delay = rules.crawl_delay(self.user_agent)
        if delay:
            host.raise_interval(float(delay))
        if not rules.can_fetch(url, self.user_agent):
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            raise BlockedError(
                url, f"robots.txt disallows {path or '/'} for {product_token(self.user_agent)}"
            )


async def _load(origin: str, load: Loader) -> tuple[Protego | str | None, str | None]:
    """The origin's rules (a refusal as its reason, None: everything allowed) and the body read."""
    try:
        found = await load(origin + "/robots.txt")
    except HTTPStatusError as exc:
        if exc.status == 429 or exc.status >= 500:
            return f"robots.txt answered HTTP {exc.status}: site treated as fully disallowed (RFC 9309)", None
        return None, None  # 4xx: no robots.txt, everything allowed
    except (BlockedError, TooManyRedirectsError):
        return None, None  # unreachable robots.txt counts as absent (RFC 9309, 2.3.1.2)
    body = found.body.decode("utf-8", "replace")
    return Protego.parse(body), body
