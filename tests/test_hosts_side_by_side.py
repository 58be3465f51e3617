"""Sources of one run proceed side by side, and politeness is per host, shared by every source on it.

Over real local servers: two feeds on one host never get requests closer together than that host's
interval, whatever the two sources do; two sources on two hosts overlap in time.
"""

from __future__ import annotations

import gzip
import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from conftest import ROOT

pytestmark = pytest.mark.usefixtures("prefect_server")
PAGES = sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz"))
INTERVAL = 0.4
FAST = {"timeout": 5.0, "total_timeout": 20.0, "backoff": 0.2, "max_retry_after": 5.0}


class Host:
    """A loopback host serving feeds and article pages, recording when each request arrived."""

    def __init__(self, server: HTTPServer) -> None:
        self.server, self.times, self.lock = server, [], threading.Lock()  # type: ignore[var-annotated]
        server.expect_request("/robots.txt").respond_with_handler(self.respond(b"User-agent: *\nAllow: /\n"))

    def respond(self, body: bytes, content_type: str = "text/plain") -> object:
        def handler(request: Request) -> Response:
            with self.lock:
                self.times.append((time.monotonic(), request.path))
            return Response(body, content_type=content_type)

        return handler

    def feed(self, name: str, pages: int, offset: int) -> str:
        base = self.server.url_for("").rstrip("/")
        paths = [f"/{name}/a{i}.html" for i in range(pages)]
        items = "".join(
            f"<item><title>{name} {i}</title><link>{base}{p}</link></item>" for i, p in enumerate(paths)
        )
        rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{items}</channel></rss>'
        self.server.expect_request(f"/{name}.xml").respond_with_handler(
            self.respond(rss.encode(), "application/rss+xml")
        )
        for i, path in enumerate(paths):
            page = gzip.decompress(PAGES[(offset + i) % len(PAGES)].read_bytes())
            page = page.replace(b"<p>", f"<p>{name} edition, item {i}: ".encode(), 1)  # a text of its own
            self.server.expect_request(path).respond_with_handler(
                self.respond(page, "text/html; charset=utf-8")
            )
        return self.server.url_for(f"/{name}.xml")


def registry(tmp_path: Path, feeds: list[tuple[str, str]]) -> Path:
    sources = "".join(
        f'\n[[source]]\nid = "{name}"\nname = "{name}"\nkind = "feed"\nurl = "{url}"\nparser = "html"\nlocal = true\n'
        for name, url in feeds
    )
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[defaults]\nuser_agent = "tradewire-test/1 (+mailto:test@example.org)"\nmin_interval = {INTERVAL}\n{sources}',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def servers() -> Iterator[list[HTTPServer]]:
    with (
        HTTPServer(host="127.0.0.1", port=0, threaded=True) as one,
        HTTPServer(host="127.0.0.1", port=0, threaded=True) as two,
    ):
        yield [one, two]


def run(sources: Path, db: Path):  # type: ignore[no-untyped-def]
    from flows.ingest import ingest

    return ingest(sources=str(sources), db_path=str(db), fetch_options=FAST)


def test_two_sources_on_one_host_share_its_interval(servers, tmp_path):
    host = Host(servers[0])
    feeds = [("alpha", host.feed("alpha", 4, 0)), ("beta", host.feed("beta", 4, 20))]
    summary = run(registry(tmp_path, feeds), tmp_path / "tw.duckdb")
    assert {s.source_id: (s.found, s.failed) for s in summary.sources} == {"alpha": (4, 0), "beta": (4, 0)}
    starts = sorted(t for t, path in host.times if path != "/robots.txt")
    assert len(starts) == 10  # two feeds, eight articles
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # Arrival times at the server. The fetcher counts a start when the request really goes out, so a
    # request held back on a loaded machine no longer shortens the next gap (0.10 s seen on CI); the
    # server's own threads can still record one arrival late, so one gap may shrink. Per-source
    # politeness (what this guards against) gives several gaps near 0 and a run half as long.
    assert sorted(gaps)[1] >= INTERVAL * 0.8, f"requests to one host closer than {INTERVAL} s: {gaps}"
    assert starts[-1] - starts[0] >= (len(starts) - 1) * INTERVAL - 0.15


def test_sources_on_two_hosts_proceed_side_by_side(servers, tmp_path):
    hosts = [Host(servers[0]), Host(servers[1])]
    feeds = [("alpha", hosts[0].feed("alpha", 4, 0)), ("beta", hosts[1].feed("beta", 4, 20))]
    summary = run(registry(tmp_path, feeds), tmp_path / "tw.duckdb")
    assert (summary.found, summary.failed) == (8, 0)
    spans = [(min(t for t, _ in h.times), max(t for t, _ in h.times)) for h in hosts]
    overlap = min(spans[0][1], spans[1][1]) - max(spans[0][0], spans[1][0])
    assert overlap > 0, "the second host's requests began only after the first host's ended"
