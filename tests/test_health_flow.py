"""After a real ingest run, the run summary and the source-health artifact flag what `tradewire doctor`
names: here a feed whose newest item is years old (a real 2018 feed, served now) and a feed that
answers HTTP 404, both on a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from conftest import ROOT
from flows.artifacts import health_table, summary_markdown
from flows.summary import format_summary
from warehouse import reports

pytestmark = pytest.mark.usefixtures("prefect_server")
OLD_FEED = ROOT / "tests" / "data" / "feeds" / "encoding-gb2312.xml"  # news.qq.com items of 2018-09
FAST = {"timeout": 2.0, "total_timeout": 5.0, "retries": 0}


def _registry(tmp_path: Path, server: HTTPServer) -> Path:
    entries = [("old-feed", "/old.xml"), ("gone-feed", "/gone.xml")]
    text = "".join(
        f'[[source]]\nid = "{sid}"\nname = "{sid}"\nkind = "feed"\nurl = "{server.url_for(path)}"\n'
        f'parser = "html"\nlocal = true\nmin_interval = 0.0\nallowed_hosts = ["127.0.0.1", "qq.com"]\n\n'
        for sid, path in entries
    )
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_run_summary_and_health_artifact_flag_stale_and_dead_feeds(tmp_path):
    from flows.ingest import ingest

    db = tmp_path / "tradewire.duckdb"
    with HTTPServer(host="127.0.0.1", port=0, threaded=True) as server:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        server.expect_request("/old.xml").respond_with_data(
            OLD_FEED.read_bytes(), content_type="application/xml"
        )
        server.expect_request("/gone.xml").respond_with_data("not here", status=404)
        summary = ingest(sources=str(_registry(tmp_path, server)), db_path=str(db), fetch_options=FAST)
    looks = {s.source_id: s.health for s in summary.sources}
    assert looks["old-feed"].verdict == "stale" and looks["old-feed"].links == 20
    assert looks["gone-feed"].verdict == "dead" and "HTTP 404" in looks["gone-feed"].reason
    text = format_summary(summary)
    assert "health: old-feed: stale: newest item is 8." in text and "years old" in text
    assert "health: gone-feed: dead: HTTP 404" in text
    markdown = summary_markdown(summary)
    assert "## Source health" in markdown and "| gone-feed | dead |" in markdown
    with duckdb.connect(str(db), read_only=True) as con:
        rows = {row["source_id"]: row for row in health_table(summary, reports.source_health(con))}
    assert rows["old-feed"]["verdict"] == "stale" and "runs" in rows["old-feed"]
    assert rows["gone-feed"]["verdict"] == "dead"
