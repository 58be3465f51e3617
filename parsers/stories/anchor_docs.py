"""Document numbers an article names: announcements, numbered documents, decrees, in both languages.

Keys are language-independent: `ann:2025:18` for 商务部 海关总署公告2025年第18号 and for
"Announcement No. 18 of 2025" (`ann:?:18` when no year is written), `doc:2018:71` for
国办函〔2018〕71号, `decree:788`. `main_docs` are the documents an article is about (named first).
"""

from __future__ import annotations

import re

MAIN_CHARS = 200
_DOCS = [
    (re.compile(r"公告\s*[〔\[(（]?(\d{4})[〕\])）]?\s*年?\s*第\s*(\d{1,4})\s*号"), "ann", "yn"),
    (re.compile(r"(?:(\d{4})\s*年\s*)?(?:年度)?第\s*(\d{1,4})\s*号\s*公告"), "ann", "yn"),
    (re.compile(r"[〔\[【](\d{4})[〕\]】]\s*第?\s*(\d{1,4})\s*号"), "doc", "yn"),
    (re.compile(r"(?:国务院令|令)\s*第\s*(\d{1,4})\s*号"), "decree", "n"),
    (re.compile(r"\b(?:Decree|Order)\s+No\.?\s*(\d{1,4})\b", re.IGNORECASE), "decree", "n"),
    (
        re.compile(
            r"\bAnnouncements?\s+(?:No\.?|Number|Nos\.?)?\s*(\d{1,3})\b(?:\s*(?:of|\[|\()\s*(?:the\s+year\s+)?(\d{4}))?",
            re.IGNORECASE,
        ),
        "ann",
        "ny",
    ),
    (re.compile(r"\bAnnouncement\s*[\[(](\d{4})[\])]\s*No\.?\s*(\d{1,4})", re.IGNORECASE), "ann", "yn"),
    (
        re.compile(r"\bNo\.?\s*(\d{1,3})\s*(?:of\s+(\d{4})\s+)?(?:\w+\s+){0,2}?announcement", re.IGNORECASE),
        "ann",
        "ny",
    ),
]
_LIST = re.compile(r"\bAnnouncements?\s+Nos?\.?\s*((?:\d{1,3}\s*(?:,|and|&|-|–)\s*)+\d{1,3})", re.IGNORECASE)


def doc_mentions(text: str) -> list[tuple[int, str]]:
    """Announcement, document and decree numbers with where they are first written, in text order."""
    found: dict[str, int] = {}
    lowered = text.lower()
    for pattern, kind, order in _DOCS:
        if pattern is _DOCS[1][0] and "第" not in text:  # its optional year makes it try every position
            continue
        for m in pattern.finditer(text):
            g = m.groups()
            if order == "n":
                key = f"{kind}:{int(g[0])}"
            else:
                year, number = (g[0], g[1]) if order == "yn" else (g[1], g[0])
                key = f"{kind}:{year or '?'}:{int(number)}"
            found[key] = min(found.get(key, m.start()), m.start())
    for m in _LIST.finditer(text) if "announcement" in lowered else ():
        year = re.match(r"\s*(?:of|\[|\()\s*(\d{4})", text[m.end() : m.end() + 12])
        for number in re.findall(r"\d{1,3}", m.group(1)):
            key = f"ann:{year.group(1) if year else '?'}:{int(number)}"
            found[key] = min(found.get(key, m.start()), m.start())
    dated = {k.rsplit(":", 1)[1] for k in found if k.startswith("ann:") and not k.startswith("ann:?")}
    kept = {
        k: pos for k, pos in found.items() if not (k.startswith("ann:?:") and k.rsplit(":", 1)[1] in dated)
    }
    return sorted((pos, k) for k, pos in kept.items())


def docs(text: str) -> frozenset[str]:
    """Announcement, document and decree numbers (`ann:2025:18`, `ann:?:34`, `doc:2018:71`, `decree:788`)."""
    return frozenset(k for _, k in doc_mentions(text))


def main_docs(text: str, mentions: list[tuple[int, str]] | None = None) -> frozenset[str]:
    """The documents an article is about: those named in its first MAIN_CHARS characters, else the first
    (`mentions`: `doc_mentions(text)` when already read)."""
    mentions = doc_mentions(text) if mentions is None else mentions
    early = frozenset(k for pos, k in mentions if pos < MAIN_CHARS)
    return early or frozenset(k for _, k in mentions[:1])
