"""A page without a date of its own is dated by the day its URL spells, in the forms Chinese publishers use.

The URLs are the real ones of the event set (tests/data/events/members.csv): htmldate reads the
separated forms (/2026-01/19/), not the compact ones of news.cn, gov.cn or the TRS sites (t20230707_).
"""

from __future__ import annotations

import csv
from datetime import date, datetime

import pytest

from conftest import ROOT
from parsers.extract.dates import CHINA_TZ, from_url

MEMBERS = ROOT / "tests" / "data" / "events" / "members.csv"


def _dated_rows() -> list[dict[str, str]]:
    with open(MEMBERS, encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["published"]]


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("http://big5.news.cn/gate/big5/www.news.cn/tech/20260119/affeeb6344df4660a9478dfde3a61b4e/c.html", date(2026, 1, 19)),
        ("https://www.bjreview.com/Latest_Headlines/202307/t20230707_800336078.html", date(2023, 7, 7)),
        ("https://english.www.gov.cn/news/202412/04/content_WS674fa651c6d0868f4e8eda7d.html", date(2024, 12, 4)),
        ("http://en.people.cn/n3/2025/0406/c90000-20298372.html", date(2025, 4, 6)),
        ("https://news.cgtn.com/news/2022-06-25/10-000th-China-Europe-freight-train-departs-SW-China-s-Chongqing-1b9eqeO6sIU/index.html", date(2022, 6, 25)),
    ],
)  # fmt: skip
def test_the_day_in_a_publishers_url_is_read(url: str, day: date) -> None:
    found = from_url(url)
    assert found is not None and found.date() == day and found.tzinfo is CHINA_TZ


@pytest.mark.parametrize(
    "url",
    [
        "https://www.bastillepost.com/global/article/5535352-china-promotes-25-measures-nationwide-to-facilitate-cross-border-trade",
        "http://www.customs.gov.cn/customs/302249/2480148/6271011/index.html",
        "http://hmao2.com/topic/topic_view?key=20250101",  # the query is not the path
        "http://www.example.cn/20251399/a.html",  # no such day
    ],
)  # fmt: skip
def test_ids_and_queries_are_not_days(url: str) -> None:
    assert from_url(url) is None


def test_a_day_after_today_is_not_a_publication_day() -> None:
    assert (
        from_url("http://www.news.cn/20270105/a/c.html", today=datetime(2026, 12, 4, tzinfo=CHINA_TZ)) is None
    )


def test_the_url_day_agrees_with_the_labelled_publication_day_of_real_pages() -> None:
    rows = [(r["url"], date.fromisoformat(r["published"][:10])) for r in _dated_rows()]
    read = [(found.date(), day) for url, day in rows if (found := from_url(url)) is not None]
    assert len(read) >= 100, len(read)  # of the 423 labelled dated pages, 123 spell a day
    near = sum(abs((found - day).days) <= 2 for found, day in read)
    assert near >= 0.95 * len(read), [(f, d) for f, d in read if abs((f - d).days) > 2]
