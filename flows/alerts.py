"""Alerts for new customs measures: exactly once, through Apprise, plus a Prefect event.

A customs measure gets one alert row the first time a run sees it. A measure that is a near
duplicate of one already alerted (a reprint, a re-wording on another site) is recorded as
`duplicate` and never sent. A failed delivery stays `pending` and every later run retries it.
Destinations are Apprise URLs from `TRADEWIRE_ALERT_URLS` (space separated) or the Prefect Secret
block `tradewire-alert-urls`; they are secrets: never logged, stored or put in artifacts.
With `TRADEWIRE_ALERT_MODE=digest`, alerts wait for the daily `digest` flow instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass

import numpy as np
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from parsers import neardup
from warehouse import alerts as store
from warehouse import db

SECRET_BLOCK = "tradewire-alert-urls"
EVENT = "tradewire.customs-measure.new"


@dataclass(frozen=True)
class AlertReport:
    """What the alert step did in one run."""

    new: int
    duplicates: int
    delivered: int
    pending: int
    measures: tuple[dict[str, str | None], ...] = ()  # the new customs measures, for the run's artifact
    configured: bool = True  # whether any alert destination is configured


def describe(report: AlertReport) -> str:
    """The summary line about alerts."""
    parts = [f"{report.new} new customs measure(s)", f"{report.delivered} sent"]
    if report.duplicates:
        parts.append(f"{report.duplicates} near-duplicate(s) not re-sent")
    if report.pending:
        parts.append(f"{report.pending} pending (will retry)")
    if report.pending and not report.configured:
        parts.append("set TRADEWIRE_ALERT_URLS to deliver them")
    return ", ".join(parts)


def alert_urls() -> list[str]:
    """The configured Apprise URLs (environment first, then the Prefect Secret block)."""
    urls = os.environ.get("TRADEWIRE_ALERT_URLS", "").split()
    if urls:
        return urls
    try:
        from prefect.blocks.system import Secret

        value = Secret.load(SECRET_BLOCK).get()  # type: ignore[union-attr]
    except Exception:  # no block configured (or no server to ask): alerts stay pending
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def _alert_id(candidate: store.Candidate) -> str:
    key = f"{candidate.article_id}:{candidate.ordinal}:{neardup.text_key(candidate.text)}"
    return "al-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def decide(
    candidates: list[store.Candidate], alerted: list[tuple[str, int, bytes]], status: str
) -> list[store.Alert]:
    """Give each candidate `status`, or `duplicate` when it nearly repeats an alerted or earlier measure."""
    if not candidates:
        return []
    batch = neardup.sketch([c.text for c in candidates])
    known_ids = [a[0] for a in alerted]
    known_sigs = [np.frombuffer(a[2], dtype=np.uint32) for a in alerted]
    known_sizes = [a[1] for a in alerted]
    decided = []
    for i, candidate in enumerate(candidates):
        sig, size, alert_id = batch.sigs[i], int(batch.sizes[i]), _alert_id(candidate)
        match = None
        if known_sigs:
            scores = neardup.similarities(
                np.vstack(known_sigs), np.repeat(sig[None, :], len(known_sigs), axis=0),
                np.array(known_sizes), np.full(len(known_sigs), size),
            )  # fmt: skip
            best = int(np.argmax(scores))
            match = known_ids[best] if scores[best] >= neardup.THRESHOLD else None
        sig_bytes = np.ascontiguousarray(sig).tobytes()
        decided.append(
            store.Alert(alert_id, candidate, size, sig_bytes, "duplicate" if match else status, match)
        )
        if not match:  # later candidates in this batch are compared with it too
            known_ids.append(alert_id)
            known_sigs.append(sig)
            known_sizes.append(size)
    return decided


def message(alert: dict[str, object]) -> tuple[str, str]:
    """Title and body of one alert."""
    title = f"New customs measure: {alert['issuing_body'] or 'customs'}"
    when = alert["published_at"] or "date not given"
    notice = f"Announcement: {alert['announcement_no']}\n" if alert.get("announcement_no") else ""
    body = f"{alert['measure_text']}\n\n{notice}From: {alert['title']}\nPublished: {when}\nSource: {alert['url']}"
    return title, body


def deliver(urls: list[str], title: str, body: str) -> str | None:
    """Send one notification; None when delivered, else a reason (never containing the URLs)."""
    import apprise

    if not urls:
        return "no alert destination configured (TRADEWIRE_ALERT_URLS or the Secret block)"
    sender = apprise.Apprise()
    for url in urls:
        sender.add(url)
    if not len(sender):
        return "no valid Apprise URL among the configured destinations"
    logging.getLogger("apprise").setLevel(logging.CRITICAL)  # its messages may quote the URLs
    return None if sender.notify(title=title, body=body) else "delivery failed: no destination accepted it"


@task(name="alerts", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def send_alerts(db_path: str, run_id: str) -> AlertReport:
    """Decide alerts for new customs measures, emit their events, and deliver everything pending."""
    digest = os.environ.get("TRADEWIRE_ALERT_MODE", "each") == "digest"
    with db.writer(db_path) as con:
        decided = decide(store.candidates(con), store.alerted(con), "digest" if digest else "pending")
        store.insert(con, decided, run_id)
        pending = store.waiting(con, "pending")
    fresh = [a for a in decided if a.status != "duplicate"]
    for alert in fresh:
        c = alert.candidate
        emit_event(
            event=EVENT,
            resource={"prefect.resource.id": f"tradewire.measure.{alert.alert_id}", "prefect.resource.name": c.text[:80]},
            payload={"issuing_body": c.issuing_body, "title": c.title, "url": c.url, "measure": c.text,
                     "published_at": c.published_at.isoformat() if c.published_at else None},
        )  # fmt: skip
    urls = alert_urls() if pending else []
    outcomes = {str(a["alert_id"]): deliver(urls, *message(a)) for a in pending}
    if outcomes:
        with db.writer(db_path) as con:
            store.mark(con, outcomes)
    failed = sum(1 for error in outcomes.values() if error)
    if failed and not urls:  # not a failure: nobody configured where alerts go yet
        get_run_logger().info("%d alert(s) waiting: set TRADEWIRE_ALERT_URLS to deliver them", failed)
    elif failed:
        get_run_logger().warning("%d alert(s) not delivered; they stay pending for the next run", failed)
    table = tuple(
        {"issuing body": a.candidate.issuing_body, "measure": a.candidate.text, "article": a.candidate.title,
         "published": str(a.candidate.published_at or ""), "link": a.candidate.url}
        for a in fresh
    )  # fmt: skip
    return AlertReport(
        len(fresh), len(decided) - len(fresh), len(outcomes) - failed, failed, table, bool(urls)
    )


@flow(name="digest", log_prints=False)
def digest(db_path: str | None = None) -> int:
    """Send every alert waiting for the digest as one message; returns how many it covered."""
    db_file = str(db_path or db.default_db_path())
    with db.writer(db_file) as con:
        waiting = store.waiting(con, "digest")
    if not waiting:
        return 0
    title = f"{len(waiting)} new customs measure(s)"
    body = "\n\n---\n\n".join(message(a)[0] + "\n" + message(a)[1] for a in waiting)
    error = deliver(alert_urls(), title, body)
    with db.writer(db_file) as con:
        store.mark(con, {str(a["alert_id"]): error for a in waiting})
        if error is None:
            return len(waiting)
    get_run_logger().warning("digest not delivered: %s; the alerts wait for the next digest", error)
    return 0
