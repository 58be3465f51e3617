"""bench.scale's no-op run: the real ingest flow against a local feed that answers 304."""

from __future__ import annotations

import hashlib
import os
import statistics
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb


def prepare_noop(published: Path, site: Any) -> None:
    """Store the feed's validators (so it answers 304) and make the analysts' copy exist and be fresh.

    The analysts' file is a hard link to the primary: a run that changes nothing does not republish
    (flows.tasks.publish), so its content never matters here, only that it exists and is recent.
    """
    from warehouse import db

    primary = db.primary_path(published)
    on_lake = db.lake_config() is not None  # then db.connect opens the lake; the file is only linked
    with db.connect(primary) if on_lake else duckdb.connect(str(primary)) as con:
        con.execute("DELETE FROM core.http_cache WHERE url = ?", [site.feed_url])  # the table has no key
        con.execute(
            "INSERT INTO core.http_cache VALUES (?, 'local-news', 'index', 200, ?, NULL, ?, ?, md5_number_lower(?))",
            [site.feed_url, site.etag, hashlib.sha256(site.feed).hexdigest(), datetime.now(), site.feed_url],
        )
        if not on_lake:
            con.execute("CHECKPOINT")
    _relink(published)


def _relink(published: Path) -> None:
    from warehouse import db

    primary = db.primary_path(published)
    if published.exists() and published.stat().st_ino == primary.stat().st_ino:
        return
    published.unlink(missing_ok=True)
    os.link(primary, published)


def noop_benchmark(published: Path, repeat: int) -> dict[str, Any]:
    """The real ingest flow against a feed that answers 304: median of `repeat` runs after a warm-up."""
    from bench.flow_probe import run_flow
    from bench.site import Site, load_pages, write_registry

    runs: list[dict[str, Any]] = []
    with Site(load_pages()[:20]) as site:
        registry = write_registry(published.parent, site.feed_url)
        prepare_noop(published, site)
        for r in range(repeat + 1):
            inode = published.stat().st_ino
            summary, figures = run_flow(registry, str(published))
            figures["republished"] = published.stat().st_ino != inode
            _relink(published)
            if summary.found or summary.new or summary.failed:
                raise RuntimeError(f"the no-op run found something: {summary}")
            if r:  # the first run in a process also starts Prefect's client and workers: reported apart
                runs.append(figures)
            else:
                first = figures
        if site.not_modified < repeat + 1:
            raise RuntimeError("the feed was not revalidated with a 304")
    outside = [f["wall_seconds"] - f["network_seconds"] for f in runs]
    median = statistics.median(outside)
    typical = runs[outside.index(sorted(outside)[len(outside) // 2])]
    return {
        "seconds": median,
        "runs": outside,
        "first_run_seconds": first["wall_seconds"] - first["network_seconds"],
        "first_run_prefect_overhead_seconds": first["prefect_overhead_seconds"],
        "wall_seconds": statistics.median(f["wall_seconds"] for f in runs),
        "network_seconds": statistics.median(f["network_seconds"] for f in runs),
        "prefect_overhead_seconds": statistics.median(f["prefect_overhead_seconds"] for f in runs),
        "flow_overhead_seconds": statistics.median(f["flow_overhead_seconds"] for f in runs),
        "flow_body_seconds": statistics.median(f["flow_body_seconds"] for f in runs),
        "after_body_seconds": statistics.median(f["after_body_seconds"] for f in runs),
        "task_overhead_seconds": statistics.median(f["task_overhead_seconds"] for f in runs),
        "republished": any(f["republished"] for f in runs),
        "task_body_seconds": typical["task_body_seconds"],
    }
