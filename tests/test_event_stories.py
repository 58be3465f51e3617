"""The event level through the real flow: real outlets' reports of one measure, served by a local site
over two runs, are one event story in the warehouse, and SQL says why each joined."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bench import events_eval

pytestmark = pytest.mark.usefixtures("prefect_server")

# MOFCOM/GACC Announcement No. 18 of 2025 (rare-earth export controls, 4 April 2025) by three outlets,
# English and Chinese, and the Tariff Commission's 34% tariff announced the same day (another event).
FIRST_RUN = ["c10_en_hklaw-com_b142d1", "c10_en_osencmagnet-com_072800", "c14_en_shine-cn_1c93cc"]
SECOND_RUN = ["c10_zh_hgt-cirs-group-com_29a58e"]


def page(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title, body = html.escape(lines[0][:200]), "".join(f"<p>{html.escape(p)}</p>" for p in lines[1:])
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"


@pytest.fixture
def site() -> Iterator[tuple[HTTPServer, list[str]]]:
    """The pages, and a feed listing the keys in the returned list (the test extends it between runs)."""
    pages = {p.page_id: p for p in events_eval.load(split="dev") if p.page_id in FIRST_RUN + SECOND_RUN}
    listed: list[str] = []
    with HTTPServer(host="127.0.0.1", port=0) as server:

        def feed(_request: Request) -> Response:
            items = "".join(item(server, key, pages[key]) for key in listed)
            body = f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>"
            return Response(body, content_type="application/rss+xml")

        server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
        server.expect_request("/feed.xml").respond_with_handler(feed)
        for key, p in pages.items():
            server.expect_request(f"/{key}.html").respond_with_data(
                page(p.text), content_type="text/html; charset=utf-8"
            )
        yield server, listed


def item(server: HTTPServer, key: str, p: events_eval.Page) -> str:
    day = p.published
    date = format_datetime(datetime(day.year, day.month, day.day, 12, tzinfo=UTC)) if day else ""
    return f"<item><title>{key}</title><link>{server.url_for(f'/{key}.html')}</link><pubDate>{date}</pubDate></item>"


def run(server: HTTPServer, tmp_path: Path) -> None:
    from flows.ingest import ingest

    registry = tmp_path / "sources.toml"
    registry.write_text(
        f'[defaults]\nmin_interval = 0.01\n[[source]]\nid = "news"\nname = "News"\nkind = "feed"\n'
        f'url = "{server.url_for("/feed.xml")}"\nparser = "html"\nlocal = true\n',
        encoding="utf-8",
    )
    ingest(sources=str(registry), db_path=str(tmp_path / "tw.duckdb"))


def members(tmp_path: Path) -> dict[str, tuple]:
    with duckdb.connect(str(tmp_path / "tw.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT regexp_extract(url, '/([^/]+)[.]html$', 1), event_id, kind, matched, rule, shared::VARCHAR,"
            " probability, why FROM event_members"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_reworded_reports_of_one_measure_are_one_event_story_across_runs_and_languages(site, tmp_path):
    server, listed = site
    listed += FIRST_RUN
    run(server, tmp_path)
    first = members(tmp_path)
    assert set(first) == set(FIRST_RUN)
    hklaw, osenc, tariff = (first[k] for k in FIRST_RUN)
    assert hklaw[0] == osenc[0] != tariff[0]  # one event story for No. 18, another for the 34% tariff

    listed += SECOND_RUN
    run(server, tmp_path)  # the Chinese report comes a run later: it is placed against the warehouse
    second = members(tmp_path)
    assert {k: v[0] for k, v in second.items() if k in FIRST_RUN} == {k: v[0] for k, v in first.items()}
    chinese = second[SECOND_RUN[0]]
    assert chinese[0] == hklaw[0] and chinese[1] == "joined" and chinese[3] == "model"
    shared = json.loads(chinese[4])
    assert "ann:2025:18" in shared["docs"] and "2025-04-04" in shared["dates"]
    why = json.loads(chinese[6])
    assert {c["article_id"] for c in why["candidates"]} >= {chinese[2]}

    with duckdb.connect(str(tmp_path / "tw.duckdb"), read_only=True) as con:
        stories = con.execute(
            "SELECT articles, languages FROM event_stories ORDER BY articles DESC"
        ).fetchall()
    assert stories == [(3, ["en", "zh"]), (1, ["en"])]
