"""Which way a measure goes, which goods and how many a measure names, and what a young history calls rare, on real
dev pages of tests/data/events (parsers/stories/direction.py, stage.py, anchor_numbers.py, lexical.py)."""

from pathlib import Path

import pytest

from parsers.classify import fields
from parsers.stories import event_index, events, lexicon
from parsers.stories.lexical import Stats, token_hash

BARLEY_ENDED = ["c63_en_people-cn_418f0b", "c63_zh_imsilkroad-com_785cbf", "c63_zh_e993-com_541743"]
BARLEY_IMPOSED = ["c64_en_business-financialpost-com_b2d69f"]


def test_duties_ended_and_duties_imposed_are_two_events(event_pages, event_profiles):
    # MOFCOM's Australian barley case: the duties imposed on 18 May 2020 (c64) and ended from 5 August
    # 2023 (c63); the Chinese reports say 终止...征收 ("end the levying"), which must not read as a levy.
    for k in BARLEY_ENDED:
        assert event_profiles[k].anchors.direction == {"lift"}, k
    assert event_profiles[BARLEY_IMPOSED[0]].anchors.direction == {"impose"}
    decision = events.decide(event_profiles[BARLEY_ENDED[0]], event_profiles[BARLEY_IMPOSED[0]])
    assert "direction" in decision.conflicts and not decision.same_event
    assert decision.features["conflict_direction"] == 1.0  # every conflict is a feature the weights see
    # The review ruling's own text opens with the case's history (2020年...决定对...征收): not a levy.
    assert "徵收反傾銷稅" in event_pages["c63_zh_xuehua-us_583826"].text[:400]
    assert "impose" not in event_profiles["c63_zh_xuehua-us_583826"].anchors.direction


def test_a_ban_on_imports_is_the_measure_itself_and_suspending_earlier_controls_is_a_follow_up(
    event_profiles,
):
    # GACC's suspension of all Japanese aquatic imports (c53) is the announcement, not a "suspension"
    # stage of another document; MOFCOM/GACC No. 70 suspending earlier export-control announcements (c48) is.
    bans = [k for k in event_profiles if k.startswith("c53_")]
    assert len(bans) >= 8 and not any(event_profiles[k].anchors.stage for k in bans)
    assert sum(event_profiles[k].anchors.direction == {"impose"} for k in bans) >= 7
    assert not any("lift" in event_profiles[k].anchors.direction for k in bans)
    assert event_profiles["c48_en_chemradar-com_9609ce"].anchors.stage == {"suspension"}


def test_two_batches_of_one_tariff_list_name_their_own_number_of_goods(event_profiles):
    # ECFA concessions suspended for 12 tariff lines (c57, December 2023) and for a second batch of 134
    # (c59, May 2024): same issuer, same wording, other goods.
    first, second = event_profiles["c57_en_shine-cn_c32cc1"], event_profiles["c59_en_bactf-com_bd81df"]
    assert "g12" in first.anchors.entities and "g134" in second.anchors.entities
    assert "entities" in events.decide(first, second).conflicts
    # Counted goods and counted companies are not compared with each other: GACC's 449 permitted Japanese
    # fishery products and, in another report of that step (c55), 3 companies' facilities registered again.
    goods, companies = (
        event_profiles["c55_en_nippon-com_240514"],
        event_profiles["c55_zh_news-kantsuu-com_711721"],
    )
    assert goods.anchors.entities == {"g449"} and companies.anchors.entities == {"3"}
    assert "entities" not in events.decide(goods, companies).conflicts


def test_in_a_young_history_a_common_word_is_not_rare(event_profiles):
    # Six real pages: "tariff" is on several of them and on most trade news, "paraxylene" is not.
    few = Stats.of([event_profiles[k] for k in sorted(event_profiles)[:6]])
    assert few.idf(token_hash("tariff")) < 0.6 < few.idf(token_hash("paraxylene"))


def test_gacc_suspensions_of_other_taiwan_fruit_and_fish_are_other_events(event_profiles):
    # GACC's suspensions of Taiwan imports: pineapples (c66, February 2021), sugar apples and wax
    # apples (c67, September 2021), grouper (c68, June 2022). Same issuer, same wording ("暂停…输入"),
    # in both languages: the goods in the opening tell them apart.
    pineapple = ["c66_en_chinadaily-com-cn_e0377f", "c66_zh_ctwant-com_acace5"]
    fruit = ["c67_en_channelnewsasia-com_b5e964", "c67_zh_itaiwannews-cn_a4b902"]
    grouper = "c68_zh_chinanews-com-cn_f943c0"
    assert {event_profiles[k].anchors.goods for k in fruit} == {frozenset({"sugar apple", "wax apple"})}
    assert "goods" in events.decide(event_profiles[pineapple[1]], event_profiles[fruit[1]]).conflicts
    placed = {
        p.article_id: p
        for p in event_index.place_all([event_profiles[k] for k in [*pineapple, *fruit, grouper]])
    }
    stories = [{placed[k].story_id for k in group} for group in (pineapple, fruit, [grouper])]
    assert all(len(s) == 1 for s in stories) and len(set().union(*stories)) == 3


def test_a_gazetteer_naming_goods_it_does_not_define_is_refused(tmp_path):
    text = Path(fields.DEFAULT_GAZETTEER).read_text(encoding="utf-8")
    text = text.replace('"stainless steel", "halogenated', '"stainless stee", "halogenated')
    (tmp_path / "gazetteer.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="stainless stee"):
        lexicon.load(str(tmp_path / "gazetteer.toml"))
