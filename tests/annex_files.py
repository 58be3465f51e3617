"""Real annex files made with the libraries that write them (reportlab, openpyxl, python-docx), and a notice page.

Each file is what those libraries really write: a PDF with a Chinese text layer (reportlab's built-in
STSong-Light CID font, so no font file is needed), an XLSX workbook, a DOCX document. The bad ones
are made from good ones the way they occur: a password-protected PDF, a download cut off half-way, a
workbook carrying a member that inflates to 120 MB, a ZIP archive of files, an HTML error page
served for an `.xls`. The notice page follows the markup of GACC announcement pages (the body in
`div#easysiteText`, annexes linked as `附件1：<a href=...>` lines, as public scrapers of
www.customs.gov.cn read them); its wording is written for the test.
"""

from __future__ import annotations

import io
import zipfile

# HS codes of the goods in the annexes (Chinese tariff, 10 digits): fresh oranges, mandarins, grapefruit, lemons.
ANNEX1_CODES = ("0805100000", "0805210000")
ANNEX2_CODES = ("0805400000", "0805500000")
ANNEX1_ROWS = [("1", ANNEX1_CODES[0], "鲜橙", "南非"), ("2", ANNEX1_CODES[1], "鲜宽皮柑橘", "南非")]


def pdf(lines: list[str], password: str | None = None) -> bytes:
    """A one-page PDF whose text layer holds `lines` (Chinese or English), optionally password-protected."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out, encrypt=password)
    page.setFont("STSong-Light", 11)
    for i, line in enumerate(lines):
        page.drawString(56, 780 - 18 * i, line)
    page.save()
    return out.getvalue()


def annex1_pdf() -> bytes:
    """Annex 1: a list of goods as a PDF table (the layout pypdf reads back line by line)."""
    rows = [" ".join(row) for row in ANNEX1_ROWS]
    return pdf(
        [
            "附件1",
            "允许进口的柑橘类水果清单",
            "Annex 1 List of citrus fruit admitted",
            "序号 商品编码 商品名称 输出国家",
            *rows,
        ]
    )


def xlsx(rows: list[tuple[object, ...]], title: str = "清单", code_format: str | None = None) -> bytes:
    """An XLSX workbook of `rows` (openpyxl); `code_format` is the number format of column B."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    if code_format:
        for cell in sheet["B"][1:]:
            cell.number_format = code_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def annex2_xlsx() -> bytes:
    """Annex 2: goods and the ports of entry, HS codes as numbers formatted to keep their leading zero."""
    rows: list[tuple[object, ...]] = [
        ("序号", "商品编码", "商品名称", "指定入境口岸"),
        (1, int(ANNEX2_CODES[0]), "鲜葡萄柚", "大连"),
        (2, int(ANNEX2_CODES[1]), "鲜柠檬", "上海"),
    ]
    return xlsx(rows, code_format="0000000000")


def docx(paragraphs: list[str], table: list[tuple[str, ...]]) -> bytes:
    """A DOCX document with paragraphs, then a table (python-docx)."""
    import docx as python_docx

    document = python_docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_xlsx(inflated: int = 120_000_000) -> bytes:
    """A real XLSX workbook plus one member of `inflated` zero bytes (about 1000:1 compressed)."""
    out = io.BytesIO(annex2_xlsx())
    block = bytes(1 << 20)
    with (
        zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as container,
        container.open("xl/media/image1.bin", "w") as member,
    ):
        for _ in range(inflated // len(block)):
            member.write(block)
    return out.getvalue()


def damaged_member(body: bytes, name: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The container with bytes in the middle of one member's compressed data overwritten (a bad CRC)."""
    with zipfile.ZipFile(io.BytesIO(body)) as container:
        info = container.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)  # the local header's end
    middle = start + info.compress_size // 2
    return body[:middle] + bytes(8) + body[middle + 8 :]


def pdf_bomb(inflated: int = 200_000_000) -> bytes:
    """A one-page PDF whose content stream is `inflated` spaces, Flate-compressed (about 1000:1)."""
    import zlib

    deflate = zlib.compressobj(9)
    block = b" " * (1 << 20)
    data = b"".join(deflate.compress(block) for _ in range(inflated >> 20)) + deflate.flush()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>",
        b"<</Length %d/Filter/FlateDecode>>stream\n" % len(data) + data + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def cut_off(body: bytes) -> bytes:
    """The first half of a file: a download that stopped."""
    return body[: len(body) // 2]


def archive_of_files() -> bytes:
    """A ZIP archive of loose files (not an office document)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as container:
        container.writestr("说明.txt", "附件打包下载")
    return out.getvalue()


NOTICE_PARAGRAPHS = [
    "海关总署 农业农村部公告2024年第12号（关于进口南非鲜食柑橘植物检疫要求的公告）",
    "根据我国相关法律法规和双边议定书的规定，经风险分析和实地考察，允许符合相关要求的南非鲜食柑橘进口。",
    "允许进口的柑橘类水果品种及商品编码见附件1，指定入境口岸及相关商品见附件2。",
    "进口企业应当按照海关监管要求办理申报手续，海关依法实施检验检疫。",
    "本公告自发布之日起实施。",
]


def notice_page(annexes: list[tuple[str, str]], paragraphs: list[str] | None = None) -> bytes:
    """A GACC-style announcement page whose body links `annexes` as (href, link text), 附件N each."""
    body = "".join(f"<p>{p}</p>" for p in (paragraphs or NOTICE_PARAGRAPHS))
    links = "".join(
        f'<p>附件{i}：<a href="{href}">{text}</a></p>' for i, (href, text) in enumerate(annexes, start=1)
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{(paragraphs or NOTICE_PARAGRAPHS)[0]}</title></head><body>"
        '<div class="nav"><a href="/customs/index.html">首页</a> <a href="/guide.pdf">政府信息公开指南</a></div>'
        '<div class="easysite-news-text" id="easysiteText">'
        f"{body}{links}<p>海关总署 农业农村部</p><p>2024年1月19日</p></div>"
        '<footer><a href="/privacy.pdf">隐私声明</a></footer></body></html>'
    ).encode()
