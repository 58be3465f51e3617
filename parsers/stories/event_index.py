"""Incremental event stories: an inverted index on anchor keys, and assignment to the best story.

A new article looks up only the articles that share one of its blocking keys (`blocking_keys`:
document numbers, dates, numbers, counted measures, codes, officials, bilingual terms and pairs of
terms) and were published within WINDOW_DAYS of it (when both dates are known). A key with more than
CAP postings in the window says little (a common term) and is skipped, so the cost of placing an
article does not grow with the history. The MAX_CANDIDATES candidates sharing most keys are scored
with `events.decide`; the article joins the story whose members it matches best (best pair at or
above events.THRESHOLD, and mean probability over the story's latest members at or above
STORY_MEAN, so one loose link does not chain two events, and no strong conflict with more than
STORY_CONFLICTS of those members: other documents, rates, counted measures, periods, a press answer
against reports), else it founds a story. Stories are never merged or renamed; every placement keeps
its decisions (`Placement.why`).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from parsers.stories import events, story_level

WINDOW_DAYS = 120
CAP = 200
MAX_CANDIDATES = 20
STORY_MEAN = 0.15
STORY_MEMBERS = 10
# The story score is the mean over the best half of those members: a Chinese notice matches the
# story's other Chinese pages better than its English ones, and one loose link still does not chain.
STORY_TOP = 1.0
# The story-level agreement check: a story whose latest members the article strongly conflicts with
# in more than this share is not joined, however well it matches one of them (dev, each family held
# out: P 0.783 -> 0.840, R 0.701 -> 0.698; docs/events.md).
STORY_CONFLICTS = 0.5
BLOCK_KINDS = ("docs", "dates", "numbers", "percents", "counts", "hs", "eccn", "people")


def blocking_keys(p: events.Profile) -> list[str]:
    """The keys a profile is indexed under: specific anchors, its terms and each pair of its terms."""
    keys = set(events.anchor_keys(p.anchors, BLOCK_KINDS))
    terms = sorted(p.anchors.terms)
    keys.update(f"term:{t}" for t in terms)
    keys.update(f"terms:{a}|{b}" for a, b in combinations(terms, 2))
    return sorted(keys)


def conflict_share(p: events.Profile, members: list[events.Profile]) -> float:
    """Share of a story's members that `p` strongly disagrees with (story_level.STRONG conflicts)."""
    found = [story_level.STRONG & set(events.conflicts(p.anchors, m.anchors)) for m in members]
    return sum(1 for f in found if f) / len(members) if members else 0.0


@dataclass(frozen=True)
class Placement:
    """Where an article went: its story, the member it matched best (None if it founded the story)."""

    article_id: str
    story_id: str
    matched: str | None
    probability: float
    kind: str  # "founder" | "joined" | "kept"
    decisions: tuple[events.Decision, ...] = ()

    def why(self) -> dict[str, Any]:
        """Plain data for storage: story, kind, best match, and each scored candidate's reasons."""
        return {
            "story_id": self.story_id,
            "kind": self.kind,
            "matched": self.matched,
            "probability": round(self.probability, 4),
            "candidates": [{"article_id": d.b, **d.why()} for d in self.decisions],
        }


def story_id_for(article_id: str) -> str:
    """The id of an event story founded by this article."""
    return "ev-" + article_id[:16]


