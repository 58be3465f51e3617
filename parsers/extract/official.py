"""Official-document metadata of a page or text: document number, issuing body, written and published dates,
and the document's own title: pure functions.

Read, in this order of trust, from (1) labelled fields: a metadata table such as gov.cn's (索引号, 发文机关,
成文日期, 标题, 发文字号, 发布日期), `【发布文号】...` lines, `Promulgation Number: ...`; (2) `<meta>` tags
(ArticleTitle, PubDate); (3) the document itself: its heading (the title lines beside the number line
`国办函〔2018〕71号`), the issuer before `关于` in the title, and the signature at the end (the issuing
body's name over the date it was written). Forms: `parsers.extract.official_forms`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from parsers.classify.topic_rules import fold
from parsers.extract import official_forms as forms
from parsers.extract.linememo import cached
from parsers.extract.official_issuers import (
    canonical_issuer,
    issuer_from_number,
    issuer_in_title,
    looks_like_body,
)

_TITLE_END = re.compile(
    r"(?:通知|意见|决定|公告|通告|批复|复函|函|答复|办法|规定|条例|方案|规则|通报|报告|细则|决议|命令|纲要|规划|"
    r"请示|公报|指引|目录|清单|名单|措施|指南|要点|计划|实施意见|指导意见)$"
)
_SENTENCE = re.compile(r"[。；;！？!?]|[，,].*[，,]|：$|:$")
_MAX_TITLE = 120
_HEAD_LINES = 15  # a title line carrying the number is among the first lines
# the per-line readings, answered from the host's memo for lines already seen (parsers.extract.linememo)
_label_of = cached(forms.label_of)
_inline_fields = cached(forms.inline_fields)
_number_spans = cached(forms.number_spans)
_strip_annotations = cached(forms.strip_annotations)


@dataclass(frozen=True)
class Official:
    """What a page says about itself as an official document (None: not said)."""

    title: str | None = None
    title_source: str | None = None  # metadata (table, labels, <meta>) | heading (the document's own)
    document_no: str | None = None
    issuer: str | None = None  # as written
    issuer_canonical: str | None = None  # the gazetteer's name (seeds/gazetteer.toml)
    written_at: date | None = None  # 成文日期
    published_at: date | None = None  # 发布日期
    published_text: str | None = None


def read_text(lines: Sequence[str]) -> Official:
    """The official-document metadata of a plain text, given as its lines."""
    return read_lines([forms.clean(line) for line in lines if line.strip()])


def read_lines(lines: Sequence[str], hints: dict[str, str] | None = None) -> Official:
    """The metadata of a document given as its block texts (table cells, paragraphs, lines)."""
    lines = [_strip_annotations(line) if "(" in line else line for line in lines]  # _PINYIN needs "("
    fields, used = labelled(lines)
    for key, value in (hints or {}).items():
        fields.setdefault(key, value)
    numbers = forms.document_numbers(fields.get("document_no", ""))
    number = numbers[0] if numbers else (fields.get("document_no") or None)
    at = _number_line(lines, used, number)
    titled_title, titled_number = _titled_line(lines, used)
    if number is None:
        number = forms.document_numbers(lines[at])[0] if at is not None else titled_number
    title, title_source = fields.get("title", ""), "metadata"
    if not title:
        title, title_source = _heading(lines, at, used) or titled_title, "heading"
    signed_by, signed_on = _signature(lines, at)
    issuer = (
        fields.get("issuer")
        or (issuer_in_title(title) if title else None)
        or signed_by
        or (issuer_from_number(number) if number else None)
    )
    written = _first_date(fields.get("written")) or signed_on or _dated_after(lines, at)
    return Official(
        title=title or None,
        title_source=title_source if title else None,
        document_no=number,
        issuer=issuer,
        issuer_canonical=canonical_issuer(issuer) if issuer else None,
        written_at=written,
        published_at=_first_date(fields.get("published")),
        published_text=fields.get("published"),
    )


def labelled(lines: Sequence[str]) -> tuple[dict[str, str], set[int]]:
    """Labelled fields (the first value of each) and the indices of the lines that held labels or values."""
    fields: dict[str, str] = {}
    used: set[int] = set()
    for i, line in enumerate(lines):
        field = _label_of(line) if forms.may_be_label(line) else None  # most lines are too long to be one
        if field:
            used.add(i)
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if nxt and (not forms.may_be_label(nxt) or _label_of(nxt) is None) and not _fields_in(nxt):
                used.add(i + 1)
                fields.setdefault(field, forms.clean(nxt))
            continue
        for field, value in _fields_in(line):
            used.add(i)
            if value:
                fields.setdefault(field, value)
    fields.pop("other", None)
    return fields, used


def _fields_in(line: str) -> list[tuple[str, str]]:
    return _inline_fields(line) if forms.may_hold_field(line) else []  # most lines: no memo look-up


def _number_line(lines: Sequence[str], used: set[int], number: str | None) -> int | None:
    """The line that is the document's number (beside its heading), not a labelled value or a citation."""
    for i, line in enumerate(lines):
        if i in used or len(line) > 60 or not forms.may_hold_number(line):
            continue
        spans = _number_spans(line)
        if (
            spans
            and (number is None or spans[0][2] == number)
            and spans[0][1] - spans[0][0] >= 0.6 * len(line)
        ):
            return i
    return None


