"""Alerts for new customs measures: exactly once, through Apprise, plus a Prefect event.

A customs measure gets one alert row the first time a run sees it. A later report of an alerted
measure or event (a reprint, the same text at another URL, another outlet's or language's report the
event matcher joins) is attached to that alert as one of its sources (`alert_sources`, see
`parsers.alert_plan`) and never sent; its own measures are recorded as `duplicate`. Messages and the
digest list the sources. A failed delivery stays `pending` and every later run retries it.
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

import math
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from flows import notify
from parsers import alert_text
from warehouse import alerts as store
from warehouse import provenance
from warehouse.handle import Warehouse

SECRET_BLOCK = "tradewire-alert-urls"
EVENT = "tradewire.customs-measure.new"
AMENDED_EVENT = "tradewire.customs-notice.amended"
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
    attached: int = 0  # reports attached to alerts as sources (not sent)
    amended: int = 0  # amended customs notices alerted


def describe(report: AlertReport) -> str:
    """The summary line about alerts."""
    parts = [f"{report.new} new customs measure(s)", f"{report.delivered} sent"]
    if report.amended:
        parts.append(f"{report.amended} amended notice(s)")
    if report.duplicates:
        parts.append(f"{report.duplicates} repeat(s) of alerted measures not re-sent")
    if report.attached:
        parts.append(f"{report.attached} report(s) attached to alerts as sources")
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


def messages(
    alerts: list[dict[str, object]], sources: dict[str, list[dict[str, object]]]
) -> list[tuple[list[str], str, str]]:
    """(alert ids, title, body) of each alert, with its sources."""
    return [
        ([str(a["alert_id"])], *alert_text.message(a, sources.get(str(a["alert_id"]), ()))) for a in alerts
    ]


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
        decided, attached = provenance.decide(con, "digest" if digest else "pending", run_id)
        claimed_at = time.monotonic()
        pending, elsewhere = store.claim(con, "pending", owner, lease)
        batches = messages(pending, provenance.sources_of(con, [str(a["alert_id"]) for a in pending]))
    fresh = [a for a in decided if a.status != "duplicate"]
    for alert in fresh:
        c = alert.candidate
        emit_event(
            event=EVENT if alert.kind == "new" else AMENDED_EVENT,
            resource={"prefect.resource.id": f"tradewire.measure.{alert.alert_id}", "prefect.resource.name": c.text[:80]},
            payload={"issuing_body": c.issuing_body, "title": c.title, "url": c.url, "measure": c.text,
                     "published_at": c.published_at.isoformat() if c.published_at else None,
                     "document_no": c.document_no},
        )  # fmt: skip
    outcomes: dict[str, str | None] = {}
    if pending:
        outcomes = send_claimed(warehouse, owner, claimed_at + lease / 2, batches)
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
    new = sum(1 for a in fresh if a.kind == "new")
    return AlertReport(new, len(decided) - len(fresh), delivered, failed, table, configured, elsewhere, attached,
                       len(fresh) - new)  # fmt: skip


@flow(name="digest", log_prints=False)
def digest(db_path: str | None = None) -> int:
    """Send every alert waiting for the digest as one message; returns how many it covered."""
    warehouse = Warehouse.open(db_path)
    owner, lease = owner_of(flow_run_id()), claim_seconds()
    with warehouse.session() as con:
        claimed_at = time.monotonic()
        waiting, elsewhere = store.claim(con, "digest", owner, lease)
        sources = provenance.sources_of(con, [str(a["alert_id"]) for a in waiting])
    if elsewhere:
        get_run_logger().info("%d digest alert(s) are being sent by another run", elsewhere)
    if not waiting:
        return 0
    title, body = alert_text.digest(waiting, sources)
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
