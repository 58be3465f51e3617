"""Official-document metadata on real documents (tests/data/official), field by field, and end to end: a real
gov.cn page and a real GACC announcement served by a local server through listing sources, ingested, and
their number, issuer, written date and title read back from the warehouse, with the measures and alerts.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from bench.official import DATA, FIELDS, Golden, got, govcn, govcn_extra, pages, parse, right
from parsers.alert_text import message
from parsers.extract.official_forms import dates, document_numbers

GOVCN = govcn()
DEV = [g for g in govcn_extra() + pages() if g.split == "dev"]


def cases(goldens: list[Golden]) -> list[object]:
    return [pytest.param(g, f, id=f"{g.name}-{f}") for g in goldens for f in FIELDS if g.expected[f]]


@pytest.mark.parametrize(("golden", "field"), cases(GOVCN))
def test_govcn_documents_field_by_field(golden: Golden, field: str) -> None:
    article = parse(golden)
    assert right(golden, field, article), (
        f"{field}: expected {golden.expected[field]!r}, got {got(article, field)!r}"
    )


@pytest.mark.parametrize(("golden", "field"), cases(DEV))
def test_dev_documents_field_by_field(golden: Golden, field: str) -> None:
    article = parse(golden)
    assert right(golden, field, article), (
        f"{field}: expected {golden.expected[field]!r}, got {got(article, field)!r}"
    )


@pytest.mark.parametrize("golden", GOVCN[:5], ids=lambda g: g.name)
def test_govcn_body_alone_gives_number_issuer_and_written_date(golden: Golden) -> None:
    """Without the metadata table, the heading, number line and signature say the same."""
    article = parse(golden, body_only=True)
    for field in ("title", "document_no", "issuer", "written"):
        assert right(golden, field, article), field
    assert article is not None and article.title_source == "heading"


def test_a_page_without_official_metadata_gets_none() -> None:
    text = gzip.decompress(
        (DATA.parent / "aeb" / sorted(p.name for p in (DATA.parent / "aeb").glob("*.gz"))[0]).read_bytes()
    )
    golden = Golden("aeb", "https://example.org/news", "dev", text, "html", dict.fromkeys(FIELDS, ""))
    article = parse(golden)
    assert article is not None
    assert (article.document_no, article.issuer, article.written_at) == (None, None, None)


def test_number_and_date_forms() -> None:
    assert document_numbers("海關總署公告2020年第54號(關于開通報關單回執數據訂閱服務及接口的公告)") == [
        "海關總署公告2020年第54號"
    ]
    assert document_numbers("国办函[2018]71号 and 国令第707号") == ["国办函〔2018〕71号", "国令第707号"]
    assert document_numbers("Announcement No. 81, 2021 of the GACC; Decree No. 5") == [
        "Announcement No. 81 [2021]", "Decree No. 5"]  # fmt: skip
    assert document_numbers("根据国办发〔2009〕3号精神") == ["国办发〔2009〕3号"]
    assert dates("二○○六年三月三十日") == [date(2006, 3, 30)]
    assert dates("October 11, 2021; 2018年11月09日") == [date(2021, 10, 11), date(2018, 11, 9)]


# --- End to end: listing sources on a local server, the ingest flow, the warehouse -----------------------


def registry(tmp_path: Path, server: HTTPServer) -> Path:
    path = tmp_path / "sources.toml"
    common = 'local = true\nlanguage = "zh"\nofficial = true\nmin_interval = 0.05\nmax_bytes = 2000000\n'
    path.write_text(
        f"""[[source]]
id = "govcn-local"
name = "State Council documents (local copy)"
kind = "listing"
url = "{server.url_for("/zhengce/index.htm")}"
parser = "html"
{common}
[[source]]
id = "gacc-local"
name = "GACC announcements (local copy)"
kind = "listing"
url = "{server.url_for("/customs/index.htm")}"
parser = "text"
encoding = "utf-8"
{common}""",
        encoding="utf-8",
    )
    return path


@pytest.mark.usefixtures("prefect_server")
def test_ingest_stores_official_metadata_and_measures_and_alerts_carry_the_number(tmp_path: Path) -> None:
    from flows.ingest import ingest

    govcn_page = next(
        g for g in GOVCN if g.name == "content_5345808"
    )  # 国发〔2018〕39号, enumerates measures
    gacc_page = next(
        g for g in pages() if g.name == "zh_rustingsword-cn_2c291cae"
    )  # 海關總署公告2020年第54號
    with HTTPServer(host="127.0.0.1", port=0, threaded=True) as server:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        # Listings cut long titles, as gov.cn's do: the document's own title must replace the cut one.
        server.expect_request("/zhengce/index.htm").respond_with_data(
            '<html><body><ul><li><a href="/zhengce/content_5345808.htm">国务院关于做好当前和今后一个时期...</a>'
            "</li></ul></body></html>", content_type="text/html; charset=utf-8")  # fmt: skip
        server.expect_request("/zhengce/content_5345808.htm").respond_with_data(
            govcn_page.body, content_type="text/html; charset=utf-8"
        )
        server.expect_request("/customs/index.htm").respond_with_data(
            '<html><body><a href="/customs/408.txt">海关总署公告</a></body></html>', content_type="text/html"
        )
        server.expect_request("/customs/408.txt").respond_with_data(gacc_page.body, content_type="text/plain")
        db = tmp_path / "tw.duckdb"
        ingest(sources=str(registry(tmp_path, server)), db_path=str(db), fetch_options={"timeout": 5.0})

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT source_id, title, title_source, document_no, issuer, issuer_canonical, written_at,"
            " published_at::DATE FROM articles ORDER BY source_id"
        ).fetchall()
        measures = con.execute("SELECT DISTINCT a.source_id, m.document_no FROM measures m JOIN articles a USING (article_id)"
                               " ORDER BY ALL").fetchall()  # fmt: skip
        result = con.execute("SELECT * FROM alerts")
        names = [d[0] for d in result.description]
        alerts = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    assert rows == [
        ("gacc-local", "海關總署公告2020年第54號(關于開通報關單回執數據訂閱服務及接口的公告)", "heading",
         "海關總署公告2020年第54號", "海關總署", "General Administration of Customs", date(2020, 4, 9), None),
        ("govcn-local", "国务院关于做好当前和今后一个时期促进就业工作的若干意见", "metadata", "国发〔2018〕39号",
         "国务院", "State Council", date(2018, 11, 16), date(2018, 12, 5)),
    ]  # fmt: skip
    assert measures == [("gacc-local", "海關總署公告2020年第54號"), ("govcn-local", "国发〔2018〕39号")]
    assert alerts and all(a["document_no"] == "海關總署公告2020年第54號" for a in alerts)
    assert "Document: 海關總署公告2020年第54號" in message(alerts[0])[1]
    # Chinese words are searchable (the FTS index sees each Han character; the words must appear as written)
    found = {
        q: [json.loads(line)["title"][:6] for line in cli_search(db, q)]
        for q in ("促进就业", "報關單", "海关 就业")
    }
    assert found["促进就业"][:1] == ["国务院关于做"] and found["報關單"] == ["海關總署公告"]
    assert found["海关 就业"] == []  # no document holds both words


def cli_search(db: Path, query: str) -> list[str]:
    from typer.testing import CliRunner

    from flows.cli import app

    result = CliRunner().invoke(app, ["search", query, "--json", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()
