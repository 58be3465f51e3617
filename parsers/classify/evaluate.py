"""Measure the topic classifier on a labelled set: per-topic precision, recall, F1 and the macro-F1.

A labels file is a CSV `path,topics` (paths relative to the CSV, topics separated by `;`, empty for
none). Each passage is read as the pipeline reads a press text (parsed, then cleaned), so the figures
hold for what `ingest` stores. Pure apart from reading the listed files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from parsers.classify.topics import Rules, classify, topic_signals
from parsers.clean.press import clean_article
from parsers.extract.press import parse_press_text
from parsers.model import TOPICS


class LabelsError(ValueError):
    """The labels file is missing, malformed, names an unknown topic or a missing passage."""


@dataclass(frozen=True)
class TopicFigures:
    """Counts and figures of one topic over a labelled set."""

    topic: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def support(self) -> int:
        """Passages labelled with the topic."""
        return self.true_positives + self.false_negatives

    @property
    def precision(self) -> float:
        """Share of the passages given the topic that are labelled with it (0 when none given)."""
        given = self.true_positives + self.false_positives
        return self.true_positives / given if given else 0.0

    @property
    def recall(self) -> float:
        """Share of the labelled passages that were given the topic (0 when none labelled)."""
        return self.true_positives / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Miss:
    """A passage whose predicted topics differ from its labels."""

    path: Path
    missed: tuple[str, ...]
    extra: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """The figures of every topic, the passages counted and the passages got wrong."""

    topics: tuple[TopicFigures, ...]
    passages: int
    misses: tuple[Miss, ...]

    @property
    def macro_f1(self) -> float:
        """Unweighted mean F1 over the topics that are labelled or predicted at least once."""
        used = [t for t in self.topics if t.support or t.false_positives]
        return sum(t.f1 for t in used) / len(used) if used else 0.0


def read_labels(
    csv_path: Path | str, split: str | None = None, language: str | None = None
) -> list[tuple[Path, set[str]]]:
    """The (passage path, topic set) pairs of a `path,topics` CSV, paths resolved against the CSV.

    Extra columns are allowed; `split` and `language` keep only the rows with that value there.
    """
    csv_path = Path(csv_path)
    try:
        with csv_path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise LabelsError(f"cannot read labels {csv_path}: {exc}") from exc
    labels = []
    for column, wanted in (("split", split), ("language", language)):
        if wanted is not None and rows and column not in rows[0]:
            raise LabelsError(f"{csv_path}: no column {column!r} to select {wanted!r} from")
    for line, row in enumerate(rows, start=2):
        if row.get("path") is None or "topics" not in row:
            raise LabelsError(f"{csv_path}: expected the columns path,topics")
        if (split is not None and row["split"] != split) or (
            language is not None and row["language"] != language
        ):
            continue
        topics = {t.strip() for t in (row["topics"] or "").split(";") if t.strip()}
        if unknown := topics - set(TOPICS):
            raise LabelsError(f"{csv_path}:{line}: unknown topic(s) {sorted(unknown)}; expected {TOPICS}")
        path = csv_path.parent / row["path"].strip()
        if not path.is_file():
            raise LabelsError(f"{csv_path}:{line}: no such passage {path}")
        labels.append((path, topics))
    return labels


def read_passage(path: Path) -> tuple[str, str]:
    """(title, clean text) of a text file, read as the pipeline reads a press text."""
    raw = path.read_text(encoding="utf-8")
    article = parse_press_text(raw, "eval", str(path))
    if article is None or not article.paragraphs:
        return "", raw.strip()
    article = clean_article(article)
    return article.title, article.clean_text


def evaluate(labels: list[tuple[Path, set[str]]], rules: Rules) -> Report:
    """Classify every labelled passage and count agreements per topic."""
    items = [(path, *read_passage(path), {t: t in expected for t in TOPICS}) for path, expected in labels]
    return evaluate_verdicts(items, rules)


def evaluate_verdicts(items: list[tuple[Path, str, str, dict[str, bool]]], rules: Rules) -> Report:
    """Like `evaluate`, for (name, title, text, {topic: is about it}) items that judge only some topics.

    Analysts' overrides are such labels: a verdict on one topic says nothing about the others.
    """
    counts = {t: [0, 0, 0] for t in TOPICS}
    misses = []
    for name, title, text, judged in items:
        predicted = {s.topic for s in classify(title, text, rules)}
        for topic, expected in judged.items():
            index = {(True, True): 0, (True, False): 1, (False, True): 2}.get((topic in predicted, expected))
            if index is not None:
                counts[topic][index] += 1
        missed = tuple(sorted(t for t, e in judged.items() if e and t not in predicted))
        extra = tuple(sorted(t for t, e in judged.items() if not e and t in predicted))
        if missed or extra:
            misses.append(Miss(name, missed, extra))
    figures = tuple(TopicFigures(t, *counts[t]) for t in TOPICS)
    return Report(figures, len(items), tuple(misses))


def format_report(report: Report, misses: bool = False) -> str:
    """A table of per-topic precision, recall, F1 and support, then the macro-F1 (and the misses)."""
    lines = [f"{'topic':<12}{'precision':>10}{'recall':>8}{'f1':>7}{'support':>9}"]
    for t in report.topics:
        lines.append(f"{t.topic:<12}{t.precision:>10.3f}{t.recall:>8.3f}{t.f1:>7.3f}{t.support:>9}")
    lines.append(f"macro-F1 {report.macro_f1:.3f} over {report.passages} passages")
    if misses:
        for miss in report.misses:
            wrong = [f"-{t}" for t in miss.missed] + [f"+{t}" for t in miss.extra]
            lines.append(f"  {miss.path.name}: {' '.join(wrong)}")
    return "\n".join(lines)


def threshold_sweep(
    labels: list[tuple[Path, set[str]]], rules: Rules, topic: str, grid: tuple[float, ...]
) -> list[tuple[float, float, float]]:
    """F1 of `topic` for every (threshold, paragraph_threshold) pair of `grid`: calibration."""
    signals = []
    for path, expected in labels:
        found = topic_signals(*read_passage(path), rules).get(topic)
        signals.append((found[0].score if found else 0.0, found[1] if found else 0.0, topic in expected))
    sweep = []
    for threshold in grid:
        for paragraph_threshold in grid:
            fired = [(doc >= threshold or par >= paragraph_threshold, gold) for doc, par, gold in signals]
            figures = TopicFigures(
                topic, *(sum(f == a and g == b for f, g in fired) for a, b in ((1, 1), (1, 0), (0, 1)))
            )
            sweep.append((threshold, paragraph_threshold, round(figures.f1, 4)))
    return sweep
