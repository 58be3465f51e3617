"""Annexes of official notices: which links are annexes, their text, their HS codes and places, bad files."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import annex_files as files
from parsers.classify.fields import table_hs_codes
from parsers.classify.measures import Measure, annex_measures
from parsers.classify.topics import load_rules
from parsers.extract.annexes import MEDIA_TYPES, extract_attachment, sniff
from parsers.extract.attachments import MAX_PER_PAGE, find_attachments
from parsers.extract.office import AnnexError, check_zip
from parsers.model import Attachment, AttachmentLink, Document, Failure, Source
from parsers.registry import load_registry

PAGE = "http://www.customs.gov.cn/customs/302249/2480148/5678901/index.html"
SOURCE = Source("gacc", "GACC", "listing", PAGE, parser="html", official=True, attachments=True)


def read(body: bytes) -> Attachment | Failure:
    link = AttachmentLink(PAGE, "http://www.customs.gov.cn/files/a", "a")
    return extract_attachment(SOURCE, link, Document("gacc", link.url, body, datetime.now(UTC)))


# Which links are annexes


def test_annex_links_of_a_notice_page_in_page_order_without_navigation_or_footer():
    page = files.notice_page(
        [("/files/P020240119.pdf", "1.允许进口的柑橘类水果清单"), ("down.jsp?id=7", "2.口岸")]
    )
    found = find_attachments(page, PAGE, "text/html; charset=utf-8")
    assert [(x.url, x.name) for x in found.links] == [
        ("http://www.customs.gov.cn/files/P020240119.pdf", "P020240119.pdf"),
        ("http://www.customs.gov.cn/customs/302249/2480148/5678901/down.jsp?id=7", "2.口岸"),
    ]  # not the guide.pdf of div.nav nor the privacy.pdf of the footer
    assert all(x.page_url == PAGE for x in found.links)


def test_links_in_nav_header_and_footer_blocks_are_not_annexes():
    html = (
        "<html><body><nav><a href='/guide.pdf'>指南</a></nav><header><a href='/h.pdf'>h</a></header>"
        "<div id='top-menu'><a href='/m.pdf'>m</a></div><ul class='breadcrumb'><li><a href='/b.doc'>b</a></ul>"
        "<div><p>附件：<a href='/a.xlsx'>清单</a></p></div><footer><a href='/f.docx'>f</a></footer></body></html>"
    )
    assert [x.url for x in find_attachments(html, PAGE).links] == ["http://www.customs.gov.cn/a.xlsx"]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p>附件：<a href="http://www.iiachina.org/upfiles/file/20160822_10409.xls">报名回执</a></p>', 1),
        (
            '<p>相关附件：<a href="downLoadAttachment?attachementId=42">目录</a></p>',
            1,
        ),  # no extension, labelled
        ('<p><a href="/x/info.html">附件说明</a></p>', 0),  # a labelled web page is a reference
        ('<p>See <a href="/download?id=5">Annex 2</a> for the list</p>', 1),
        ('<p>Attachments: <a href="/getfile?id=8">the list of goods</a></p>', 1),
        ('<p><a href="/world/annex-the-jordan-valley">Gantz: annex the Jordan Valley</a></p>', 0),
        ('<p><a href="/get?f=9">进口商品清单.xlsx</a></p>', 1),  # the link text names the file
        (
            '<p><a href="/news/2024.html">新闻</a> <a href="mailto:a@b.cn">信箱</a> <a href="#top">顶部</a></p>',
            0,
        ),
        ('<p><a href="javascript:void(0)">附件</a> <a href="ftp://h/a.pdf">a</a></p>', 0),
        ('<p>附件：<a href="/a.pdf">一</a><br><a href="/a.pdf#page=2">一</a></p>', 1),  # one URL once
    ],
)
def test_which_links_count_as_annexes(html, expected):
    assert len(find_attachments(f"<html><body>{html}</body></html>", PAGE).links) == expected


def test_an_annex_link_that_is_no_url_is_refused_with_its_reason():
    html = '<p>附件：<a href="http://[::1/x.pdf">清单</a> <a href="javascript:get(1)">附件</a></p>'
    found = find_attachments(f"<html><head><base href='http://[x'></head><body>{html}</body></html>", PAGE)
    assert found.links == () and [r.url for r in found.refused] == ["http://[::1/x.pdf"]
    assert "link '清单': invalid URL (Invalid IPv6 URL)" in found.refused[0].reason


def test_relative_links_resolve_against_the_final_url_and_a_base_element():
    html = '<html><head><base href="/files/"></head><body><a href="a.pdf">附件</a></body></html>'
    found = find_attachments(html, PAGE, base_url="http://www.customs.gov.cn/moved/index.html")
    assert found.links[0].url == "http://www.customs.gov.cn/files/a.pdf"
    assert found.links[0].page_url == PAGE


def test_annex_links_to_other_sites_are_set_apart():
    from parsers.extract.attachments import on_site

    html = '<p>附件：<a href="/a.pdf">一</a> <a href="https://oig.nasa.gov/docs/IG-20-005.pdf">二</a></p>'
    kept, off_site = on_site(find_attachments(f"<html><body>{html}</body></html>", PAGE).links, SOURCE)
    assert [x.url for x in kept] == ["http://www.customs.gov.cn/a.pdf"]
    assert [x.url for x in off_site] == ["https://oig.nasa.gov/docs/IG-20-005.pdf"]


def test_more_annexes_than_the_cap_are_reported_not_dropped_unseen():
    links = "".join(f'<p><a href="/f/{i}.pdf">{i}</a></p>' for i in range(MAX_PER_PAGE + 3))
    found = find_attachments(f"<html><body>{links}</body></html>", PAGE)
    assert len(found.links) == MAX_PER_PAGE and len(found.over_cap) == 3


def test_a_page_that_is_no_markup_has_no_annexes():
    assert find_attachments(b"", PAGE).links == () and find_attachments(b"\x00\x01", PAGE).links == ()


# Text of each format


def test_pdf_text_layer_in_chinese():
    annex = read(files.annex1_pdf())
    assert isinstance(annex, Attachment) and annex.media_type == "application/pdf"
    assert "允许进口的柑橘类水果清单" in annex.text and "1 0805100000 鲜橙 南非" in annex.text


def test_xlsx_rows_as_tab_separated_lines_with_leading_zeros_kept():
    annex = read(files.annex2_xlsx())
    assert isinstance(annex, Attachment) and annex.media_type == MEDIA_TYPES["xlsx"]
    assert annex.text.splitlines()[:3] == [
        "# 清单",
        "序号\t商品编码\t商品名称\t指定入境口岸",
        "1\t0805400000\t鲜葡萄柚\t大连",
    ]


def test_docx_paragraphs_and_tables_in_order():
    body = files.docx(["附件2", "指定入境口岸名单"], [("口岸", "商品编码"), ("大连", "0805500000")])
    annex = read(body)
    assert isinstance(annex, Attachment) and annex.media_type == MEDIA_TYPES["docx"]
    assert annex.text == "附件2\n指定入境口岸名单\n口岸\t商品编码\n大连\t0805500000"


def test_xls_workbook_read_with_xlrd():
    import xlwt  # dev-only writer of the old binary format

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("清单")
    for r, row in enumerate([("序号", "税则号列", "商品名称"), (1, "08054000", "鲜葡萄柚")]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    import io

    out = io.BytesIO()
    book.save(out)
    annex = read(out.getvalue())
    assert isinstance(annex, Attachment) and annex.media_type == MEDIA_TYPES["xls"]
    assert "1\t08054000\t鲜葡萄柚" in annex.text


def test_a_pdf_without_a_text_layer_is_kept_with_empty_text():
    annex = read(files.pdf([]))
    assert isinstance(annex, Attachment) and annex.text == ""


def test_an_encrypted_pdf_that_opens_with_the_empty_password_is_read():
    annex = read(files.pdf(["Annex 3 tariff lines 0805.10"], password=""))
    assert isinstance(annex, Attachment) and "tariff lines 0805.10" in annex.text


# Bad files: a failure row each, with a clear reason


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (files.pdf(["secret"], password="s3cret"), "encrypted PDF: a password is needed"),
        (files.cut_off(files.annex1_pdf()), "corrupt PDF"),
        (files.cut_off(files.annex2_xlsx()), "corrupt file: a damaged ZIP container"),
        (
            files.damaged_member(files.annex2_xlsx()),
            "corrupt XLSX workbook: member 'xl/worksheets/sheet1.xml'",
        ),
        (files.pdf_bomb(), "PDF bomb refused: a page's content inflates past pypdf's limit"),
        (
            files.zip_bomb_xlsx(),
            "zip bomb refused: XLSX workbook members declare 119555043 bytes uncompressed",
        ),
        (files.archive_of_files(), "a ZIP archive that is no XLSX or DOCX"),
        (b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "a web page, not a document"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + bytes(600),
            ".doc is not supported",
        ),
        (b"Rar!\x1a\x07\x00" + bytes(100), "unrecognised format (first bytes 52 61 72 21"),
    ],
    ids=[
        "encrypted",
        "cut-pdf",
        "cut-xlsx",
        "bad-crc",
        "pdf-bomb",
        "zip-bomb",
        "zip-archive",
        "html",
        "doc",
        "rar",
    ],
)
def test_a_bad_annex_is_a_failure_row_saying_why(body, reason):
    failure = read(body)
    assert isinstance(failure, Failure), failure
    assert failure.stage == "attachment" and reason in failure.reason, failure.reason
    assert failure.reason.startswith(f"annex of {PAGE}: ")


def test_zip_guard_checks_what_members_actually_inflate_to():
    bomb = files.zip_bomb_xlsx(inflated=30_000_000)
    check_zip(bomb, "XLSX workbook")  # under the default limit: fine
    with pytest.raises(AnnexError, match="declare"):
        check_zip(bomb, "XLSX workbook", limit=20_000_000)


def test_zip_guard_refuses_too_many_members():
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as container:
        for i in range(10_001):
            container.writestr(f"m{i}", b"")
    with pytest.raises(AnnexError, match="10001 members"):
        check_zip(out.getvalue(), "XLSX workbook")


def test_sniffing_reads_the_bytes_not_the_name():
    assert [sniff(files.annex1_pdf()), sniff(files.annex2_xlsx()), sniff(files.docx(["x"], [("a",)]))] == [
        "pdf",
        "xlsx",
        "docx",
    ]


# HS codes and places into measures


def test_hs_codes_of_a_spreadsheet_column_and_a_pdf_table():
    assert table_hs_codes(read(files.annex2_xlsx()).text) == files.ANNEX2_CODES  # type: ignore[union-attr]
    assert table_hs_codes(read(files.annex1_pdf()).text) == files.ANNEX1_CODES  # type: ignore[union-attr]


def test_hs_column_numbers_that_lost_their_leading_zero_get_it_back():
    assert table_hs_codes("品名\tHS编码\n鲜橙\t805100000\n数量\t\n") == ("0805100000",)


def test_a_pdf_table_ends_and_later_numbers_are_not_codes():
    text = "序号 商品编码 商品名称\n1 08051000 鲜橙\n" + "说明文字\n" * 25 + "联系电话 65194114\n"
    assert table_hs_codes(text) == ("08051000",)


def test_a_notice_without_enumerated_measures_gets_one_measure_with_its_annexes_codes_and_places():
    rules = load_rules(None)
    text = "\n\n".join(files.NOTICE_PARAGRAPHS[1:])
    annexes = [read(files.annex1_pdf()).text, read(files.annex2_xlsx()).text]  # type: ignore[union-attr]
    (notice,) = annex_measures(
        [], "a1", files.NOTICE_PARAGRAPHS[0], text, annexes, rules, "General Administration of Customs"
    )
    assert notice.ordinal == 1 and "见附件1" in notice.text
    assert notice.hs_codes == (*files.ANNEX1_CODES, *files.ANNEX2_CODES)
    assert {"Dalian", "Shanghai"} <= set(notice.places)
    assert notice.announcement_no == "Announcement No. 12 [2024]"


def test_a_measure_citing_an_annex_takes_that_annexs_codes_only():
    rules = load_rules(None)
    first = Measure("a1", 1, "允许进口的品种见附件1。", ("customs",))
    second = Measure("a1", 2, "入境口岸见附件2。", ("customs",), hs_codes=("0805500000",))
    third = Measure("a1", 3, "企业应当如实申报。", ("customs",))
    annexes = [read(files.annex1_pdf()).text, read(files.annex2_xlsx()).text]  # type: ignore[union-attr]
    out = annex_measures([first, second, third], "a1", "公告", "正文", annexes, rules)
    assert [m.hs_codes for m in out] == [files.ANNEX1_CODES, ("0805500000", "0805400000"), ()]
    assert "Dalian" in out[1].places and "Dalian" not in out[0].places


def test_annexes_without_codes_or_places_change_no_measure():
    rules = load_rules(None)
    measures = [Measure("a1", 1, "一项措施", ("customs",))]
    assert annex_measures(measures, "a1", "公告", "正文", ["报名回执 姓名 电话"], rules) == measures


# Registry


def _registry(tmp_path, extra: str):
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[[source]]\nid = "s"\nname = "S"\nkind = "feed"\nurl = "https://a.gov.cn/f.xml"\n{extra}\n'
    )
    return load_registry(path).get("s")


def test_attachments_default_to_the_sources_official_flag_and_can_be_set(tmp_path):
    assert _registry(tmp_path, "official = true").attachments is True
    assert _registry(tmp_path, "").attachments is False
    assert _registry(tmp_path, "official = true\nattachments = false").attachments is False
    assert _registry(tmp_path, "attachments = true").attachments is True


def test_attachments_must_be_a_boolean(tmp_path):
    from parsers.registry import RegistryError

    with pytest.raises(RegistryError, match="attachments = 'yes': expected true or false"):
        _registry(tmp_path, 'attachments = "yes"')


# Any bytes: an annex or a failure row, never an exception; any page: links that may be fetched

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
GOOD = [files.annex1_pdf(), files.annex2_xlsx(), files.docx(["附件"], [("a", "b")])]


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=2048),
        st.tuples(
            st.sampled_from([b"%PDF-1.7\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]),
            st.binary(max_size=2048),
        ).map(b"".join),
        st.tuples(st.sampled_from(GOOD), st.integers(0, 40_000), st.binary(min_size=1, max_size=64)).map(
            lambda t: t[0][: t[1] % len(t[0])] + t[2] + t[0][t[1] % len(t[0]) + len(t[2]) :]
        ),  # a real file with bytes overwritten somewhere
    )
)
def test_any_bytes_are_an_annex_or_a_failure_row_never_an_exception(body):
    outcome = read(body)
    assert isinstance(outcome, Attachment | Failure)
    if isinstance(outcome, Failure):
        assert outcome.stage == "attachment" and outcome.reason.startswith("annex of ")


@FUZZ
@given(
    st.lists(
        st.one_of(
            st.text(max_size=20),
            st.sampled_from(
                [
                    "附件：",
                    "Annex 1",
                    "<a href='",
                    "'>",
                    "</a>",
                    ".pdf",
                    "<nav>",
                    "</p>",
                    "http://[::1/x",
                    "javascript:",
                    "\x00",
                    "<base href='//x/'>",
                ]
            ),
        ),
        max_size=30,
    )
)
def test_any_page_yields_http_links_without_exceptions(pieces):
    found = find_attachments("<html><body><p>" + "".join(pieces) + "</p></body></html>", PAGE)
    assert all(x.url.startswith(("http://", "https://")) and x.page_url == PAGE for x in found.links)
