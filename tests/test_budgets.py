"""Decoded sizes, entity declarations and parse times are bounded, whatever the input does.

Real servers on 127.0.0.1 serve a doubly gzipped bomb, a gzip inside a gzip sitemap, billion-laughs
feeds in encodings other than UTF-8, a 4.8 MB page of unclosed <p> tags and a 1 MB one-line feed;
each becomes a failure row with its reason while the valid items of the run load.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import logging
import os
import subprocess
import sys
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import feedparser
import pytest
from pytest_httpserver import HTTPServer

from conftest import ROOT
from flows.workers import BoundedPool, Overrun
from parsers.extract.xmlsafe import entity_refusal
from parsers.fetch.client import Fetcher
from parsers.model import Source

PAGES = sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz"))
UA = "tradewire-test/1 (+mailto:test@example.org)"
FAST = {"timeout": 5.0, "total_timeout": 30.0, "backoff": 0.2, "max_retry_after": 5.0}


def zeros_gzip(size: int) -> bytes:
    """gzip of `size` zero bytes, compressed piece by piece (never `size` bytes in memory)."""
    packer, block, out = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(1 << 20), bytearray()
    for _ in range(size >> 20):
        out += packer.compress(block)
    return bytes(out + packer.flush())


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """256 MB of zeros gzipped twice: under 1 kB on the wire."""
    return gzip.compress(zeros_gzip(256 << 20), 9)


def local(server: HTTPServer, **fields: Any) -> Source:
    return Source("t", "t", "listing", server.url_for("/"), local=True, min_interval=0.0, **fields)


def fetch_many(source: Source, urls: list[str]) -> Any:
    async def go() -> Any:
        async with Fetcher(UA, min_interval=0) as fetcher:
            return await fetcher.fetch_many(source, urls)

    return asyncio.run(go())


# --- One size budget over every Content-Encoding layer ------------------------------------------


BOMB_SERVER = """
import gzip, sys
sys.path.insert(0, sys.argv[1])
from test_budgets import zeros_gzip
from werkzeug import Request, Response
from werkzeug.serving import make_server

bomb = gzip.compress(zeros_gzip(256 << 20), 9)  # 256 MB of zeros gzipped twice: under 1 kB

@Request.application
def app(request):
    if request.path == "/robots.txt":
        return Response("", status=404)
    return Response(bomb, headers={"Content-Encoding": "gzip, gzip"})

