"""Attachments benchmark: the annex-link finder on real pages, and the time to read and to refuse annexes.

1. Finder on real pages that are not official notices: the 181 aeb news pages (../shared/corpora/aeb)
   and the 19 gov.cn State Council documents (../shared/corpora/govcn, whose 附件 are inline text, not
   links). Printed: pages, pages with annex links, links, and each link found, for review (on news
   pages they are documents the article cites: such sources keep `attachments = false`, the default
   for non-official sources).
2. Reading annexes of realistic size, made with the libraries that write them: a 30-page PDF table of
   goods, a 5,000-row XLSX, a 300-paragraph DOCX; median of 3 wall times of `extract_attachment`,
   with the ZIP guard's share; and the time to refuse a 120 MB ZIP bomb inside an XLSX and a PDF whose page inflates to 200 MB.

    python -m bench.attachments
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
sys.path.insert(0, str(ROOT / "tests"))  # the annex makers the tests use


def finder() -> dict[str, float]:
    """Annex links found on real pages that are not notices (each printed for review)."""
    from parsers.extract.attachments import find_attachments

    truth = json.loads((SHARED / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [
        (
            truth.get(f.name.split(".")[0], {}).get("url") or "https://example.org/",
            gzip.decompress(f.read_bytes()),
        )
        for f in sorted((SHARED / "aeb" / "html").glob("*.html.gz"))
    ]
    govcn = [
        (f"http://www.gov.cn/zhengce/content/{f.name}", f.read_bytes())
        for f in sorted((SHARED / "govcn").glob("*.html"))
    ]
    out: dict[str, float] = {}
    for name, corpus in (("aeb", pages), ("govcn", govcn)):
        start = time.perf_counter()
        found = [(url, find_attachments(body, url).links) for url, body in corpus]
        seconds = time.perf_counter() - start
        with_links = [(url, links) for url, links in found if links]
        print(f"{name}: {len(corpus)} real pages, {len(with_links)} with annex links, "
              f"{sum(len(x) for _, x in with_links)} links, {1000 * seconds / len(corpus):.1f} ms/page")  # fmt: skip
        for url, links in with_links:
            for link in links:
                print(f"    {url[:60]:<60} -> {link.url[:70]}  [{link.label[:30]}]")
        out[f"attachments_finder_{name}_pages_with_links"] = len(with_links)
        out[f"attachments_finder_{name}_ms_per_page"] = 1000 * seconds / len(corpus)
    return out


def _median(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def reading() -> dict[str, float]:
    """Wall time to read annexes of realistic size, and to refuse a ZIP bomb."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    import annex_files as files
    from parsers.extract.annexes import extract_attachment
    from parsers.extract.office import check_zip
    from parsers.model import Attachment, AttachmentLink, Document, Source

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for p in range(30):
        page.setFont("STSong-Light", 9)
        for i in range(40):
            page.drawString(
                40, 800 - 19 * i, f"{p * 40 + i + 1} 08{p:02d}{i:02d}0000 商品名称第{i}项 千克 南非 大连"
            )
        page.showPage()
    page.save()
    rows: list[tuple[object, ...]] = [("序号", "商品编码", "商品名称", "口岸")]
    rows += [(i, f"{i % 97 + 1:02d}{i:08d}"[:10], f"商品{i}", "大连") for i in range(5000)]
    annexes = {
        "pdf (30 pages, 1,200 rows)": buffer.getvalue(),
        "xlsx (5,000 rows)": files.xlsx(rows),
        "docx (300 paragraphs)": files.docx(
            [f"第{i}条 进口货物应当如实申报。" for i in range(300)],
            [("口岸", "商品编码"), ("大连", "0805100000")],
        ),
        "zip bomb (120 MB in an xlsx)": files.zip_bomb_xlsx(),
        "pdf bomb (200 MB content)": files.pdf_bomb(),
    }
    source = Source("bench", "bench", "listing", "https://example.gov.cn/", attachments=True)
    out: dict[str, float] = {}
    print(f"\n{'annex':<30} {'bytes':>9} {'read s':>8} {'zip guard s':>12}  outcome")
    for name, body in annexes.items():
        doc = Document("bench", "https://example.gov.cn/a", body, datetime.now(UTC))
        link = AttachmentLink("https://example.gov.cn/p.html", doc.url, name)
        result = extract_attachment(source, link, doc)
        seconds = _median(lambda doc=doc, link=link: extract_attachment(source, link, doc))
        guard = _median(lambda body=body: _guarded(check_zip, body)) if body[:2] == b"PK" else 0.0
        outcome = f"{len(result.text)} chars" if isinstance(result, Attachment) else result.reason[-60:]
        print(f"{name:<30} {len(body):>9} {seconds:>8.3f} {guard:>12.3f}  {outcome}")
        out[f"attachments_read_seconds_{name.split()[0]}{'_bomb' if 'bomb' in name else ''}"] = seconds
    return out


def _guarded(check: Callable[[bytes, str], None], body: bytes) -> None:
    from parsers.extract.office import AnnexError

    with contextlib.suppress(AnnexError):
        check(body, "XLSX workbook")


def run() -> dict[str, float]:
    """Every figure of this benchmark."""
    return {**finder(), **reading()}


if __name__ == "__main__":
    run()
