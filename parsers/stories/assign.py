"""Story clustering: every article joins the story of its best match above the threshold, or founds one.

Pure and deterministic. New items are taken in (published_at, article_id) order, missing dates last;
each may match history members (`existing_story_of`) or items earlier in the same batch. Story ids
come from the founder's exact-text key, so a rerun from scratch yields the same ids, and an item
that already has a story keeps it (reruns change nothing). Existing stories are never merged or
renamed: an item bridging two stories joins the better match. Duplicates are kept and marked
(`kind`), never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from parsers.stories.neardup import THRESHOLD


@dataclass(frozen=True)
class Item:
    """One article to place: its id, exact-text key (neardup.text_key), date and officialness."""

    article_id: str
    text_key: str
    published_at: datetime | None = None
    is_official: bool = False


@dataclass(frozen=True)
class Assignment:
    """Where an article went: story, the member it matched (None if it founded the story), how."""

    article_id: str
    story_id: str
    matched: str | None
    score: float
    kind: str  # "founder" | "exact" | "near" | "kept"


def story_id_for(text_key: str) -> str:
    """The id of a story founded by an article with this exact-text key."""
    return "st-" + text_key[:16]


def assign_stories(
    new_items: Sequence[Item],
    scored_pairs: Iterable[tuple[str, str, float]],
    existing_story_of: Mapping[str, str],
    threshold: float = THRESHOLD,
    text_key_of: Mapping[str, str] | None = None,
) -> list[Assignment]:
    """Story of each new item: best match (score >= threshold) among history and earlier batch items."""
    neighbours: dict[str, list[tuple[float, str]]] = {}
    for a, b, score in scored_pairs:
        if a != b:
            neighbours.setdefault(a, []).append((float(score), b))
            neighbours.setdefault(b, []).append((float(score), a))
    keys = dict(text_key_of or {})
    keys.update({item.article_id: item.text_key for item in new_items})
    story_of = dict(existing_story_of)
    out = []
    for item in sorted(new_items, key=_order):
        if item.article_id in story_of:
            out.append(Assignment(item.article_id, story_of[item.article_id], None, 1.0, "kept"))
            continue
        best: tuple[bool, float, str] | None = None
        for score, other in neighbours.get(item.article_id, ()):
            if other in story_of and score >= threshold:
                exact = keys.get(other) == item.text_key
                candidate = (exact, score, other)
                if (
                    best is None
                    or candidate[:2] > best[:2]
                    or (candidate[:2] == best[:2] and other < best[2])
                ):
                    best = candidate
        if best is None:
            story = story_id_for(item.text_key)
            out.append(Assignment(item.article_id, story, None, 0.0, "founder"))
        else:
            story = story_of[best[2]]
            out.append(Assignment(item.article_id, story, best[2], best[1], "exact" if best[0] else "near"))
        story_of[item.article_id] = story
    return out


def representative(members: Iterable[Item]) -> str:
    """The story's representative: official sources first, then earliest published, then smallest id."""
    return min(members, key=lambda m: (not m.is_official, *_order(m)[:2], m.article_id)).article_id


def _order(item: Item) -> tuple[bool, datetime, str]:
    return (item.published_at is None, item.published_at or datetime.min, item.article_id)
