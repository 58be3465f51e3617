"""Alerts once per event: which alerted event a new report belongs to. Pure, no I/O.

A report is linked to the alerts of an article already attached to them (their sources) when:

- `story`: both are in one story of the warehouse (`articles.story_id`);
- `copy` / `document` / `event`: the event matcher (`parsers.stories.events.decide`) says one event
  (a near copy; both name the same main document; the calibrated model), and, unless a copy, the
  report's probability over that alert's latest sources reaches `event_index.STORY_MEAN` (one loose
  link does not chain two events) and it conflicts with at most half of them (other documents, rates,
  counted measures: `event_index.STORY_CONFLICTS`), as the event level places stories;

unless the two name foreign countries and none in common: GACC's animal-disease bans are one
template for every country (Cambodia, India, Mongolia ...), so their texts are near copies of each
other while each is its own event.

A report that carries customs measures of its own (a notice, or a restatement of one) is linked
only on strong evidence: the same story, a near copy, or the same main document number. Suppressing
its alerts on a looser event probability would cost a customs measure nobody is told about; a report
without measures of its own costs nothing when it is linked wrongly but a line in the provenance.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from parsers.stories import event_index, events, lexicon

STRONG_RULES = ("story", "copy", "document")


@dataclass(frozen=True)
class Report:
    """An article as the alert step sees it: where it was seen and what it says."""

    article_id: str
    source_id: str
    url: str
    title: str
    text: str
    published_at: datetime | None
    language: str | None
    story_id: str | None
    first_seen: datetime

    @property
    def published(self) -> date | None:
        """The publication day, for the matcher's window and dates."""
        return self.published_at.date() if self.published_at else None


@dataclass(frozen=True)
class Link:
    """Why a report belongs to alerts: the rule, the matched source article, the matcher's reasons."""

    alert_ids: tuple[str, ...]
    rule: str  # story | copy | event | document
    matched: str
    probability: float | None = None
    why: dict[str, Any] | None = None

    @property
    def strong(self) -> bool:
        """Whether the evidence is strong enough to keep a report's own measures from alerting."""
        return self.rule in STRONG_RULES


def nearby(reports: Sequence[Report], anchors_at: Sequence[datetime | None]) -> list[Report]:
    """The reports published within the matcher's window of one of `anchors_at` (undated ones too).

    Only those can be linked to an alert, so only those are profiled: after a reparse that changed
    many texts every article is new to the alert step, but few are near an alert. An undated anchor
    could be near anything: then every report is kept.
    """
    if any(a is None for a in anchors_at):
        return list(reports)
    days = sorted(a.toordinal() for a in anchors_at if a)
    out = []
    for r in reports:
        if r.published_at is None:
            out.append(r)
            continue
        day = r.published_at.toordinal()
        i = bisect.bisect_left(days, day - event_index.WINDOW_DAYS)
        if i < len(days) and days[i] <= day + event_index.WINDOW_DAYS:
            out.append(r)
    return out


@cache
def country_names() -> frozenset[str]:
    """The canonical names of the gazetteer's `[country]` table."""
    lex = lexicon.load()
    entries = [*lex.latin.values(), *lex.acronyms.values(), *lex.cjk.values()]
    return frozenset(name for found in entries for table, name in found if table == "country")


def countries(profile: events.Profile) -> frozenset[str]:
    """The foreign countries a report names in its title and lead (read with its anchors)."""
    return frozenset(profile.anchors.places) & country_names()


