import asyncio
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer

from flows.crawl import Crawler
from flows.samples import parse_sample, sample_files
from parsers.extract.documents import PARSERS
from parsers.fetch.client import Fetcher
from parsers.fetch.files import read_files
from parsers.fetch.policy import host_allowed
from parsers.model import SOURCE_KINDS, Source
from parsers.registry import RegistryError, load_registry

# The real publishers of the `live` profile (seeds/sources.toml).
LIVE = {
    "mofcom-news", "mofcom-press", "gacc-news", "scio-press", "govcn-policies", "dalian-news",
    "ecns-rss", "chinadaily-business", "xinhua-business",
}  # fmt: skip

# Enabled sources with no recorded sample. These sites could not be reached from the machine the
# registry was written on (no internet there), so nothing of theirs could be recorded;
# `tradewire record-samples` (flows/samples.py) records them where there is internet. Then set the
# source's `sample` and remove its id here: the test below fails until this set is exactly right,
# so adding a source without a sample, or recording one, forces an update.
UNRECORDED = {
    "mofcom-news", "mofcom-press", "gacc-news", "scio-press", "govcn-policies", "dalian-news",
    "ecns-rss", "chinadaily-business",
}  # fmt: skip

# Kinds flows/crawl.py crawls; `files` sources are read by flows/discover.py.
CRAWLED_KINDS = {"feed", "listing", "sitemap"}


def enabled() -> list[Source]:
    return [s for s in load_registry().sources if s.enabled]


def test_every_enabled_source_has_a_parser_and_a_known_kind():
    sources = enabled()
    assert sources
    assert CRAWLED_KINDS | {"files"} == set(SOURCE_KINDS)
    for source in sources:
        assert source.parser in PARSERS, f"{source.id}: no parser {source.parser!r}"
        assert source.kind in SOURCE_KINDS, f"{source.id}: kind {source.kind!r}"


def test_the_crawler_fetches_the_index_of_every_enabled_kind():
    """Each network kind in the registry makes the real crawler request the source's index page."""
    kinds = {s.kind: s for s in enabled()}
    for kind, source in kinds.items():
        if kind == "files":
            documents, failures = read_files(source)
            assert documents and not failures, f"{source.id}: files not readable"
            continue
        with HTTPServer(host="127.0.0.1", port=0) as server:
            server.expect_request("/robots.txt").respond_with_data("", status=404)
            server.expect_request("/index").respond_with_data("", status=200)
            local = replace(
                source, url=server.url_for("/index"), allowed_hosts=(), local=True, min_interval=0.0
            )
            asyncio.run(_crawl(local))
            assert "/index" in [request.path for request, _ in server.log], f"kind {kind!r} is not crawled"


async def _crawl(source: Source) -> None:
    async with Fetcher("tradewire-test/1 (+mailto:test@example.org)", timeout=2.0, retries=0) as fetcher:
        await Crawler(source, fetcher, {}).links()


@pytest.mark.parametrize("source", [s for s in enabled() if s.sample], ids=lambda s: s.id)
def test_every_recorded_sample_parses_to_a_titled_item(source: Source):
    assert source.sample is not None and source.sample.is_file(), (
        f"{source.id}: sample {source.sample} missing"
    )
    for path in sample_files(source):
        titles, problem = parse_sample(source, path)
        assert problem is None, f"{source.id}: {path.name}: {problem}"
        assert any(t.strip() for t in titles), f"{source.id}: {path.name}: no item with a title"


def test_unrecorded_sources_are_exactly_the_documented_ones():
    unrecorded = {s.id for s in enabled() if s.sample is None}
    assert unrecorded == UNRECORDED, (
        f"recorded now (remove from UNRECORDED): {sorted(UNRECORDED - unrecorded)}; "
        f"new without a sample (record one, or add to UNRECORDED with a reason): {sorted(unrecorded - UNRECORDED)}"
    )


def test_default_profile_is_the_offline_seed_source():
    ids = [s.id for s in load_registry().select("default")]
    assert ids == ["seed-press"]


def test_live_profile_selects_exactly_the_real_publishers():
    registry = load_registry()
    live = registry.select("live")
    assert {s.id for s in live} == LIVE
    assert len(live) == len(LIVE)
    assert not {s.id for s in registry.select("default")} & LIVE


@pytest.mark.parametrize("source", load_registry().select("live"), ids=lambda s: s.id)
def test_live_sources_are_public_polite_and_fetch_only_their_own_hosts(source: Source):
    registry = load_registry()
    host = urlsplit(source.url).hostname or ""
    assert urlsplit(source.url).scheme in ("http", "https")
    assert source.allowed_hosts, f"{source.id}: allowed_hosts must be explicit"
    assert host_allowed(host, source.allowed_hosts), f"{source.id}: {host} not in {source.allowed_hosts}"
    assert not source.local, f"{source.id}: a live source must never be local"
    assert source.parser == "html" and source.kind in CRAWLED_KINDS
    interval = registry.min_interval if source.min_interval is None else source.min_interval
    assert interval >= 5.0, f"{source.id}: requests closer than 5 s apart"
    if source.kind == "listing":
        assert source.selector("link") and source.max_pages <= 3, f"{source.id}: listing needs selectors"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[[source]]\nid = "x"\nname = "x"\nkind = "ftp"\nurl = "u"\n',
            "source 'x': kind = 'ftp': expected one of files, feed, listing, sitemap",
        ),
        ('[[source]]\nid = "x"\nname = "x"\nkind = "feed"\n', "'url' is required"),
        ('[[source]]\nid = "x"\nname = "x"\nkind = "feed"\nurl = "u"\ncolour = 1\n', "unknown key"),
        ('[[source]]\nid = "x"\nname = "x"\nkind = "feed"\nurl = "u"\n' * 2, "duplicate source id"),
        ("[[source]\n", "not valid TOML"),
    ],
)
def test_invalid_registries_are_clear_errors(tmp_path, toml, message):
    path = tmp_path / "sources.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_registry(path)


def test_sources_are_frozen():
    source = load_registry().sources[0]
    with pytest.raises(AttributeError):
        source.url = "elsewhere"  # type: ignore[misc]


def test_unknown_source_id_is_refused():
    with pytest.raises(RegistryError, match="unknown source"):
        load_registry().select(only=("nope",))
