"""Alerts for new customs measures: exactly once, through Apprise, plus a Prefect event.

A customs measure gets one alert row the first time a run sees it. A measure that is a near
duplicate of one already alerted (a reprint, a re-wording on another site) is recorded as
`duplicate` and never sent. A failed delivery stays `pending` and every later run retries it.
Destinations are Apprise URLs from `TRADEWIRE_ALERT_URLS` (space separated) or the Prefect Secret
block `tradewire-alert-urls`; they are secrets: never logged, stored or put in artifacts (see
`flows.notify`). With `TRADEWIRE_ALERT_MODE=digest`, alerts wait for the daily `digest` flow instead.

Exactly once across processes: a run claims the alerts it is about to send in the warehouse, under
the writer lock, with an owner and an expiry (`TRADEWIRE_ALERT_CLAIM_SECONDS`, default 900), and
sends only what it claimed; an overlapping run finds them claimed and leaves them alone. A run that
dies after claiming leaves its alerts `pending`: the first run after the expiry claims and sends
them (a run killed between the receiver's acceptance and the record of it is the one case where a
receiver sees an alert twice). A run starts no send once half its claim's time has passed: the other
half covers the send in progress and the wait for the write lock to record it. What it did not send it
releases for the next run.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from flows import notify
from parsers.stories import neardup
from warehouse import alerts as store
from warehouse.handle import Warehouse

SECRET_BLOCK = "tradewire-alert-urls"
EVENT = "tradewire.customs-measure.new"
CLAIM_ENV = "TRADEWIRE_ALERT_CLAIM_SECONDS"
CLAIM_SECONDS = 900.0  # far beyond Apprise's own timeouts (4 s connect, 4 s read per destination)
NO_DESTINATION = "no alert destination configured (TRADEWIRE_ALERT_URLS or the Secret block)"


@dataclass(frozen=True)
class AlertReport:
    """What the alert step did in one run."""

    new: int
    duplicates: int
    delivered: int
    pending: int
    measures: tuple[dict[str, str | None], ...] = ()  # the new customs measures, for the run's artifact
    configured: bool = True  # whether any alert destination is configured
    elsewhere: int = 0  # alerts another run had claimed (and is sending)


def describe(report: AlertReport) -> str:
    """The summary line about alerts."""
    parts = [f"{report.new} new customs measure(s)", f"{report.delivered} sent"]
    if report.duplicates:
        parts.append(f"{report.duplicates} near-duplicate(s) not re-sent")
    if report.pending:
        parts.append(f"{report.pending} pending (will retry)")
    if report.pending and not report.configured:
        parts.append("set TRADEWIRE_ALERT_URLS to deliver them")
    if report.elsewhere:
        parts.append(f"{report.elsewhere} being sent by another run")
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
    if alert.get("document_no") and alert["document_no"] != alert.get("announcement_no"):
        notice = f"Document: {alert['document_no']}\n{notice}"
    body = f"{alert['measure_text']}\n\n{notice}From: {alert['title']}\nPublished: {when}\nSource: {alert['url']}"
    return title, body


def claim_seconds() -> float:
    """How long a run's claim on the alerts it sends lasts (`TRADEWIRE_ALERT_CLAIM_SECONDS`)."""
    raw = os.environ.get(CLAIM_ENV, "").strip()
    try:
        value = float(raw) if raw else CLAIM_SECONDS
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{CLAIM_ENV} must be a positive number of seconds, not {raw!r}")
    return value


def owner_of(run_id: str) -> str:
    """A claim owner unique to this attempt of this run."""
    return f"{run_id}/{uuid.uuid4().hex[:12]}"


def destinations() -> tuple[list[object], str | None]:
    """The checked Apprise services, or the reason there are none; bad URLs logged by position only."""
    urls = alert_urls()
    if not urls:
        return [], NO_DESTINATION
    services, problems = notify.check(urls)
    for problem in problems:
        get_run_logger().warning("%s; it is skipped", problem)
    return services, None if services else "no valid Apprise URL among the configured destinations"


