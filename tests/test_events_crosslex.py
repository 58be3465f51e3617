"""Chinese and English reports of one event compared word for word (CC-CEDICT), on real dev pages of
tests/data/events."""

import json

import pytest

from parsers.stories import anchors, crosslex, events

# Tariff Commission announcement of 4 Feb 2025 (c16: 15% on US coal and LNG, 10% on crude oil, farm
# machinery, large cars and pickups), its Chinese report and Shine's English report; Shine's report of
# the same issuer's 34% tariff of 4 April (c14) is another event.
NOTICE_ZH = "c16_zh_info-echemi-com_f3afea"
REPORT_EN = "c16_en_shine-cn_3deb19"
OTHER_EVENT_EN = "c14_en_shine-cn_1c93cc"


def test_a_chinese_lead_reads_as_the_english_words_of_its_goods(event_pages):
    words = set(crosslex.english_tokens(anchors.lead(event_pages[NOTICE_ZH].text, events.LEX_BYTES)))
    report = set(events.lexical_tokens(anchors.lead(event_pages[REPORT_EN].text, events.LEX_BYTES)))
    assert {"coal", "natural", "gas", "crude", "oil", "pickup", "tariff"} <= words & report


@pytest.mark.parametrize(
    ("notice", "report", "other"),
    [
        (NOTICE_ZH, REPORT_EN, OTHER_EVENT_EN),
        # MOFCOM/GACC Announcement No. 18 of 2025 (rare earths) vs MOFCOM's No. 62 of 9 Oct 2025 (c13).
        ("c10_zh_gtic-007swz-com_aa668f", "c10_en_hklaw-com_b142d1", "c13_en_sscollege-cn_be21a0"),
    ],
)
def test_a_chinese_notice_shares_more_rare_words_with_its_english_report(
    event_profiles, notice, report, other, settled_stats
):
    stats = settled_stats
    same = events.features(event_profiles[notice], event_profiles[report], stats)
    apart = events.features(event_profiles[notice], event_profiles[other], stats)
    assert same["cross_language"] == apart["cross_language"] == 1.0 and same["lexical"] == 0.0
    assert same["lexical_cross"] > apart["lexical_cross"]
    assert events.decide(event_profiles[notice], event_profiles[report], stats).same_event
    assert not events.decide(event_profiles[notice], event_profiles[other], stats).same_event


def test_pages_of_one_language_have_no_cross_language_words(event_profiles):
    english = events.features(event_profiles[REPORT_EN], event_profiles[OTHER_EVENT_EN])
    assert english["lexical_cross"] == 0.0 and not event_profiles[REPORT_EN].lexical_en
    assert event_profiles[NOTICE_ZH].lexical_en


def test_profiles_stored_before_the_translated_words_still_load(event_profiles):
    stored = json.loads(event_profiles[NOTICE_ZH].to_json())
    assert events.Profile.from_json(json.dumps(stored)).lexical_en == event_profiles[NOTICE_ZH].lexical_en
    del stored["lexical_en"]  # a row of core.event_profiles written before the field
    old = events.Profile.from_json(json.dumps(stored))
    assert old.lexical_en == frozenset() and old.lexical == event_profiles[NOTICE_ZH].lexical
    assert events.features(old, event_profiles[REPORT_EN])["lexical_cross"] == 0.0
