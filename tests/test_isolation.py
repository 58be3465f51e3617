"""One bad item never costs its source: a real `tradewire ingest` process crawls a real HTTP server on
127.0.0.1 whose feeds, listings and sitemaps each hold good items and hostile ones.

Every source's good items land in `articles`; an item that cannot be used is a row in `failures`
with its stage and reason; an item that can be used despite a hostile detail (a lone surrogate in
its title, a charset that names no text encoding) is loaded; and the run prints no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from conftest import ROOT

TRADEWIRE = Path(sys.executable).parent / "tradewire"
PORTS = ["Dalian", "Tianjin", "Qingdao", "Ningbo", "Xiamen", "Shenzhen", "Guangzhou", "Shanghai"]
GOODS = ["soybeans", "copper", "containers", "steel", "cotton", "rice", "wool", "crude oil"]
# Python's codec registry answers to these, but none is a charset a page can be in.
NOT_CHARSETS = ["rot13", "base64", "zlib_codec", "hex", "uu", "bz2"]  # the attack's
OWN_NOT_CHARSETS = ["quopri", "idna", "undefined", "punycode", "unicode_escape", "utf-7", "cp500"]
CHAR_REFS = [b"&#xd800;", b"&#57343;", b"&#x110000;", b"&#99999999999999999999;", b"&#0;"]
SCHEMES = [b"file:///etc/passwd", b"ftp://127.0.0.1/a", b"javascript:alert(1)", b"data:text/html,hi",
           b"gopher://127.0.0.1/", b"mailto:press@example.cn", b"ws://127.0.0.1/"]  # fmt: skip
BAD_LINKS = ["http://[::1/x", "http://exa mple.com:99999/", "//[", "http://[fe80::zz]/a",
             "http://127.0.0.1:70000/a", "http://a..example/", "http://exa mple.com/"]  # fmt: skip


def article(n: int, meta_charset: str = "utf-8") -> bytes:
    """A news page whose every line is its own (the cleaner drops lines repeated across a host)."""
    port, good = PORTS[n % 8], GOODS[(n // 8) % 8]
    paragraphs = "".join(
        f"<p>In week {n * 7 + k}, the port of {port} cleared {n * 1000 + k * 37} tonnes of {good} "
        f"under customs notice {n}-{k}; café traders and 海关 inspectors met on day {k + n}.</p>"
        for k in range(4)
    )
    return (
        f'<html><head><meta charset="{meta_charset}"><title>Notice {n}</title></head><body>'
        f"<article><h1>Notice {n}: {port} {good}</h1>{paragraphs}</article></body></html>"
    ).encode()


def rss(entries: list[tuple[bytes, bytes]], declaration: bytes = b'encoding="utf-8"') -> bytes:
    items = b"".join(b"<item><title>%s</title><link>%s</link></item>" % entry for entry in entries)
    return b'<?xml version="1.0" %s?><rss version="2.0"><channel><title>t</title>%s</channel></rss>' % (
        declaration,
        items,
    )


@dataclass
class Site:
    """The server's pages: `good[source]` are the article paths that must load."""

    server: HTTPServer
    good: dict[str, list[str]]
    served: int = 0

    def page(self, source: str, meta_charset: str = "utf-8", header_charset: str = "utf-8") -> str:
        self.served += 1
        path = f"/{source}/{self.served}.html"
        self.server.expect_request(path).respond_with_data(
            article(self.served, meta_charset), content_type=f"text/html; charset={header_charset}"
        )
        self.good.setdefault(source, []).append(path)
        return path

    def url(self, path: str) -> bytes:
        return self.server.url_for(path).encode()

    def serve(self, path: str, body: bytes, content_type: str) -> None:
        self.server.expect_request(path).respond_with_data(body, content_type=content_type)


