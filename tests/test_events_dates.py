"""Dates of pages without a published date, and days written without a year, on real pages of the dev
split (parsers/stories/anchor_dates.py, events.pair_anchors)."""

from parsers.stories import event_index, events

SERBIA = [  # MOFCOM: the China-Serbia FTA "will take effect on July 1" (c47, 28 June 2024)
    "c47_en_people-cn_a6fa7d",
    "c47_en_translate-baiducontent-com_7f73cf",
    "c47_en_ccpit-nanjing-gov-cn_9cdf38",
]


def test_an_undated_report_s_day_without_a_year_is_read_against_the_other_report(
    event_pages, event_profiles, settled_stats
):
    # CCPIT Nanjing's report, taken without its date (its page has none; its URL's day left out here);
    # it names "July 1" and, as background, the signing "in October 2023": the day is not 2023's, it
    # is the one nearest Xinhua's report of 28 June 2024.
    undated = events.profile(SERBIA[2], "", event_pages[SERBIA[2]].text, None)
    dated = event_profiles[SERBIA[0]]
    assert "October 2023" in event_pages[SERBIA[2]].text
    assert undated.anchors.days == {"07-01"}
    decision = events.decide(undated, dated, settled_stats)
    assert "2024-07-01" in decision.shared["dates"] and "dates" not in decision.conflicts
    assert decision.same_event
    # placed with the whole dev split (the frequencies of a history, not of three pages): one story
    history = [undated if p.article_id == SERBIA[2] else p for p in event_profiles.values()]
    story = {p.article_id: p.story_id for p in event_index.place_all(history)}
    assert len({story[k] for k in SERBIA}) == 1


def test_a_day_without_a_year_takes_the_nearest_year(event_pages, event_profiles, settled_stats):
    # Xinhua, 12 September 2024: zero tariffs for the least developed countries "effective from Dec. 1 of
    # this year" is December 2024 (not 2023: a future effective day, not a past one), the day another
    # outlet writes "December 1, 2024".
    xinhua, other = event_profiles["c29_en_people-cn_296b02"], event_profiles["c29_en_khabarasia-com_5129bb"]
    assert "effective from Dec. 1 of this year" in event_pages["c29_en_people-cn_296b02"].text
    assert "2024-12-01" in xinhua.anchors.dates and "2023-12-01" not in xinhua.anchors.dates
    decision = events.decide(other, xinhua, settled_stats)
    assert "2024-12-01" in decision.shared["dates"] and "dates" not in decision.conflicts


def test_the_first_weekday_named_is_the_news_day(event_pages, event_profiles):
    # Global Times (no published date): Hainan "issued a notice on Tuesday" that operations start
    # "on Thursday" (n24, the notice of 16 December 2025); the launch on Thursday 18 December is another
    # event (c32). Only Tuesday is the page's day, so the launch reports do not meet it on the 18th.
    notice = event_profiles["n24_en_globaltimes-cn_8ead1b"]
    assert "launched on Thursday" in event_pages["n24_en_globaltimes-cn_8ead1b"].text
    assert notice.anchors.weekdays == {"1"}
    launch = [k for k in event_profiles if k.startswith("c32_") and event_profiles[k].published]
    assert launch
    for k in launch:
        x, y = events.pair_anchors(notice, event_profiles[k])
        assert "2025-12-18" not in events.shared_anchors(x, y).get("dates", [])


def test_an_undated_report_naming_days_years_later_is_a_later_event(event_profiles):
    # MOFCOM's stainless-steel case: an undated Chinese report of the expiry-review ruling of
    # 2025-06-30 (c77) against a report of the initiation published 2018-07-24 (c78): same issuer,
    # goods and countries, but written years later. An undated report of the POM initiation (c71),
    # which names the day the investigation is to end a year ahead, still joins a dated report of it.
    review, initiation = (
        event_profiles["c77_zh_corduroy118-cn_03f5b4"],
        event_profiles["c78_zh_fan166ze-cn_1497ee"],
    )
    assert review.published is None and max(review.anchors.dates) == "2025-07-01"
    decision = events.decide(review, initiation)
    assert "dates" in decision.conflicts and not decision.same_event
    pom, dated = event_profiles["c71_zh_cn-bg3-co_ccaa17"], event_profiles["c71_en_shine-cn_71b76d"]
    assert pom.published is None and "2025-05-19" in pom.anchors.dates
    assert events.decide(pom, dated).same_event
