"""When sources are ingested: the due ones of a scheduled run, their next interval, and the alerts' latency.

The scheduled ingest deployments run every 10 minutes with `due_only`: each run takes the sources
whose adaptive interval (`parsers.cadence`, Media Cloud's rule) has passed since their last ingest,
never the watched ones, and sets each one's next interval from what it saw. Wiring only: the rule is
`parsers.cadence`, the rows `warehouse.watch` and `warehouse.latency`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from flows.summary import RunSummary, SourceCounts
from parsers import cadence
from parsers.fetch.network import Network
from parsers.model import Source
from parsers.registry import Registry
from warehouse import latency, reports
from warehouse import watch as store
from warehouse.handle import Warehouse


def due(warehouse: Warehouse, sources: Sequence[Source], now: datetime) -> tuple[Source, ...]:
    """The sources a scheduled run should ingest now: not watched, never ingested or past their due time."""
    with warehouse.session() as con:
        known = store.cadences(con)
    return tuple(s for s in sources if not s.watch and (s.id not in known or (known[s.id][1] or now) <= now))


def next_due(warehouse: Warehouse) -> str:
    """Which scheduled source comes next, in words (for the log of a run with nothing to do)."""
    with warehouse.session() as con:
        known = store.cadences(con)
    waiting = sorted((d, sid) for sid, (_, d, watched) in known.items() if d is not None and not watched)
    return f"next: {waiting[0][1]} at {waiting[0][0]:%H:%M}" if waiting else "no scheduled source"


def nothing_due(warehouse: Warehouse, run_id: str) -> RunSummary:
    """The summary of a scheduled run that found no source due (nothing is recorded)."""
    with warehouse.session() as con:
        total = reports.article_total(con)
    return RunSummary(run_id, Path(warehouse.path), (), (), total, alerts="no source due")


def _observation(source: Source, counts: SourceCounts, quiet: float) -> cadence.Observation:
    if source.kind == "files":  # a folder lists its files; the known ones are those already stored
        return cadence.Observation(counts.found, counts.duplicate, quiet_days=quiet)
    return cadence.Observation(counts.listed, counts.known, counts.unchanged, quiet)


def record_cadence(
    warehouse: Warehouse, sources: Sequence[Source], per_source: Sequence[SourceCounts], now: datetime
) -> None:
    """Set each scheduled source's next interval from what this run saw (watched sources: the watch does)."""
    by_id = {s.id: s for s in sources}
    with warehouse.session() as con:
        current = store.cadences(con)
        for counts in per_source:
            source = by_id[counts.source_id]
            if source.watch:
                continue
            low, high = source.poll_min_minutes, source.poll_max_minutes
            if source.id in current and not current[source.id][2]:
                quiet = store.quiet_days(con, source.id, now)
                seen = _observation(source, counts, quiet)
                step = cadence.next_cadence(current[source.id][0], seen, low, high)
            else:
                step = cadence.first(low, high)
            store.set_cadence(con, source.id, step, now, watched=False)


def alert_latency(warehouse: Warehouse, registry: Registry, since: datetime) -> str:
    """Stamp the new alerts' listing and fetch times; the latency of those delivered since `since`."""
    with warehouse.session() as con:
        latency.stamp(con, {s.id: s.timezone for s in registry.sources})
        return latency.delivered_since(con, since).describe()


ROBOTS_MAX_AGE = timedelta(hours=24)  # RFC 9309, 2.4: a crawler may reuse robots.txt this long


def reuse_robots(warehouse: Warehouse, network: Network) -> None:
    """Give the run's Fetcher the robots.txt bodies kept by earlier runs (younger than a day)."""
    with warehouse.session() as con:
        network.fetcher.robots.preload(store.robots(con, ROBOTS_MAX_AGE, datetime.now()))


def keep_robots(warehouse: Warehouse, network: Network) -> None:
    """Keep the robots.txt bodies this run fetched, for the runs of the next day."""
    fetched = dict(network.fetcher.robots.fetched)
    if fetched:
        with warehouse.session() as con:
            store.save_robots(con, fetched, datetime.now())
