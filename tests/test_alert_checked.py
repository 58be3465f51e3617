"""The alert step looks at every article once: also at those a reparse rebuilt under other ids."""

from __future__ import annotations

from batches import batch_of, load_rows
from test_latency_stamp import _articles
from warehouse import load, provenance
from warehouse.load import transaction


def _checked(con) -> set[str]:  # type: ignore[no-untyped-def]
    return {r[0] for r in con.execute("SELECT article_id FROM core.alert_checked").fetchall()}


def test_articles_a_reparse_rebuilt_are_looked_at_by_the_next_alert_step(con):
    first, second, third = _articles()
    load_rows(con, "r1", [first, second])
    provenance.decide(con, "pending", "r1")
    assert _checked(con) == {first.article_id, second.article_id}
    assert provenance.new_reports(con) == []  # nothing loaded since: nothing to look at
    # a reparse whose extraction changed: the history rebuilt, one article under a new id
    with transaction(con):
        load.clear_articles(con)
        load.insert(con, "reparse", batch_of([first, third]))
    # as many articles as checked rows, yet the rebuilt one is new to the alert step
    assert [r.article_id for r in provenance.new_reports(con)] == [third.article_id]
    provenance.decide(con, "pending", "r2")
    assert third.article_id in _checked(con) and provenance.new_reports(con) == []