def build(site: Site) -> str:
    """Serve every case; return the registry's sources."""
    sources = []

    def source(id_: str, kind: str, path: str, extra: str = "") -> None:
        sources.append(
            f'[[source]]\nid = "{id_}"\nname = "{id_}"\nkind = "{kind}"\nurl = "{site.server.url_for(path)}"\n'
            f'parser = "html"\nlocal = true\nmax_items = 50\n{extra}'
        )

    # Character references XML forbids (feedparser raised on them, losing the whole feed): the
    # attack's lone surrogate, and our own: the other surrogate half, past U+10FFFF, a huge number.
    entries = [(b"Notice %s here" % ref, site.url(site.page("entries"))) for ref in CHAR_REFS]
    entries.append((b"bad link", b"http://[::1/x"))
    # Items with other schemes (dropped silently before): the attack's and our own.
    entries += [(b"s%d" % i, link) for i, link in enumerate(SCHEMES)]
    site.serve("/entries.xml", rss(entries), "application/rss+xml")
    source("entries", "feed", "/entries.xml")

    # A non-UTF-8 byte in the declared encoding's name (feedparser raised decoding it): the
    # attack's, then our own with a GBK feed whose titles must still read as Chinese.
    for id_, name, title, codec in [
        ("decl", b"ut\xfff-8", "Notice 海关", "utf-8"),
        ("decl-gbk", b"gb\x80\xff2312", "海关总署公告第一号", "gb18030"),
    ]:
        entries = [(title.encode(codec), site.url(site.page(id_))), (b"ftp", b"ftp://127.0.0.1/x")]
        site.serve(f"/{id_}.xml", rss(entries, b'encoding="%s"' % name), "application/rss+xml")
        source(id_, "feed", f"/{id_}.xml")

    # Malformed link URLs on a listing (urljoin raised out of the whole page), on an index page
    # whose charset is rot13 (the fetcher raised on it): the attack's two links, then our own.
    good = [site.page("links"), site.page("links")]
    links = "".join(f'<li><a href="{href}">link {i}</a></li>' for i, href in enumerate([*BAD_LINKS, *good]))
    nav = '<a href="javascript:void(0)">menu</a><a href="mailto:a@b.cn">mail</a><a href="http://other.example/">x</a>'
    site.serve(
        "/links.html", f"<html><body>{nav}<ul>{links}</ul></body></html>".encode(), "text/html; charset=rot13"
    )
    source("links", "listing", "/links.html")

    # A listing whose item selector picks links of other schemes (each picked item is a row),
    # on an index page whose charset is base64.
    items = [f'<li><a href="{link.decode()}">n</a></li>' for link in SCHEMES[:3]]
    items += [f'<li><a href="{site.server.url_for(site.page("picked"))}">n</a></li>' for _ in "ab"]
    site.serve("/picked.html", f"<ul>{''.join(items)}</ul>".encode(), "text/html; charset=base64")
    source("picked", "listing", "/picked.html", 'selectors = { item = "li" }\n')

    # Article pages whose charset names a codec that is no text encoding (the fetcher raised
    # building the response): they are read as the pages they are.
    for name in NOT_CHARSETS:
        site.page("charsets", header_charset=name)
    for name in OWN_NOT_CHARSETS:
        site.page("charsets", meta_charset=name, header_charset=name)
    site.serve(
        "/charsets.xml", rss([(b"page", site.url(p)) for p in site.good["charsets"]]), "application/rss+xml"
    )
    source("charsets", "feed", "/charsets.xml")

    # Sitemap entries: one malformed <loc>, one of another scheme, among good ones.
    locs = [b"http://[::1/x", b"ftp://127.0.0.1/a", *(site.url(site.page("sitemap")) for _ in "ab")]
    urls = b"".join(b"<url><loc>%s</loc></url>" % loc for loc in locs)
    body = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">%s</urlset>'
    site.serve("/sitemap.xml", body % urls, "application/xml")
    source("sitemap", "sitemap", "/sitemap.xml")
    return "".join(sources)


@dataclass
class Run:
    output: str
    db: Path
    good: dict[str, list[str]]
    base: str

    def loaded(self, source: str) -> set[str]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            rows = con.execute("SELECT url FROM articles WHERE source_id = ?", [source]).fetchall()
        return {url.removeprefix(self.base) for (url,) in rows}

    def failures(self, source: str) -> list[tuple[str, str, str]]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            query = "SELECT url, stage, reason FROM failures WHERE source_id = ? ORDER BY reason"
            return [(u.removeprefix(self.base), s, r) for u, s, r in con.execute(query, [source]).fetchall()]