def _titled_line(lines: Sequence[str], used: set[int]) -> tuple[str, str | None]:
    """A title line that carries the number: `海关总署公告2020年第108号(关于...的公告)`, `Decree No.2, 2017 of
    the Ministry of Commerce - Decision on ...`, `国务院办公厅关于...的复函 国办函〔2005〕21号` (the title before it)."""
    for i, line in enumerate(lines[:_HEAD_LINES]):
        spans = _number_spans(line) if forms.may_hold_number(line) else []
        if i in used or not spans or len(line) > 2 * _MAX_TITLE:
            continue
        start, end, number = spans[0]
        before, after = line[:start].strip(), line[end:].strip()
        if start == 0 and (not after or after[:1] in "(（-–—:：,，《" or after.lower().startswith("of ")):
            return line, number
        if after == "" and before and (_TITLE_END.search(fold(before)) or "关于" in fold(before)):
            return before, number
    return "", None


def _heading(lines: Sequence[str], at: int | None, used: set[int]) -> str:
    """The document's title: the lines just before its number line, else just after it (red-header style)."""
    if at is None:
        return ""
    before: list[str] = []
    for i in range(at - 1, max(-1, at - 5), -1):
        if i in used or _stops_title(lines[i]):
            break
        before.insert(0, lines[i])
    after: list[str] = []
    for i in range(at + 1, min(len(lines), at + 4)):
        if i in used or _stops_title(lines[i]):
            break
        after.append(lines[i])
    for run in (before, after):
        text = _join(run)
        if text and len(text) <= _MAX_TITLE and (_TITLE_END.search(fold(text)) or "关于" in fold(text)):
            return text
    return ""


def _stops_title(line: str) -> bool:
    red_header = line.endswith("文件") and looks_like_body(line[:-2])  # 湖南省人民政府办公厅文件
    return bool(_SENTENCE.search(line)) or red_header or _only_date(line) or len(line) > _MAX_TITLE


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        cjk_edge = (
            out
            and re.match(r"[\u3000-\u9fff\uff00-\uffef]", part[:1])
            and re.search(r"[\u3000-\u9fff\uff00-\uffef]$", out)
        )
        out += part if (cjk_edge or not out) else " " + part
    return out


def _signature(lines: Sequence[str], at: int | None) -> tuple[str | None, date | None]:
    """The issuing body and date signed under the document: the first name-over-date pair after its number
    (annexes and forwarded reports, with signatures of their own, come after it)."""
    for i in range(max(1, (at or 0) + 1), len(lines)):
        if _only_date(lines[i]):
            name = re.sub(r"^(?:The|the)\s+", "", lines[i - 1]).strip()
            if looks_like_body(name):
                return name, forms.dates(lines[i])[0]
    return None, None


def _dated_after(lines: Sequence[str], at: int | None) -> date | None:
    """A date alone on a line just after the number line (English announcements print it there)."""
    for line in lines[at + 1 : at + 3] if at is not None else ():
        if _only_date(line):
            return forms.dates(line)[0]
    return None


def _only_date(line: str) -> bool:
    # the length and a year's digits first: most lines have neither, and then no call or memo look-up
    return len(line) <= 40 and forms.may_hold_date(line) and _date_alone(line)


@cached
def _date_alone(line: str) -> bool:
    if not forms.dates(line):  # _only_date has checked the length
        return False
    rest = re.sub(r"[\d〇○零Ｏ一二三四五六七八九十年月日\s,./\-()（）]|[A-Za-z]{3,9}\.?", "", line)
    return not rest or rest in {"（此件公开发布）", "(此件公开发布)"}


def _first_date(text: str | None) -> date | None:
    found = forms.dates(text) if text else []
    return found[0] if found else None
