"""TLS for `parsers.fetch.wire`: the trust store of a source, and what a failed handshake means.

Verification is never switched off. A site whose chain lacks an intermediate certificate (Python's
CA bundle then rejects it where a browser, which fetches the missing link itself, does not) is
fetched by giving its source a `ca_bundle`: a PEM file added to the default trust store.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx

from parsers.fetch.types import TLSError


def trust_store(extra: Path | None) -> ssl.SSLContext:
    """httpx's default trust store (certifi), plus the certificates in `extra` if given."""
    context = httpx.create_ssl_context()
    if extra is not None:
        context.load_verify_locations(cafile=str(extra))
    return context


def tls_failure(url: str, exc: httpx.ConnectError, trust: Path | None) -> TLSError | None:
    """A TLSError naming what went wrong if `exc` was a failed TLS handshake, else None."""
    cause: BaseException | None = exc
    for _ in range(8):  # the chain httpx -> httpcore -> ssl is short; bounded in case it loops
        if cause is None or isinstance(cause, ssl.SSLError):
            break
        cause = cause.__cause__ or cause.__context__
    if not isinstance(cause, ssl.SSLError):
        return None
    host = host_name(url)
    if isinstance(cause, ssl.SSLCertVerificationError):
        detail = cause.verify_message or str(cause)
        extra = f" (trust store: the CA bundle plus {trust})" if trust else ""
        return TLSError(
            url,
            f"TLS certificate of {host} not trusted: {detail}{extra}; verification stays on: if the "
            "site's chain lacks an intermediate certificate, give the source a `ca_bundle` (a PEM "
            "file beside the registry)",
        )
    return TLSError(url, f"TLS handshake with {host} failed: {cause}")


def host_name(url: str) -> str:
    """The host of `url` as written ("" if none)."""
    try:
        return httpx.URL(url).host
    except httpx.InvalidURL:
        return ""
