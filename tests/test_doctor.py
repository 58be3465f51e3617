"""`tradewire doctor` names each condition: over the recorded pages of the real registry, over real
pages recorded for test sources, and live against real HTTP(S) servers on 127.0.0.1 serving real pages.

Real pages only: GACC's express index and one of its articles (seeds/samples, from a public
scraper's fixtures), GACC's English preliminary index, and a real 2018 news feed
(tests/data/feeds/encoding-gb2312.xml); the observations the registry keeps without bytes (a
68-character MOFCOM page, China Daily's HTTP 404) are read from their provenance records.
"""

from __future__ import annotations

import gzip
import json
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from conftest import ROOT
from flows.cli import app
from flows.doctor import check
from parsers.model import Source
from parsers.registry import Registry, load_registry
from pki import make_pki, server_context

SAMPLES = ROOT / "seeds" / "samples"
OLD_FEED = ROOT / "tests" / "data" / "feeds" / "encoding-gb2312.xml"  # news.qq.com, items of 2018-09-17/18
FAST = {"retries": 0, "timeout": 3.0, "total_timeout": 5.0}


def _golden(name: str) -> bytes:
    return gzip.decompress((SAMPLES / name).read_bytes())


def _by_id(results) -> dict:
    return {d.source_id: d for d in results}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def test_recorded_pages_of_the_registry_are_judged(registry):
    sources = [
        registry.get(i) for i in ("gacc-express", "gacc-preliminary", "mofcom-news", "chinadaily-business")
    ]
    found = _by_id(check(registry, sources))
    express = found["gacc-express"]
    assert (express.verdict, express.links, express.matching) == ("ok", 10, 10)
    assert 0 < express.newest_age_hours < 24  # listed on 2026-08-07, recorded that morning
    assert (found["gacc-preliminary"].verdict, found["gacc-preliminary"].links) == ("ok", 12)
    assert found["mofcom-news"].verdict == "scripts"
    assert "68 bytes" in found["mofcom-news"].reason
    assert found["chinadaily-business"].verdict == "dead"
    assert "404" in found["chinadaily-business"].reason


def test_cli_exit_status_follows_enabled_sources_only():
    runner = CliRunner()
    healthy = runner.invoke(app, ["doctor"])
    assert healthy.exit_code == 0, healthy.output
    assert "gacc-express" in healthy.output and "no-page" in healthy.output
    everything = runner.invoke(app, ["doctor", "--all", "--json"])
    assert everything.exit_code == 0  # the broken ones are disabled: nothing to fix in the registry
    rows = {r["source"]: r for r in map(json.loads, everything.stdout.splitlines())}
    assert rows["mofcom-news"]["verdict"] == "scripts" and rows["mofcom-news"]["broken"]
    assert rows["chinadaily-business"]["verdict"] == "dead"
    assert rows["gacc-preliminary"]["links"] == 12


def _recorded(tmp_path: Path, source_id: str, page: bytes, url: str, toml: str) -> Registry:
    """A registry of one listing source whose recorded index page is `page` (real bytes)."""
    (tmp_path / "samples").mkdir(exist_ok=True)
    (tmp_path / "samples" / f"{source_id}-index.html.gz").write_bytes(gzip.compress(page))
    record = {
        "source_id": source_id,
        "index": {"url": url, "status": 200, "fetched_at": "2026-08-07T02:38:59+00:00"},
    }
    (tmp_path / "samples" / f"{source_id}.provenance.json").write_text(json.dumps(record), encoding="utf-8")
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[[source]]\nid = "{source_id}"\nname = "t"\nkind = "listing"\nurl = "{url}"\nparser = "html"\n'
        f'allowed_hosts = ["tjs.customs.gov.cn", "english.customs.gov.cn"]\n{toml}',
        encoding="utf-8",
    )
    return load_registry(path)


def test_a_page_built_by_scripts_is_named(tmp_path):
    # GACC's real article page: title and date, then only a script-driven viewer in a frame and
    # javascript: links. As an index it gives a plain fetcher what a script-built list gives.
    page = _golden("gacc-express-article.html.gz")
    url = "http://tjs.customs.gov.cn/tjs/2026-08/07/article_2026080710320733327.html"
    registry = _recorded(tmp_path, "framed", page, url, 'selectors = { link = "a[href]" }\n')
    (result,) = check(registry, list(registry.sources))
    assert result.verdict == "scripts" and result.broken
    assert "no usable link" in result.reason and "scripts or frames" in result.reason


def test_selectors_that_yield_nothing_are_named(tmp_path):
    page = _golden("gacc-preliminary-index.html.gz")
    url = "http://english.customs.gov.cn/statics/report/preliminary.html"
    # GACC's real English index read with the Chinese site's selectors: a layout the source no longer has.
    selectors = 'selectors = { item = "ul.news_list li", link = "a[href*=\'/article_\']" }\n'
    registry = _recorded(tmp_path, "moved", page, url, selectors)
    (result,) = check(registry, list(registry.sources))
    assert (result.verdict, result.links) == ("no-links", None)
    assert "the selectors yield nothing" in result.reason and "has the layout changed" in result.reason


