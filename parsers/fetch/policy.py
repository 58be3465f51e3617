"""Pure crawl-policy rules used by `parsers.fetch.client`: which URLs and addresses a source may reach.

No I/O here; every function returns a human reason (or None) so it can land in a failure row.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from parsers.model import Source

SCHEMES = ("http", "https")
_ADDRESS_KINDS = (
    ("is_loopback", "loopback"),
    ("is_unspecified", "unspecified"),
    ("is_link_local", "link-local"),
    ("is_private", "private"),
    ("is_multicast", "multicast"),
    ("is_reserved", "reserved"),
)
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?")


def host_of(url: str) -> str:
    """The lower-case host name of `url` without a trailing dot ("" if none)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


def allowed_hosts(source: Source) -> tuple[str, ...]:
    """The hosts `source` may fetch from: its `allowed_hosts`, else the host of its own URL."""
    hosts = source.allowed_hosts or (host_of(source.url),)
    return tuple(h.lower().rstrip(".") for h in hosts if h)


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """True if `host` is one of `allowed` or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == a or host.endswith("." + a) for a in allowed)


def url_refusal(url: str, source: Source) -> str | None:
    """Why `url` may not be fetched for `source` (scheme or host), or None if it may."""
    return scheme_refusal(url) or host_refusal(url, source)


def join_url(base_url: str, href: str) -> tuple[str, str | None]:
    """`href` made absolute against `base_url` without its fragment, and why it may not be fetched.

    Never raises: a link that is not even a URL (`http://[::1/x`) comes back as written, with the
    reason, so the caller can record it as that item's failure.
    """
    try:
        url = urljoin(base_url, href.strip()).split("#", 1)[0]
    except ValueError as exc:
        return href.strip(), f"invalid URL ({exc})"
    return url, scheme_refusal(url)


def scheme_refusal(url: str) -> str | None:
    """Why `url` is not a fetchable http(s) URL with a valid host and port, or None."""
    try:
        url.encode("utf-8")
        parts = urlsplit(url)
        port = parts.port
    except (ValueError, UnicodeError) as exc:
        return f"invalid URL ({exc})"
    if parts.scheme.lower() not in SCHEMES:
        return f"scheme {parts.scheme or '(none)'!r} refused: only http and https"
    host = host_of(url)
    if not host:
        return "no host in URL"
    if not _valid_host(host):
        return f"invalid host {host!r} in URL"
    return "port 0 refused" if port == 0 else None


def _valid_host(host: str) -> bool:
    if ":" in host:  # an IPv6 literal; urlsplit has checked it is one
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")  # empty or over-long labels raise
    except UnicodeError:
        return False
    return len(ascii_host) <= 253 and _HOST_NAME.fullmatch(ascii_host) is not None


def host_refusal(url: str, source: Source) -> str | None:
    """Why the host of `url` is outside the source's allowed hosts, or None."""
    host, allowed = host_of(url), allowed_hosts(source)
    if host_allowed(host, allowed):
        return None
    return f"host {host} is not in the source's allowed hosts ({', '.join(allowed)})"


def address_refusal(address: str, local: bool) -> str | None:
    """Why connecting to IP `address` is refused (SSRF guard), or None; `local` sources may use any."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"unparsable address {address!r}"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if local:
        return None
    for attribute, kind in _ADDRESS_KINDS:
        if getattr(ip, attribute):
            return f"{kind} address and source is not local"
    if not ip.is_global:
        return "non-public address and source is not local"
    return None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), None if absent/bad."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff before retry number `attempt` (1-based): base, 2*base, 4*base, ... capped."""
    return float(min(cap, base * 2 ** (attempt - 1)))


def product_token(user_agent: str) -> str:
    """The product token of a User-Agent ("tradewire" for "tradewire/0.1 (+https://...)")."""
    return user_agent.split("/", 1)[0].split(" ", 1)[0] or user_agent
