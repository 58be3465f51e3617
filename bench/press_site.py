"""A loopback press site for the watch benchmark and tests: a notice list that answers conditional requests.

`/notices/` lists the published notices newest first (`<li><a href=...>title</a> <span>date</span>`),
with an ETag (a hash of the page) and a Last-Modified (the last publication), and answers 304 to a
request that sends either back unchanged; `/notices/<n>.txt` serves a notice's text; `/robots.txt`
allows everything. Every request is logged with its time, so a benchmark can count what the site
received while nothing changed.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Real customs notices (tests/data/watch/README.md): each yields customs measures, so an alert.
NOTICES = (
    "tests/data/watch/notices/en_e-to-china-com_gacc-38-2017.txt",
    "seeds/press/003_1fae060d1eff80c3.txt",
    "tests/data/watch/notices/en_cnqhv-com_gacc-53-2022.txt",
    "tests/data/topics_real/texts/zh_sqrdapp-com_f069b044.txt",
    "tests/data/watch/notices/en_sh-sgl-com_gacc-phased-supervision.txt",
    "seeds/press/001_fd1caec8d9afebd1.txt",
    "tests/data/watch/notices/en_addison-clifton-com_gacc-manifest-procedures.txt",
    "tests/data/topics_real/texts/en_cxmm-scm-com_b05d5ee5.txt",
    "tests/data/topics_real/texts/en_mightyshipping-com_63a467aa.txt",
    "tests/data/topics_real/texts/en_enghunan-gov-cn_a0da7178.txt",
    "tests/data/topics_real/texts/en_woyaojiankangwang-com_4fe7f3ad.txt",
    "tests/data/topics_real/texts/zh_seridoat-com_16caec62.txt",
)  # no two of them repeat each other's measures (a near copy is a duplicate, never alerted): check_notices()


@dataclass
class Notice:
    """One published notice."""

    number: int
    text: str
    published: datetime

    @property
    def path(self) -> str:
        return f"/notices/{self.number:04d}.txt"

    @property
    def title(self) -> str:
        return self.text.strip().splitlines()[0][:120]


@dataclass
class Site:
    """The site's state: what is published, and every request received (time, path, status, conditional)."""

    notices: list[Notice] = field(default_factory=list)
    requests: list[tuple[float, str, int, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, text: str) -> Notice:
        """Put a new notice at the top of the list; returns it (its time is the publication time)."""
        with self.lock:
            notice = Notice(len(self.notices) + 1, text, datetime.now(UTC).replace(microsecond=0))
            self.notices.append(notice)
            return notice

    def index(self) -> tuple[bytes, str, str]:
        """The list page, its ETag and its Last-Modified."""
        with self.lock:
            items = "".join(
                f'<li><a href="{n.path}">{html.escape(n.title)}</a> <span>{n.published:%Y-%m-%d %H:%M:%S}</span></li>\n'
                for n in reversed(self.notices)
            )
            last = self.notices[-1].published if self.notices else datetime(2026, 1, 1, tzinfo=UTC)
        body = f"<html><head><title>Announcements</title></head><body><ul>\n{items}</ul></body></html>\n".encode()
        return body, '"' + hashlib.sha256(body).hexdigest()[:16] + '"', format_datetime(last, usegmt=True)

    def count(self, since: float, until: float, path: str | None = None) -> int:
        """Requests received in [since, until), of `path` only when given."""
        with self.lock:
            return sum(
                1 for t, p, _, _ in self.requests if since <= t < until and (path is None or p == path)
            )


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet: the site keeps its own log
            pass

        def do_GET(self) -> None:
            conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
            status, body, headers = self._answer()
            with site.lock:
                site.requests.append((time.time(), self.path, status, conditional))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _answer(self) -> tuple[int, bytes, dict[str, str]]:
            if self.path == "/robots.txt":
                return 200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}
            if self.path == "/notices/":
                body, etag, modified = site.index()
                headers = {
                    "Content-Type": "text/html; charset=utf-8",
                    "ETag": etag,
                    "Last-Modified": modified,
                }
                if self.headers.get("If-None-Match") == etag or (
                    not self.headers.get("If-None-Match")
                    and self.headers.get("If-Modified-Since") == modified
                ):
                    return 304, b"", {"ETag": etag, "Last-Modified": modified}
                return 200, body, headers
            with site.lock:
                notice = next((n for n in site.notices if n.path == self.path), None)
            if notice is None:
                return 404, b"not found", {"Content-Type": "text/plain"}
            return 200, notice.text.encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8"}

    return Handler


class PressSite:
    """The site served on 127.0.0.1 in a thread; `url` is its notice list."""

    def __init__(self) -> None:
        self.site = Site()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.site))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/notices/"

    def __enter__(self) -> PressSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def notice_texts() -> list[str]:
    """The real notices the benchmark publishes, in order."""
    return [(ROOT / path).read_text(encoding="utf-8") for path in NOTICES]


def registry_toml(url: str, min_interval: float = 10.0) -> str:
    """A registry with the site's notice list as a watched customs source (profile live)."""
    return f"""[defaults]
user_agent = "tradewire/0.1 (benchmark; contact: tradewire@example.org)"

[[source]]
id = "customs-notices"
name = "A loopback customs announcement list"
kind = "listing"
url = "{url}"
parser = "text"
profiles = ["live"]
local = true
official = true
issuer = "General Administration of Customs"
watch = true
min_interval = {min_interval}
max_concurrency = 1
max_items = 20
selectors = {{ item = "li", link = "a", title = "a", date = "span" }}
"""


class Webhook:
    """A webhook receiver on 127.0.0.1 (Apprise `json://` posts here): every message with its arrival time."""

    def __init__(self) -> None:
        self.messages: list[tuple[float, dict[str, Any]]] = []
        received = self.messages

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received.append((time.time(), json.loads(self.rfile.read(length) or b"{}")))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def first_mention(self, needle: str) -> float | None:
        """When the first message whose body contains `needle` arrived (None: none yet)."""
        return next((t for t, m in list(self.messages) if needle in str(m.get("message", ""))), None)
