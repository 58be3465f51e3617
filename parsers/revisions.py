"""Revisions of a page: what changed between the stored version of an article and the page now. Pure.

A page counts as changed when its cleaned text, its title or its metadata differ; the body bytes
alone do not (a view counter or a new banner changes the hash, not the notice). The diff is a
unified diff (difflib) of the title line and the text lines, stored as is and queryable in SQL.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from parsers.model import Article

METADATA = ("published_at", "date_text", "author", "agency", "language")
# after a sentence end (Chinese or Western), or before an enumerated item (一、 二、 ... 十二、)
_SENTENCE = re.compile(r"(?<=[。！？；])|(?<=[.!?])\s+(?=[A-Z\"“(])|\s+(?=[一二三四五六七八九十]{1,3}、)")


@dataclass(frozen=True)
class Snapshot:
    """The latest stored version of an article: as loaded (revision 0) or its latest revision."""

    article_id: str
    revision: int
    title: str
    clean_text: str
    content_hash: str
    metadata: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Revision:
    """A new revision of an article, ready to store (`core.article_revisions`)."""

    article_id: str
    revision: int
    url: str
    source_id: str
    fetched_at: datetime
    changed: tuple[str, ...]
    title: str
    clean_text: str
    content_hash: str
    metadata: str | None
    diff: str
    customs: bool

    def row(self, run_id: str) -> tuple[object, ...]:
        """The row in `core.article_revisions` column order."""
        return (self.article_id, self.revision, self.url, self.source_id, self.fetched_at, list(self.changed),
                self.title, self.clean_text, self.content_hash, self.metadata, self.diff, self.customs, run_id)  # fmt: skip


def metadata_of(article: Article) -> dict[str, str | None]:
    """The metadata compared between versions, as text."""
    values = {name: getattr(article, name) for name in METADATA}
    return {k: (v.isoformat(sep=" ") if isinstance(v, datetime) else v) for k, v in values.items()}


def sentences(text: str) -> list[str]:
    """The text as diff lines: one per sentence or enumerated item, paragraphs kept apart by a blank line.

    Cleaning joins a notice's items into long paragraphs; a line per sentence keeps an amended item
    its own line of the diff instead of a changed paragraph of twenty lines.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += [part.strip() for part in _SENTENCE.split(paragraph) if part.strip()] or [""]
    return lines


def unified(before_title: str, before: str, after_title: str, after: str, revision: int) -> str:
    """A unified diff of title and text (a line per sentence) from one version to the next."""
    old = [before_title, "", *sentences(before)]
    new = [after_title, "", *sentences(after)]
    lines = difflib.unified_diff(
        old, new, fromfile=f"revision {revision - 1}", tofile=f"revision {revision}", lineterm=""
    )
    return "\n".join(lines)


def compare(
    old: Snapshot, new: Article, url: str, source_id: str, fetched_at: datetime, customs: bool
) -> Revision | None:
    """The next revision of `old` if the page's article `new` differs in text, title or metadata."""
    now = metadata_of(new)
    moved = {k: [old.metadata.get(k), v] for k, v in now.items() if old.metadata.get(k) != v}
    changed = tuple(
        name
        for name, differs in (("title", old.title != new.title), ("text", old.content_hash != new.content_hash),
                              ("metadata", bool(moved)))
        if differs
    )  # fmt: skip
    if not changed:
        return None
    revision = old.revision + 1
    return Revision(
        article_id=old.article_id,
        revision=revision,
        url=url,
        source_id=source_id,
        fetched_at=fetched_at,
        changed=changed,
        title=new.title,
        clean_text=new.clean_text,
        content_hash=new.content_hash,
        metadata=json.dumps(moved, ensure_ascii=False) if moved else None,
        diff=unified(old.title, old.clean_text, new.title, new.clean_text, revision),
        customs=customs,
    )
