import asyncio
import gzip
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer

from flows.crawl import Crawler
from flows.samples import parse_sample, sample_files
from parsers.extract.documents import PARSERS
from parsers.fetch.client import Fetcher
from parsers.fetch.files import read_files
from parsers.fetch.policy import allowed_hosts, host_allowed
from parsers.model import SOURCE_KINDS, Source
from parsers.registry import RegistryError, load_registry

# The real publishers of the `live` profile (seeds/sources.toml), enabled or not.
LIVE = {
    "mofcom-news", "mofcom-press", "mofcom-announcements", "mofcom-spokesperson", "gacc-news",
    "gacc-preliminary", "gacc-express", "gacc-announcements", "scio-press", "govcn-policies",
    "govcn-zhengce", "dalian-news", "ecns-rss", "chinadaily-business", "xinhua-business",
}  # fmt: skip

# Disabled, each with the reason written beside it in the registry (dead, or unreadable by a polite client).
DISABLED = {"mofcom-news", "gacc-announcements", "chinadaily-business", "xinhua-business"}

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


# Goldens whose title comes from the document's metadata table (标题), read by the official-document
# metadata of issue 13 (branch h13-official): until that reader is merged the page parses untitled.
TITLE_FROM_METADATA = {"govcn-zhengce"}


@pytest.mark.parametrize("source", [s for s in enabled() if s.sample], ids=lambda s: s.id)
def test_every_recorded_sample_parses_to_a_titled_item(source: Source):
    assert source.sample is not None and source.sample.is_file(), (
        f"{source.id}: sample {source.sample} missing"
    )
    for path in sample_files(source):
        titles, problem = parse_sample(source, path, _recorded_url(source, path))
        if source.id in TITLE_FROM_METADATA and problem == "the article has no title":
            pytest.skip(f"{source.id}: the title is in the metadata table (official-document metadata)")
        assert problem is None, f"{source.id}: {path.name}: {problem}"
        assert any(t.strip() for t in titles), f"{source.id}: {path.name}: no item with a title"


def _recorded_url(source: Source, path: Path) -> str | None:
    """Where the golden was fetched from, per its provenance (relative links resolve against it)."""
    record = provenance(source)
    part = record.get("index" if "-index." in path.name else "article", {})
    return part.get("url")


def provenance(source: Source) -> dict:
    if source.sample is None:
        return {}
    path = source.sample.parent / f"{source.id}.provenance.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@pytest.mark.parametrize("source", load_registry().select("live"), ids=lambda s: s.id)
def test_every_enabled_live_source_has_a_golden_or_says_why_not(source: Source):
    assert (source.sample is None) != (source.no_sample is None), (
        f"{source.id}: give either `sample` (a recorded page) or `no_sample` (why there is none), not both"
    )


# The seed texts of `files` sources are the project's own offline input, described in seeds/press/.
@pytest.mark.parametrize(
    "source", [s for s in load_registry().sources if s.sample and s.kind != "files"], ids=lambda s: s.id
)
def test_goldens_are_real_copies_with_provenance(source: Source):
    """Each recorded page names its URL, date and origin, and is the file its provenance describes."""
    record = provenance(source)
    assert record.get("recorded_by") and record.get("source_id") == source.id, f"{source.id}: no provenance"
    for path in sample_files(source):
        part = record["index" if "-index." in path.name else "article"]
        assert part["file"] == path.name
        assert urlsplit(part["url"]).hostname, part["url"]
        assert host_allowed(urlsplit(part["url"]).hostname or "", allowed_hosts(source))
        assert part["fetched_at"][:4].isdigit()
        body = path.read_bytes()
        body = gzip.decompress(body) if path.suffix == ".gz" else body
        assert hashlib.sha256(body).hexdigest() == part["sha256"], f"{path.name} differs from its provenance"


def test_every_disabled_live_source_is_a_documented_one():
    disabled = {s.id for s in load_registry().sources if "live" in s.profiles and not s.enabled}
    assert disabled == DISABLED


def test_default_profile_is_the_offline_seed_source():
    ids = [s.id for s in load_registry().select("default")]
    assert ids == ["seed-press"]


def test_live_profile_selects_exactly_the_real_publishers():
    registry = load_registry()
    live = registry.select("live")
    assert {s.id for s in live} == LIVE - DISABLED
    assert {s.id for s in registry.sources if "live" in s.profiles} == LIVE
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
        assert source.article_pattern, f"{source.id}: a listing says what its article URLs look like"
    if source.official:
        assert interval >= 10.0 and source.max_concurrency == 1, (
            f"{source.id}: government hosts get 10 s, one at a time"
        )


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
