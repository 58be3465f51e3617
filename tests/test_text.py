from datetime import datetime

from bs4 import BeautifulSoup

from conftest import ROOT, seed_path
from parsers.extract.documents import parse_document
from parsers.extract.press import looks_like_title, parse_date, parse_press_text, split_dateline
from parsers.model import Article, Document, Source


def parse(prefix: str):
    path = seed_path(prefix)
    article = parse_press_text(path.read_text(encoding="utf-8"), "seed", path.as_uri())
    assert article is not None
    return article


def test_headline_and_full_date_are_read():
    article = parse("001")
    assert article.title.startswith("Dalian has Introduced Measures to Support Dalian Port-related")
    assert article.title_source == "headline"
    assert article.published_at == datetime(2020, 3, 25, 10, 14)
    assert article.date_source == "text"


def test_dateline_gives_agency_and_a_date_without_year_is_not_guessed():
    article = parse("000")
    assert article.agency == "China News Service"
    assert article.date_text == "May 26th"
    assert article.published_at is None
    assert article.paragraphs[0].startswith("In response to the multi-point spread")
    # No headline line: the title is the first sentence, and says so.
    assert article.title_source == "first_sentence"
    assert article.title.startswith("In response to the multi-point spread")


def test_crumb_line_is_not_the_title():
    assert parse("003").title.startswith("General Administration of Customs of China: Take multiple measures")


def test_a_short_sentence_headline_counts_as_title():
    assert parse("004").title == "Policies hit a combined punch, and foreign trade export resumed growth."
    assert parse("002").title == "Hot spot 2: The industrial chain and supply chain are smooth and stable"


def test_dates_in_other_forms():
    assert parse_date("Updated: March 3, 2021") == datetime(2021, 3, 3)
    assert parse_date("2022年4月26日 15:30") == datetime(2022, 4, 26, 15, 30)
    assert parse_date("May 26th") is None
    assert parse_date("2020-02-30") is None


def test_a_date_line_followed_by_page_buttons_is_the_date():
    """China Daily's government channel prints "Updated: May 12, 2022 Print" under the headline (a real page)."""
    path = ROOT / "tests" / "data" / "alerts" / "texts" / "en_govt-chinadaily-com-cn_ten-measures.txt"
    article = parse_press_text(path.read_text(encoding="utf-8"), "chinadaily", path.as_uri())
    assert article is not None and article.published_at == datetime(2022, 5, 12)
    assert article.date_text == "Updated: May 12, 2022 Print"
    assert not article.paragraphs[0].startswith("Updated")


def test_xinhua_style_dateline():
    agency, date_text, rest = split_dateline("BEIJING, March 3 (Xinhua) -- China's customs said on Tuesday")
    assert (agency, date_text, rest) == ("Xinhua", "March 3", "China's customs said on Tuesday")


def test_long_running_sentence_is_not_a_title():
    assert not looks_like_title("China News Service, May 26th. In response to the spread, some firms said.")
    assert not looks_like_title("word " * 60)


def test_text_with_only_navigation_is_none():
    assert parse_press_text("Home Categories Send inquiry\n\n", "s", "u") is None


def test_a_web_encoding_label_such_as_x_gbk_decodes_a_real_chinese_text():
    # Browsers accept "x-gbk" (the WHATWG label of GBK); Python's codec registry does not know the name.
    page = ROOT / "tests" / "data" / "pages" / "xinhuanet.com.c_1125597921.html"
    paragraphs = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("p")
    text = "\n\n".join(p.get_text(" ", strip=True) for p in paragraphs if len(p.get_text(strip=True)) > 30)
    source = Source(id="xh", name="xh", kind="files", url=str(page.parent), encoding="x-gbk")
    doc = Document(
        "xh", page.as_uri(), text.encode("gbk", "replace"), datetime(2020, 2, 20), encoding="x-gbk"
    )
    article = parse_document(source, doc)
    assert isinstance(article, Article), article
    assert article.language == "zh"
    assert "".join(article.paragraphs)[:40] in text.replace("\n", "")
