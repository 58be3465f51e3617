"""Follow-up stages of one document's life stay apart from it (labelling rules 3, 5 and 7 of
tests/data/events/README.md), on real pages of the dev split: parsers/stories/stage.py."""

from parsers.stories import event_index, events

ANNOUNCEMENT = ["c37_en_bastillepost-com_6f0584", "c37_en_ottosenelevator-com_d70caa"]
IMPLEMENTATION = ["c38_en_ckhq-net_c946a4", "c38_en_mexicobusiness-news_69a476"]


def place(event_profiles, ids):
    return {p.article_id: p for p in event_index.place_all([event_profiles[i] for i in ids])}


def test_implementation_measures_stay_apart_from_the_announcement_while_its_reports_join(
    event_profiles, settled_stats
):
    # The Ministry of Transport's special port fees on US ships: announced on 10 October 2025 (c37), its
    # "Implementation Measures" issued on 14 October (c38). Same issuer, fees, dates and 25% stake.
    stats = settled_stats
    report, measures = event_profiles[ANNOUNCEMENT[0]], event_profiles[IMPLEMENTATION[0]]
    assert measures.anchors.stage == {"effect"} and not report.anchors.stage
    decision = events.decide(report, measures, stats)
    assert not decision.same_event and "stage" in decision.conflicts
    assert "Ministry of Transport" in decision.shared["issuers"] and "2025-10-14" in decision.shared["dates"]
    placed = place(event_profiles, ANNOUNCEMENT + IMPLEMENTATION)
    announced = {placed[k].story_id for k in ANNOUNCEMENT}
    assert len(announced) == 1
    assert not announced & {placed[k].story_id for k in IMPLEMENTATION}


def test_entry_into_force_is_news_only_when_it_happened(event_pages, event_profiles):
    # The China-Serbia FTA "officially came into effect on Monday" (n48) is the entry into force; MOFCOM's
    # notice that it "will take effect on July 1" (c47) and a page whose "came into effect" dates the
    # news by another measure ("as Trump's 10% tariffs on China came into effect Tuesday", c16) are not.
    assert event_profiles["n48_en_myglobalnews-net_759e75"].anchors.stage == {"effect"}
    assert not event_profiles["c47_en_people-cn_a6fa7d"].anchors.stage
    assert "came into effect Tuesday" in event_pages["c16_en_dw-com_b326d9"].text
    assert not event_profiles["c16_en_dw-com_b326d9"].anchors.stage
    # 于发布之日起正式实施 ("in force from the day of publication") is what an announcement says of itself.
    assert "发布之日起正式实施" in event_pages["c10_zh_hgt-cirs-group-com_29a58e"].text
    assert not event_profiles["c10_zh_hgt-cirs-group-com_29a58e"].anchors.stage


def test_an_explainer_not_written_as_a_q_and_a_is_a_press_answer(event_profiles):
    # An official's explanation of the dual-use export control regulations (n30) against a report of
    # their promulgation (c41); udn's report of the MOFCOM spokesperson's explanation of No. 61 (c12).
    explainer, report = event_profiles["n30_en_mc-x-com_cde7dd"], event_profiles["c41_en_shine-cn_b3710e"]
    assert explainer.anchors.genre == {"qa"} and not report.anchors.genre
    decision = events.decide(explainer, report)
    assert not decision.same_event and decision.rule == "conflict" and "genre" in decision.conflicts
    assert event_profiles["c12_zh_udn-com_4cedef"].anchors.genre == {"qa"}


def test_listings_of_other_entities_on_consecutive_days_are_two_events(event_profiles):
    # MOFCOM's unreliable entity list: seven US companies on 14 January 2025 (c42, two outlets), four more
    # the next day (n32). Same issuer, list, places and reason; the number of companies differs.
    seven = ["c42_en_menafn-com_6b5ea2", "c42_en_thekhybermail-com_052089"]
    four = "n32_en_profit-pakistantoday-com-pk_606b56"
    assert {event_profiles[k].anchors.entities for k in seven} == {frozenset({"7"})}
    assert event_profiles[four].anchors.entities == {"4"}
    assert "entities" in events.decide(event_profiles[seven[0]], event_profiles[four]).conflicts
    placed = place(event_profiles, [*seven, four])
    assert placed[seven[0]].story_id == placed[seven[1]].story_id != placed[four].story_id


def test_a_final_ruling_reciting_the_preliminary_one_is_another_event(event_profiles):
    # MOFCOM's POM copolymer case: an undated report of the final ruling of 2025-05-18 (c73) recites
    # the preliminary ruling of January; a Chinese report of that preliminary ruling (c72) names
    # the same initiation notice (No. 18 of 2024). The ruling each opening reports tells them apart.
    final, preliminary = event_profiles["c73_en_ckhq-net_6cca13"], event_profiles["c72_zh_fs-jdw-com_2d3d80"]
    assert {"preliminary ruling", "final ruling"} <= final.anchors.terms
    assert "final ruling" in final.anchors.head_terms and "preliminary ruling" not in final.anchors.head_terms
    assert "ruling" in events.decide(final, preliminary).conflicts
    placed = place(event_profiles, [final.article_id, preliminary.article_id, "c72_en_people-cn_8493c5"])
    assert placed[preliminary.article_id].story_id == placed["c72_en_people-cn_8493c5"].story_id
    assert placed[final.article_id].story_id != placed[preliminary.article_id].story_id


def test_a_final_ruling_resting_on_the_preliminary_one_is_another_event(event_profiles):
    # MOFCOM's EU dairy anti-subsidy case: Chinese reports of the final ruling of 2026-02-12 (c100)
    # open with "根据2025年12月22日公布的调查初裁结果" (the preliminary ruling it rests on, c98): the
    # recited ruling is not what they report, and a lead naming both rulings reports the final one.
    final = ["c100_zh_ettoday-net_37ef7e", "c100_zh_hk01-com_a9a1ac"]
    preliminary = ["c98_en_globaltimes-cn_6074fc", "c98_zh_moneydj-com_fbb1f0"]
    assert "preliminary ruling" not in event_profiles[final[0]].anchors.head_terms
    assert "ruling" in events.decide(event_profiles[final[0]], event_profiles[preliminary[0]]).conflicts
    placed = place(event_profiles, [*preliminary, *final])
    assert len({placed[k].story_id for k in final}) == len({placed[k].story_id for k in preliminary}) == 1
    assert placed[final[0]].story_id != placed[preliminary[0]].story_id
