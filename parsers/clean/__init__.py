"""Cleaning: one entry, `clean_batch`, from parsed articles to clean text, title and content hash.

Two rule sets run in order on every article: `press` (line rules of press text: crumbs, stray ID
tokens, hard-wrapped lines, doubled punctuation) then `web` (page noise: mojibake, full-width
ASCII, breadcrumbs, share bars, footers, and lines that recur on most of one host's pages, learnt
from the batch itself).
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from parsers.clean.press import clean_article, clean_paragraphs
from parsers.clean.web import learn_boilerplate
from parsers.extract.canonical import canonical_url
from parsers.model import Article, Failure, Source


def clean_batch(source: Source, articles: list[Article]) -> tuple[list[Article], list[Failure]]:
    """Clean a batch of one source's articles; an article with no text left is a failure row."""
    paragraphs = [clean_paragraphs(a.paragraphs) for a in articles]
    pages_by_host: dict[str, list[list[str]]] = {}
    for article, lines in zip(articles, paragraphs, strict=True):
        pages_by_host.setdefault(urlsplit(article.url).netloc, []).append(lines)
    boilerplate = learn_boilerplate(pages_by_host)
    cleaned, failures = [], []
    for article, lines in zip(articles, paragraphs, strict=True):
        done = clean_article(article, lines, boilerplate.get(urlsplit(article.url).netloc, frozenset()))
        done = replace(
            done, canonical_url=done.canonical_url or canonical_url(article.url), official=source.official
        )
        if done.clean_text:
            cleaned.append(done)
        else:
            failures.append(Failure(source.id, article.url, "clean", "no text left after cleaning"))
    return cleaned, failures
