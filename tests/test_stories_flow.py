"""Deduplication through the real flow: canonical URLs, reprints and cuts join one story, reruns are stable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from conftest import seed_path

pytestmark = pytest.mark.usefixtures("prefect_server")


def paragraphs(prefix: str) -> list[str]:
    text = seed_path(prefix).read_text(encoding="utf-8")
    from parsers.clean.press import clean_article
    from parsers.extract.press import parse_press_text

    article = clean_article(parse_press_text(text, "s", "u"))  # type: ignore[arg-type]
    return [article.title, *article.clean_text.split("\n\n")]


def page(title: str, body: list[str], header: str, footer: str) -> str:
    ps = "".join(f"<p>{p}</p>" for p in body)
    return (
        f"<html><head><title>{title}</title></head><body><div class='nav'>{header}</div>"
        f"<article><h1>{title}</h1>{ps}</article><div class='footer'>{footer}</div></body></html>"
    )


@pytest.fixture
def site() -> Iterator[HTTPServer]:
    gacc, presser_a, presser_b = paragraphs("003"), paragraphs("000"), paragraphs("002")
    official = (
        "Home > News > Press Conference",
        "Copyright © General Administration of Customs. 京ICP备12345678号",
    )
    mirror = ("Share - WeChat | Weibo", "Editor: Wang Lei · All rights reserved by the Port News Network")
    pages = {
        "/gacc/release.html": page(gacc[0], gacc[1:], *official),
        "/mirror/reprint.html": page(gacc[0], gacc[1:], *mirror),
        "/mofcom/presser-a.html": page(presser_a[0], presser_a[1:], *official),
        "/mirror/short.html": page(
            presser_a[0], presser_a[1 : 1 + round(0.6 * (len(presser_a) - 1))], *mirror
        ),
        "/miit/presser-b.html": page(presser_b[0], presser_b[1:], *official),
    }
    with HTTPServer(host="127.0.0.1", port=0) as server:
        base = server.url_for("").rstrip("/")
        links = [*pages, "/gacc/release.html?utm_source=wechat&spm=a2c4.b&from=timeline#top"]
        items = "".join(
            f"<item><title>{p}</title><link>{base}{p.replace('&', '&amp;')}</link></item>" for p in links
        )
        server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
        server.expect_request("/feed.xml").respond_with_data(
            f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>",
            content_type="application/rss+xml",
        )
        for path, html in pages.items():
            server.expect_request(path).respond_with_data(html, content_type="text/html; charset=utf-8")
        yield server


def run(server: HTTPServer, tmp_path: Path) -> dict[str, tuple[str, str]]:
    from flows.ingest import ingest

    registry = tmp_path / "sources.toml"
    registry.write_text(
        f'[defaults]\nmin_interval = 0.01\n[[source]]\nid = "news"\nname = "News"\nkind = "feed"\n'
        f'url = "{server.url_for("/feed.xml")}"\nparser = "html"\nlocal = true\nofficial = true\n',
        encoding="utf-8",
    )
    ingest(sources=str(registry), db_path=str(tmp_path / "tw.duckdb"))
    with duckdb.connect(str(tmp_path / "tw.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT s.url, a.story_id, a.article_id FROM core.sightings s JOIN articles a USING (article_id)"
        ).fetchall()
    return {url.split("/", 3)[-1]: (story, article) for url, story, article in rows}


def test_reprints_and_cuts_join_one_story_and_reruns_are_stable(site, tmp_path):
    first = run(site, tmp_path)
    # The tracking-parameter copy is the same article, seen once (its canonical URL is the release's).
    assert "gacc/release.html" in first and len([u for u in first if u.startswith("gacc/")]) == 1
    assert first["mirror/reprint.html"][0] == first["gacc/release.html"][0]
    assert first["mirror/short.html"][0] == first["mofcom/presser-a.html"][0]
    assert first["miit/presser-b.html"][0] != first["mofcom/presser-a.html"][0]
    with duckdb.connect(str(tmp_path / "tw.duckdb"), read_only=True) as con:
        stories = con.execute(
            "SELECT articles, copies FROM stories ORDER BY articles DESC, copies DESC"
        ).fetchall()
        # presser-a + its 60% cut: two texts; the release + its reprint: one text (the mirror's header and
        # footer are cleaned away) at two URLs, the tracking-parameter URL folded into the release's.
        assert stories == [(2, 2), (1, 2), (1, 1)]
        reprint_story = first["gacc/release.html"][0]
        representative = con.execute(
            "SELECT a.url FROM stories s JOIN articles a ON a.article_id = s.representative_id WHERE s.story_id = ?",
            [reprint_story],
        ).fetchone()[0]
        assert representative.endswith("/gacc/release.html")  # the earliest official copy
    again = run(site, tmp_path)
    assert again == first
