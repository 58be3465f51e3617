"""`record_samples` against a real HTTP server on 127.0.0.1 serving real pages (sources with local = true)."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from conftest import ROOT
from flows.samples import parse_sample, record_samples, sample_files
from parsers.registry import Registry, RegistryError, load_registry

PAGES = sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz"))  # real news pages
LISTING = ROOT / "tests" / "data" / "pages" / "list.htm"  # GB2312 listing, links of a real feed
UA = "tradewire-test/1 (+mailto:test@example.org)"
FAST = {"timeout": 1.5, "total_timeout": 5.0, "backoff": 0.1, "retries": 0}


def page(i: int) -> bytes:
    return gzip.decompress(PAGES[i % len(PAGES)].read_bytes())


def rss(base: str, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}{p}</link>"
        f"<pubDate>Tue, 03 Mar 2020 0{i}:00:00 +0800</pubDate></item>"
        for i, p in enumerate(paths)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with HTTPServer(host="127.0.0.1", port=0) as httpserver:
        base = httpserver.url_for("").rstrip("/")
        httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
        httpserver.expect_request("/feed.xml").respond_with_data(
            rss(base, ["/news/old.html", "/news/new.html"]), content_type="application/rss+xml"
        )
        httpserver.expect_request("/news/old.html").respond_with_data(page(0), content_type="text/html")
        httpserver.expect_request("/news/new.html").respond_with_data(page(1), content_type="text/html")
        httpserver.expect_request("/dead.xml").respond_with_data(
            rss(base, ["/news/missing.html"]), content_type="application/rss+xml"
        )
        httpserver.expect_request("/news/missing.html").respond_with_data("gone", status=404)
        httpserver.expect_request("/list.htm").respond_with_data(
            LISTING.read_bytes(), content_type="text/html"
        )
        httpserver.expect_request(re.compile(r"^/a/")).respond_with_data(page(2), content_type="text/html")
        httpserver.expect_request("/gone.xml").respond_with_data("no", status=404)
        yield httpserver


def registry(tmp_path: Path, server: HTTPServer) -> Registry:
    def source(id_: str, kind: str, path: str, extra: str = "local = true\n") -> str:
        url = server.url_for(path)
        return f'[[source]]\nid = "{id_}"\nname = "{id_}"\nkind = "{kind}"\nurl = "{url}"\nparser = "html"\nprofiles = ["live"]\n{extra}'

    listing = 'local = true\nmax_pages = 3\nselectors = { item = "ul.conList_ul > li", date = "span.date", next = "a.next" }\n'
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[defaults]\nuser_agent = "{UA}"\nmin_interval = 0.05\n'
        + source("local-feed", "feed", "/feed.xml")
        + source("local-list", "listing", "/list.htm", listing)
        + source("dead-article", "feed", "/dead.xml")
        + source("gone", "feed", "/gone.xml")
        + source("robots", "listing", "/private/list.htm")
        + source("not-local", "feed", "/feed.xml", "")
        + '[[source]]\nid = "folder"\nname = "folder"\nkind = "files"\nurl = "."\nprofiles = ["live"]\n',
        encoding="utf-8",
    )
    return load_registry(path)


def paths(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


def test_records_an_index_and_its_newest_article_per_source(server, tmp_path):
    dest = tmp_path / "samples"
    results = {
        sid: (path, reason)
        for sid, path, reason in record_samples(registry(tmp_path, server), dest=dest, fetch_options=FAST)
    }

    path, reason = results["local-feed"]
    assert path == dest / "local-feed-article.html"
    assert path.read_bytes() == page(1)  # the newest item, as served
    assert (dest / "local-feed-index.xml").read_bytes() == rss(
        server.url_for("").rstrip("/"), ["/news/old.html", "/news/new.html"]
    )
    assert "index recorded (2 item(s))" in reason and "/news/new.html recorded" in reason
    assert "/news/old.html" not in paths(server)  # one article per source, never the whole feed

    path, reason = results["local-list"]
    assert path == dest / "local-list-article.html"
    assert (dest / "local-list-index.html").read_bytes() == LISTING.read_bytes()
    assert "/list_2.htm" not in paths(server)  # only the first listing page
    assert "/a/20180918/006660.htm recorded" in reason  # the listing's newest entry (10:51)

    provenance = json.loads((dest / "local-feed.provenance.json").read_text(encoding="utf-8"))
    assert provenance["recorded_by"] == "tradewire record-samples"
    assert provenance["index"]["url"] == server.url_for("/feed.xml")
    assert provenance["article"]["url"] == server.url_for("/news/new.html")
    assert provenance["article"]["status"] == 200 and len(provenance["article"]["sha256"]) == 64


def test_problems_are_reasons_and_nothing_is_written_for_what_was_not_fetched(server, tmp_path):
    dest = tmp_path / "samples"
    results = {
        sid: (path, reason)
        for sid, path, reason in record_samples(registry(tmp_path, server), dest=dest, fetch_options=FAST)
    }

    # The index lists items but the article is gone: the index is the sample.
    path, reason = results["dead-article"]
    assert path == dest / "dead-article-index.xml"
    assert "no article recorded" in reason and "404" in reason
    assert not (dest / "dead-article-article.html").exists()

    path, reason = results["gone"]
    assert path is None and "index not recorded" in reason and "404" in reason
    assert not list(dest.glob("gone*"))

    path, reason = results["robots"]
    assert path is None and "robots.txt" in reason
    assert "/private/list.htm" not in paths(server)

    # The same guards as ingest: loopback only for local sources.
    path, reason = results["not-local"]
    assert path is None and "not local" in reason

    path, reason = results["folder"]
    assert path is None and reason.startswith("files source")


def test_only_the_named_sources_and_every_request_is_identified(server, tmp_path):
    results = record_samples(registry(tmp_path, server), ["local-feed"], tmp_path / "out", fetch_options=FAST)
    assert [sid for sid, _, _ in results] == ["local-feed"]
    assert paths(server)[0] == "/robots.txt"
    assert {request.headers.get("User-Agent") for request, _ in server.log} == {UA}
    with pytest.raises(RegistryError, match="unknown source"):
        record_samples(registry(tmp_path, server), ["nope"], tmp_path / "out")


def test_a_recorded_sample_passes_the_registry_check(server, tmp_path):
    dest = tmp_path / "samples"
    found = registry(tmp_path, server)
    results = {
        sid: path
        for sid, path, _ in record_samples(found, ["local-feed", "local-list"], dest, fetch_options=FAST)
    }
    text = (tmp_path / "sources.toml").read_text(encoding="utf-8")
    for sid, path in results.items():
        assert path is not None
        text = text.replace(f'id = "{sid}"\n', f'id = "{sid}"\nsample = "samples/{path.name}"\n')
    (tmp_path / "sources.toml").write_text(text, encoding="utf-8")
    for sid in results:
        source = load_registry(tmp_path / "sources.toml").get(sid)
        files = sample_files(source)
        assert [f.name for f in files] == [
            f"{sid}-article.html",
            f"{sid}-index.{'xml' if sid == 'local-feed' else 'html'}",
        ]
        for file in files:
            titles, problem = parse_sample(source, file, server.url_for("/"))
            assert problem is None and any(titles), (file.name, problem)
