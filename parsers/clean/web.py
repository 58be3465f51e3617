"""Web-text cleaning for Chinese trade/customs sites: boilerplate lines, mojibake, full-width text.

Pure functions over lists of lines (paragraphs). `clean_lines` chains them:
repair mojibake -> full-width to ASCII (English lines only) -> drop rule-based boilerplate
(breadcrumbs, nav and share bars, copyright/ICP footers, Tag:/editor/source lines) -> drop the
host's learned boilerplate (`learn_boilerplate`: lines recurring on many pages of one host).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import ftfy

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_SEP = r"(?:\s*(?:>>?|»|›|→|＞|\|)\s*|\s+/\s+)"
_BREADCRUMB = re.compile(
    r"^(?:(?:you are here|current location|location|position|当前位置|當前位置|您现在的位置|您現在的位置|您的位置|"
    r"现在位置)\s*[:：]?\s*)?"
    rf"(?:home(?:\s*page)?|homepage|index|首页|首頁|主页|主頁|网站首页|網站首頁)(?:{_SEP}[^>»›→＞|]{{1,40}}?){{1,6}}\s*[>»]?\s*$",
    re.IGNORECASE,
)
_LOCATION = re.compile(
    r"^(?:you are here|current location|当前位置|當前位置|您现在的位置|您現在的位置|您的位置)\s*[:：]", re.I
)
_BYLINE = re.compile(r"^(?=[^|]{0,80}\|)(?=.*(?:\d{4}-\d{1,2}-\d{1,2}|updated|views|source)).{0,150}$", re.I)
_SHARE = re.compile(
    r"^(?:share(?:\s*(?:this|to|on|via|it|article|story|page|:|：|-|–|—|\|)|\s*$)|分享到|分享\s*[:：])", re.I
)
_FOOTER = re.compile(
    r"^(?:copyright|©|\(c\)\s*\d{4}|sponsored by|registration number|technical support|主办单位|承办单位|"
    r"主辦單位|技术支持|技術支持|网站标识码|版权声明)|all rights reserved|版权所有|版權所有|icp\s*(?:备|证|license)|"
    r"公网安备|\bICP\b[^\n]{0,30}\d{5,}",
    re.IGNORECASE,
)
_META = re.compile(
    r"^[\[(（【]?\s*(?:tags?|keywords?|关键词|标签|editors?|responsible editor|chief editor|edited by|"
    r"责任编辑|責任編輯|责编|编辑|編輯|校对|审核|作者|author|reporter|记者|記者|source|来源|來源|translator|"
    r"translated by|updated|published|release date|发布时间|發布時間|font size|字号|字體|字体|previous|next|"
    r"上一篇|下一篇|上一条|下一条)\s*[:：]",
    re.IGNORECASE,
)
_NAV_TEXT = (
    "home homepage categories category send inquiry enquiry contact contacts us about news products product "
    "search login register sign in up sitemap english 中文 more menu services service gallery video videos "
    "photos subscribe rss mobile app top back to print close share email e mail feedback language wechat "
    "weibo facebook twitter linkedin whatsapp qq qzone douban 微信 微博 打印 关闭 关闭窗口 打印本页 收藏 "
    "分享 返回顶部 a font size 大 中 小 字体 字号 x 關閉 列印 關閉窗口 打印本頁"
)
_NAV_WORDS = frozenset(_NAV_TEXT.split())
_WORD = re.compile(r"[\w\u4e00-\u9fff]+")
_WIDE = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)} | {
    0x3000: " ", 0x3001: ",", 0x3002: ".", 0x300C: '"', 0x300D: '"', 0x300E: '"', 0x300F: '"',
    0x3010: "[", 0x3011: "]", 0x300A: '"', 0x300B: '"',
}  # fmt: skip
# A UTF-8 lead byte read as Latin-1/cp1252 (Â..ô) then a continuation byte or cp1252 extra: ftfy's cases.
_LATIN_MOJIBAKE = re.compile("[\u0080-\u009f]|[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d"
                             "\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039"
                             "\u203a\u20ac\u2122]")  # fmt: skip
_WIDE_CHARS = re.compile(r"[\u3000-\u3011\uff01-\uff5e]")
_HOLE = "\x00"


def is_english(line: str, ratio: float = 4.0) -> bool:
    """Whether a line is Latin-script text: ASCII letters at least `ratio` times the CJK ideographs."""
    cjk = len(_CJK.findall(line))
    return cjk == 0 or len(_LATIN.findall(line)) >= ratio * cjk


def repair_mojibake(line: str) -> str:
    """Undo mojibake: Latin-1/cp1252 (via ftfy) and UTF-8 read as GBK/Big5 (鈥檚 -> ’s, 聽 -> space)."""
    if line.isascii():
        return line
    if _LATIN_MOJIBAKE.search(line):
        line = ftfy.fix_text(
            line, unescape_html=False, fix_character_width=False, uncurl_quotes=False, explain=False
        )
    if not (_CJK.search(line) or "\ufffd" in line):  # GBK readings of UTF-8 always start with an ideograph
        return line
    if not is_english(line, 1.0):  # CJK text: only whole-line UTF-8-read-as-GBK is undone
        try:
            return line.encode("gbk").decode("utf-8") if len(line) >= 4 else line
        except UnicodeError:
            return line
    fixed = re.sub(r"[^\x00-\x7f](?:[^\x00-\x7f]|\?)*", lambda m: _undo_gbk(m[0]), line)
    return _fill_holes(fixed) if _HOLE in fixed else fixed


def normalise_width(line: str) -> str:
    """Full-width ASCII and CJK punctuation to ASCII in English lines; CJK lines are left alone."""
    if line.isascii():
        return " ".join(line.split())
    if not is_english(line):
        return line
    if _WIDE_CHARS.search(line):
        line = line.translate(_WIDE)
    return re.sub(r"[ \t\u00a0\u3000]+", " ", line).strip()


def is_boilerplate(line: str) -> bool:
    """Rule-based boilerplate: breadcrumb, nav/share bar, copyright/ICP footer, Tag:/editor/source line."""
    text = line.strip()
    if not text or len(text) > 600:
        return False
    if _BREADCRUMB.match(text) or (_LOCATION.match(text) and len(text) <= 120):
        return True
    words = _WORD.findall(text.lower())
    if words and len(words) <= 12 and all(w in _NAV_WORDS for w in words):
        return True
    if _SHARE.match(text) and len(text) <= 80:
        return True
    return bool(_FOOTER.search(text[:300]) or (_META.match(text) and len(text) <= 200) or _BYLINE.match(text))


def line_key(line: str) -> str:
    """Key of a line for learned boilerplate: NFKC, casefolded, spaces collapsed; digits masked in short lines."""
    text = " ".join(unicodedata.normalize("NFKC", line).casefold().split())
    return re.sub(r"\d", "0", text) if len(text.split()) <= 8 else text


def learn_boilerplate(
    pages_lines_by_host: Mapping[str, Iterable[Sequence[str]]],
    min_share: float = 0.5,
    min_pages: int = 5,
    max_len: int = 300,
) -> dict[str, set[str]]:
    """Per host, the line keys found on >= min_share of its distinct pages (hosts with >= min_pages)."""
    learned: dict[str, set[str]] = {}
    for host, pages in pages_lines_by_host.items():
        texts = {tuple(x.strip() for x in page if x.strip()) for page in pages}  # a reprint counts once
        distinct = [{line_key(x) for x in page if len(x) <= max_len} for page in texts]
        if len(distinct) < min_pages:
            continue
        counts = Counter(key for page in distinct for key in page)
        floor = max(2, math.ceil(min_share * len(distinct)))
        learned[host] = {key for key, n in counts.items() if n >= floor and key}
    return learned


def remove_boilerplate(lines: Iterable[str], boilerplate: set[str] | frozenset[str]) -> list[str]:
    """The lines whose key is not in the learned boilerplate set."""
    return [line for line in lines if line_key(line) not in boilerplate]


def clean_lines(lines: Iterable[str], boilerplate: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Repair, normalise and drop boilerplate from a page's lines; empty lines are dropped."""
    out = []
    for raw in lines:
        line = normalise_width(repair_mojibake(raw.strip())).strip()
        if line and not is_boilerplate(line) and not (boilerplate and line_key(line) in boilerplate):
            out.append(line)
    return out


