"""parsers.extract.html (trafilatura with metadata), parsers.extract.charset and parsers.extract.dates on real pages."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from parsers.extract import charset
from parsers.extract.dates import parse_date
from parsers.extract.html import extract_article
from parsers.fetch.client import Fetcher, Response
from parsers.model import Link, Source

PAGES = Path(__file__).parent / "data" / "pages"
EVAL = json.loads((PAGES / "evaldata.json").read_text(encoding="utf-8"))
XINHUA_URL = "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm"
SCMP_URL = next(url for url in EVAL if "scmp.com" in url)
CST = timezone(timedelta(hours=8))
XINHUA = Source(id="xinhua", name="Xinhua", kind="listing", url="http://www.xinhuanet.com/", language="zh")
SCMP = Source(id="scmp", name="SCMP", kind="listing", url="https://www.scmp.com/")
UA = "tradewire-test/1.0 (+mailto:ops@example.org)"


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    with HTTPServer(host="127.0.0.1", threaded=True) as running:
        yield running


def test_xinhua_article_fetched_from_a_server(server: HTTPServer) -> None:
    server.clear_all_handlers()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    body = (PAGES / "xinhuanet.com.c_1125597921.html").read_bytes()
    server.expect_request("/local/c_1125597921.htm").respond_with_data(body, content_type="text/html")
    source = Source(id="x", name="x", kind="listing", url=server.url_for("/"), local=True, min_interval=0.0)

    async def go() -> Response:
        async with Fetcher(UA) as fetcher:
            return await fetcher.fetch(source, server.url_for("/local/c_1125597921.htm"))

    page = asyncio.run(go())
    article = extract_article(page.body, page.url, source, content_type=page.header("content-type"))
    expected = EVAL[XINHUA_URL]
    assert article is not None
    assert article.title == expected["title"]  # without the "-新华网" site suffix
    assert (article.published_at, article.date_text, article.date_source) == (
        datetime(2020, 2, 19, tzinfo=CST),
        "2020-02-19",
        "page",
    )
    assert article.language == "zh" and article.clean_text == ""
    for snippet in expected["with"]:
        assert snippet in article.raw_text
    for snippet in expected["without"]:
        assert snippet not in article.raw_text
    assert len(article.paragraphs) > 10 and article.raw_text == "\n".join(article.paragraphs)


def test_gbk_bytes_decode_by_meta_charset() -> None:
    page = (PAGES / "xinhuanet.com.c_1125597921.html").read_text(encoding="utf-8")
    page = page.replace('charset="utf-8"', 'charset="gb2312"').replace("charset=utf-8", "charset=gb2312")
    article = extract_article(page.encode("gb18030"), XINHUA_URL, XINHUA)
    assert article is not None and article.title == EVAL[XINHUA_URL]["title"]
    assert "2月17日" in article.raw_text


def test_script_rendered_page_falls_back_to_json_ld_body() -> None:
    expected = EVAL[SCMP_URL]
    article = extract_article((PAGES / "scmp.com.playbook.html").read_bytes(), SCMP_URL, SCMP)
    assert article is not None
    for snippet in expected["with"]:  # trafilatura alone keeps only a photo caption here
        assert snippet in article.raw_text
    assert article.author == "Alice Wu"
    assert article.published_at is not None and article.published_at.date().isoformat() == expected["date"]


def test_feed_hint_on_the_same_day_gives_the_time() -> None:
    html = (PAGES / "xinhuanet.com.c_1125597921.html").read_bytes()
    hint = Link(
        url=XINHUA_URL,
        title="武汉的声音：有英勇的你，才有英雄的城！",
        published=datetime(2020, 2, 19, 9, 46, tzinfo=CST),
        date_text="2020-02-19 09:46:00",
        via="feed",
    )
    article = extract_article(html, XINHUA_URL, XINHUA, hint)
    assert article is not None
    assert (article.published_at, article.date_text, article.date_source) == (
        hint.published,
        "2020-02-19 09:46:00",
        "feed",
    )
    assert (article.title, article.title_source) == (hint.title, "feed")


def test_page_date_wins_over_a_listing_date_of_another_day() -> None:
    html = (PAGES / "xinhuanet.com.c_1125597921.html").read_bytes()
    hint = Link(XINHUA_URL, published=datetime(2020, 3, 1, tzinfo=CST), date_text="2020-03-01", via="listing")
    article = extract_article(html, XINHUA_URL, XINHUA, hint)
    assert article is not None and article.date_source == "page"
    assert article.published_at == datetime(2020, 2, 19, tzinfo=CST)


def test_listing_date_used_when_the_page_has_none() -> None:
    body = "".join(
        f"<p>第{i}段：海关总署今天发布前两个月进出口数据，货物贸易进出口总值同比增长。</p>" for i in range(12)
    )
    html = f"<html><head><title>海关统计</title></head><body><article>{body}</article></body></html>"
    hint = Link(
        "http://www.customs.gov.cn/a.html",
        published=datetime(2024, 3, 7, tzinfo=CST),
        date_text="2024-03-07",
        via="listing",
    )
    article = extract_article(html, "http://www.customs.gov.cn/a.html", XINHUA, hint)
    assert article is not None
    assert (article.published_at, article.date_source) == (hint.published, "listing")
    assert article.language == "zh" and len(article.paragraphs) == 12


def test_nothing_to_extract_returns_none_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="parsers.extract.html"):
        assert extract_article(b"", "http://a.cn/x", XINHUA) is None
        assert (
            extract_article("<html><body><script>var a = 1;</script></body></html>", "http://a.cn/y", XINHUA)
            is None
        )
    assert any("http://a.cn/y" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("海关总署公告".encode("gb2312"), "text/html; charset=GB2312", "gb18030"),  # GB2312 read as GB18030
        ("<meta charset='gbk'><p>海关总署</p>".encode("gbk"), "text/html", "gb18030"),
        ('<?xml version="1.0" encoding="big5"?><r>香港海關</r>'.encode("big5"), None, "big5hkscs"),
        (
            "商务部新闻发言人就中美经贸磋商答记者问".encode("gbk"),
            "text/html; charset=utf-8",
            "gb18030",
        ),  # header lies
        ("<html><title>海关总署</title><p>进出口数据发布</p></html>".encode("gbk"), None, "gb18030"),
        ("香港海關公布貿易數字，今年首季進出口貨值上升".encode("big5"), None, "big5hkscs"),
        ("Mãe de utente é a nova presidente da Raríssimas".encode("cp1252"), None, "cp1252"),
        ("\ufeff海关".encode("utf-8"), "text/html; charset=gbk", "utf-8"),  # a BOM beats the header
    ],
    ids=[
        "gb2312-header",
        "meta",
        "xml-decl",
        "wrong-header",
        "undeclared-gbk",
        "undeclared-big5",
        "latin",
        "bom",
    ],
)
def test_charset_evidence_order(body: bytes, content_type: str | None, expected: str) -> None:
    text, encoding = charset.decode(body, content_type)
    assert encoding == expected
    assert "\ufffd" not in text and "\ufeff" not in text


def test_gb18030_only_characters_survive() -> None:
    body = "<meta charset='gb2312'>𠮷野家 and 䶮".encode("gb18030")  # outside GB2312 and GBK
    assert charset.decode(body)[0].endswith("𠮷野家 and 䶮")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-09-18 14:38:10", datetime(2018, 9, 18, 14, 38, 10, tzinfo=CST)),
        ("Wed, 31 Jan 2018 07:26:05 GMT", datetime(2018, 1, 31, 7, 26, 5, tzinfo=UTC)),
        ("2016-02-01T17:22:00+01:00", datetime(2016, 2, 1, 16, 22, tzinfo=UTC)),
        ("发布时间：2024年3月5日 09:30", datetime(2024, 3, 5, 9, 30, tzinfo=CST)),
        ("[2024/03/05]", datetime(2024, 3, 5, tzinfo=CST)),
        ("2024-13-45", None),
        ("no date here", None),
    ],
)
def test_dates(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected
