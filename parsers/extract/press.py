"""Parse a plain-text press release (like the seeds) into an `Article`: pure, no I/O.

Recognised: a headline (a first line that reads as a title), a date line under it
(`2020-03-25 10:14`), a dateline opening the body (`China News Service, May 26th.`,
`BEIJING, March 3 (Xinhua) --`) giving the agency, and the body lines. A date without a year is
kept as `date_text` only: it is never guessed.
"""

from __future__ import annotations

import re
from datetime import datetime

from parsers.clean.press import is_crumb, normalize_whitespace
from parsers.model import Article

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_CJK_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2})[:：](\d{2}))?")
_EN_DATE = re.compile(rf"({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_DATE_LINE = re.compile(
    r"^(?:(?:release|released|published|updated|date|time|发布时间|时间)[^:：]{0,12}[:：]\s*)?"
    rf"(?:{_ISO.pattern}|{_CJK_DATE.pattern}|{_EN_DATE.pattern})(?:\s+(?:Print|Share|打印|分享))*\s*$",
    re.IGNORECASE,
)
_AGENCY = (
    r"China News Service|Xinhua(?: News Agency)?|China Daily|People's Daily(?: Online)?|"
    r"Global Times|CGTN|China\.org\.cn|Chinanews|ECNS|[A-Z][\w.]*(?: [A-Z][\w.]*){0,3} "
    r"(?:News Service|News Agency|News Network|Daily|Times)"
)
# "China News Service, May 26th." / "Xinhua, Beijing, March 3 --"
_DATELINE_AGENCY_FIRST = re.compile(
    rf"^(?P<agency>{_AGENCY})\s*,\s*(?P<rest>[^.\n]{{0,40}}?)\s*(?:\.|--|—|:)\s*"
)
# "BEIJING, March 3 (Xinhua) --"
_DATELINE_PLACE_FIRST = re.compile(
    rf"^(?P<rest>[A-Z][A-Z .'-]{{2,30}},\s*[^()\n]{{0,30}}?)\s*\((?P<agency>{_AGENCY})\)\s*(?:--|—|–|-)\s*"
)
_TITLE_MAX_CHARS = 200
_TITLE_MAX_WORDS_IF_SENTENCE = 20


def parse_date(text: str) -> datetime | None:
    """The first full date in `text` (year, month, day; time if given), or None when incomplete."""
    if m := _ISO.search(text) or _CJK_DATE.search(text):
        parts = [int(g) for g in m.groups() if g is not None]
        try:
            return datetime(*parts)  # type: ignore[arg-type]
        except ValueError:
            return None
    if (m := _EN_DATE.search(text)) and m.group(3):
        month = MONTHS.get(m.group(1).lower().rstrip("."))
        if month:
            try:
                return datetime(int(m.group(3)), month, int(m.group(2)))
            except ValueError:
                return None
    return None


def looks_like_title(line: str) -> bool:
    """A first line reads as a headline: short, and not a running sentence or a dateline."""
    if len(line) > _TITLE_MAX_CHARS or split_dateline(line)[0]:
        return False
    ends_sentence = line.endswith((".", "。")) and not line.endswith("...")
    return not ends_sentence or len(line.split()) <= _TITLE_MAX_WORDS_IF_SENTENCE


def split_dateline(paragraph: str) -> tuple[str | None, str | None, str]:
    """Split a leading dateline off: (agency, its date text, the rest of the paragraph)."""
    for pattern in (_DATELINE_PLACE_FIRST, _DATELINE_AGENCY_FIRST):
        if m := pattern.match(paragraph):
            rest = m.group("rest").strip(" ,")
            date_match = _EN_DATE.search(rest) or _ISO.search(rest) or _CJK_DATE.search(rest)
            return m.group("agency"), date_match.group(0) if date_match else None, paragraph[m.end() :]
    return None, None, paragraph


def first_sentence(text: str, limit: int = 150) -> str:
    """The first sentence of `text`, cut at a word boundary to at most `limit` characters."""
    sentence = re.split(r"(?<=[.!?。！？])\s", text, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + " …"


def detect_language(text: str) -> str:
    """'zh' when CJK characters dominate, else 'en'."""
    sample = text[:2000]
    cjk = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    letters = sum(1 for ch in sample if ch.isalpha())
    return "zh" if letters and cjk / letters > 0.3 else "en"


def parse_press_text(raw: str, source_id: str, url: str) -> Article | None:
    """Parse one press text; None when it holds no text at all."""
    lines = [normalize_whitespace(line) for line in raw.splitlines()]
    lines = [line for line in lines if line]
    while lines and is_crumb(lines[0]):
        lines.pop(0)
    if not lines:
        return None
    title, title_source = lines[0], "headline"
    if looks_like_title(lines[0]):
        lines.pop(0)
    else:
        title = ""
    date_text = None
    if lines and _DATE_LINE.match(lines[0]):
        date_text = lines.pop(0)
    agency = None
    if lines:
        agency, dateline_date, rest = split_dateline(lines[0])
        if agency:
            lines[0] = rest
            date_text = date_text or dateline_date
    body = [line for line in lines if line]
    if not body:
        return None
    if not title:
        title, title_source = first_sentence(body[0]), "first_sentence"
    return Article(
        source_id=source_id,
        url=url,
        title=title,
        title_source=title_source,
        raw_text=raw,
        paragraphs=tuple(body),
        published_at=parse_date(date_text) if date_text else None,
        date_text=date_text,
        date_source="text" if date_text else None,
        agency=agency,
        language=detect_language(raw),
    )
