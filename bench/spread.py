"""Reparse spread over processes and a Dask cluster: pages/s, and the same warehouse each way.

One real ingest (the `ingest` flow over a loopback site serving the 181 aeb pages, each at
`COPIES` URLs so there are enough batches to share: 724 archived documents) fills a warehouse and
its raw archive. Then `tradewire reparse` (`flows.reparse.run`) rebuilds a copy of it, in batches
of `BATCH` documents, with the batches in 1, 2 and all local processes (Prefect's process pool)
and on a `distributed.LocalCluster` of 2 worker processes (prefect-dask). For each: wall time of
the flow run, archived documents per second, CPU seconds of this process and its children, and
whether the rebuilt warehouse holds the same rows as the first one (articles, topics, paragraph
topics, measures, sightings, stories, failures; run ids and load times aside).

Wall time is what spreading buys, so it is reported here; it moves with the other work on the
machine (the load average is printed). Needs a running Prefect API (`python -m bench` starts one).

    python -m bench.spread
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.site import Site, load_pages, write_registry

COPIES = 4
BATCH = 50
CONTENTS = {
    "articles": "SELECT article_id, source_id, url, title, published_at, clean_text, raw_text, story_id,"
    " canonical_url, title_source, date_text, date_source, agency, author, language FROM articles",
    "topics": "SELECT article_id, topic, score, evidence FROM article_topics",
    "paragraphs": "SELECT article_id, paragraph, topic, score FROM paragraph_topics",
    "measures": "SELECT article_id, ordinal, text, topics FROM measures",
    "sightings": "SELECT url, article_id, source_id FROM core.sightings",
    "stories": "SELECT story_id, representative_id, title, articles, copies FROM stories",
    "failures": "SELECT source_id, url, stage, reason FROM failures",
}


def contents(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """What a rebuild decides, row for row (sorted), per table."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {name: sorted(con.execute(sql).fetchall(), key=repr) for name, sql in CONTENTS.items()}


def copy_warehouse(db: Path, to: Path) -> Path:
    """A copy of the warehouse and its raw archive."""
    from warehouse.archive import archive_dir

    to.mkdir()
    shutil.copy(db, to / db.name)
    shutil.copytree(archive_dir(db), archive_dir(to / db.name))
    return to / db.name


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def spread_benchmark() -> dict[str, Any]:
    """Ingest once, then reparse each way; print and return the figures."""
    from flows.ingest import ingest
    from flows.reparse import run

    pages = [(f"{key}-{c}", body) for c in range(COPIES) for key, body in load_pages()]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    ways: dict[str, dict[str, Any]] = {
        "1 process": {"processes": 1},
        "2 processes": {"processes": 2},
        f"all {cpus} processes": {"processes": cpus},
        "Dask LocalCluster, 2 workers": {"dask": "local:2"},
    }
    figures: dict[str, Any] = {"documents": len(pages), "batch": BATCH, "loadavg_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-spread-") as tmp:
        db = Path(tmp) / "ingested" / "tw.duckdb"
        db.parent.mkdir()
        with Site(pages) as site:  # the site is gone before the rebuilds: no network from here on
            sources = write_registry(Path(tmp), site.feed_url)
            ingest(sources=str(sources), db_path=str(db))
        first: dict[str, Any] | None = None
        for i, (name, options) in enumerate(ways.items()):
            copy = copy_warehouse(db, Path(tmp) / f"way-{i}")
            cpu, start = _cpu(), time.perf_counter()
            summary = run(sources=str(sources), db_path=str(copy), batch_size=BATCH, **options)
            wall, used = time.perf_counter() - start, _cpu() - cpu
            rows = contents(copy)
            first = first or rows
            figures[name] = {"wall_seconds": wall, "pages_per_s": len(pages) / wall, "cpu_seconds": used,
                             "articles": summary.articles_total, "identical": rows == first}  # fmt: skip
            print(f"  {name:<30} {len(pages) / wall:6.1f} pages/s  (wall {wall:5.1f} s, CPU {used:5.1f} s, "
                  f"{summary.articles_total} articles, same warehouse as the first: {rows == first})",
                  flush=True)  # fmt: skip
    figures["identical"] = all(v["identical"] for v in figures.values() if isinstance(v, dict))
    figures["loadavg_end"] = os.getloadavg()
    print(f"  load average {figures['loadavg_start']} at start, {figures['loadavg_end']} at end")
    return figures


def main() -> None:
    """Run the benchmark with a temporary Prefect server."""
    from bench.__main__ import prefect_server

    with prefect_server():
        spread_benchmark()


if __name__ == "__main__":
    main()
