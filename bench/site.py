"""The served aeb corpus and crawl fixtures shared by the benchmarks: a local news site on 127.0.0.1.

Data: the 181 pages of `../shared/corpora/aeb`, served as a feed (with an ETag) plus article pages.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb

from bench.extraction import CORPUS
from parsers.model import Document, Source


def load_pages(corpus: Path = CORPUS) -> list[tuple[str, bytes]]:
    """(key, HTML bytes) of every page, sorted by key."""
    return [
        (path.name.split(".", 1)[0], gzip.decompress(path.read_bytes()))
        for path in sorted((corpus / "html").glob("*.html.gz"))
    ]


# --- A local news site: a feed (with an ETag) and article pages ------------------------------


class Site:
    """A threaded HTTP server on `host` (127.0.0.1) serving robots.txt, /feed.xml and /news/<key>.html."""

    def __init__(self, pages: list[tuple[str, bytes]], host: str = "127.0.0.1") -> None:
        self.pages = {f"/news/{key}.html": body for key, body in pages}
        self.etag = '"v1"'
        self.feed_requests = self.not_modified = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_address[1]}"
        self.feed = self._rss(list(self.pages)).encode()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _rss(self, paths: list[str]) -> str:
        day = datetime(2020, 3, 3, tzinfo=UTC)
        items = "".join(
            f"<item><title>Item {p.rsplit('/', 1)[-1][:-5]}</title><link>{self.base}{p}</link>"
            f"<pubDate>{format_datetime(day + timedelta(minutes=7 * i))}</pubDate></item>"
            for i, p in enumerate(paths)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>aeb</title>'
            f"{items}</channel></rss>"
        )

    @property
    def feed_url(self) -> str:
        return f"{self.base}/feed.xml"

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        status, kind, body, headers = 404, "text/plain", b"not found", {}
        if path == "/robots.txt":
            status, kind, body = 200, "text/plain", b"User-agent: *\nAllow: /\n"
        elif path == "/feed.xml":
            self.feed_requests += 1
            headers = {"ETag": self.etag}
            if request.headers.get("If-None-Match") == self.etag:
                status, body = 304, b""
                self.not_modified += 1
            else:
                status, kind, body = 200, "application/rss+xml", self.feed
        elif path in self.pages:
            status, kind, body = 200, "text/html; charset=utf-8", self.pages[path]
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        if status != 304:
            request.send_header("Content-Type", kind)
            request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if status != 304:
            request.wfile.write(body)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_registry(folder: Path, feed_url: str, source_id: str = "local-news") -> Path:
    """A registry with one local feed source (HTML parser, min_interval 1 ms)."""
    path = folder / "sources.toml"
    path.write_text(
        f"""
[defaults]
user_agent = "tradewire-bench/1 (+mailto:bench@example.org)"
min_interval = 0.001
max_concurrency = 4
[[source]]
id = "{source_id}"
name = "Local news feed (aeb pages)"
kind = "feed"
url = "{feed_url}"
parser = "html"
local = true
max_bytes = 10000000
max_items = 1000
""",
        encoding="utf-8",
    )
    return path


def crawled_documents(site: Site, source: Source) -> list[Document]:
    """The site's article documents exactly as the crawler builds them (feed hints, charset, hash)."""
    from flows.crawl import Crawler
    from parsers.extract import charset
    from parsers.extract.feeds import parse_feed
    from parsers.fetch.types import Response

    entries, _ = parse_feed(site.feed, site.feed_url, source, "application/rss+xml")
    crawler = Crawler(source, None, {})  # type: ignore[arg-type]  # only its storable() is used
    docs = []
    for entry in entries:
        body = site.pages[entry.url.removeprefix(site.base)]
        kind = "text/html; charset=utf-8"
        response = Response(
            url=entry.url, final_url=entry.url, status=200, headers=(("content-type", kind),), body=body,
            fetched_at=datetime.now(UTC), encoding=charset.detect(body, kind, source.encoding), etag=None,
            last_modified=None, sha256=hashlib.sha256(body).hexdigest(),
        )  # fmt: skip
        docs.append(response.to_document(source.id, crawler.storable(entry)))
    return docs


def new_warehouse(folder: Path) -> str:
    """A migrated, empty warehouse (published path) in `folder`."""
    from warehouse import db

    path = folder / "tw.duckdb"
    with db.writer(path):
        pass
    return str(path)


def warehouse_digest(db_path: str) -> str:
    """A hash of what the run stored (articles, topics, stories, measures, failures)."""
    from warehouse import db

    queries = (
        "SELECT article_id, url, title, published_at, date_source, story_id, clean_text FROM core.articles ORDER BY 1",
        "SELECT article_id, topic, score FROM core.article_topics ORDER BY 1, 2",
        "SELECT article_id, ordinal, text FROM core.measures ORDER BY 1, 2",
        "SELECT url, reason FROM core.failures ORDER BY 1",
    )
    digest = hashlib.sha256()
    with duckdb.connect(str(db.primary_path(Path(db_path))), read_only=True) as con:
        for query in queries:
            digest.update(repr(con.execute(query).fetchall()).encode())
    return digest.hexdigest()
