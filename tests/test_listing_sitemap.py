"""parsers.extract.listing and parsers.extract.sitemap: listing pages and sitemaps served by a real HTTP server."""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from parsers.extract.listing import next_listing_page, parse_listing
from parsers.extract.sitemap import parse_sitemap
from parsers.fetch.client import Fetcher, Response
from parsers.model import Source

PAGES = Path(__file__).parent / "data" / "pages"
UA = "tradewire-test/1.0 (+mailto:ops@example.org)"
CST = timezone(timedelta(hours=8))
SELECTORS = (("date", "span.date"), ("item", "ul.conList_ul li"), ("next", "a.next"))


def listing_source(server: HTTPServer, **fields: Any) -> Source:
    values: dict[str, Any] = {
        "allowed_hosts": ("127.0.0.1",),
        "local": True,
        "min_interval": 0.0,
        "selectors": SELECTORS,
        "max_pages": 5,
        **fields,
    }
    return Source(id="list", name="list", kind="listing", url=server.url_for("/news/list.htm"), **values)


def crawl(source: Source) -> tuple[list[str], list[Any]]:
    """Walk the listing as the flow would: fetch, parse, follow `next` within max_pages."""

    async def go() -> tuple[list[str], list[Any]]:
        visited: list[str] = []
        items: list[Any] = []
        url: str | None = source.url
        async with Fetcher(UA) as fetcher:
            while url:
                page: Response = await fetcher.fetch(source, url)
                visited.append(url)
                found, next_url, _ = parse_listing(
                    page.body, page.final_url, source, page.header("content-type")
                )
                items.extend(found)
                url = next_listing_page(next_url, visited, source)
        return visited, items

    return asyncio.run(go())


def serve_listing(web: HTTPServer) -> None:
    for name in ("list.htm", "list_2.htm"):
        web.expect_request(f"/news/{name}").respond_with_data(
            (PAGES / name).read_bytes(), content_type="text/html"
        )


def test_listing_items_titles_dates_and_pagination(web: HTTPServer) -> None:
    serve_listing(web)
    source = listing_source(web)
    visited, items = crawl(source)
    assert visited == [
        web.url_for("/news/list.htm"),
        web.url_for("/news/list_2.htm"),
    ]  # page 2 links back: stop
    assert [i.url for i in items] == [
        web.url_for("/a/20180918/009846.htm"),
        web.url_for("/a/20180918/009798.htm"),  # "#top" dropped
        web.url_for("/news/a/20180918/006660.htm"),  # relative to the listing page
        web.url_for("/a/20180918/006549.htm"),
        web.url_for("/a/20180918/006160.htm"),
    ]  # the duplicate, the off-host link, javascript: and the item without a link are gone
    first, second, third = items[:3]
    assert first.title == "习近平为何如此强调崇尚英雄？"  # GB2312 page, charset from <meta http-equiv>
    assert (first.published, first.date_text) == (datetime(2018, 9, 18, tzinfo=CST), "2018-09-18")
    assert second.published == datetime(2018, 9, 18, tzinfo=CST) and second.date_text == "2018年9月18日"
    assert third.published == datetime(2018, 9, 18, 10, 51, tzinfo=CST)
    assert items[3].title == "“917中国坚果健康周”开幕 良品铺子品质升级战略浮出水面"


def test_pagination_stops_at_max_pages(web: HTTPServer) -> None:
    serve_listing(web)
    visited, items = crawl(listing_source(web, max_pages=1))
    assert visited == [web.url_for("/news/list.htm")] and len(items) == 3
    assert "/news/list_2.htm" not in [request.path for request, _ in web.log]


def test_listing_without_item_selector_uses_link_selector() -> None:
    html = """<html><head><base href="http://www.customs.gov.cn/customs/302249/"></head><body>
    <div class="list"><a href="5712345/index.html">海关总署公告2024年第1号</a>
    <a href="https://www.customs.gov.cn/customs/302249/5712346/index.html" title="关于进一步优化跨境贸易">关于进一步…</a></div>
    <a href="/about.html">关于我们</a></body></html>"""
    source = Source(
        id="c",
        name="c",
        kind="listing",
        url="http://www.customs.gov.cn/",
        selectors=(("link", "div.list a"),),
    )
    items, next_url, failures = parse_listing(
        html, "http://www.customs.gov.cn/customs/302249/index.html", source
    )
    assert [(i.url, i.title) for i in items] == [
        ("http://www.customs.gov.cn/customs/302249/5712345/index.html", "海关总署公告2024年第1号"),
        ("https://www.customs.gov.cn/customs/302249/5712346/index.html", "关于进一步…"),
    ]
    assert next_url is None and failures == []


def test_date_from_a_datetime_attribute_and_subdomains_allowed() -> None:
    html = """<ul><li><a href="http://english.mofcom.gov.cn/a.html">Trade data</a>
    <time datetime="2024-03-05T09:30:00+08:00">5 March</time></li></ul>"""
    source = Source(
        id="m",
        name="m",
        kind="listing",
        url="http://www.mofcom.gov.cn/",
        allowed_hosts=("mofcom.gov.cn",),
        selectors=(("date", "time"), ("item", "li")),
    )
    items, _, _ = parse_listing(html, "http://www.mofcom.gov.cn/list.html", source)
    assert items[0].url == "http://english.mofcom.gov.cn/a.html"
    assert items[0].published == datetime(2024, 3, 5, 9, 30, tzinfo=CST)


