"""The real event set (tests/data/events): pages, their clusters, the fixed dev/test split, P/R.

Used by bench/events.py and tests/test_events*.py. The split is by family of confusable clusters
(`split.csv`, rule in the README there): tune on dev only; test figures are looked at last. Pairs
are scored within one split (a dev page is never paired with a test page).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from pathlib import Path

from parsers.extract.dates import from_url

EVENTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "events"
_MARKER = re.compile(r"^\s*date \d{4}-\d{2}-\d{2}\s*")  # the search tool's page-date marker, not page text


@dataclass(frozen=True)
class Page:
    """One labelled page: id (file stem), cluster, split, language, published date, text."""

    page_id: str
    cluster: str
    split: str
    language: str
    published: date | None
    relation: str
    text: str
    family: str = ""  # the group of confusable clusters (split.csv): the unit of cross-validation


def load(root: Path = EVENTS, split: str | None = None) -> list[Page]:
    """The pages of the set (one split, or all), in members.csv order."""
    with open(root / "split.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    split_of = {r["cluster"]: r["split"] for r in rows}
    family_of = {r["cluster"]: r["family"] for r in rows}
    pages = []
    with open(root / "members.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if split is not None and split_of[r["cluster"]] != split:
                continue
            text = _MARKER.sub("", (root / r["path"]).read_text(encoding="utf-8"), count=1)
            published = _published(r["published"], r["url"])
            pages.append(
                Page(
                    Path(r["path"]).stem,
                    r["cluster"],
                    split_of[r["cluster"]],
                    r["language"],
                    published,
                    r["relation"],
                    text,
                    family_of[r["cluster"]],
                )
            )
    return pages


def _published(labelled: str, url: str) -> date | None:
    # Without a labelled day, the day the URL spells, as the pipeline dates a page with no date of its own
    # (parsers.extract.html): the stored pages kept their text and address, not their HTML.
    if labelled:
        return date.fromisoformat(labelled)
    in_url = from_url(url)
    return in_url.date() if in_url is not None else None


def labelled_pairs(pages: Sequence[Page]) -> list[tuple[str, str, bool]]:
    """Every pair of pages of one split: (a, b, same cluster)."""
    return [
        (a.page_id, b.page_id, a.cluster == b.cluster)
        for a, b in combinations(pages, 2)
        if a.split == b.split
    ]


def prf(predicted: Iterable[tuple[str, str]], pages: Sequence[Page]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of predicted same-event pairs against the clusters."""
    cluster = {p.page_id: p.cluster for p in pages}
    split = {p.page_id: p.split for p in pages}
    got = {tuple(sorted(x)) for x in predicted if x[0] in cluster and x[1] in cluster and x[0] != x[1]}
    got = {x for x in got if split[x[0]] == split[x[1]]}
    gold = {tuple(sorted((a, b))) for a, b, same in labelled_pairs(pages) if same}
    tp = len(got & gold)
    p = tp / len(got) if got else 1.0
    r = tp / len(gold) if gold else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "true_pairs": len(gold), "predicted_pairs": len(got), "correct_pairs": tp}  # fmt: skip


def story_pairs(story_of: dict[str, str]) -> set[tuple[str, str]]:
    """The pairs a clustering puts together (members of one story)."""
    members: dict[str, list[str]] = {}
    for page, story in story_of.items():
        members.setdefault(story, []).append(page)
    return {tuple(sorted(x)) for group in members.values() for x in combinations(group, 2)}  # type: ignore[misc]
