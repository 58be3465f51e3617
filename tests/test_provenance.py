"""Linking reports to alerted events (parsers.provenance), pure, on the real reports of tests/data/alerts."""

from __future__ import annotations

from datetime import datetime

from parsers.provenance import EventLinks, Report, nearby
from test_alert_sources import CAMBODIA_NOTICE, CAMBODIA_REPORT, DATA, MONGOLIA_REPORT

SEEN = datetime(2026, 12, 2)


def report(path, published: datetime | None = None, story: str | None = None) -> Report:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    return Report(
        path.stem, "s", f"file://{path}", text.split("\n", 1)[0], text, published, None, story, SEEN
    )


def test_a_report_of_the_notice_links_and_the_same_template_for_another_country_does_not():
    notice = report(CAMBODIA_NOTICE)
    india = report(DATA / "texts" / "zh_m-cmstop-zt-jsw-com-cn_india.txt")
    byd = report(CAMBODIA_REPORT)
    links = EventLinks.of([(notice, ["al-cambodia"])], [byd, india])
    link = links.link(byd)
    assert link and link.alert_ids == ("al-cambodia",) and link.rule == "copy"
    assert "Cambodia" in (link.why or {})["shared"]["places"]
    assert links.link(india) is None  # a near copy of the template, but India is not Cambodia


def test_the_same_story_links_unless_the_countries_differ():
    notice = report(CAMBODIA_NOTICE, story="st-1")
    links = EventLinks.of([(notice, ["al-cambodia"])], [])
    same_story = links.link(report(CAMBODIA_REPORT, story="st-1"))
    assert same_story and same_story.rule == "story" and same_story.strong
    assert links.link(report(DATA / "texts" / "zh_m-cmstop-zt-jsw-com-cn_india.txt", story="st-1")) is None


def test_a_report_with_measures_of_its_own_needs_strong_evidence():
    notice = report(CAMBODIA_NOTICE)
    links = EventLinks.of([(notice, ["al-cambodia"])], [])
    assert links.link(report(MONGOLIA_REPORT), strong_only=True) is None


def test_only_reports_near_an_alert_are_profiled():
    at = [datetime(2021, 7, 5)]
    near, far, undated = (
        report(CAMBODIA_REPORT, datetime(2021, 9, 1)),
        report(MONGOLIA_REPORT, datetime(2022, 9, 1)),
        report(CAMBODIA_NOTICE),
    )
    assert nearby([near, far, undated], at) == [near, undated]
    assert nearby([near, far], [*at, None]) == [near, far]  # an undated alert could be near anything