def country_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both name foreign countries and none in common: reports of two events."""
    return bool(a and b and not a & b)


@dataclass
class EventLinks:
    """The alerted events' sources (their profiles and alerts) that new reports are linked to."""

    profiles: dict[str, events.Profile] = field(default_factory=dict)
    alerts_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # alert id -> source articles, oldest first
    stories: dict[str, list[str]] = field(default_factory=dict)  # story id -> source articles
    countries_of: dict[str, frozenset[str]] = field(default_factory=dict)
    postings: dict[str, list[str]] = field(default_factory=dict)
    stats: events.Stats = field(default_factory=events.Stats)

    @classmethod
    def of(cls, known: Iterable[tuple[Report, Iterable[str]]], new: Iterable[Report]) -> EventLinks:
        """The index of the known sources (report, its alerts); idf statistics over known and new reports."""
        index = cls()
        new_profiles = [index.profile(r) for r in new]
        for report, alert_ids in known:
            index.add(report, alert_ids)
        index.stats = events.Stats.of([*index.profiles.values(), *new_profiles])
        return index

    def profile(self, report: Report) -> events.Profile:
        """The matcher's profile of a report (computed once)."""
        if report.article_id not in self.profiles:
            p = events.profile(report.article_id, report.title or "", report.text, report.published)
            self.profiles[report.article_id] = p
            self.countries_of[report.article_id] = countries(p)
        return self.profiles[report.article_id]

    def add(self, report: Report, alert_ids: Iterable[str]) -> None:
        """Make `report` a source of `alert_ids`: later reports may be linked through it."""
        ids = tuple(dict.fromkeys([*self.alerts_of.get(report.article_id, ()), *alert_ids]))
        known = report.article_id in self.alerts_of
        self.alerts_of[report.article_id] = ids
        for alert_id in ids:
            if report.article_id not in self.members.setdefault(alert_id, []):
                self.members[alert_id].append(report.article_id)
        if not known:
            if report.story_id:
                self.stories.setdefault(report.story_id, []).append(report.article_id)
            for key in event_index.blocking_keys(self.profile(report)):
                self.postings.setdefault(key, []).append(report.article_id)

    def link(self, report: Report, strong_only: bool = False) -> Link | None:
        """The alerts `report` belongs to and why, or None; `strong_only` for a report with own measures."""
        p = self.profile(report)
        mine = self.countries_of[report.article_id]
        by_story = self._by_story(report, mine)
        if by_story:
            return by_story
        best: Link | None = None
        for candidate in self._candidates(p):
            if country_conflict(mine, self.countries_of[candidate]):
                continue
            decision = events.decide(p, self.profiles[candidate], self.stats)
            link = self._judge(p, candidate, decision)
            if link and (best is None or (link.probability or 0) > (best.probability or 0)):
                best = link
        if best is None or (strong_only and not best.strong):
            return None
        return best

    def _by_story(self, report: Report, mine: frozenset[str]) -> Link | None:
        if not report.story_id:
            return None
        for article_id in self.stories.get(report.story_id, ()):
            if article_id != report.article_id and not country_conflict(mine, self.countries_of[article_id]):
                return Link(self.alerts_of[article_id], "story", article_id)
        return None

    def _candidates(self, p: events.Profile) -> list[str]:
        shared: Counter[str] = Counter()
        for key in event_index.blocking_keys(p):
            shared.update(self.postings.get(key, ()))
        shared.pop(p.article_id, None)
        near = [a for a in shared if self._in_window(p, self.profiles[a])]
        return sorted(near, key=lambda a: (-shared[a], a))[: event_index.MAX_CANDIDATES]

    @staticmethod
    def _in_window(a: events.Profile, b: events.Profile) -> bool:
        if a.published is None or b.published is None:
            return True
        return abs((a.published - b.published).days) <= event_index.WINDOW_DAYS

    def _judge(self, p: events.Profile, candidate: str, decision: events.Decision) -> Link | None:
        """A link to the candidate's alerts if the decision holds for the alert's latest sources too."""
        if not decision.same_event:
            return None
        alert_ids = self.alerts_of[candidate]
        if decision.rule != "copy":
            latest = self.members[alert_ids[0]][-event_index.STORY_MEMBERS :]
            probs = [events.decide(p, self.profiles[m], self.stats).probability for m in latest]
            if sum(probs) / len(probs) < event_index.STORY_MEAN:
                return None
            if (
                event_index.conflict_share(p, [self.profiles[m] for m in latest])
                > event_index.STORY_CONFLICTS
            ):
                return None
        rule = "copy" if decision.rule == "copy" else "document" if decision.shared.get("docs") else "event"
        return Link(alert_ids, rule, candidate, decision.probability, decision.why())
