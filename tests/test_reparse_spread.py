"""`reparse` and `backfill` spread their batches over threads, local processes and a real Dask cluster.

One warehouse is ingested from real pages (a loopback feed site of real news pages, and the seed
press texts); its raw archive is then rebuilt in batches of two documents, so several batches are
in flight at once and finish in any order, with the batches run in this process, in two local
processes (Prefect's process pool) and on a `distributed.LocalCluster` of two worker processes.
Every way gives the same warehouse, row for row.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from bench.spread import contents, copy_warehouse
from conftest import ROOT, SEEDS

pytestmark = pytest.mark.usefixtures("prefect_server")
PAGES = [
    *sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz")),
    ROOT / "tests" / "data" / "pages" / "scmp.com.playbook.html",
    ROOT / "tests" / "data" / "pages" / "xinhuanet.com.c_1125597921.html",
]


def _page(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A registry and a warehouse (with its raw archive) after one real ingest; the site is gone after."""
    from flows.ingest import ingest

    tmp = tmp_path_factory.mktemp("spread")
    shutil.copytree(SEEDS, tmp / "press")
    with HTTPServer(host="127.0.0.1") as server:
        base = server.url_for("").rstrip("/")
        items = "".join(
            f"<item><title>Page {i}</title><link>{base}/news/{i}.html</link>"
            f"<pubDate>Tue, 03 Mar 2020 0{i}:00:00 +0800</pubDate></item>"
            for i in range(len(PAGES))
        )
        feed = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
        server.expect_request("/robots.txt").respond_with_data("User-agent: *\n")
        server.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
        for i, page in enumerate(PAGES):
            body = _page(page)
            server.expect_request(f"/news/{i}.html").respond_with_handler(
                lambda _r, body=body: Response(body, content_type="text/html; charset=utf-8")  # type: ignore[misc]
            )
        sources = tmp / "sources.toml"
        sources.write_text(
            '[defaults]\nuser_agent = "tradewire-test/1 (+mailto:test@example.org)"\nmin_interval = 0.01\n'
            f'[[source]]\nid = "news"\nname = "news"\nkind = "feed"\nurl = "{base}/feed.xml"\nparser = "html"\n'
            'local = true\n[[source]]\nid = "press"\nname = "press"\nkind = "files"\nurl = "press"\n',
            encoding="utf-8",
        )
        db = tmp / "tw.duckdb"
        summary = ingest(sources=str(sources), db_path=str(db))
    assert summary.new == len(PAGES) + 5
    return sources, db


def test_threads_processes_and_a_dask_cluster_build_the_same_warehouse(archived, tmp_path):
    from distributed import LocalCluster

    from flows.reparse import run

    sources, db = archived
    ingested = contents(db)
    assert len(ingested["articles"]) == len(PAGES) + 5 and ingested["topics"]
    results = {}
    for name, options in {"threads": {}, "processes": {"processes": 2}}.items():
        copy = copy_warehouse(db, tmp_path / name)
        summary = run(sources=str(sources), db_path=str(copy), batch_size=2, **options)
        assert summary.new == len(PAGES) + 5
        results[name] = contents(copy)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        copy = copy_warehouse(db, tmp_path / "dask")
        run(sources=str(sources), db_path=str(copy), dask=cluster.scheduler_address, batch_size=2)
        results["dask"] = contents(copy)
    assert results["threads"] == ingested  # a rebuild from the archive gives what the ingest stored
    assert results["processes"] == ingested
    assert results["dask"] == ingested


def test_backfill_adds_the_archived_pages_once(archived, tmp_path):
    from flows.reparse import run
    from warehouse.archive import archive_dir

    sources, db = archived
    fresh = tmp_path / "fresh" / "tw.duckdb"
    fresh.parent.mkdir()
    shutil.copytree(archive_dir(db), archive_dir(fresh))  # an archive, and no warehouse yet
    first = run(sources=str(sources), db_path=str(fresh), backfill=True, processes=2, batch_size=3)
    again = run(sources=str(sources), db_path=str(fresh), backfill=True, batch_size=3)
    assert (first.new, again.new) == (len(PAGES) + 5, 0)
    assert contents(fresh)["articles"] == contents(db)["articles"]
    only = run(
        sources=str(sources), db_path=str(copy_warehouse(db, tmp_path / "one")), only=["press"], backfill=True
    )
    assert only.new == 0 and {c.source_id for c in only.sources} == {"press"}
