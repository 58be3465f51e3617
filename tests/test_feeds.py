"""parsers.extract.feeds on real feeds served by a real HTTP server, plus hostile XML."""

from __future__ import annotations

import asyncio
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from parsers.extract.feeds import parse_feed
from parsers.fetch.client import Fetcher, Response
from parsers.model import Source

DATA = Path(__file__).parent / "data" / "feeds"
UA = "tradewire-test/1.0 (+mailto:ops@example.org)"
CST = timezone(timedelta(hours=8))


def source(server: HTTPServer, **fields: Any) -> Source:
    values: dict[str, Any] = {"allowed_hosts": ("127.0.0.1",), "local": True, "min_interval": 0.0, **fields}
    return Source(id="feed", name="feed", kind="feed", url=server.url_for("/feed"), **values)


def serve_and_fetch(web: HTTPServer, path: str, body: bytes, content_type: str, src: Source) -> Response:
    web.expect_request(path).respond_with_data(body, content_type=content_type)

    async def go() -> Response:
        async with Fetcher(UA) as fetcher:
            return await fetcher.fetch(src, web.url_for(path))

    return asyncio.run(go())


def test_gb2312_feed_has_correct_chinese_titles_and_beijing_times(web: HTTPServer) -> None:
    src = source(web)
    body = (DATA / "encoding-gb2312.xml").read_bytes()
    response = serve_and_fetch(web, "/rss/china.xml", body, "application/rss+xml", src)
    items, failures = parse_feed(response.body, response.final_url, src, response.header("content-type"))
    assert failures == [] and len(items) == 20
    first = items[0]
    assert first.title == "习近平为何如此强调崇尚英雄？"
    assert first.url == "http://news.qq.com/a/20180918/009846.htm"
    assert first.published == datetime(2018, 9, 18, 14, 38, 10, tzinfo=CST)
    assert first.date_text == "2018-09-18 14:38:10"
    assert first.summary and first.summary.startswith("编者按：历史是人民书写的")
    assert response.encoding == "gb18030"  # what the fetcher tells the parsers, from the XML declaration


def test_feed_without_xml_declaration_keeps_its_accents(web: HTTPServer) -> None:
    src = source(web)
    body = (DATA / "uolNoticias.rss").read_bytes()
    assert not body.lstrip().startswith(b"<?xml")
    response = serve_and_fetch(web, "/uol.rss", body, "text/xml", src)
    items, failures = parse_feed(response.body, response.final_url, src, response.header("content-type"))
    assert failures == [] and len(items) == 15
    assert items[0].title == "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno"
    assert items[0].date_text == "Seg, 24 Set 2018 19:42:40 -0300"  # Portuguese day names: kept as text


def test_source_encoding_overrides_a_missing_declaration() -> None:
    body = (DATA / "encoding-gb2312.xml").read_bytes().replace(b' encoding="gb2312"', b"")
    src = Source(id="qq", name="qq", kind="feed", url="http://news.qq.com/", encoding="gbk")
    items, failures = parse_feed(body, "http://news.qq.com/rss.xml", src)
    assert failures == [] and items[1].title == "习近平谈抗战：牢记历史是要以史为鉴、面向未来"


@pytest.mark.parametrize("name", [b"gb\x80\xff2312", b"rot13", b"base64", b"utf-7", b""])
def test_a_declared_encoding_that_names_no_charset_is_detected_instead(name: bytes) -> None:
    body = (DATA / "encoding-gb2312.xml").read_bytes().replace(b'encoding="gb2312"', b'encoding="%s"' % name)
    src = Source(id="qq", name="qq", kind="feed", url="http://news.qq.com/")
    items, failures = parse_feed(body, "http://news.qq.com/rss.xml", src)
    assert failures == [] and len(items) == 20
    assert items[0].title == "习近平为何如此强调崇尚英雄？"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_feed_without_a_byte_order_mark(codec: str) -> None:
    text = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>t</title><item><title>海关公告</title><link>http://example.cn/a</link></item></channel></rss>'
    items, failures = parse_feed(text.encode(codec), "http://example.cn/rss", SRC)
    assert failures == [] and [(i.url, i.title) for i in items] == [("http://example.cn/a", "海关公告")]