def send_claimed(
    warehouse: Warehouse, owner: str, deadline: float, messages: Iterable[tuple[list[str], str, str]]
) -> dict[str, str | None]:
    """Send each (alert ids, title, body) while the claim has time left; record every outcome.

    Returns alert id -> None (delivered) or why not; claimed alerts without an outcome are released.
    """
    batches = list(messages)
    outcomes: dict[str, str | None] = {}
    try:
        services, reason = destinations()
        for ids, title, body in batches:
            if time.monotonic() > deadline:  # a later send could outlive the claim: leave it to the next run
                break
            error = reason or notify.send(services, title, body)
            outcomes.update(dict.fromkeys(ids, error))
    finally:
        unsent = [i for ids, _, _ in batches for i in ids if i not in outcomes]
        with warehouse.session() as con:
            store.mark(con, outcomes, owner, unsent)
    return outcomes


@task(name="alerts", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def send_alerts(warehouse: Warehouse, run_id: str) -> AlertReport:
    """Decide alerts for new customs measures, emit their events, and deliver everything pending."""
    digest = os.environ.get("TRADEWIRE_ALERT_MODE", "each") == "digest"
    owner, lease = owner_of(run_id), claim_seconds()
    with warehouse.session() as con:
        decided = decide(store.candidates(con), store.alerted(con), "digest" if digest else "pending")
        store.insert(con, decided, run_id)
        claimed_at = time.monotonic()
        pending, elsewhere = store.claim(con, "pending", owner, lease)
    fresh = [a for a in decided if a.status != "duplicate"]
    for alert in fresh:
        c = alert.candidate
        emit_event(
            event=EVENT,
            resource={"prefect.resource.id": f"tradewire.measure.{alert.alert_id}", "prefect.resource.name": c.text[:80]},
            payload={"issuing_body": c.issuing_body, "title": c.title, "url": c.url, "measure": c.text,
                     "published_at": c.published_at.isoformat() if c.published_at else None,
                     "document_no": c.document_no},
        )  # fmt: skip
    outcomes: dict[str, str | None] = {}
    if pending:
        messages = (([str(a["alert_id"])], *message(a)) for a in pending)
        outcomes = send_claimed(warehouse, owner, claimed_at + lease / 2, messages)
    failed = len(pending) - sum(1 for error in outcomes.values() if error is None)
    configured = NO_DESTINATION not in outcomes.values()
    if failed and not configured:  # not a failure: nobody configured where alerts go yet
        get_run_logger().info("%d alert(s) waiting: set TRADEWIRE_ALERT_URLS to deliver them", failed)
    elif failed:
        get_run_logger().warning("%d alert(s) not delivered; they stay pending for the next run", failed)
    table = tuple(
        {"issuing body": a.candidate.issuing_body, "document": a.candidate.document_no or "",
         "measure": a.candidate.text, "article": a.candidate.title,
         "published": str(a.candidate.published_at or ""), "link": a.candidate.url}
        for a in fresh
    )  # fmt: skip
    delivered = len(pending) - failed
    return AlertReport(len(fresh), len(decided) - len(fresh), delivered, failed, table, configured, elsewhere)


@flow(name="digest", log_prints=False)
def digest(db_path: str | None = None) -> int:
    """Send every alert waiting for the digest as one message; returns how many it covered."""
    warehouse = Warehouse.open(db_path)
    owner, lease = owner_of(flow_run_id()), claim_seconds()
    with warehouse.session() as con:
        claimed_at = time.monotonic()
        waiting, elsewhere = store.claim(con, "digest", owner, lease)
    if elsewhere:
        get_run_logger().info("%d digest alert(s) are being sent by another run", elsewhere)
    if not waiting:
        return 0
    title = f"{len(waiting)} new customs measure(s)"
    body = "\n\n---\n\n".join(message(a)[0] + "\n" + message(a)[1] for a in waiting)
    ids = [str(a["alert_id"]) for a in waiting]
    outcomes = send_claimed(warehouse, owner, claimed_at + lease / 2, [(ids, title, body)])
    error = next(iter(outcomes.values()), "not sent: the claim ran out before the send")
    if error is None:
        return len(waiting)
    get_run_logger().warning("digest not delivered: %s; the alerts wait for the next digest", error)
    return 0


def flow_run_id() -> str:
    """The current flow run's id, or 'local' outside one."""
    from prefect.runtime import flow_run

    return str(flow_run.get_id() or "local")
