"""Enumerated measures split out of articles, with their topics and fields."""

from datetime import date

import pytest

from conftest import seed_path
from parsers.classify.fields import announcement_numbers, effective_dates, hs_codes, load_gazetteer, places
from parsers.classify.measures import Measure, extract_measures, is_customs_measure
from parsers.classify.topics import load_rules
from parsers.clean.press import clean_article
from parsers.extract.press import parse_press_text


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def seed_measures(prefix: str, rules) -> list[Measure]:
    article = clean_article(parse_press_text(seed_path(prefix).read_text(encoding="utf-8"), "s", "u"))
    return extract_measures(
        article.article_id, article.title, article.clean_text, rules, issuer=article.agency
    )


def test_seed_000_the_first_is_the_second_is(rules):
    measures = seed_measures("000", rules)
    assert [m.ordinal for m in measures] == [1, 2, 3, 4]
    assert [m.text.split("\n")[0][:30] for m in measures] == [
        "To clear the blocking points t",
        "Cohesion, which will continue ",
        "To strengthen service and solv",
        "To optimize the environment an",
    ]
    # A measure keeps its detail paragraphs, up to the next marker.
    assert "air cargo capacity" in measures[1].text and "The third is" not in measures[1].text
    assert "free trade ports" in measures[3].text  # the last one keeps its detail paragraph too
    assert {m.issuing_body for m in measures} == {"Ministry of Commerce"}
    assert "logistics" in measures[0].topics and "customs" in measures[1].topics
    # Customs clearance at railway ports is named, but MOFCOM is not a customs or port authority.
    assert not any(is_customs_measure(m) for m in measures)


def test_seed_002_first_second_third_fourth(rules):
    measures = seed_measures("002", rules)
    assert [m.ordinal for m in measures] == [1, 2, 3, 4]
    assert measures[0].text.startswith("We will take multiple measures to ensure smooth and stable")
    assert measures[1].text.startswith("To optimize services and strengthen")
    assert measures[2].text.startswith("We will continue to make efforts to help small and medium-sized")
    assert measures[3].text.startswith("We will strictly ensure the supply of key medical supplies")
    assert "Luo Junjie" not in " ".join(m.text for m in measures)
    assert "finance" in measures[2].topics and "finance" not in measures[3].topics
    assert {m.issuing_body for m in measures} == {"Ministry of Industry and Information Technology"}


def test_seed_001_aspects_of_20_measures_from_the_dalian_port_office(rules):
    measures = seed_measures("001", rules)
    assert [m.text for m in measures] == [
        "Unblocking the port mechanism",
        "Optimizing the customs operation process",
        "Optimizing the maritime operation process",
        "Optimizing the border inspection operation process",
        "Providing a 'one-stop' convenient service for online and offline linkage of port customs clearance lines",
        "Effectively reducing the burden on enterprises",
    ]
    assert {m.issuing_body for m in measures} == {"Dalian port office"}
    assert all(m.places == ("Dalian",) for m in measures)
    customs = [m.ordinal for m in measures if is_customs_measure(m)]
    assert customs == [2, 5]


def test_seed_003_the_gacc_measures_listed_as_actions(rules):
    # "the customs will further promote ..., support ..., optimize ..., and cooperate ...": four GACC
    # measures; the shared subject "the customs" is part of what each of them is about.
    measures = seed_measures("003", rules)
    assert [m.text.split(" ")[0] for m in measures] == ["Promote", "Support", "Optimize", "Cooperate"]
    assert "ship sidedirect lifting" in measures[0].text
    assert {m.issuing_body for m in measures} == {"General Administration of Customs"}
    assert all(is_customs_measure(m) for m in measures)


def test_seed_004_a_feature_story_enumerates_no_measures(rules):
    assert seed_measures("004", rules) == []


def test_numbered_measures_with_announcement_date_places_and_hs_codes(rules):
    text = (
        "General Administration of Customs Announcement No. 45 [2020] sets out the following measures, "
        "effective from March 1, 2020:\n\n"
        "1. Importers at Shanghai, Ningbo-Zhoushan and Qingdao ports may use the two-step declaration.\n\n"
        "2. Frozen beef under HS code 0202.30 and pork under tariff line 0203.29 will be sampled at the port "
        "of entry before release.\n\n"
        "3. Tianjin Customs will cut inspection rates for AEO enterprises."
    )
    first, second, third = extract_measures("a1", "GACC measures to facilitate imports", text, rules)
    assert {m.announcement_no for m in (first, second, third)} == {"Announcement No. 45 [2020]"}
    assert {m.effective_date for m in (first, second, third)} == {date(2020, 3, 1)}
    assert first.places == ("Shanghai", "Ningbo-Zhoushan", "Qingdao")
    assert second.hs_codes == ("020230", "020329")
    assert (first.issuing_body, third.issuing_body) == (
        "General Administration of Customs",
        "Tianjin Customs",
    )
    assert third.places == ("Tianjin",)
    assert all(is_customs_measure(m) for m in (first, second, third))


def test_chinese_yishi_erishi_with_chinese_fields(rules):
    text = (
        "海关总署公告2020年第45号发布支持外贸企业复工复产的措施。一是在大连、天津、青岛等口岸推广“两步申报”，"
        "自2020年3月1日起施行；二是对税号8541.4020项下的太阳能电池实行“船边直提”；三是银行为外贸企业提供贷款展期。"
    )
    measures = extract_measures("z1", "海关总署出台措施", text, rules)
    assert [m.text[:4] for m in measures] == ["在大连、", "对税号8", "银行为外"]
    assert measures[0].places == ("Dalian", "Tianjin", "Qingdao")
    assert measures[0].effective_date == date(2020, 3, 1)
    assert measures[1].hs_codes == ("85414020",)
    assert {m.announcement_no for m in measures} == {"Announcement No. 45 [2020]"}
    assert [is_customs_measure(m) for m in measures] == [True, True, False]
    assert measures[2].topics == ("finance",)