@pytest.mark.parametrize(
    "reference",
    ["&#xd800;", "&#xDFFF;", "&#57343;", "&#x110000;", "&#99999999999999999999;", "&#0;", "&#x1f;"],
)
def test_a_character_reference_xml_forbids_becomes_a_replacement_character(reference: str) -> None:
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>A {reference} B</title><link>http://example.cn/a</link></item><item><title>ok &#x4e2d; &#128512; &#0000000065;</title><link>http://example.cn/b</link></item></channel></rss>'
    items, failures = parse_feed(body.encode(), "http://example.cn/rss", SRC)
    assert failures == [] and [i.title for i in items] == ["A \ufffd B", "ok 中 😀 A"]


def test_relative_links_duplicates_and_fragments() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title>
<item><title>A</title><link>/news/a.html#comments</link><pubDate>Tue, 05 Mar 2024 02:00:00 GMT</pubDate></item>
<item><title>A again</title><link>http://customs.example.cn/news/a.html</link></item>
<item><title>no link</title></item>
<item><title>mail</title><link>mailto:press@example.cn</link></item>
</channel></rss>"""
    src = Source(id="c", name="c", kind="feed", url="http://customs.example.cn/rss.xml")
    items, failures = parse_feed(body, "http://customs.example.cn/rss.xml", src)
    assert [(f.url, f.stage, f.reason) for f in failures] == [  # no entry is dropped silently
        ("http://customs.example.cn/rss.xml", "discover", "feed entry 3 ('no link') has no link"),
        (
            "mailto:press@example.cn",
            "discover",
            "feed entry 4 ('mail'): scheme 'mailto' refused: only http and https",
        ),
    ]
    assert [(i.url, i.title) for i in items] == [("http://customs.example.cn/news/a.html", "A")]
    assert items[0].published == datetime(2024, 3, 5, 2, 0, tzinfo=UTC)


SRC = Source(id="s", name="s", kind="feed", url="http://example.cn/rss.xml")


def test_malformed_xml_is_a_failure_with_a_reason() -> None:
    items, failures = parse_feed(
        b"<rss><channel><item><title>broken</item>&&</rss", "http://example.cn/rss", SRC
    )
    assert items == []
    assert len(failures) == 1 and failures[0].stage == "discover"
    assert failures[0].reason.startswith("not a readable feed: ")


def test_an_html_page_is_not_a_feed() -> None:
    _, failures = parse_feed(b"<html><body><p>hello</p></body></html>", "http://example.cn/", SRC)
    assert [f.reason for f in failures] == ["not a feed: no RSS or Atom root element"]


def test_an_empty_feed_is_not_a_failure() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>quiet</title></channel></rss>'
    assert parse_feed(body, "http://example.cn/rss", SRC) == ([], [])


def test_a_body_naming_a_local_file_is_not_opened() -> None:
    items, failures = parse_feed(b"/etc/hostname", "http://example.cn/rss", SRC)
    assert items == [] and len(failures) == 1  # feedparser would open() a path given as bytes


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><item><title>&lol9;</title><link>http://example.cn/a</link></item></channel></rss>"""


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        # quadratic blowup: one 100 kB entity referenced 10,000 times
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "'
        + b"x" * 100_000
        + b'">]><rss><channel><item><title>'
        + b"&a;" * 10_000
        + b"</title></item></channel></rss>",
        # the same bomb in UTF-16, and with a "]" in a comment that must not end the check early
        BILLION_LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="utf-16"').encode("utf-16"),
        BILLION_LAUGHS.replace(b"<!DOCTYPE rss [", b"<!DOCTYPE rss [ <!-- ] -->"),
    ],
    ids=["billion-laughs", "quadratic", "utf-16", "bracket-in-comment"],
)
def test_entity_bomb_is_refused_with_flat_memory(body: bytes) -> None:
    tracemalloc.start()
    try:
        items, failures = parse_feed(body, "http://example.cn/rss", SRC)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert items == []
    assert len(failures) == 1 and "entity" in failures[0].reason and "refused" in failures[0].reason
    assert peak < 3 * len(body) + 500_000  # a copy or two of the input, never the expansion (GBs)


def test_an_external_dtd_alone_is_fine() -> None:
    body = b"""<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>t</title><item><title>x</title><link>http://example.cn/x</link></item></channel></rss>"""
    items, failures = parse_feed(body, "http://example.cn/rss", SRC)
    assert failures == [] and [i.url for i in items] == ["http://example.cn/x"]
