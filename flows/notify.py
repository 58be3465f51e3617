"""Sending through Apprise without ever showing a destination: checked by position, logs redacted.

Alert destinations are secrets (a webhook's path or a bot token is the credential). Apprise logs
them: a URL it cannot parse at ERROR, every loaded URL and its parts at DEBUG, a bad token on its
own at WARNING; the HTTP library under it logs request paths at DEBUG. So:

- tradewire checks each URL itself first (scheme, host, port) and reports a bad one by its position
  only ("alert destination #2 is not a valid Apprise URL"); only well-formed URLs reach Apprise;
- one `Redactor` filter, on the loggers of Apprise and of the HTTP stack beneath it, rewrites every
  record before any handler sees it: the configured URLs and their parts, and anything shaped like
  a URL, become `***`. It works at every level, for every handler (console, Prefect API, files).
"""

from __future__ import annotations

import logging
import re
import traceback
import urllib.parse
from collections.abc import Iterable
from typing import Any

NOTIFY_LOGGERS = ("apprise", "requests", "urllib3")  # and their children
_URL_LIKE = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://[^\s'\"<>]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_SPLIT = re.compile(r"[/:@?&=#;,\s]+")
MIN_PART = 3  # parts of a URL at least this long are redacted on their own (tokens, hosts, users)
MASK = "***"


class Redactor(logging.Filter):
    """Rewrites log records so that no destination URL, nor any part of one, is printed."""

    def __init__(self) -> None:
        super().__init__("tradewire.redact")
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, urls: Iterable[str]) -> None:
        """Remember `urls` (and their parts, plain and percent-encoded) as secrets."""
        for url in urls:
            rest = url.split("://", 1)[-1]
            parts = {url, rest, *(p for p in _SPLIT.split(rest) if len(p) >= MIN_PART)}
            for part in list(parts):
                parts |= {urllib.parse.unquote(part), urllib.parse.quote(part, safe="")}
            self._secrets |= {p for p in parts if len(p) >= MIN_PART}
        if self._secrets:
            ordered = sorted(self._secrets, key=len, reverse=True)  # longest first: no partial leftovers
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def redact(self, text: str) -> str:
        """`text` with every known secret and every URL-shaped string masked."""
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return _URL_LIKE.sub(lambda m: f"{m.group(1)}://{MASK}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place (message, arguments, exception text); never drop it."""
        try:
            text = record.getMessage()
        except Exception:  # a malformed format string: keep what it says, unformatted
            text = str(record.msg)
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        if record.stack_info:
            text += "\n" + record.stack_info
        record.msg, record.args = self.redact(text), ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


REDACTOR = Redactor()


def install_redactor() -> None:
    """Put the one `REDACTOR` on every logger of Apprise and its HTTP stack (each logger once)."""
    manager = logging.getLogger().manager
    names = [
        name
        for name, logger in list(manager.loggerDict.items())
        if isinstance(logger, logging.Logger) and name.split(".", 1)[0] in NOTIFY_LOGGERS
    ]
    for name in {*NOTIFY_LOGGERS, *names}:
        logger = logging.getLogger(name)
        if REDACTOR not in logger.filters:
            logger.addFilter(REDACTOR)


def _apprise() -> Any:
    """The apprise module, imported with its loggers (and the HTTP stack's) already redacted."""
    import apprise

    install_redactor()  # after the import: requests' and urllib3's loggers exist by then
    return apprise


def _well_formed(url: str, schemes: set[str]) -> bool:
    """Whether `url` looks like an Apprise URL, judged without Apprise: scheme, then host and port."""
    scheme, sep, rest = url.partition("://")
    if not sep or not rest or not _SCHEME.fullmatch(scheme) or scheme.lower() not in schemes:
        return False
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    return bool(parts.netloc or parts.path.strip("/"))


def check(urls: list[str]) -> tuple[list[Any], list[str]]:
    """The Apprise services for the valid `urls`, and for each invalid one a problem naming its position."""
    REDACTOR.add(urls)  # before Apprise sees any of them
    apprise = _apprise()
    from apprise.manager_plugins import NotificationManager

    schemes = {s.lower() for s in NotificationManager().schemas()} | {"http", "https"}  # https: native URLs
    services, problems = [], []
    for position, url in enumerate(urls, 1):
        service = None
        if _well_formed(url, schemes):
            try:
                service = apprise.Apprise.instantiate(url)
            except Exception:  # a plugin that raises on odd input: the URL is as invalid as any other
                service = None
        if service is None:
            problems.append(f"alert destination #{position} is not a valid Apprise URL")
        else:
            services.append(service)
    return services, problems


def send(services: list[Any], title: str, body: str) -> str | None:
    """Send one notification to `services`; None when delivered, else a reason (never naming one)."""
    if not services:
        return "no valid Apprise URL among the configured destinations"
    apprise = _apprise()
    sender = apprise.Apprise()
    for service in services:
        sender.add(service)
    try:
        delivered = sender.notify(title=title, body=body)
    except Exception as exc:  # its message may quote a URL: say only what kind of failure it was
        return f"delivery failed: {type(exc).__name__}"
    return None if delivered else "delivery failed: no destination accepted it"
