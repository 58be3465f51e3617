"""What `parsers.fetch.client` returns and raises; no network code here (see `parsers.fetch.client` for the tree)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parsers.model import Document, Link


class FetchError(Exception):
    """A URL could not be fetched; `reason` says why in words fit for a failure row."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason


class BlockedError(FetchError):
    """Refused before sending: scheme, allowed hosts, robots.txt or the SSRF guard."""


class HostDownError(FetchError):
    """The host is skipped for the rest of this run."""


class TransportError(FetchError):
    """No complete response after all retries."""


class ConnectionFailedError(TransportError):
    """DNS failure, refused or reset connection, or a protocol error."""


class TLSError(ConnectionFailedError):
    """The TLS handshake failed: most often a certificate chain the trust store cannot verify."""


class FetchTimeoutError(TransportError):
    """Connect, read or total timeout."""


class HTTPStatusError(FetchError):
    """The final response had status >= 400."""

    def __init__(self, url: str, reason: str, status: int) -> None:
        super().__init__(url, reason)
        self.status = status


class TooManyRedirectsError(FetchError):
    """More than `max_redirects` hops, or a redirect loop."""


class TooLargeError(FetchError):
    """The body exceeded the size cap; `response` holds the part read before the cut."""

    def __init__(self, url: str, reason: str, response: Response) -> None:
        super().__init__(url, reason)
        self.response = response


@dataclass(frozen=True)
class Validators:
    """What was kept from the last fetch of one URL, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Response:
    """One fetched URL; `not_modified` if a 304 came or the body hash equals the stored one."""

    url: str
    final_url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    fetched_at: datetime
    encoding: str | None
    etag: str | None
    last_modified: str | None
    sha256: str
    not_modified: bool = False
    truncated: bool = False

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def content_type(self) -> str:
        """The media type without parameters ("" if none was sent)."""
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    def text(self) -> str:
        """The body decoded with `encoding` (see `parsers.extract.charset`)."""
        return self.body.decode(self.encoding or "utf-8", "replace")

    def validators(self) -> Validators:
        """The validators to store for the next conditional GET of `url`."""
        return Validators(self.etag, self.last_modified, self.sha256)

    def to_document(self, source_id: str, link: Link | None = None) -> Document:
        """The `Document` of this response for the parsers, with the link that led to it."""
        return Document(
            source_id=source_id,
            url=self.url,
            body=self.body,
            fetched_at=self.fetched_at,
            content_type=self.content_type or "application/octet-stream",
            encoding=self.encoding,
            link=link,
            final_url=self.final_url,
            status=self.status,
            etag=self.etag,
            last_modified=self.last_modified,
            sha256=self.sha256,
        )
