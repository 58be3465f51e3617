"""The alerts' provenance in the warehouse: new reports to link, alerted events' sources, source rows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from parsers import alert_plan
from parsers.alert_plan import Alert, Source
from parsers.provenance import Report, nearby
from parsers.stories import event_index
from warehouse import alerts as store
from warehouse import revisions, schemas
from warehouse.load import transaction

_REPORT = "a.article_id, a.source_id, a.url, a.title, a.clean_text, a.published_at, a.language, a.story_id, a.loaded_at"


def _reports(rows: Iterable[tuple[object, ...]]) -> list[Report]:
    return [Report(*row) for row in rows]  # type: ignore[arg-type]


# Every run's alert step marks all the articles unseen so far, after their loads: when no article
# was loaded after the latest mark, none can be unseen, and the anti-join, which reads every id (0.3 s
# of a no-op run at 1M articles), is left out. A reparse or backfill writes its articles with a later
# loaded_at, a failed alert step marks nothing: both leave the anti-join in. Only the clock going back
# between a mark and a load could hide an article, and only until the next load passes the mark.
_ALL_CHECKED = (
    "SELECT (SELECT max(loaded_at) FROM core.articles) <= (SELECT max(checked_at) FROM core.alert_checked)"
)
_UNCHECKED = "SELECT article_id FROM core.articles ANTI JOIN core.alert_checked USING (article_id) UNION "


def new_reports(con: duckdb.DuckDBPyConnection) -> list[Report]:
    """Articles the alert step has not looked at yet, and those with customs measures still unalerted."""
    unchecked = "" if con.execute(_ALL_CHECKED).fetchone() == (True,) else _UNCHECKED
    rows = con.execute(
        f"""
        WITH unseen AS (
            {unchecked}
            SELECT article_id FROM (SELECT * FROM core.measures WHERE is_customs) m
            ANTI JOIN core.alerts x USING (article_id, ordinal)
        )
        SELECT {_REPORT} FROM core.articles a SEMI JOIN unseen USING (article_id)
        ORDER BY a.published_at NULLS LAST, a.loaded_at, a.article_id
        """
    ).fetchall()
    return _reports(rows)


def known_reports(
    con: duckdb.DuckDBPyConnection, reports: Sequence[Report]
) -> list[tuple[Report, list[str]]]:
    """The sources of alerted events published within the matcher's window of `reports`, with their alerts."""
    if not reports:
        return []
    dated = [r.published_at for r in reports if r.published_at]
    window = timedelta(days=event_index.WINDOW_DAYS)
    lo, hi = (min(dated) - window, max(dated) + window) if dated else (datetime.min, datetime.max)
    rows = con.execute(
        f"""
        SELECT {_REPORT}, list(DISTINCT s.alert_id ORDER BY s.alert_id)
        FROM core.alert_sources s
        JOIN core.alerts x ON x.alert_id = s.alert_id AND x.status <> 'duplicate' AND coalesce(x.kind, 'new') = 'new'
        JOIN core.articles a ON a.article_id = s.article_id
        WHERE a.published_at IS NULL OR a.published_at BETWEEN ? AND ?
        GROUP BY ALL ORDER BY a.published_at NULLS LAST, a.loaded_at, a.article_id
        """,
        [lo, hi],
    ).fetchall()
    return [(Report(*row[:-1]), list(row[-1])) for row in rows]


def insert_sources(con: duckdb.DuckDBPyConnection, sources: Sequence[Source], run_id: str) -> int:
    """Add source rows (an alert's URL already there is skipped); how many were added."""
    if not sources:
        return 0
    table = schemas.table(
        "core.alert_sources",
        (
            (s.alert_id, s.report.article_id, s.report.source_id, s.report.url, s.report.title, s.report.language,
             s.report.published_at, s.report.first_seen, s.rule, s.probability,
             json.dumps(s.why, ensure_ascii=False) if s.why else None, run_id)
            for s in sources
        ),
    )  # fmt: skip
    con.register("new_sources", table)
    try:
        added = con.execute(
            "INSERT INTO core.alert_sources BY NAME SELECT DISTINCT ON (alert_id, url) *"
            " FROM new_sources n ANTI JOIN core.alert_sources s USING (alert_id, url)"
        ).fetchone()
    finally:
        con.unregister("new_sources")
    return int(added[0]) if added else 0