def _undo_gbk(run: str) -> str:
    units: list[int] = []  # bytes; -1 = a byte lost as U+FFFD, -2 = a char lost as "?"
    for ch in run:
        if ch in "?\ufffd":
            units.append(-2 if ch == "?" else -1)
            continue
        try:
            units.extend(ch.encode("gbk"))
        except UnicodeError:
            return run
    out, i = [], 0
    while i < len(units):
        b = units[i]
        if b < 0x80:
            out.append("?" if b == -2 else "" if b == -1 else chr(b))
            i += 1
            continue
        need = 1 if 0xC2 <= b <= 0xDF else 2 if 0xE0 <= b <= 0xEF else 3 if 0xF0 <= b <= 0xF4 else -1
        tail = units[i + 1 : i + 1 + need]
        if need > 0 and len(tail) == need and all(0x80 <= x <= 0xBF for x in tail):
            try:
                out.append(bytes([b, *tail]).decode("utf-8"))
            except UnicodeError:
                return run
        elif b == 0xE2 and all(x < 0 or 0x80 <= x <= 0xBF for x in tail):
            out.append(_HOLE)  # a general-punctuation char (quote, dash) whose last byte was lost
        else:
            return run
        i += 1 + need
    fixed = "".join(out)
    return run if _CJK.search(fixed) else fixed.replace("\u00a0", " ")


def _fill_holes(line: str) -> str:
    out: list[str] = []
    for i, ch in enumerate(line):
        if ch != _HOLE:
            out.append(ch)
            continue
        prev = out[-1] if out else " "
        nxt = line[i + 1] if i + 1 < len(line) else " "
        if prev.isspace() and nxt.isspace():
            out.append("—")
        elif prev.isalnum() and nxt.isalpha():
            out.append("’")
        elif prev.isspace():
            out.append("“")
        else:
            text = "".join(out)
            out.append("”" if text.count("“") > text.count("”") else "’")
    return "".join(out)
