"""Record sample pages of network sources: one index page and its newest article per source.

The registry test parses every source's recorded `sample`; pages of the live publishers can only be
recorded where there is internet. `record_samples` fetches them through the same `Fetcher` and
`crawl` code path as `tradewire ingest` (robots.txt, allowed hosts, per-host spacing, size caps),
with the source limited to its first index page and one article, and writes into `dest`:

    <id>-index.<html|xml|xml.gz>   the feed, listing page or sitemap as served
    <id>-article.html              the newest article it lists (`.txt` for a `text` parser)
    <id>.provenance.json           URLs, status, content type, fetch time and sha256 of both

Nothing is written to the warehouse. The registry's `sample` can then point at the article (the
registry test finds the index beside it by name).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.crawl import Crawler, to_fetch
from parsers.extract.documents import parse_document
from parsers.extract.feeds import parse_feed
from parsers.extract.listing import parse_listing
from parsers.extract.sitemap import parse_sitemap
from parsers.fetch.client import Fetcher
from parsers.model import Document, Failure, Source
from parsers.registry import Registry

log = logging.getLogger(__name__)
RECORDED_BY = "tradewire record-samples"
SampleResult = tuple[str, Path | None, str]  # (source id, file to use as `sample` or None, what happened)


def default_dest(registry: Registry) -> Path:
    """`samples/` beside the registry file (seeds/samples/ for the default registry)."""
    return registry.path.resolve().parent / "samples"


def record_samples(
    registry: Registry,
    source_ids: Iterable[str] | None = None,
    dest: Path | str | None = None,
    *,
    profile: str = "live",
    fetch_options: Mapping[str, Any] | None = None,
) -> list[SampleResult]:
    """Fetch and write one index page and one article for each source; one result per source.

    Sources: exactly `source_ids` if given (RegistryError for an unknown id), else the enabled
    sources of `profile`. The path in a result is the file to set as the source's `sample`: the
    article if it parses to a titled article, else the index page if it lists items, else None;
    whatever was fetched is written either way, and the reason says what happened.
    """
    sources = registry.select(profile, tuple(source_ids or ()))
    folder = Path(dest) if dest is not None else default_dest(registry)
    return asyncio.run(_record_all(registry, sources, folder, dict(fetch_options or {})))


async def _record_all(
    registry: Registry, sources: tuple[Source, ...], dest: Path, fetch_options: dict[str, Any]
) -> list[SampleResult]:
    async with Fetcher.from_registry(registry, **fetch_options) as fetcher:  # one politeness state per host
        return list(await asyncio.gather(*(_record(source, fetcher, dest) for source in sources)))


async def _record(source: Source, fetcher: Fetcher, dest: Path) -> SampleResult:
    if source.kind == "files":
        return source.id, None, "files source: nothing to fetch; point `sample` at one of its files"
    # One index page (a sitemap index may need its first child) and the newest article it lists.
    probe = replace(source, max_items=1, max_pages=1 if source.kind == "listing" else source.max_pages)
    crawler = Crawler(probe, fetcher, {})
    result = await crawler.articles(to_fetch(probe, await crawler.links(), [], set()))
    if not result.index_pages:
        return source.id, None, "index not recorded: " + _reasons(result.failures, "nothing fetched")
    index = result.index_pages[0]
    dest.mkdir(parents=True, exist_ok=True)
    index_path = _write(dest / f"{source.id}-index.{_index_ext(source, index.body)}", index.body)
    provenance: dict[str, Any] = {"index": _provenance(index, index_path)}
    items, problem = parse_sample(source, index_path, index.final_url or index.url)
    listed = f"index recorded ({len(items)} item(s))" if not problem else f"index recorded ({problem})"
    chosen = index_path if any(items) else None
    if not result.documents:
        article_failures = [f for f in result.failures if f.url != index.url]
        why = _reasons(article_failures, "it lists no article on the allowed hosts")
        _write_provenance(dest, source, provenance)
        return source.id, chosen, f"{listed}; no article recorded: {why}"
    article = result.documents[0]
    ext = "html" if source.parser == "html" else "txt"
    article_path = _write(dest / f"{source.id}-article.{ext}", article.body)
    provenance["article"] = _provenance(article, article_path)
    _write_provenance(dest, source, provenance)
    titles, problem = parse_sample(source, article_path, article.final_url or article.url)
    if problem or not any(titles):
        return source.id, chosen, f"{listed}; article {article.url} recorded but not usable: {problem}"
    return source.id, article_path, f"{listed}; article {article.url} recorded: {titles[0]!r}"


def parse_sample(source: Source, path: Path, url: str | None = None) -> tuple[list[str], str | None]:
    """Titles found in a recorded sample, and the problem if it could not be parsed.

    A file named `*-index.*` is parsed as the source's index (feed, listing or sitemap; sitemap
    entries without a news title are named by their URL); any other file is an article page, parsed
    with the source's parser. `url` is where the file came from (default: the source's URL), which
    resolves relative links and decides which hosts are allowed.
    """
    body = path.read_bytes()
    if path.suffix == ".gz":  # goldens are kept gzipped (seeds/samples/README.md)
        body = gzip.decompress(body)
    base = url or (source.url if source.kind != "files" else path.as_uri())
    if "-index." in path.name:
        if source.kind == "feed":  # a bad entry is the run's failure row; the sample fails if none is usable
            feed_items, failures = parse_feed(body, base, source)
            problem = "; ".join(f.reason for f in failures) if failures and not feed_items else None
            return [item.title or "" for item in feed_items], problem
        if source.kind == "listing":
            listed, _, _ = parse_listing(body, base, source)
            return [item.title or "" for item in listed], None if listed else "no item matched the selectors"
        if source.kind == "sitemap":
            sitemap, failure = parse_sitemap(body, base, source)
            names = [e.title or e.url for e in (*sitemap.entries, *sitemap.sitemaps)]
            return names, failure.reason if failure else None
        return [], f"a {source.kind} source has no index page"
    doc = Document(
        source_id=source.id,
        url=base,
        body=body,
        fetched_at=datetime.now(UTC),
        content_type="text/html" if source.parser == "html" else "text/plain",
        encoding=source.encoding,
    )
    parsed = parse_document(source, doc)
    if isinstance(parsed, Failure):
        return [], parsed.reason
    return [parsed.title], None if parsed.title else "the article has no title"


def sample_files(source: Source) -> list[Path]:
    """The source's `sample` and the recorded `<id>-index.*` / `<id>-article.*` files beside it."""
    if source.sample is None:
        return []
    folder = source.sample.parent
    found = [
        source.sample,
        *sorted(folder.glob(f"{source.id}-index.*")),
        *sorted(folder.glob(f"{source.id}-article.*")),
    ]
    return list(dict.fromkeys(found))


def _index_ext(source: Source, body: bytes) -> str:
    if source.kind == "listing":
        return "html"
    return "xml.gz" if body.startswith(b"\x1f\x8b") else "xml"


def _write(path: Path, data: bytes) -> Path:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)  # a reader never sees half a file
    return path


def _provenance(doc: Document, path: Path) -> dict[str, Any]:
    return {
        "file": path.name,
        "url": doc.url,
        "final_url": doc.final_url or doc.url,
        "status": doc.status,
        "content_type": doc.content_type,
        "fetched_at": doc.fetched_at.isoformat(),
        "sha256": doc.sha256,
    }


def _write_provenance(dest: Path, source: Source, fresh: dict[str, Any]) -> None:
    """Merge into `<id>.provenance.json`: an article recorded earlier stays described if none came now."""
    path = dest / f"{source.id}.provenance.json"
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        previous = {}
    record = {**previous, "source_id": source.id, "recorded_by": RECORDED_BY, **fresh}
    _write(path, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _reasons(failures: list[Failure], default: str) -> str:
    return "; ".join(f"{f.url}: {f.reason}" for f in failures) or default
