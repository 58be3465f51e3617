"""Exact deduplication: a content hash of the normalised clean text."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from parsers.model import Article


def normalize_for_hash(text: str) -> str:
    """Case-folded, NFKC, whitespace collapsed: formatting differences do not change the hash."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def content_hash(text: str) -> str:
    """sha256 hex digest of the normalised text."""
    return hashlib.sha256(normalize_for_hash(text).encode("utf-8")).hexdigest()


def split_batch_duplicates(articles: list[Article]) -> tuple[list[Article], list[Article]]:
    """(first occurrences, repeats) by content hash within one batch, order kept."""
    seen: set[str] = set()
    unique: list[Article] = []
    repeats: list[Article] = []
    for article in articles:
        (repeats if article.content_hash in seen else unique).append(article)
        seen.add(article.content_hash)
    return unique, repeats