server = make_server("127.0.0.1", 0, app, threaded=True)
print(len(bomb), server.server_port, flush=True)
server.serve_forever()
"""


@pytest.fixture
def bomb_server() -> Iterator[tuple[int, int]]:
    """(size of the bomb on the wire, port): served by another process, so only the client is measured."""
    process = subprocess.Popen(
        [sys.executable, "-c", BOMB_SERVER, str(ROOT / "tests")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        size, port = map(int, process.stdout.readline().split())
        yield size, port
    finally:
        process.terminate()
        process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def test_doubly_gzipped_bomb_is_cut_off_with_flat_memory(bomb_server: tuple[int, int]) -> None:
    size, port = bomb_server
    assert size < 2000
    source = Source(
        "t", "t", "listing", f"http://127.0.0.1:{port}/", local=True, min_interval=0.0, max_bytes=1_000_000
    )
    fetch_many(source, [f"http://127.0.0.1:{port}/robots.txt"])  # warm up imports
    tracemalloc.start()
    try:
        responses, failures = fetch_many(source, [f"http://127.0.0.1:{port}/bomb"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not responses
    assert failures[0].reason == "body exceeds 1000000 bytes: cut off"
    assert peak < 3_000_000  # the cap, its copy and a chunk per layer: never the 256 MB inside


@pytest.mark.parametrize(
    ("header", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b, wbits=-15)),  # raw deflate, as some servers send
        ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
        ("deflate, gzip", lambda b: gzip.compress(zlib.compress(b))),
        ("x-gzip", lambda b: gzip.compress(b[:5000]) + gzip.compress(b[5000:])),  # two gzip members
    ],
    ids=["gzip", "deflate", "raw-deflate", "gzip-gzip", "deflate-gzip", "multi-member"],
)
def test_encoded_pages_decode_to_the_same_bytes(web: HTTPServer, header: str, encode: Any) -> None:
    page = gzip.decompress(PAGES[0].read_bytes())
    web.expect_request("/page").respond_with_data(encode(page), headers={"Content-Encoding": header})
    responses, failures = fetch_many(local(web), [web.url_for("/page")])
    assert failures == [] and responses[0].body == page


def test_an_encoding_we_did_not_ask_for_is_a_clear_failure(web: HTTPServer) -> None:
    web.expect_request("/br").respond_with_data(b"\x0b\x02\x80hi\x03", headers={"Content-Encoding": "br"})
    web.expect_request("/bad").respond_with_data(b"\x1f\x8bnot gzip", headers={"Content-Encoding": "gzip"})
    _, failures = fetch_many(local(web), [web.url_for("/br"), web.url_for("/bad")])
    reasons = {f.url.rsplit("/", 1)[-1]: f.reason for f in failures}
    assert (
        reasons["br"]
        == "unusable response: unsupported Content-Encoding 'br' (tradewire accepts gzip, deflate)"
    )
    assert reasons["bad"].startswith("unusable response: corrupt gzip content")
    assert web.log[-1][0].headers["Accept-Encoding"] == "gzip, deflate"


# --- Entity declarations refused in whatever encoding the parser would read --------------------


def laughs(encoding: str, levels: int) -> str:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel>'
        f"<title>t</title><item><title>&a{levels};</title><link>http://127.0.0.1/a.html</link></item>"
        "</channel></rss>"
    )


def no_declaration(text: str) -> str:
    return text[text.index("?>") + 2 :]


# (declared name, how the bytes are made from the text)
BOMBS: dict[str, tuple[str, Any]] = {
    "cp500": ("cp500", lambda t: t.encode("cp500")),
    "cp037": ("IBM037", lambda t: t.encode("cp037")),
    "cp273-no-declaration": ("x", lambda t: no_declaration(t).encode("cp273")),
    "utf-16le-no-bom": ("utf-16", lambda t: t.encode("utf-16-le")),
    "utf-16be-no-bom": ("UTF-16BE", lambda t: t.encode("utf-16-be")),
    "utf-32le-no-bom": ("utf-32", lambda t: t.encode("utf-32-le")),
    "utf-32be-no-declaration": ("x", lambda t: no_declaration(t).encode("utf-32-be")),
    "utf-7-base64": ("utf-7", lambda t: t.encode("utf-7").replace(b"<!ENTITY", b"+ADwAIQ-ENTITY")),
    "gb18030": ("gb18030", lambda t: t.encode("gb18030")),
    "hz-empty-shift": ("hz", lambda t: t.encode("hz").replace(b"<!ENTITY", b"<!EN~{~}TITY")),
    "iso-2022-jp-escape": (
        "iso-2022-jp",
        lambda t: t.encode("iso2022_jp").replace(b"<!ENTITY", b"<!EN\x1b(BTITY"),
    ),
}


@pytest.mark.parametrize("name", BOMBS)
def test_entity_bomb_is_refused_in_any_encoding(name: str) -> None:
    declared, encode = BOMBS[name]
    small = encode(laughs(declared, 2))
    parsed = feedparser.parse(io.BytesIO(small), response_headers={"content-type": "application/xml"})
    expanded = len(parsed.entries[0].title) if parsed.entries else 0
    if "no-declaration" not in name:  # the bytes are a real bomb: feedparser alone expands them
        assert expanded == 300
    assert entity_refusal(encode(laughs(declared, 9))) is not None


def test_a_charset_given_only_by_the_header_or_the_source_is_read_too() -> None:
    body = no_declaration(laughs("x", 9)).replace("<!DOCTYPE", "\n<!DOCTYPE").encode("utf-7")
    body = body.replace(b"<!ENTITY", b"+ADwAIQ-ENTITY")
    assert entity_refusal(body) is None  # nothing in the bytes says UTF-7
    assert entity_refusal(body, "application/rss+xml; charset=utf-7") is not None
    assert entity_refusal(body, None, "utf-7") is not None


@pytest.mark.parametrize("encoding", ["cp500", "utf-16-le", "utf-32-be", "utf-7", "gb18030", "hz"])
def test_feeds_without_entities_pass_in_every_encoding(encoding: str) -> None:
    text = laughs(encoding, 0).replace('<!DOCTYPE rss [<!ENTITY a0 "lol">]>', "").replace("&a0;", "标题")
    rss091 = text.replace(
        "<rss", '<!DOCTYPE rss SYSTEM "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss'
    )
    assert entity_refusal(text.encode(encoding, "xmlcharrefreplace")) is None
    assert entity_refusal(rss091.encode(encoding, "xmlcharrefreplace")) is None


# --- The bounded worker pool ------------------------------------------------------------------


@pytest.fixture
def pool() -> Iterator[BoundedPool]:
    running = BoundedPool()
    yield running
    running.close()


def test_a_call_over_budget_is_stopped_and_the_others_finish_in_order(pool: BoundedPool) -> None:
    calls = [(0.05,), (60,), (0.05,), (0.1,), (60,), (0.05,)]
    start = time.monotonic()
    results = pool.map(time.sleep, calls, 2, 1.0)
    assert time.monotonic() - start < 30  # not the 120 s the sleeps would take
    over = Overrun("parse exceeded 1 s budget: worker process stopped")
    assert results == [None, over, None, None, over, None]
    assert pool.call(divmod, 7, 2, seconds=5) == (3, 1)  # the replaced workers serve the next call


def test_a_dying_worker_is_a_failure_and_is_replaced(pool: BoundedPool) -> None:
    assert pool.map(os._exit, [(3,), (4,)], 1, 5.0) == [
        Overrun("parser process died (exit code 3)"),
        Overrun("parser process died (exit code 4)"),
    ]
    with pytest.raises(ValueError, match="invalid literal"):
        pool.call(int, "x", seconds=5)  # an exception in the worker is raised here, as in-process


def test_worker_log_records_reach_this_process(pool: BoundedPool, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("parsers.budget-test")
    with caplog.at_level(logging.INFO, logger="parsers.budget-test"):
        pool.call(logger.warning, "page %s has %d problems", "x.html", 2, seconds=5)
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("parsers.budget-test", "page x.html has 2 problems")
    ]
    assert caplog.records[0].process != os.getpid()


def test_a_slow_listing_page_is_a_failure_within_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.parallel import parse_listing

    monkeypatch.setenv("TRADEWIRE_PARSE_SECONDS", "2")
    source = Source("l", "l", "listing", "http://127.0.0.1/list.html", local=True)
    deep = b"<html><body>" + b"<p>" * 1_600_000  # 126 s in BeautifulSoup
    links, next_url, failures = parse_listing(deep, source.url, source, "text/html")
    assert (links, next_url) == ([], None)
    assert [(f.stage, f.reason.split(":")[0]) for f in failures] == [
        ("discover", "parse exceeded 2 s budget")
    ]
    found, _, _ = parse_listing(b'<a href="/a.html">A</a>', source.url, source, "text/html")
    assert [item.url for item in found] == ["http://127.0.0.1/a.html"]


def test_a_document_over_the_size_budget_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime

    from flows.parallel import parse_all, parse_feed
    from parsers.model import Document

    monkeypatch.setenv("TRADEWIRE_PARSE_MAX_BYTES", "100000")
    source = Source("s", "s", "feed", "http://127.0.0.1/feed.xml", parser="html", local=True)
    page = gzip.decompress(PAGES[0].read_bytes())
    big = Document("s", "http://127.0.0.1/big.html", page + b" " * 100_000, datetime(2026, 1, 1), "text/html")
    small = Document("s", "http://127.0.0.1/small.html", page, datetime(2026, 1, 1), "text/html")
    results = parse_all(source, [big, small])
    assert getattr(results[0], "reason", None) == (
        f"document is {len(big.body)} bytes, over the 100000-byte parse budget: not parsed"
    )
    assert getattr(results[1], "url", None) == small.url and getattr(results[1], "raw_text", "")
    items, failures = parse_feed(b"<rss>" + b" " * 100_000, source.url, source)
    assert items == [] and ["over the 100000-byte parse budget" in f.reason for f in failures] == [True]


# --- The whole run: bad items are failure rows, the rest loads ----------------------------------


def rss(base: str, paths: list[str]) -> str:
    items = "".join(f"<item><title>Item {p}</title><link>{base}{p}</link></item>" for p in paths)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


def urlset(base: str, paths: list[str]) -> str:
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


def serve_site(server: HTTPServer, bomb: bytes) -> dict[str, str]:
    """Every route of the hostile site; returns the registry entries of its sources."""
    base = server.url_for("").rstrip("/")
    pages = [gzip.decompress(p.read_bytes()) for p in PAGES]
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    for i, page in enumerate(pages[:4]):
        server.expect_request(f"/news/{i}.html").respond_with_data(
            page, content_type="text/html; charset=utf-8"
        )
    server.expect_request("/news/bomb.html").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip, gzip"}
    )
    deep = b"<html><body>" + b"<p>" * 1_600_000  # 4.8 MB of unclosed <p>: 85 s in trafilatura
    server.expect_request("/news/deep.html").respond_with_data(deep, content_type="text/html")
    server.expect_request("/feed.xml").respond_with_data(
        rss(base, ["/news/0.html", "/news/bomb.html", "/news/deep.html", "/news/1.html"]),
        content_type="application/rss+xml",
    )
    server.expect_request("/sitemap.xml").respond_with_data(
        f"<sitemapindex><sitemap><loc>{base}/good.xml</loc></sitemap><sitemap><loc>{base}/nested.xml.gz"
        "</loc></sitemap></sitemapindex>",
        content_type="application/xml",
    )
    server.expect_request("/good.xml").respond_with_data(
        urlset(base, ["/news/2.html"]), content_type="application/xml"
    )
    huge = urlset(base, ["/news/3.html"]).replace("</urlset>", " " * (16 << 20) + "</urlset>").encode()
    server.expect_request("/nested.xml.gz").respond_with_data(
        gzip.compress(gzip.compress(huge, 9), 9), content_type="application/gzip"
    )
    slow = b"<" + b"<a" * 500_000  # 1 MB on one line: feedparser's fallback parser is quadratic on it
    server.expect_request("/slow.xml").respond_with_data(slow, content_type="application/rss+xml")
    sources = {
        "site": ("feed", "/feed.xml", "max_bytes = 6000000"),
        "map": ("sitemap", "/sitemap.xml", "max_pages = 3"),
        "slow-feed": ("feed", "/slow.xml", ""),
    }
    for name, (declared, encode) in BOMBS.items():
        server.expect_request(f"/laughs/{name}.xml").respond_with_data(
            encode(laughs(declared, 9)), content_type="application/rss+xml"
        )
        sources[f"laughs-{name}"] = ("feed", f"/laughs/{name}.xml", "")
    return {
        key: f'[[source]]\nid = "{key}"\nname = "{key}"\nkind = "{kind}"\nurl = "{base}{path}"\n'
        f'parser = "html"\nlocal = true\n{extra}\n'
        for key, (kind, path, extra) in sources.items()
    }


@pytest.mark.usefixtures("prefect_server")
def test_bombs_and_slow_documents_are_failure_rows_and_the_rest_loads(
    tmp_path: Path, bomb: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import ingest

    monkeypatch.setenv("TRADEWIRE_PARSE_SECONDS", "3")
    with HTTPServer(host="127.0.0.1", port=0, threaded=True) as server:
        entries = serve_site(server, bomb)
        registry = tmp_path / "sources.toml"
        registry.write_text(
            f'[defaults]\nuser_agent = "{UA}"\nmin_interval = 0.01\n' + "".join(entries.values())
        )
        db = tmp_path / "tw.duckdb"
        summary = ingest(sources=str(registry), db_path=str(db), fetch_options=FAST)

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT source_id, url, stage, reason FROM failures ORDER BY url").fetchall()
        loaded = con.execute("SELECT source_id, url FROM articles ORDER BY url").fetchall()
    reasons = {url.rsplit("/", 1)[-1]: (source, stage, reason) for source, url, stage, reason in rows}
    assert [(s, u.rsplit("/", 1)[-1]) for s, u in loaded] == [
        ("site", "0.html"), ("site", "1.html"), ("map", "2.html")
    ]  # fmt: skip
    assert reasons["bomb.html"] == ("site", "fetch", "body exceeds 6000000 bytes: cut off")
    assert reasons["deep.html"] == ("site", "parse", "parse exceeded 3 s budget: worker process stopped")
    assert reasons["nested.xml.gz"] == (
        "map",
        "discover",
        "gzipped sitemap inflates beyond 5000000 bytes: refused",
    )
    assert reasons["slow.xml"] == (
        "slow-feed",
        "discover",
        "parse exceeded 3 s budget: worker process stopped",
    )
    for name in BOMBS:
        source, stage, reason = reasons[f"{name}.xml"]
        assert (source, stage) == (f"laughs-{name}", "discover") and "declares entities" in reason
    assert {s.source_id: s.new for s in summary.sources}["site"] == 2
