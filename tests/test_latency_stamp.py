"""Alert latency columns: every delivered alert without them is stamped once, from its page's fetch and date."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from batches import load_rows
from parsers.model import Article, Document
from parsers.stories.hashing import content_hash
from warehouse import latency

SEEDS = sorted((Path(__file__).parents[1] / "seeds" / "press").glob("*.txt"))[:3]
FETCHED = datetime(2026, 3, 2, 8, 30)  # UTC, as core.http_cache keeps it
PUBLISHED = datetime(2026, 3, 2, 9, 0)  # the page's date, in its source's zone


def _articles() -> list[Article]:
    out = []
    for path in SEEDS:
        text = path.read_text(encoding="utf-8")
        url = f"https://www.mofcom.gov.cn/{path.stem}.html"
        out.append(Article(source_id="mofcom", url=url, title=text.splitlines()[0][:80], raw_text=text,
                           paragraphs=(text,), clean_text=text, content_hash=content_hash(text),
                           published_at=PUBLISHED, canonical_url=url))  # fmt: skip
    return out


def test_delivered_alerts_of_the_history_are_stamped_in_one_run_and_never_again(con):
    articles = _articles()
    fetched = [Document("mofcom", a.url, b"", FETCHED, "text/html", sha256=a.content_hash) for a in articles]
    load_rows(con, "r1", articles, fetched=fetched)
    # alerts as a warehouse from before migration 016 holds them: delivered, without latency columns
    con.execute(
        "INSERT INTO core.alerts (alert_id, article_id, ordinal, url, published_at, measure_text, n_shingles,"
        " sig, status, run_id, created_at, delivered_at)"
        " SELECT 'al-' || article_id, article_id, 0, url, published_at, left(clean_text, 200), 1, ''::BLOB,"
        " CASE WHEN row_number() OVER (ORDER BY article_id) = 1 THEN 'duplicate' ELSE 'delivered' END,"
        " 'r1', published_at, published_at + INTERVAL 1 HOUR FROM core.articles"
    )
    assert latency.stamp(con, {"mofcom": "Asia/Shanghai"}) == 2
    rows = con.execute(
        "SELECT status, listed_via, listed_at, fetched_at FROM core.alerts ORDER BY status, alert_id"
    ).fetchall()
    assert [r[0] for r in rows] == ["delivered", "delivered", "duplicate"]
    for _, via, listed, fetched_at in rows[:2]:  # never listed: the page's date, in Shanghai time
        assert via == "page date"
        assert listed == latency.local(PUBLISHED, "Asia/Shanghai")
        assert fetched_at == latency.local(FETCHED)
    assert rows[2][1:] == (None, None, None)  # duplicates are never sent, never stamped
    assert latency.stamp(con, {"mofcom": "Asia/Shanghai"}) == 0
