"""The `watch` flow: one conditional request per urgent source's index; an ingest of it alone when it lists news.

    watch ─┬─ watch-gacc-news:            GET index (If-None-Match / If-Modified-Since, body hash) -> unchanged: done
           └─ watch-mofcom-announcements: ... changed -> links never seen? -> run_deployment(ingest, only=[source])

Sources marked `watch = true` in the registry are polled by this flow (served every 2 minutes by
`flows.serve`) and left out of the scheduled ingests. A poll sends the validators of the watch's own
last poll (`core.watch_polls`, apart from the ingest's `core.http_cache`, so that the ingest it
triggers still sees the change) through the run's one Fetcher, within the host's politeness, and
robots.txt is reused for 24 hours (`core.robots_cache`): a quiet site receives one request per poll.
A changed index is parsed for its links; only when it lists URLs never seen before (or none can be
read, so that the ingest records why) is an ingest of that source triggered through Prefect's
`run_deployment`, as a child of this run in the UI. With `TRADEWIRE_HOST_LIMITS=prefect` the polls
take the same per-host slots as the ingests of other processes (`flows.host_limits`). A new index
whose trigger failed keeps the old validators, so the next poll tries again. Polls, first listings
and the cadence shown in `source_health` are written in one session at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.deployments import run_deployment
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows import host_limits, schedule
from flows.parallel import parse_feed, parse_listing
from flows.tasks import ref
from parsers import cadence
from parsers.fetch.client import FetchError
from parsers.fetch.network import Network
from parsers.fetch.types import Response, Validators
from parsers.model import Link, Source
from parsers.registry import load_registry
from warehouse import crawl as crawl_state
from warehouse import watch as store
from warehouse.handle import Warehouse

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

EVERY_MINUTES = 2.0


@dataclass(frozen=True)
class Trigger:
    """Where a triggered ingest goes: the deployment and the parameters every run of it gets."""

    deployment: str
    parameters: dict[str, Any]


def _links(source: Source, response: Response) -> tuple[list[Link], str | None]:
    """The article links of a changed index page, or why none could be read."""
    if source.kind == "feed":
        links, failures = parse_feed(response.body, response.final_url, source, response.content_type)
    else:
        links, _, failures = parse_listing(response.body, response.final_url, source, response.content_type)
    return links, (failures[0].reason if failures and not links else None)


def _trigger(source: Source, response: Response, trigger: Trigger) -> str:
    """Start an ingest of `source` alone through the deployment; its flow run id."""
    run = cast(
        "FlowRun",
        run_deployment(
            trigger.deployment,
            parameters={**trigger.parameters, "only": [source.id]},
            flow_run_name=f"ingest-{source.id}-watched",
            timeout=0,  # do not wait: the watch's run ends, the ingest is the child shown in the UI
            tags=["tradewire", "watch"],
            idempotency_key=f"watch-{source.id}-{response.sha256}",  # one ingest per index version
        ),
    )  # fmt: skip  (a sync call: the flow run, not a coroutine)
    return str(run.id)


def _judge(
    source: Source, response: Response, warehouse: Warehouse, trigger: Trigger, polled_at: datetime
) -> tuple[store.Poll, list[str]]:
    """What a changed index means: its new links, and the ingest triggered for them (if any)."""
    kept = response.validators()
    if source.kind == "sitemap":
        links: list[Link] = []
        unreadable, fresh = None, ["(sitemap)"]
    else:
        links, unreadable = _links(source, response)
        urls = list(dict.fromkeys(link.url for link in links))
        with warehouse.session() as con:
            known = crawl_state.known_urls(con, urls)
        fresh = [u for u in urls if u not in known]
    base = store.Poll(
        source.id, source.url, polled_at, "changed", "", response.status, kept, len(links), len(fresh)
    )
    if not fresh and unreadable is None:
        return replace(base, reason=f"index changed; all {len(links)} listed items already known"), []
    why = (
        f"no links could be read ({unreadable})" if unreadable else f"{len(fresh)} new of {len(links)} listed"
    )
    try:
        run_id = _trigger(source, response, trigger)
    except Exception as exc:  # the next poll tries again: these validators are not kept
        reason = f"index changed ({why}) but the ingest could not be started: {type(exc).__name__}: {exc}"
        return store.Poll(source.id, source.url, polled_at, "failed", reason, response.status), []
    poll = store.Poll(source.id, source.url, polled_at, "new-items", f"{why}: ingest {run_id} started",
                      response.status, kept, len(links), len(fresh), run_id)  # fmt: skip
    return poll, [u for u in fresh if not u.startswith("(")]


@task(name="watch-source", task_run_name="watch-{source.id}", cache_policy=NO_CACHE)
def poll_source(
    source: Source, warehouse: Warehouse, network: Network, validators: Validators | None, trigger: Trigger
) -> tuple[store.Poll, list[str]]:
    """One conditional request for the source's index; on news, an ingest of the source alone."""
    polled_at = datetime.now()
    try:
        response = network.call(network.fetcher.fetch(source, source.url, validators))
    except FetchError as exc:
        return store.Poll(source.id, source.url, polled_at, "failed", exc.reason), []
    if response.not_modified:
        how = "304 Not Modified" if response.status == 304 else "same body hash"
        return store.Poll(
            source.id, source.url, polled_at, "unchanged", f"not modified ({how})", response.status
        ), []
    try:
        return _judge(source, response, warehouse, trigger, polled_at)
    except Exception as exc:  # a page that cannot be parsed is this poll's failure, not the whole watch's
        reason = f"index changed but could not be read: {type(exc).__name__}: {exc}"
        return store.Poll(source.id, source.url, polled_at, "failed", reason, response.status), []


