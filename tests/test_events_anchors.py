"""Anchors that two reports of one event share whatever their language (parsers/stories/anchors.py)."""

from datetime import date

from parsers.stories import anchors


def test_document_numbers_in_both_languages():
    assert anchors.docs("海关总署公告2024年第12号") == {"ann:2024:12"}
    assert anchors.docs("GACC Announcement No. 12 [2024] and Announcement No. 12 of 2024") == {"ann:2024:12"}
    assert anchors.docs("《国务院办公厅关于…的通知》(国办函〔2018〕71号)") == {"doc:2018:71"}
    assert anchors.docs("商务部发布年度第34号公告") == {"ann:?:34"}
    assert anchors.docs("suspends Announcements Nos. 55, 56 and 58 of 2025") == {
        "ann:2025:55",
        "ann:2025:56",
        "ann:2025:58",
    }


def test_main_documents_are_the_ones_named_first():
    text = (
        "MOFCOM Announcement No. 62 of 2025 on technologies. "
        + "x" * 300
        + " It follows Announcement No. 61."
    )
    assert anchors.main_docs(text) == {"ann:2025:62"}


def test_counted_measures():
    assert anchors.counts("China will promote 25 tested measures nationwide") == {"25"}
    assert anchors.counts("the ten new policy measures") == {"10"}
    assert anchors.counts("出台十条措施") == {"10"}
    assert anchors.counts("被称为“二十条”的政策") == {"20"}
    assert anchors.counts("共25项") == {"25"}


def test_dates_written_both_ways_normalise_alike():
    published = date(2025, 4, 5)
    english = anchors.dates("effective April 10, 2025; announced on Friday, April 4", published)
    chinese = anchors.dates("自2025年4月10日12时01分起;4月4日发布", published)
    assert english == chinese == {"2025-04-10", "2025-04-04"}
    assert anchors.dates("on Dec. 30 it was announced", date(2026, 1, 2)) == {"2025-12-30"}


def test_amounts_and_percentages_normalise_across_languages():
    assert anchors.numbers("a record 43.85 trillion yuan") == anchors.numbers("43.85万亿元")
    assert anchors.numbers("$982.3 billion") == anchors.numbers("9823亿美元")
    assert anchors.percents("34-percent tariffs, 34 percent, 34%") == {"34"}
    assert anchors.percents("margins of 27.7%~34.9%") == {"27.7", "34.9"}
    assert "2025" not in anchors.numbers("in 2025 trade rose") and anchors.numbers("28,600 enterprises") == {
        "2.86e+04"
    }


def test_traditional_script_and_big5_mojibake_give_the_same_anchors():
    simplified = anchors.extract(
        "", "国务院关税税则委员会对原产于美国的进口商品加征34%关税,自2025年4月10日起"
    )
    traditional = anchors.extract(
        "", "國務院關稅稅則委員會對原產於美國的進口商品加徵34%關稅,自2025年4月10日起"
    )
    mojibake = anchors.extract(
        "",
        "國(guó)務(wù)院關(guān)稅稅則委員會(huì)對(duì)原產(chǎn)于美國(guó)的進(jìn)口商品加征34%關(guān)稅,自2025年4月10日起",
    )
    assert simplified.issuers == traditional.issuers == mojibake.issuers == {
        "Customs Tariff Commission of the State Council", "State Council"}  # fmt: skip
    assert simplified.percents == traditional.percents == mojibake.percents == {"34"}
    assert "United States" in mojibake.places and "additional tariff" in mojibake.terms


def test_bilingual_gazetteer_names_officials_places_and_terms():
    english = anchors.extract(
        "", "Commerce Minister Wang Wentao met EU officials in Kuala Lumpur on rare earth export controls"
    )
    chinese = anchors.extract("", "商务部部长王文涛在吉隆坡会见欧盟官员,谈稀土出口管制")
    assert english.people == chinese.people == {"Wang Wentao"}
    assert {"European Union", "Malaysia"} <= english.places & chinese.places
    assert {"rare earth", "export control"} <= english.terms & chinese.terms
    assert anchors.extract("", "Let us talk").places == frozenset()  # "us" is not the US


def test_hs_and_export_control_codes():
    a = anchors.extract("", "HS 8110929010 and 2850001901; items 1C902.a and 1C903")
    assert a.hs == {"811092", "285000"} and a.eccn == {"1C902", "1C903"}


def test_weekdays_are_placed_before_the_published_date():
    published = date(2025, 10, 28)  # a Tuesday
    assert anchors.dates("China and ASEAN on Tuesday signed the protocol", published) == {"2025-10-28"}
    assert anchors.dates("announced on Friday", published) == {"2025-10-24"}
    assert anchors.dates("中国官方周四（12月18日）宣布", date(2025, 12, 18)) == {"2025-12-18"}
    assert anchors.dates("每周五发布 on Friday", None) == frozenset()  # no published date: no weekday


def test_a_press_answer_is_told_by_its_opening():
    assert anchors.extract("", "Question: Could you give details?\nAnswer: Regarding ...").genre == {"qa"}
    assert anchors.extract("", "商务部新闻发言人就稀土出口管制答记者问").genre == {"qa"}
    report = "MOFCOM issued Announcement No. 61. " + "x" * 400 + " A spokesperson answered questions."
    assert anchors.extract("", report).genre == frozenset()
