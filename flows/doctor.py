"""`tradewire doctor`: can each source deliver articles as it is registered?

For each network source, one look at its index page: by default the recorded one (the golden or
`record-samples` copy in `samples/` beside the registry, `<id>-index.*`, dated by `<id>.provenance.json`;
a provenance that recorded only an answer, such as an HTTP 404, counts as a look), or with `--live`
a fetch through the same polite Fetcher as `tradewire ingest` (robots.txt, allowed hosts, per-host
spacing, the source's `ca_bundle`). The links are parsed with the run's parsers under their budgets
(`flows.parallel`); the verdict is `parsers.diagnosis.diagnose`. Table or JSON lines; exit status 1
when an enabled source is broken, 2 for a usage error.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from flows.cli_options import fail
from parsers.diagnosis import Diagnosis, IndexPage, diagnose, page_of_error, page_of_response
from parsers.model import Failure, Link, Source
from parsers.registry import Registry

NETWORK_KINDS = ("feed", "listing", "sitemap")


def samples_folder(registry: Registry, source: Source) -> Path:
    """Where the source's recorded pages are: beside its `sample`, else `samples/` beside the registry."""
    return source.sample.parent if source.sample else registry.path.resolve().parent / "samples"


def recorded_page(registry: Registry, source: Source) -> IndexPage | None:
    """The source's recorded index page (or recorded answer), None if nothing was recorded."""
    folder = samples_folder(registry, source)
    record = _provenance(folder / f"{source.id}.provenance.json").get("index", {})
    files = sorted(folder.glob(f"{source.id}-index.*"))
    if not files and not record:
        return None
    body = None
    if files:
        body = files[0].read_bytes()
        body = gzip.decompress(body) if files[0].suffix == ".gz" else body
    return IndexPage(
        url=record.get("final_url") or record.get("url") or source.url,
        seen_at=_when(record.get("fetched_at")),
        status=record.get("status"),
        body=body,
        content_type=record.get("content_type"),
        size=record.get("bytes"),
    )


def _provenance(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


async def _live_pages(registry: Registry, sources: list[Source], options: dict[str, Any]) -> list[IndexPage]:
    from parsers.fetch.client import Fetcher, FetchError

    async with Fetcher.from_registry(registry, **options) as fetcher:

        async def look(source: Source) -> IndexPage:
            try:
                return page_of_response(await fetcher.fetch(source, source.url))
            except FetchError as exc:
                return page_of_error(source.url, exc)

        return list(await asyncio.gather(*(look(s) for s in sources)))


def index_links(source: Source, page: IndexPage | None) -> tuple[list[Link] | None, str | None]:
    """The article links the source's parser finds on the page (within the run's budgets), and why
    the page itself could not be parsed if it could not; (None, None) if there is no body."""
    from flows import parallel

    if page is None or page.body is None:
        return None, None
    failures: list[Failure]
    if source.kind == "feed":
        links, failures = parallel.parse_feed(page.body, page.url, source, page.content_type)
    elif source.kind == "sitemap":
        sitemap, failure = parallel.parse_sitemap(page.body, page.url, source)
        links, failures = list(sitemap.entries), [failure] if failure else []
    else:
        links, _, failures = parallel.parse_listing(page.body, page.url, source, page.content_type)
    own = [f.reason for f in failures if f.url == page.url]  # the page's, not one bad entry's
    return links, (own[0] if own and not links else None)


def check(
    registry: Registry,
    sources: list[Source],
    *,
    live: bool = False,
    stale_after: timedelta = timedelta(days=45),
    fetch_options: dict[str, Any] | None = None,
) -> list[Diagnosis]:
    """A Diagnosis for each source, from its recorded index page or (live) a fetch of it now."""
    if live:
        pages: list[IndexPage | None] = list(
            asyncio.run(_live_pages(registry, sources, dict(fetch_options or {})))
        )
    else:
        pages = [recorded_page(registry, s) for s in sources]
    checked = "live" if live else "recorded"
    results = []
    for source, page in zip(sources, pages, strict=True):
        links, problem = index_links(source, page)
        results.append(
            diagnose(source, page, links, stale_after=stale_after, checked=checked, problem=problem)
        )
    return results


COLUMNS = ["source", "enabled", "verdict", "links", "matching", "newest", "seen", "reason"]


def _row(d: Diagnosis) -> list[Any]:
    age = None if d.newest_age_hours is None else f"{d.newest_age_hours / 24:.1f} d"
    seen = d.seen_at.date().isoformat() if d.seen_at else None
    return [d.source_id, d.enabled, d.verdict, d.links, d.matching, age, seen, d.reason]


def _record(d: Diagnosis) -> dict[str, Any]:
    return {
        "source": d.source_id, "enabled": d.enabled, "verdict": d.verdict, "broken": d.broken,
        "links": d.links, "matching": d.matching, "newest_age_hours": d.newest_age_hours,
        "seen_at": d.seen_at.isoformat() if d.seen_at else None, "checked": d.checked, "reason": d.reason,
    }  # fmt: skip


def doctor(
    live: Annotated[
        bool, typer.Option("--live", help="fetch each index now instead of the recorded one")
    ] = False,
    json_lines: Annotated[bool, typer.Option("--json", help="one JSON object per source")] = False,
    source: Annotated[list[str] | None, typer.Option("--source", help="only these source ids")] = None,
    profile: Annotated[str | None, typer.Option(help="only the sources of this profile")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="disabled sources too")] = False,
    stale_days: Annotated[float, typer.Option(help="newest item older than this: stale")] = 45.0,
    sources: Annotated[
        Path | None, typer.Option("--sources", help="registry file [default seeds/sources.toml]")
    ] = None,
) -> None:
    """Check each source's index: links found, links matching its pattern, newest item, verdict."""
    from flows.output import print_rows
    from parsers.registry import RegistryError, load_registry

    try:
        registry = load_registry(sources)
        picked = registry.select(only=tuple(source)) if source else registry.sources
    except RegistryError as exc:
        fail(str(exc))
    chosen = [
        s for s in picked
        if s.kind in NETWORK_KINDS and (source or all_sources or s.enabled)
        and (profile is None or profile in s.profiles)
    ]  # fmt: skip
    if not chosen:
        fail("no network source to check (files sources have no index page)")
    results = check(registry, chosen, live=live, stale_after=timedelta(days=stale_days))
    if json_lines:
        for d in results:
            typer.echo(json.dumps(_record(d), ensure_ascii=False))
    else:
        print_rows(COLUMNS, [_row(d) for d in results])
    broken = [d.source_id for d in results if d.broken and d.enabled]
    if broken:
        typer.secho(f"broken enabled source(s): {', '.join(broken)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `doctor` command to the `tradewire` app."""
    app.command("doctor")(doctor)
