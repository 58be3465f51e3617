from conftest import seed_path
from parsers.clean.press import clean_article, clean_lines, fix_punctuation, is_crumb
from parsers.extract.press import parse_press_text


def cleaned(prefix: str):
    path = seed_path(prefix)
    article = parse_press_text(path.read_text(encoding="utf-8"), "seed", path.as_uri())
    assert article is not None
    return clean_article(article)


def test_id_tokens_are_removed_from_paragraph_starts():
    article = cleaned("002")
    assert "1746-NO4I" not in article.clean_text
    assert "1746-NO4I" in article.raw_text  # the raw text is kept as it came
    assert article.clean_text.startswith("Q: According to reports")


def test_crumbs_are_removed_and_hard_wraps_joined():
    article = cleaned("003")
    assert "Home Categories Send inquiry" not in article.clean_text
    paragraphs = article.clean_text.split("\n\n")
    assert len(paragraphs) == 4
    for paragraph in paragraphs:
        assert "\n" not in paragraph
        assert paragraph.endswith((".", "”")), paragraph[-60:]
    assert "of the General Administration of Customs introduced that" in article.clean_text
    assert "confirmation of departure” and other models" in article.clean_text


def test_paragraph_breaks_between_sentences_are_kept():
    article = cleaned("000")
    paragraphs = article.clean_text.split("\n\n")
    assert paragraphs[1] == (
        "The first is to clear the blocking points to ensure the smooth domestic transportation of foreign trade goods."
    )
    assert len(paragraphs) == 12


def test_doubled_punctuation_is_repaired():
    assert "held on the 26th, the problem of poor logistics" in cleaned("000").clean_text
    assert fix_punctuation("Qingdao Sanshuo Co., Ltd. said ,we") == "Qingdao Sanshuo Co., Ltd. said, we"
    assert fix_punctuation("end . . next") == "end. next"
    assert fix_punctuation("wait... what") == "wait... what"


def test_crumb_detection_is_narrow():
    assert is_crumb("Home Categories Send inquiry")
    assert is_crumb("Home > News > Press Conference")
    assert not is_crumb("Home appliance exports rose 8% in May.")


def test_whitespace_is_normalised():
    assert clean_lines(["  The\u3000first  is\u00a0here.  ", "", "Second."]) == [
        "The first is here.",
        "Second.",
    ]


def test_content_hash_ignores_formatting_only():
    a = cleaned("001")
    assert len(a.content_hash) == 64 and a.article_id == a.content_hash[:16]
    path = seed_path("001")
    rewrapped = path.read_text(encoding="utf-8").replace("\n\n\n", "\n\n").replace("  ", " ")
    b = clean_article(parse_press_text(rewrapped, "other", "https://example.org/x"))
    assert b.content_hash == a.content_hash
