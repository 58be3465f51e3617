"""Rare words two reports share, on real pages of the dev split: a Chinese notice's single-character
metals in English (parsers/stories/crosslex.py) and the words only two English reports carry
(events `lexical_rare`, counted when the pair has no conflict)."""

from parsers.stories import anchors, crosslex, event_index, events, lexical

NO18_ZH = "c10_zh_hgt-cirs-group-com_29a58e"  # MOFCOM / GACC Announcement No. 18 of 2025, in Chinese
NO18_EN = "c10_en_hklaw-com_b142d1"  # Holland & Knight's alert on it
METALS = ["samarium", "gadolinium", "terbium", "dysprosium", "lutetium", "scandium", "yttrium"]


def test_a_chinese_notice_s_single_character_metals_meet_an_english_report(event_pages):
    # the notice lists the seven metals as one character each (钐、钆、铽、镝、镥、钪、钇): they are the
    # goods of the measure, and the English report names them
    text = event_pages[NO18_ZH].text
    listing = text[text.index("钐") : text.index("钇") + 1]
    assert set(METALS) <= set(crosslex.english_tokens(listing))
    zh = crosslex.english_tokens(anchors.lead(text, events.LEX_BYTES))
    en = lexical.lexical_tokens(anchors.lead(event_pages[NO18_EN].text, events.LEX_BYTES))
    assert {"samarium", "gadolinium"} <= set(zh) & set(en)


TARIFFS = [  # two reports of the 10-15% tariffs on US farm goods of 4 March 2025 (c17), in their own words
    "c17_en_abcnews-go-com_d66fa2",
    "c17_en_tridge-com_c2b201",
]
HAINAN = [  # Hainan's island-wide special customs operations, 18 December 2025 (c32)
    "c32_en_digitalmarketreports-com_43604b",
    "c32_en_ichongqing-info_236349",  # no published date
]
PORT_FEES = (  # the port-fee announcement (c37) and its implementation measures (c38): two events
    "c37_en_ottosenelevator-com_d70caa",
    "c38_en_ckhq-net_c946a4",
)


def test_words_only_two_english_reports_carry_count_unless_they_conflict(event_profiles, settled_stats):
    stats = settled_stats
    tariffs = events.features(event_profiles[TARIFFS[0]], event_profiles[TARIFFS[1]], stats)
    assert tariffs["lexical_rare"] > 0 and tariffs["copy"] < 0.1
    # the implementation measures share words no other page has with the announcement, but are
    # another stage of the document: the words do not count
    a, b = (event_profiles[k] for k in PORT_FEES)
    assert crosslex.shared_rare(a.lexical, b.lexical, stats, events.RARE_EN_IDF) > 0
    decision = events.decide(a, b, stats)
    assert "stage" in decision.conflicts and decision.features["lexical_rare"] == 0
    assert not decision.same_event
    # placed with the whole dev split: the undated Chongqing report joins Hainan's story
    story = {p.article_id: p.story_id for p in event_index.place_all(list(event_profiles.values()))}
    assert story[HAINAN[0]] == story[HAINAN[1]]
