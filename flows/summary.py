"""What a run did, as data and as the short text printed at its end."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from parsers.diagnosis import Diagnosis
from parsers.model import Failure
from parsers.pipeline import Batch
from warehouse.crashes import CrashedRun
from warehouse.reports import TopicCount


@dataclass(frozen=True)
class SourceCounts:
    """Per-source counts of one run."""

    source_id: str
    found: int = 0
    new: int = 0
    duplicate: int = 0
    failures: tuple[Failure, ...] = field(default=())
    parsed: int = 0
    text_chars: int = 0
    listed: int = 0  # article links its index listed, and how many were known (the adaptive cadence)
    known: int = 0
    unchanged: bool = False  # its index answered "not modified"
    health: Diagnosis | None = None  # this run's look at the source's index (network sources)

    @property
    def failed(self) -> int:
        """Number of failure rows recorded for this source."""
        return len(self.failures)

    @property
    def mean_text_chars(self) -> float | None:
        """Mean clean-text length of the articles parsed in this run (the layout canary's input)."""
        return self.text_chars / self.parsed if self.parsed else None

    def add_batch(self, batch: Batch, new: int) -> SourceCounts:
        """These counts plus a loaded batch's, of whose articles `new` were not stored before."""
        return self.add(new, batch.cleaned - new, batch.failures, batch.text_chars)

    def add(
        self,
        new: int = 0,
        duplicate: int = 0,
        failures: list[Failure] | None = None,
        text_chars: list[int] | None = None,
    ) -> SourceCounts:
        """These counts plus a batch's (`text_chars`: the clean-text length of each article parsed)."""
        return replace(
            self,
            new=self.new + new,
            duplicate=self.duplicate + duplicate,
            failures=self.failures + tuple(failures or ()),
            parsed=self.parsed + len(text_chars or ()),
            text_chars=self.text_chars + sum(text_chars or ()),
        )


@dataclass(frozen=True)
class RunSummary:
    """The outcome of one ingest run."""

    run_id: str
    db_path: Path
    sources: tuple[SourceCounts, ...]
    topics: tuple[TopicCount, ...]
    articles_total: int
    alerts: str = ""  # one line on the customs-measure alerts of this run
    crashed: tuple[CrashedRun, ...] = ()  # earlier runs this run found dead and recorded as crashed

    @property
    def found(self) -> int:
        return sum(s.found for s in self.sources)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def duplicate(self) -> int:
        return sum(s.duplicate for s in self.sources)

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self.sources)

    @property
    def status(self) -> str:
        """completed, partial (some items or sources failed) or failed (nothing but failures)."""
        if not self.failed:
            return "completed"
        return "failed" if self.failed == self.found else "partial"


def format_summary(summary: RunSummary) -> str:
    """The text printed at the end of `tradewire ingest`."""
    width = max([len("source"), *(len(s.source_id) for s in summary.sources)])
    lines = [f"{'source':<{width}}  {'found':>5}  {'new':>5}  {'duplicate':>9}  {'failed':>6}"]
    for s in summary.sources:
        lines.append(f"{s.source_id:<{width}}  {s.found:>5}  {s.new:>5}  {s.duplicate:>9}  {s.failed:>6}")
    for s in summary.sources:
        lines.extend(f"  failed: {f.url}  [{f.stage}] {f.reason}" for f in s.failures)
    lines.extend(
        f"  health: {s.source_id}: {s.health.verdict}: {s.health.reason}"
        for s in summary.sources
        if s.health and s.health.broken
    )
    if summary.topics:
        topics = ", ".join(f"{t.topic} {t.total}" + (f" (+{t.new})" if t.new else "") for t in summary.topics)
        lines.append(f"topics: {topics}")
    if summary.alerts:
        lines.append(f"alerts: {summary.alerts}")
    if summary.new:
        lines.append(f"{summary.new} new article(s) loaded; {summary.articles_total} in the warehouse.")
    elif summary.failed and not summary.duplicate:
        lines.append(
            f"0 new articles: nothing could be loaded, see the failures above ({summary.articles_total} in the warehouse)."
        )
    else:
        lines.append(
            f"0 new articles: nothing new since the last run ({summary.articles_total} in the warehouse)."
        )
    lines.extend(
        f"previous run {c.run_id} crashed at {c.at:%Y-%m-%d %H:%M:%S} after loading {c.articles} article(s)"
        f" and {c.failures} failure(s); recorded as crashed in ingest_runs"
        for c in summary.crashed
    )
    lines.append(f"database: {summary.db_path}   (status: {summary.status}, run {summary.run_id})")
    return "\n".join(lines)