def test_links_that_miss_the_article_pattern_are_named(tmp_path):
    page = _golden("gacc-express-index.html.gz")
    url = "http://tjs.customs.gov.cn/tjs/sjgb/tjkx/index.html"
    toml = (
        "article_pattern = '^https?://english\\.customs\\.gov\\.cn/Statics/'\n"
        'selectors = { item = "ul.news_list li", link = "a[href*=\'/article_\']" }\n'
    )
    registry = _recorded(tmp_path, "mismatch", page, url, toml)
    (result,) = check(registry, list(registry.sources))
    assert (result.verdict, result.links, result.matching) == ("no-links", 10, 0)
    assert "none matches article_pattern" in result.reason


def _local(source: Source, url: str, **changes) -> Source:
    return replace(source, url=url, allowed_hosts=(), local=True, min_interval=0.0, **changes)


def test_live_old_feed_is_stale(registry):
    feed = replace(registry.get("ecns-rss"), id="old-feed")
    with HTTPServer(host="127.0.0.1", port=0) as server:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        server.expect_request("/rss.xml").respond_with_data(
            OLD_FEED.read_bytes(), content_type="application/xml"
        )
        (result,) = check(registry, [_local(feed, server.url_for("/rss.xml"))], live=True, fetch_options=FAST)
    assert (result.verdict, result.links, result.checked) == ("stale", 20, "live")
    assert "years old" in result.reason and "dead or abandoned feed" in result.reason
    assert result.newest_age_hours > 24 * 365 * 8


@pytest.mark.parametrize(
    ("robots", "status", "verdict", "words"),
    [
        ("User-agent: *\nDisallow: /\n", 200, "robots", "robots.txt disallows /list"),
        ("", 404, "dead", "HTTP 404"),
        ("", 410, "dead", "HTTP 410"),
        ("", 412, "scripts", "JavaScript challenge"),
        ("", 503, "unreachable", "HTTP 503"),
    ],
)
def test_live_answers_are_named(registry, robots, status, verdict, words):
    listing = registry.get("gacc-express")
    with HTTPServer(host="127.0.0.1", port=0) as server:
        server.expect_request("/robots.txt").respond_with_data(robots, status=200 if robots else 404)
        server.expect_request("/list").respond_with_data(b"", status=status)
        (result,) = check(registry, [_local(listing, server.url_for("/list"))], live=True, fetch_options=FAST)
    assert result.verdict == verdict and result.broken
    assert words in result.reason


def test_live_tls_failure_then_ok_with_ca_bundle(registry, tmp_path):
    pki = make_pki(tmp_path)
    listing = registry.get("gacc-express")
    pattern = r"^https://127\.0\.0\.1:\d+/tjs/\d{4}-\d{2}/\d{2}/article_\d+\.html$"
    with HTTPServer(host="127.0.0.1", port=0, ssl_context=server_context(pki)) as server:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        server.expect_request("/tjs/sjgb/tjkx/index.html").respond_with_data(
            _golden("gacc-express-index.html.gz"), content_type="text/html; charset=utf-8"
        )
        url = server.url_for("/tjs/sjgb/tjkx/index.html")
        untrusted = _local(listing, url, article_pattern=pattern)
        trusted = replace(untrusted, id="trusted", ca_bundle=pki["ca"])
        looks = check(
            registry, [untrusted, trusted], live=True, stale_after=timedelta(days=3650), fetch_options=FAST
        )
        refused, fine = looks
    assert refused.verdict == "tls" and "not trusted" in refused.reason and "ca_bundle" in refused.reason
    assert (fine.verdict, fine.links, fine.matching) == ("ok", 10, 10)
    assert fine.newest_age_hours > 24 * 30  # listed 2026-08-07, looked at now


def test_stale_threshold_is_an_option(registry):
    express = registry.get("gacc-express")
    (result,) = check(registry, [express], stale_after=timedelta(hours=1))
    assert result.verdict == "stale" and "10.6 h old" in result.reason


def test_cli_refuses_a_registry_without_network_sources(tmp_path):
    shutil.copytree(ROOT / "seeds" / "press", tmp_path / "press")
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nid = "p"\nname = "p"\nkind = "files"\nurl = "press"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["doctor", "--sources", str(path)])
    assert result.exit_code == 2 and "no network source" in result.output


def test_cli_live_names_a_dead_feed_and_exits_1(tmp_path):
    with HTTPServer(host="127.0.0.1", port=0) as server:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        server.expect_request("/feed.xml").respond_with_data("gone", status=404)
        path = tmp_path / "sources.toml"
        path.write_text(
            f'[[source]]\nid = "gone"\nname = "g"\nkind = "feed"\nurl = "{server.url_for("/feed.xml")}"\n'
            "local = true\nmin_interval = 0.0\n",
            encoding="utf-8",
        )
        result = CliRunner().invoke(app, ["doctor", "--live", "--json", "--sources", str(path)])
    assert result.exit_code == 1
    (row,) = map(json.loads, result.stdout.splitlines())
    assert (row["source"], row["verdict"], row["checked"]) == ("gone", "dead", "live")
    assert "broken enabled source(s): gone" in result.stderr