@pytest.mark.parametrize(
    ("text", "first_words"),
    [
        (
            "商务部出台稳外贸措施：\n\n（一）加大出口信用保险支持力度。\n\n（二）加快出口退税进度。",
            ["加大出口", "加快出口"],
        ),
        (
            "宁波市政府出台措施。第一，减免港口作业费用。第二，海关对进出口货物实行提前申报。",
            ["减免港口", "海关对进"],
        ),
        (
            "措施如下：\n\n一、优化通关流程。\n\n二、降低物流成本。\n\n三、加大信贷支持。",
            ["优化通关", "降低物流", "加大信贷"],
        ),
        (
            "Ningbo Customs introduced measures:\n\n• Advance declaration for exports.\n\n• Priority inspection.",
            ["Advance declaration", "Priority inspection"],
        ),
    ],
)
def test_chinese_and_bulleted_lists(rules, text, first_words):
    measures = extract_measures("x", "", text, rules)
    assert [m.text[: len(w)] for m, w in zip(measures, first_words, strict=False)] == first_words
    assert len(measures) == len(first_words)


def test_an_inline_list_ends_with_its_sentence(rules):
    text = (
        "The Xiamen port office announced measures for port-related enterprises: (1) a green channel for the "
        "customs clearance of perishable goods; (2) waiving port construction fees until June 30; and (3) "
        "24-hour container operations at Haicang terminals. The measures take effect on 1 April 2020."
    )
    measures = extract_measures("x", "", text, rules)
    assert [m.text for m in measures] == [
        "A green channel for the customs clearance of perishable goods",
        "Waiving port construction fees until June 30",
        "24-hour container operations at Haicang terminals.",
    ]
    assert {(m.issuing_body, m.places, m.effective_date) for m in measures} == {
        ("Xiamen port office", ("Xiamen",), date(2020, 4, 1))
    }
    assert [is_customs_measure(m) for m in measures] == [True, False, False]


def test_20_measures_including_a_b_and_c(rules):
    text = (
        "The Ministry of Commerce issued 20 measures including expanding export credit insurance, "
        "speeding up tax rebates and stabilising freight capacity on China-Europe trains."
    )
    measures = extract_measures("x", "", text, rules)
    assert [m.text for m in measures] == [
        "Expanding export credit insurance",
        "Speeding up tax rebates",
        "Stabilising freight capacity on China-Europe trains",
    ]
    assert [m.topics for m in measures] == [("finance",), ("finance",), ("logistics",)]


def test_quarantine_of_travellers_by_customs_is_not_a_customs_measure(rules):
    text = (
        "Shanghai Customs announced two measures. First, health quarantine of all inbound travellers at "
        "Pudong airport. Second, faster customs clearance of imported medical supplies."
    )
    first, second = extract_measures("x", "", text, rules)
    assert first.issuing_body == second.issuing_body == "Shanghai Customs"
    assert (is_customs_measure(first), is_customs_measure(second)) == (False, True)


def test_prose_without_an_enumeration_has_no_measures(rules):
    text = "For the first time, exports rose in May. The first quarter was weak. Firms resumed work in March."
    assert extract_measures("x", "", text, rules) == []


@pytest.mark.parametrize(
    "written",
    [
        "Announcement No. 45 [2020]",
        "GACC Announcement No. 45 of 2020",
        "Announcement [2020] No. 45",
        "海关总署公告2020年第45号",
        "海关总署2020年第45号公告",
    ],
)
def test_announcement_numbers_are_normalised(written):
    assert announcement_numbers(f"See {written} for details.") == ["Announcement No. 45 [2020]"]


def test_effective_dates_need_a_year_and_a_real_day():
    assert effective_dates("The rules take effect on 1 April 2020 and apply from 2020-05-06.") == [
        date(2020, 4, 1),
        date(2020, 5, 6),
    ]
    assert effective_dates("Exempt for one year from May 19; effective from February 30, 2020.") == []
    assert effective_dates("自2021年1月1日起施行。") == [date(2021, 1, 1)]


def test_hs_codes_need_a_trigger_and_an_hs_length():
    assert hs_codes("HS codes 8541.40, 8541.50 and 850440 are covered; tariff line 0203 too.") == (
        "854140",
        "854150",
        "850440",
        "0203",
    )
    assert hs_codes("Exports reached 1.41 trillion yuan; 2020 figures; HS 12345.") == ()


def test_places_from_the_gazetteer():
    gazetteer = load_gazetteer()
    assert places("Xi’an and 宁波舟山港 feed the Yangtze River Delta; Xiamen too.", gazetteer) == (
        "Xi'an",
        "Ningbo-Zhoushan",
        "Yangtze River Delta",
        "Xiamen",
    )
    assert places("A report on support for transport.", gazetteer) == ()


def test_an_item_names_its_own_issuer_only_as_an_actor(rules):
    text = (
        "Qingdao port office measures:\n\n1. Goods inspected by the General Administration of Customs are "
        "released at once.\n\n2. The General Administration of Customs will cut clearance time."
    )
    first, second = extract_measures("x", "", text, rules)
    assert (first.issuing_body, second.issuing_body) == (
        "Qingdao port office",
        "General Administration of Customs",
    )
