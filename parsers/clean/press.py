"""Cleaning of press text: pure functions from raw lines to clean paragraphs.

What it removes or repairs, and why:
- navigation crumbs copied along with the article (`Home Categories Send inquiry`);
- stray ID tokens at paragraph starts (`1746-NO4I`), left by the CMS the text was copied from;
- hard-wrapped lines: a sentence broken across lines, even across blank lines (seed 003), is joined;
- doubled punctuation (`26th. , the`), spaces before punctuation, runs of whitespace.
Paragraph breaks that end a sentence are kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from parsers.clean import web as webclean
from parsers.model import Article
from parsers.stories.hashing import content_hash

# Words that make up site navigation; a short line made only of these is a crumb.
NAV_WORDS = frozenset(
    [
        "home",
        "categories",
        "category",
        "send",
        "inquiry",
        "contact",
        "us",
        "about",
        "news",
        "products",
        "product",
        "search",
        "menu",
        "login",
        "sign",
        "in",
        "register",
        "english",
        "chinese",
        "中文",
        "sitemap",
        "more",
        "share",
        "print",
        "close",
        "back",
        "top",
        "next",
        "previous",
        "prev",
        "current",
        "location",
        "you",
        "are",
        "here",
    ]
)
_BREADCRUMB = re.compile(r"^\s*(home|首页)\s*(>|»|/|›|\|)", re.IGNORECASE)
_ID_TOKEN = re.compile(r"^\d{2,6}-(?=[A-Z0-9]*[A-Z])[A-Z0-9]{2,8}\s+")
_STRONG_TERMINAL = tuple(".!?。！？…")
_TERMINAL = (*_STRONG_TERMINAL, *';；:："”’)）')
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "and",
        "or",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "as",
        "that",
        "this",
        "these",
        "those",
        "its",
        "their",
        "our",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "has",
        "have",
        "had",
        "not",
        "than",
        "into",
        "onto",
        "over",
        "under",
        "between",
        "among",
        "per",
        "via",
    ]
)
_WRAP_MIN_CHARS = 100
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b]+")


def normalize_whitespace(text: str) -> str:
    """NFC-normalise, fold exotic spaces into one space, strip the ends."""
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def is_crumb(line: str) -> bool:
    """True for a navigation line (`Home Categories Send inquiry`, `Home > News > ...`)."""
    if _BREADCRUMB.match(line):
        return True
    words = re.findall(r"[\w\u4e00-\u9fff]+", line.lower())
    return 0 < len(words) <= 8 and all(w in NAV_WORDS for w in words)


def strip_id_token(line: str) -> str:
    """Drop a CMS id token such as `1746-NO4I ` at the start of a line."""
    return _ID_TOKEN.sub("", line, count=1)


def fix_punctuation(text: str) -> str:
    """Repair doubled punctuation and spaces before punctuation."""
    text = re.sub(r"\.\s+,", ",", text)  # "26th. , the" -> "26th, the"; "Co., Ltd" stays
    text = re.sub(r",\s+\.(?!\.)", ".", text)
    text = re.sub(r",\s*,", ",", text)
    text = re.sub(r"(?<!\.)\.\s*\.(?!\.)", ".", text)  # ". ." but not an ellipsis
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    return re.sub(r"([,;])(?=[A-Za-z])", r"\1 ", text)


def _continues(previous: str, following: str) -> bool:
    """Whether `following` continues the sentence `previous` was cut from (a hard wrap)."""
    if following[:1].islower() and not previous.endswith(_STRONG_TERMINAL):
        return True  # "... of departure”" + "and other models": a quote does not end a sentence
    if previous.endswith(_TERMINAL):
        return False
    last_word = previous.rsplit(" ", 1)[-1].lower().strip("“\"'(")
    return last_word in _FUNCTION_WORDS or len(previous) >= _WRAP_MIN_CHARS or previous[-1:] in '“"(,'


def join_wrapped(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines back into paragraphs; blank lines are not trusted as breaks."""
    paragraphs: list[str] = []
    for line in lines:
        if paragraphs and _continues(paragraphs[-1], line):
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
    return paragraphs


def clean_lines(lines: list[str]) -> list[str]:
    """Raw lines (blank lines allowed) to clean paragraphs."""
    kept = []
    for line in lines:
        line = normalize_whitespace(line)
        if not line or is_crumb(line):
            continue
        line = strip_id_token(line)
        if line:
            kept.append(line)
    return [fix_punctuation(p) for p in join_wrapped(kept)]


def clean_paragraphs(paragraphs: tuple[str, ...] | list[str]) -> list[str]:
    """Clean already split paragraphs (each may still contain hard line breaks)."""
    return clean_lines([line for p in paragraphs for line in p.splitlines()])


def clean_article(
    article: Article,
    paragraphs: list[str] | None = None,
    boilerplate: set[str] | frozenset[str] = frozenset(),
) -> Article:
    """The article with `clean_text` (paragraphs joined by blank lines), a cleaned title and its hash.

    Web noise (breadcrumbs, share bars, footers, mojibake, full-width ASCII) and the host's learned
    `boilerplate` lines go too; pass `paragraphs` if `clean_paragraphs` already ran on this article.
    """
    paragraphs = webclean.clean_lines(clean_paragraphs(article.paragraphs) if paragraphs is None else paragraphs,
                                      boilerplate)  # fmt: skip
    clean_text = "\n\n".join(paragraphs)
    title = fix_punctuation(normalize_whitespace(article.title))
    return replace(
        article,
        title=title,
        paragraphs=tuple(paragraphs),
        clean_text=clean_text,
        content_hash=content_hash(clean_text),
    )
