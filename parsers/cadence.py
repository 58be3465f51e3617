"""How often to ingest a source: Media Cloud's rule on the share of listed items already known. Pure.

Media Cloud's RSS fetcher (mediacloud/rss-fetcher, `fetcher/tasks.py` and `fetcher/config.py`)
adjusts each feed's poll interval after every successful poll that follows another: when at least
67% of the stories it listed were already known (an unchanged feed, or one listing nothing, counts as
all known) the interval grows, by 10 minutes while the feed has brought something new in the last
31 days and by 60 minutes after that; when fewer than 33% were known it shrinks, back to the default
at once when above it, else by 60 minutes; in between it stays. The interval is kept within bounds.
tradewire applies the same thresholds and steps, with a default of 30 minutes (its old fixed
schedule) and per-source bounds (`poll_min_minutes`, `poll_max_minutes`, default 10 and 1440).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MINUTES = 30.0
GROW_ABOVE = 0.67  # share of listed items already known at or above which the interval grows
SHRINK_BELOW = 0.33  # share below which it shrinks
SMALL_STEP = 10.0  # minutes added while the source brought something new recently
STEP = 60.0  # minutes added after a long quiet time, and taken off when most items are new
QUIET_DAYS = 31.0


@dataclass(frozen=True)
class Observation:
    """What one ingest of a source saw: items its index listed, how many were known, whether it changed."""

    listed: int
    known: int
    unchanged: bool = False  # the index answered "not modified" (or the same body)
    quiet_days: float = 0.0  # days since the source last brought something new


@dataclass(frozen=True)
class Cadence:
    """A source's interval between scheduled ingests and the reason for it, in words."""

    minutes: float
    reason: str


def _clamp(minutes: float, low: float, high: float) -> float:
    return min(max(minutes, low), high)


def first(low: float = 10.0, high: float = 1440.0) -> Cadence:
    """The interval of a source before two ingests have been compared."""
    minutes = _clamp(DEFAULT_MINUTES, low, high)
    return Cadence(minutes, f"first ingest: default interval {minutes:g} min")


def next_cadence(current: float, seen: Observation, low: float = 10.0, high: float = 1440.0) -> Cadence:
    """The interval after an ingest that saw `seen`, from `current` minutes, within [low, high]."""
    if seen.unchanged or seen.listed == 0:
        share, what = 1.0, "index not modified" if seen.unchanged else "index listed nothing"
    else:
        share = seen.known / seen.listed
        what = f"{round(100 * share)}% of items already known ({seen.known} of {seen.listed})"
    if share >= GROW_ABOVE:
        recent = seen.quiet_days <= QUIET_DAYS or share < 1.0
        wanted = current + (SMALL_STEP if recent else STEP)
    elif share < SHRINK_BELOW:
        wanted = DEFAULT_MINUTES if current > DEFAULT_MINUTES else current - STEP
    else:
        wanted = current
    minutes = _clamp(wanted, low, high)
    if minutes == current:
        bound = " (at its bound)" if wanted != current else ""
        return Cadence(minutes, f"{what}: stays {minutes:g} min{bound}")
    return Cadence(minutes, f"{what}: {current:g} -> {minutes:g} min")


def watched(every_minutes: float, outcome: str) -> Cadence:
    """The cadence shown for a watched source: the watch's interval and its last poll's outcome."""
    return Cadence(every_minutes, f"watched: index polled every {every_minutes:g} min (last poll: {outcome})")