def test_invalid_selector_is_reported_by_name() -> None:
    source = Source(id="x", name="x", kind="listing", url="http://a.cn/", selectors=(("item", "li[["),))
    with pytest.raises(ValueError, match="invalid CSS selector for 'item'"):
        parse_listing("<li>x</li>", "http://a.cn/", source)


NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>{base}/a/20240305/001.htm</loc>
    <lastmod>2024-03-05T10:00:00+08:00</lastmod>
    <image:image><image:loc>{base}/img/1.jpg</image:loc><image:title>photo</image:title></image:image>
    <news:news>
      <news:publication><news:name>海关总署</news:name><news:language>zh</news:language></news:publication>
      <news:publication_date>2024-03-05T09:30:00+08:00</news:publication_date>
      <news:title>前两个月我国外贸进出口同比增长8.7%</news:title>
    </news:news>
  </url>
  <url><loc>{base}/a/20240304/002.htm</loc><lastmod>2024-03-04</lastmod></url>
  <url><loc>http://elsewhere.example.com/x.htm</loc></url>
  <url><loc>{base}/a/20240304/002.htm</loc></url>
</urlset>"""


def sitemap_source(server: HTTPServer) -> Source:
    return Source(
        id="sm",
        name="sm",
        kind="sitemap",
        url=server.url_for("/sitemap.xml"),
        allowed_hosts=("127.0.0.1",),
        local=True,
        min_interval=0.0,
    )


def fetch(source: Source, url: str) -> Response:
    async def go() -> Response:
        async with Fetcher(UA) as fetcher:
            return await fetcher.fetch(source, url)

    return asyncio.run(go())


def test_sitemap_index_then_gzipped_news_sitemap(web: HTTPServer) -> None:
    base = web.url_for("/").rstrip("/")
    index = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{base}/news-sitemap.xml.gz</loc><lastmod>2024-03-05</lastmod></sitemap>
  <sitemap><loc>http://elsewhere.example.com/sitemap.xml</loc></sitemap>
</sitemapindex>"""
    web.expect_request("/sitemap.xml").respond_with_data(index, content_type="application/xml")
    news = gzip.compress(NEWS_SITEMAP.format(base=base).encode())
    web.expect_request("/news-sitemap.xml.gz").respond_with_data(news, content_type="application/x-gzip")
    source = sitemap_source(web)

    top = fetch(source, source.url)
    listed, failure = parse_sitemap(top.body, top.final_url, source)
    assert failure is None and not listed.entries
    assert [s.url for s in listed.sitemaps] == [f"{base}/news-sitemap.xml.gz"]

    child = fetch(source, listed.sitemaps[0].url)
    found, failure = parse_sitemap(child.body, child.final_url, source)
    assert failure is None
    assert [e.url for e in found.entries] == [f"{base}/a/20240305/001.htm", f"{base}/a/20240304/002.htm"]
    news_entry, plain = found.entries
    assert news_entry.title == "前两个月我国外贸进出口同比增长8.7%"  # news:title, not image:title
    assert news_entry.published == datetime(2024, 3, 5, 9, 30, tzinfo=CST)
    assert news_entry.modified == datetime(2024, 3, 5, 10, 0, tzinfo=CST)
    assert (plain.title, plain.published, plain.date_text) == (None, None, "2024-03-04")


SRC = Source(id="s", name="s", kind="sitemap", url="http://example.cn/sitemap.xml", max_bytes=1_000_000)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<urlset><url><loc>http://example.cn/a</loc></url>", "not a readable sitemap"),
        (b"<html><body>no</body></html>", "not a sitemap: root element <html>"),
        (b"\x1f\x8b\x08\x00garbage", "not a readable gzipped sitemap"),
        (gzip.compress(b"<urlset>" + b" " * 3_000_000 + b"</urlset>"), "inflates beyond 1000000 bytes"),
    ],
    ids=["malformed", "not-a-sitemap", "bad-gzip", "gzip-bomb"],
)
def test_bad_sitemaps_are_failures(body: bytes, reason: str) -> None:
    found, failure = parse_sitemap(body, "http://example.cn/sitemap.xml", SRC)
    assert not found.entries and not found.sitemaps
    assert failure is not None and failure.stage == "discover" and reason in failure.reason


def test_sitemap_entity_bomb_is_refused_with_flat_memory() -> None:
    levels = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY e0 "http://example.cn/">{levels}]>'
        "<urlset><url><loc>&e9;</loc></url></urlset>"
    ).encode()
    tracemalloc.start()
    try:
        found, failure = parse_sitemap(body, "http://example.cn/sitemap.xml", SRC)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not found.entries
    assert failure is not None and "refused" in failure.reason
    assert peak < 500_000