@dataclass
class EventIndex:
    """Profiles, postings (key -> article ids in published order) and stories, held in memory."""

    window_days: int = WINDOW_DAYS
    cap: int = CAP
    max_candidates: int = MAX_CANDIDATES
    profiles: dict[str, events.Profile] = field(default_factory=dict)
    postings: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    undated: dict[str, list[str]] = field(default_factory=dict)
    story_of: dict[str, str] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    df: Counter[str | int] = field(default_factory=Counter)
    # None: events.WEIGHTS, events.THRESHOLD and STORY_MEAN (other values: calibration only)
    weights: Mapping[str, float] | None = None
    threshold: float | None = None
    story_mean: float = STORY_MEAN
    # None: story_level.WEIGHTS and story_level.THRESHOLD (the story-level rule; empty weights: the
    # older rule, best pair plus the mean over the story's latest members)
    story_weights: Mapping[str, float] | None = None
    story_threshold: float | None = None

    def stats(self) -> events.Stats:
        """Frequencies over the indexed history (for idf weights)."""
        return events.Stats(len(self.profiles), self.df)

    def candidates(self, p: events.Profile) -> list[str]:
        """Indexed articles sharing a blocking key within the window, most shared keys first."""
        shared: Counter[str] = Counter()
        for key in blocking_keys(p):
            hits = self._window(key, p)
            if len(hits) <= self.cap:
                shared.update(hits)
        shared.pop(p.article_id, None)
        return [a for a, _ in sorted(shared.items(), key=lambda x: (-x[1], x[0]))[: self.max_candidates]]

    def _window(self, key: str, p: events.Profile) -> list[str]:
        dated = self.postings.get(key, [])
        undated = self.undated.get(key, [])
        if p.published is None:
            return [a for _, a in dated] + undated
        day = p.published.toordinal()
        lo = bisect.bisect_left(dated, (day - self.window_days, ""))
        hi = bisect.bisect_right(dated, (day + self.window_days, "\uffff"))
        return [a for _, a in dated[lo:hi]] + undated

    def place(self, p: events.Profile) -> Placement:
        """Put one new article into its story (or found one), index it, and say why."""
        if p.article_id in self.story_of:
            return Placement(p.article_id, self.story_of[p.article_id], None, 1.0, "kept")
        stats = self.stats()
        decisions = [self._decide(p, c, stats) for c in self.candidates(p)]
        story, best = self._best_story(p, decisions, stats)
        self._add(p, story or story_id_for(p.article_id))
        if story is None or best is None:
            return Placement(
                p.article_id, self.story_of[p.article_id], None, 0.0, "founder", tuple(decisions)
            )
        return Placement(p.article_id, story, best.b, best.probability, "joined", tuple(decisions))

    def _best_story(
        self, p: events.Profile, decisions: list[events.Decision], stats: events.Stats
    ) -> tuple[str | None, events.Decision | None]:
        weights = story_level.WEIGHTS if self.story_weights is None else self.story_weights
        if not weights:
            return self._best_story_pairwise(p, decisions, stats)
        threshold = story_level.THRESHOLD if self.story_threshold is None else self.story_threshold
        copies = [d for d in decisions if d.same_event and d.rule == "copy"]
        if copies:  # a copy joins its original's story, whatever else
            best = max(copies, key=lambda d: (d.probability, d.b))
            return self.story_of[best.b], best
        ranked = []
        for story, f, best in self.score_stories(p, decisions, stats):
            prob = story_level.probability(f, weights)
            if prob >= threshold:
                ranked.append((prob, best.probability, story, best))
        if not ranked:
            return None, None
        top = max(ranked, key=lambda r: (r[0], r[1], r[2]))
        return top[2], top[3]

    def score_stories(
        self, p: events.Profile, decisions: list[events.Decision], stats: events.Stats
    ) -> list[tuple[str, dict[str, float], events.Decision]]:
        """Each candidate story (a story of a scored candidate): its story-level features and best pair."""
        known = {d.b: d for d in decisions}
        out = []
        for story in sorted({self.story_of[d.b] for d in decisions}):
            latest = self.members[story][-STORY_MEMBERS:]
            for m in latest:
                if m not in known:
                    known[m] = self._decide(p, m, stats)
            f = story_level.features(p, [self.profiles[m] for m in latest], known, stats)
            best = max((known[m] for m in latest), key=lambda d: (d.probability, d.b))
            out.append((story, f, best))
        return out

    def _best_story_pairwise(
        self, p: events.Profile, decisions: list[events.Decision], stats: events.Stats
    ) -> tuple[str | None, events.Decision | None]:
        by_story: dict[str, events.Decision] = {}
        for d in decisions:
            s = self.story_of[d.b]
            if d.same_event and (s not in by_story or d.probability > by_story[s].probability):
                by_story[s] = d
        ranked = []
        for s, d in by_story.items():
            mean = self._story_mean(p, s, decisions, stats)
            if d.rule != "copy" and self._conflict_share(p, s) > STORY_CONFLICTS:
                continue  # the article disagrees with much of the story (other documents, rates, counts)
            if d.rule == "copy" or mean >= self.story_mean:
                ranked.append((d.rule == "copy", mean, d.probability, s, d))
        if not ranked:
            return None, None
        top = max(ranked, key=lambda r: (r[0], r[1], r[2], r[3]))
        return top[3], top[4]

    def _conflict_share(self, p: events.Profile, story: str) -> float:
        return conflict_share(p, [self.profiles[m] for m in self.members[story][-STORY_MEMBERS:]])

    def _story_mean(
        self, p: events.Profile, story: str, decisions: list[events.Decision], stats: events.Stats
    ) -> float:
        known = {d.b: d.probability for d in decisions}
        latest = self.members[story][-STORY_MEMBERS:]
        probs = sorted(
            (known[m] if m in known else self._decide(p, m, stats).probability for m in latest), reverse=True
        )
        top = probs[: max(1, round(len(probs) * STORY_TOP))]
        return sum(top) / len(top)

    def add(self, p: events.Profile, story: str) -> None:
        """Index an article placed before (read back from the warehouse) in its story, in published order."""
        if p.article_id not in self.story_of:
            self._add(p, story)

    def _decide(self, p: events.Profile, other: str, stats: events.Stats) -> events.Decision:
        return events.decide(p, self.profiles[other], stats, self.weights, self.threshold)

    def _add(self, p: events.Profile, story: str) -> None:
        self.profiles[p.article_id] = p
        self.story_of[p.article_id] = story
        self.members.setdefault(story, []).append(p.article_id)
        self.df.update(set(events.anchor_keys(p.anchors)))
        self.df.update(p.lexical)
        for key in blocking_keys(p):
            if p.published is None:
                self.undated.setdefault(key, []).append(p.article_id)
            else:
                bisect.insort(self.postings.setdefault(key, []), (p.published.toordinal(), p.article_id))


def place_all(profiles: list[events.Profile], index: EventIndex | None = None) -> list[Placement]:
    """Place articles in (published, id) order, undated last, as a run would add them."""
    index = index if index is not None else EventIndex()
    order = sorted(
        profiles, key=lambda p: (p.published is None, p.published or events.date.min, p.article_id)
    )
    return [index.place(p) for p in order]