def add_sightings(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Every other URL where an alert's source texts were seen (exact copies) becomes a source too."""
    added = con.execute(
        """
        INSERT INTO core.alert_sources BY NAME
        SELECT DISTINCT ON (s.alert_id, g.url) s.alert_id, g.article_id, g.source_id, g.url, s.title, s.language,
               s.published_at, g.seen_at AS first_seen, 'sighting' AS rule, NULL AS probability, NULL AS why,
               ? AS run_id
        FROM core.sightings g
        JOIN (SELECT DISTINCT alert_id, article_id, title, language, published_at FROM core.alert_sources) s
          USING (article_id)
        ANTI JOIN core.alert_sources e ON e.alert_id = s.alert_id AND e.url = g.url
        ORDER BY s.alert_id, g.url, g.seen_at
        """,
        [run_id],
    ).fetchone()
    return int(added[0]) if added else 0


def mark_checked(con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]) -> None:
    """Record that the alert step has looked at these articles."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    con.register("checked_ids", pa.table({"article_id": pa.array(ids, pa.string())}))
    try:
        con.execute(
            "INSERT INTO core.alert_checked SELECT article_id, ? FROM checked_ids"
            " ANTI JOIN core.alert_checked USING (article_id)",
            [datetime.now()],
        )
    finally:
        con.unregister("checked_ids")


def sources_of(
    con: duckdb.DuckDBPyConnection, alert_ids: Sequence[str]
) -> dict[str, list[dict[str, object]]]:
    """Each alert's sources, earliest first: source_id, url, language, first_seen, rule."""
    if not alert_ids:
        return {}
    rows = con.execute(
        "SELECT alert_id, source_id, url, language, first_seen, rule FROM core.alert_sources"
        " WHERE list_contains(?, alert_id) ORDER BY alert_id, first_seen, url",
        [list(alert_ids)],
    ).fetchall()
    out: dict[str, list[dict[str, object]]] = {}
    for alert_id, source_id, url, language, first_seen, rule in rows:
        out.setdefault(alert_id, []).append(
            {"source_id": source_id, "url": url, "language": language, "first_seen": first_seen, "rule": rule}
        )
    return out


def decide(con: duckdb.DuckDBPyConnection, status: str, run_id: str) -> tuple[list[Alert], int]:
    """Decide the step's alerts and sources (`parsers.alert_plan`), written in one transaction.

    Returns the alerts decided and how many reports were attached to alerts (beyond each alert's first page). Nothing to link to and no
    measure to alert: the new reports are only marked as looked at (no profiles computed).
    """
    with transaction(con):
        candidates = store.candidates(con)
        reports = new_reports(con)
        known = known_reports(con, reports)
        planned = alert_plan.Plan()
        if candidates or known:
            anchors = [r.published_at for r, _ in known] + [c.published_at for c in candidates]
            linkable = nearby(reports, anchors)
            planned = alert_plan.plan(candidates, linkable, known, store.alerted(con), status)
        decided = planned.alerts + alert_plan.amended(revisions.amended(con), status)
        store.insert(con, decided, run_id)
        revisions.first_sources(con, run_id)
        insert_sources(con, [s for s in planned.sources if s.rule == "first"], run_id)  # an alert's own page
        later = [s for s in planned.sources if s.rule != "first"]
        attached = insert_sources(con, later, run_id) + add_sightings(con, run_id)
        mark_checked(con, (r.article_id for r in reports))
    return decided, attached