@pytest.fixture(scope="module")
def run(prefect_server: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    from prefect.settings import PREFECT_API_URL

    tmp = tmp_path_factory.mktemp("isolation")
    with HTTPServer(host="127.0.0.1", port=0, threaded=True) as server:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        site = Site(server, {})
        registry = tmp / "sources.toml"
        registry.write_text(
            '[defaults]\nuser_agent = "tradewire-test/1 (+mailto:test@example.org)"\nmin_interval = 0.01\n'
            + build(site),
            encoding="utf-8",
        )
        # The session's Prefect server: the run reports there instead of starting a temporary one.
        env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_API_URL": PREFECT_API_URL.value()}
        done = subprocess.run(
            [str(TRADEWIRE), "ingest", "--sources", str(registry), "--db", str(tmp / "tw.duckdb")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        yield Run(done.stdout + done.stderr, tmp / "tw.duckdb", site.good, server.url_for("").rstrip("/"))


def test_the_run_prints_no_traceback_and_every_source_completes(run: Run) -> None:
    assert "Traceback" not in run.output and "ERROR" not in run.output
    with duckdb.connect(str(run.db), read_only=True) as con:
        stages = {s for (s,) in con.execute("SELECT DISTINCT stage FROM failures").fetchall()}
    assert stages == {"discover"}  # no source failed as a whole ("run"), no fetch or parse crashed


def test_forbidden_character_references_cost_nothing(run: Run) -> None:
    assert run.loaded("entries") == set(run.good["entries"])  # the five hostile titles load too
    with duckdb.connect(str(run.db), read_only=True) as con:
        titled = con.execute(
            "SELECT count(*) FROM articles WHERE source_id = 'entries' AND title LIKE 'Notice%'"
        )
        assert titled.fetchone() == (len(CHAR_REFS),)
    assert ("/entries.xml", "discover", "feed entry 6 ('bad link') has a link that is not a valid URL") in (
        run.failures("entries")
    )


@pytest.mark.parametrize("source", ["decl", "decl-gbk"])
def test_a_broken_encoding_name_in_the_declaration_costs_nothing(run: Run, source: str) -> None:
    assert run.loaded(source) == set(run.good[source])
    assert run.failures(source) == [
        ("ftp://127.0.0.1/x", "discover", "feed entry 2 ('ftp'): scheme 'ftp' refused: only http and https")
    ]


def test_malformed_listing_links_are_rows_and_the_good_links_load(run: Run) -> None:
    assert run.loaded("links") == set(run.good["links"])  # from an index page declared rot13
    rows = run.failures("links")
    assert {url for url, _, _ in rows} == set(BAD_LINKS)  # not the page's menu, mail or off-site links
    assert all(stage == "discover" and "invalid" in reason for _, stage, reason in rows)
    reasons = {url: reason for url, _, reason in rows}
    assert reasons["http://[::1/x"] == "listing link 'link 0': invalid URL (Invalid IPv6 URL)"
    assert (
        reasons["http://exa mple.com:99999/"]
        == "listing link 'link 1': invalid URL (Port out of range 0-65535)"
    )
    assert reasons["http://exa mple.com/"] == "listing link 'link 6': invalid host 'exa mple.com' in URL"


def test_pages_whose_charset_names_no_text_encoding_are_read_as_they_are(run: Run) -> None:
    assert run.loaded("charsets") == set(run.good["charsets"])
    assert len(run.good["charsets"]) == len(NOT_CHARSETS) + len(OWN_NOT_CHARSETS)
    assert run.failures("charsets") == []
    with duckdb.connect(str(run.db), read_only=True) as con:
        texts = con.execute("SELECT clean_text FROM articles WHERE source_id = 'charsets'").fetchall()
    assert all("café traders and 海关 inspectors" in text for (text,) in texts)  # read as UTF-8


@pytest.mark.parametrize("source", ["entries", "picked"])
def test_items_of_other_schemes_are_failure_rows(run: Run, source: str) -> None:
    assert run.loaded(source) == set(run.good[source])
    refused = {url.split(":", 1)[0]: reason for url, _, reason in run.failures(source) if "scheme" in reason}
    expected = ["file", "ftp", "javascript", "data", "gopher", "mailto", "ws"]
    assert sorted(refused) == sorted(expected if source == "entries" else expected[:3])
    assert all(f"scheme '{scheme}' refused: only http and https" in refused[scheme] for scheme in refused)


def test_bad_sitemap_entries_are_rows_and_the_good_ones_load(run: Run) -> None:
    assert run.loaded("sitemap") == set(run.good["sitemap"])
    assert run.failures("sitemap") == [
        ("http://[::1/x", "discover", "sitemap entry: invalid URL (Invalid IPv6 URL)"),
        ("ftp://127.0.0.1/a", "discover", "sitemap entry: scheme 'ftp' refused: only http and https"),
    ]
