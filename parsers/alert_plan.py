"""What the alert step decides, pure: which customs measures alert, and which reports are whose sources.

Each new customs measure gets an alert row: `pending` (or `digest`) when it is news, `duplicate`
when it repeats an alerted measure (nearly the same text, no conflicting countries) or its article
is a report of an alerted event (`parsers.provenance`, strong evidence only). Every new report of an
alerted event, whether it carries measures or not, becomes a source of that event's alerts, never
a message of its own. Reports are taken in published order; those without measures of their own
are linked last, so that one arriving in the same run before the alerted notice still finds it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from parsers.provenance import EventLinks, Link, Report, country_conflict
from parsers.stories import lexicon, neardup


@dataclass(frozen=True)
class Candidate:
    """A customs measure with no alert row yet."""

    article_id: str
    ordinal: int
    text: str
    issuing_body: str | None
    announcement_no: str | None
    title: str | None
    url: str | None
    published_at: datetime | None
    story_id: str | None
    document_no: str | None = None  # the article's document number (发文字号)


@dataclass(frozen=True)
class Alert:
    """An alert row as decided (status pending | digest | duplicate) or to deliver."""

    alert_id: str
    candidate: Candidate
    n_shingles: int
    sig: bytes
    status: str
    duplicate_of: str | None = None
    kind: str = "new"  # new | amended
    revision: int | None = None


@dataclass(frozen=True)
class Source:
    """One report attached to one alert, and why."""

    alert_id: str
    report: Report
    rule: str  # first | story | copy | document | event | measure
    probability: float | None = None
    why: dict[str, object] | None = None


@dataclass
class Plan:
    """The alert rows and source rows one alert step writes."""

    alerts: list[Alert] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)


def alert_id(candidate: Candidate) -> str:
    """A measure's stable alert id."""
    key = f"{candidate.article_id}:{candidate.ordinal}:{neardup.text_key(candidate.text)}"
    return "al-" + hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass
class Alerted:
    """The measures alerted so far: ids, MinHash signatures and sizes, texts (for the countries they name)."""

    ids: list[str]
    sigs: list[np.ndarray]
    sizes: list[int]
    texts: list[str]

    @classmethod
    def of(cls, rows: Iterable[tuple[str, int, bytes, str]]) -> Alerted:
        """From (alert id, shingles, signature, measure text) rows."""
        rows = list(rows)
        return cls([r[0] for r in rows], [np.frombuffer(r[2], dtype=np.uint32) for r in rows],
                   [r[1] for r in rows], [r[3] for r in rows])  # fmt: skip

    def add(self, alert: Alert) -> None:
        """A new alert: later candidates are compared with it too."""
        self.ids.append(alert.alert_id)
        self.sigs.append(np.frombuffer(alert.sig, dtype=np.uint32))
        self.sizes.append(alert.n_shingles)
        self.texts.append(alert.candidate.text)

    def repeated(self, sig: np.ndarray, size: int, text: str) -> str | None:
        """The alerted measure this one nearly repeats (and names no other countries), if any."""
        if not self.ids:
            return None
        scores = neardup.similarities(
            np.vstack(self.sigs), np.repeat(sig[None, :], len(self.sigs), axis=0),
            np.array(self.sizes), np.full(len(self.sigs), size),
        )  # fmt: skip
        named = _countries(text)
        for i in np.argsort(-scores):
            if scores[i] < neardup.THRESHOLD:
                return None
            if not country_conflict(named, _countries(self.texts[i])):
                return self.ids[i]
        return None


def _countries(text: str) -> frozenset[str]:
    return frozenset(lexicon.find(text, "country"))


def decide(
    candidates: Sequence[Candidate], alerted: Alerted, status: str, link: Link | None = None
) -> list[Alert]:
    """Give each candidate `status`, or `duplicate` when it repeats an alerted (or earlier) measure or its
    article is linked to an alerted event (`link`, strong evidence: its measures are that event's)."""
    if not candidates:
        return []
    batch = neardup.sketch([c.text for c in candidates])
    decided = []
    for i, candidate in enumerate(candidates):
        sig, size = batch.sigs[i], int(batch.sizes[i])
        match = alerted.repeated(sig, size, candidate.text) or (link.alert_ids[0] if link else None)
        sig_bytes = np.ascontiguousarray(sig).tobytes()
        decided.append(Alert(alert_id(candidate), candidate, size, sig_bytes,
                             "duplicate" if match else status, match))  # fmt: skip
        if not match:
            alerted.add(decided[-1])
    return decided


def plan(
    candidates: Sequence[Candidate],
    reports: Sequence[Report],
    known: Iterable[tuple[Report, Iterable[str]]],
    alerted: Iterable[tuple[str, int, bytes, str]],
    status: str,
) -> Plan:
    """Alerts for the new customs measures and sources for the new reports (see the module doc)."""
    index = EventLinks.of(known, reports)
    measures = Alerted.of(alerted)
    out = Plan()
    by_article: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_article.setdefault(c.article_id, []).append(c)
    ordered = sorted(reports, key=lambda r: (r.published_at or datetime.max, r.first_seen, r.article_id))
    for report in (r for r in ordered if r.article_id in by_article):
        link = index.link(report, strong_only=True)
        decided = decide(by_article[report.article_id], measures, status, link)
        out.alerts += decided
        _attach(out, index, report, link, decided)
    for report in (r for r in ordered if r.article_id not in by_article):
        link = index.link(report)
        if link:
            _attach(out, index, report, link, [])
    return out


def _attach(out: Plan, index: EventLinks, report: Report, link: Link | None, decided: list[Alert]) -> None:
    """Record `report` as a source of what it belongs to, and index it for the reports after it."""
    fresh = [a.alert_id for a in decided if a.status != "duplicate"]
    repeated = [a.duplicate_of for a in decided if a.status == "duplicate" and a.duplicate_of]
    out.sources += [Source(a, report, "first") for a in fresh]
    linked = list(link.alert_ids) if link else []
    if link:
        out.sources += [Source(a, report, link.rule, link.probability, link.why) for a in linked]
    out.sources += [Source(a, report, "measure") for a in dict.fromkeys(repeated) if a not in linked]
    if fresh or linked or repeated:
        index.add(report, [*fresh, *linked, *repeated])


# article_id, revision, title, diff, url, published_at, story_id, issuing_body, announcement_no, document_no
AmendedRow = tuple[
    str, int, str | None, str, str | None, datetime | None, str | None, str | None, str | None, str | None
]


def amended(rows: Iterable[AmendedRow], status: str) -> list[Alert]:
    """One `amended` alert per new revision of a customs notice (rows of `warehouse.revisions.amended`)."""
    out = []
    for article_id, revision, title, diff, url, published_at, story_id, body, number, document in rows:
        c = Candidate(article_id, 0, diff, body, number, title, url, published_at, story_id, document)
        key = f"{article_id}:amended:{revision}"
        alert_id = "al-" + hashlib.sha256(key.encode()).hexdigest()[:16]
        out.append(Alert(alert_id, c, 0, b"", status, None, "amended", revision))
    return out
