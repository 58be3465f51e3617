"""One bad item never costs its source: every per-item step runs under an `ItemGuard`.

Discovery (feed entries, listing links, sitemap entries), fetching (one article URL) and parsing
(one document) call their per-item step through `guard.run` / `guard.run_async`: whatever the step
raises becomes that item's `Failure` (stage, reason) and the loop goes on. Only the source's own
index page (cannot be fetched, or is no feed/listing/sitemap) fails a source, as a row too.
Failures are made storable here (no lone surrogates in a URL or reason) and logged on one line:
the traceback goes to DEBUG only, as the row already says what happened.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from parsers.extract.charset import well_formed
from parsers.model import Failure

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")
_MAX_REASON = 500


def describe(exc: BaseException) -> str:
    """An exception in words fit for a failure row: its type and message, bounded in length."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return well_formed(text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…")


def failure(source_id: str, url: str, stage: str, reason: str) -> Failure:
    """A `Failure` whose text any encoder accepts (a URL or reason may quote a lone surrogate)."""
    return Failure(source_id, well_formed(url), stage, well_formed(reason))


@dataclass
class ItemGuard:
    """Runs one source's per-item steps of one stage, collecting each failing item's `Failure`."""

    source_id: str
    stage: str
    failures: list[Failure] = field(default_factory=list)

    def fail(self, url: str, reason: str) -> None:
        """Record that the item at `url` failed, and why."""
        self.failures.append(failure(self.source_id, url, self.stage, reason))

    def run(self, url: str, step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """`step(*args)`, or None with the item's failure recorded if it raised."""
        try:
            return step(*args, **kwargs)
        except Exception as exc:  # the item's own problem, whatever it is: recorded, never raised
            self._caught(url, exc)
            return None

    async def run_async(
        self, url: str, step: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T | None:
        """`await step(*args)`, or None with the item's failure recorded if it raised."""
        try:
            return await step(*args, **kwargs)
        except Exception as exc:
            self._caught(url, exc)
            return None

    def _caught(self, url: str, exc: Exception) -> None:
        reason = describe(exc)
        log.warning("%s %s: %s failed: %s", self.source_id, well_formed(url), self.stage, reason)
        log.debug("traceback of the %s failure of %s", self.stage, well_formed(url), exc_info=exc)
        self.fail(url, f"{self.stage} error: {reason}")