_SIDE_BY_SIDE: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=8)


@flow(name="watch", log_prints=False, task_runner=_SIDE_BY_SIDE)
def watch(
    sources: str | None = None,
    db_path: str | None = None,
    profile: str = "live",
    ingest_deployment: str = "ingest/ingest-live",
    every_minutes: float = EVERY_MINUTES,
    fetch_options: dict[str, object] | None = None,
) -> list[dict[str, object]]:
    """Poll each watched source's index once; trigger an ingest of each one that lists something new."""
    logger = get_run_logger()
    registry = load_registry(sources)
    watched = [s for s in registry.select(profile) if s.watch]
    if not watched:
        logger.info("no source of profile %r is marked watch = true", profile)
        return []
    warehouse = Warehouse.open(db_path)
    with warehouse.session() as con:
        stored = {s.id: store.poll_validators(con, s.id, s.url) for s in watched}
        previous = {s.id: store.last_poll_at(con, s.id) for s in watched}
    parameters = {k: v for k, v in {"sources": sources, "db_path": db_path, "profile": profile}.items() if v}
    trigger = Trigger(ingest_deployment, parameters)
    options = {"shared_gate": host_limits.from_env(), **(fetch_options or {})}  # across processes, if asked
    with Network.running(registry, **options) as network:
        schedule.reuse_robots(warehouse, network)  # robots.txt is not asked again on every poll
        futures = [
            poll_source.submit(s, ref(warehouse), ref(network), stored[s.id], trigger) for s in watched
        ]
        results = [f.result() for f in futures]
        schedule.keep_robots(warehouse, network)
    with warehouse.session() as con:
        for poll, fresh in results:
            store.record_poll(con, poll)
            store.record_listings(
                con, poll.source_id, fresh, poll.polled_at, "watch", previous[poll.source_id]
            )
            store.set_cadence(
                con, poll.source_id, cadence.watched(every_minutes, poll.outcome), poll.polled_at, True
            )
    for poll, _ in results:
        logger.info("watch %s: %s (%s)", poll.source_id, poll.outcome, poll.reason)
    return [
        {"source": p.source_id, "outcome": p.outcome, "reason": p.reason, "ingest": p.ingest_run}
        for p, _ in results
    ]
