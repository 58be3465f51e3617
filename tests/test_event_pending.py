"""Event stories placed after the loads: every article once, in published order, whatever batch it came in."""

from __future__ import annotations

from datetime import datetime

from batches import load_rows
from bench import events_eval
from parsers.model import Article
from parsers.stories.hashing import content_hash
from warehouse import event_stories

# Announcement No. 61 of 2025 (c11) reported by three outlets, and No. 62 of the same day (c13).
NO61 = ["c11_en_sscollege-cn_50c45e", "c11_zh_politics-neamco-com_4fe9b7", "c11_en_chemradar-com_250734"]
NO62 = ["c13_en_sscollege-cn_be21a0"]


def article(page: events_eval.Page) -> Article:
    published = (
        datetime(page.published.year, page.published.month, page.published.day, 9) if page.published else None
    )
    return Article(source_id="news", url=f"https://news.example/{page.page_id}", title="", raw_text=page.text,
                   paragraphs=(page.text,), clean_text=page.text, content_hash=content_hash(page.text),
                   published_at=published, language=page.language)  # fmt: skip


def test_articles_loaded_in_separate_batches_are_placed_once_in_one_event_story(con):
    pages = {p.page_id: p for p in events_eval.load(split="dev")}
    for key in [NO61[0], *NO62]:
        load_rows(con, "r1", [article(pages[key])])
    assert event_stories.place_pending(con) == 2  # the loads placed nothing: the step does
    load_rows(con, "r2", [article(pages[k]) for k in NO61[1:]])
    assert event_stories.place_pending(con) == 2 and event_stories.place_pending(con) == 0
    rows = con.execute(
        "SELECT regexp_extract(url, '[^/]+$'), event_id, kind FROM event_members ORDER BY url"
    ).fetchall()
    event = {url: ev for url, ev, _ in rows}
    assert len(rows) == 4 and len({event[k] for k in NO61}) == 1 and event[NO62[0]] != event[NO61[0]]
    stories = con.execute("SELECT articles, languages FROM event_stories ORDER BY articles DESC").fetchall()
    assert stories == [(3, ["en", "zh"]), (1, ["en"])]
