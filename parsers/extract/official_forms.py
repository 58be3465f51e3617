"""How official documents write their metadata: field labels, document numbers, dates: pure functions.

Chinese (GB/T 9704 forms and how sites print them) and English. Used by `parsers.extract.official`.
Labels are matched after folding traditional characters to simplified, so `發文字號` is `发文字号`.
"""

from __future__ import annotations

import re
from datetime import date

from parsers.classify.topic_rules import fold

# Field labels as sites print them (whitespace, colons and brackets removed, lower case) -> field.
# `other` labels are known labels of fields we do not keep: they end the value before them.
LABELS: dict[str, str] = {
    **dict.fromkeys(["标题", "名称", "文件名称", "题名", "title"], "title"),
    **dict.fromkeys(
        ["发文字号", "文号", "发布文号", "发文号", "文件编号", "字号", "document no.", "document no",
         "document number", "promulgation number", "issuing number", "doc. no.", "reference number"],
        "document_no",
    ),
    **dict.fromkeys(
        ["发文机关", "发文单位", "发布单位", "发布机构", "发文机构", "发布机关", "制发机关", "颁布机关", "颁布单位",
         "issuing authority", "issuing body", "issuing department", "issued by", "promulgation department",
         "promulgated by", "issuing agency", "department"],
        "issuer",
    ),
    **dict.fromkeys(
        ["成文日期", "发文日期", "印发日期", "颁布日期", "签发日期", "发文时间", "成文时间", "date written",
         "promulgation date", "date of promulgation", "issuance date", "date of issuance", "issue date",
         "date issued"],
        "written",
    ),
    **dict.fromkeys(
        ["发布日期", "公开日期", "发布时间", "公布日期", "publish date", "release date", "date of publication",
         "published", "publication date", "date published"],
        "published",
    ),
    **dict.fromkeys(
        ["索引号", "主题分类", "主题词", "有效性", "时效性", "效力级别", "施行日期", "实施日期", "生效日期",
         "废止日期", "来源", "信息来源", "内容概述", "公开属性", "公开主体", "公开方式", "体裁分类", "组配分类",
         "服务对象", "公文种类", "文种", "浏览量", "浏览次数", "index no.", "effective date", "validity",
         "status", "category", "subject", "source"],
        "other",
    ),
}  # fmt: skip
_LABEL_TRIM = re.compile(r"[\s\u3000【】\[\]:：]+")
_INLINE = re.compile(  # a label followed by a colon or a closing bracket, anywhere in a line
    r"[【\[]?\s*(?P<label>"
    + "|".join(
        (r"\b" + re.escape(k).replace(r"\ ", r"\s*") if k.isascii() else re.escape(k))
        for k in sorted(LABELS, key=len, reverse=True)
    )
    + r")\s*(?:[】\]]\s*[:：]?|[:：])\s*",
    re.IGNORECASE,
)
_LABEL_ENDS = tuple(sorted({k.replace(" ", "") for k in LABELS}))  # folded text is lower case
_SPACED_LABEL = re.compile(r"(?<=[\u4e00-\u9fff])[\s\u3000]+(?=[\u4e00-\u9fff])")  # 索 引 号, 标　　题

_OPEN, _CLOSE = r"〔\[［(（【", r"〕\]］)）】"  # the brackets a year is written in
_YEAR = r"(?:19|20)\d{2}"
_ZH_NUMBER = [
    re.compile(rf"[\u4e00-\u9fff]{{1,14}}\s*[{_OPEN}]\s*{_YEAR}\s*[{_CLOSE}]\s*第?\s*\d{{1,4}}\s*号"),  # 国办函〔2018〕71号
    re.compile(rf"[\u4e00-\u9fff、]{{1,24}}公告\s*(?:[{_OPEN}]\s*)?{_YEAR}\s*(?:[{_CLOSE}]|年)\s*(?:第\s*)?\d{{1,4}}\s*号"),
    re.compile(rf"[\u4e00-\u9fff、]{{0,20}}{_YEAR}\s*年\s*第\s*\d{{1,4}}\s*号\s*公告"),  # 海关总署2018年第1号公告
    re.compile(rf"[\u4e00-\u9fff、]{{1,20}}令\s*(?:{_YEAR}\s*年\s*)?第\s*\d{{1,4}}\s*号"),  # 国令第707号, 商务部令2017年第2号
]  # fmt: skip
_KIND = r"(?P<kind>Announcement|Decree|Order|Notice|Circular|Letter|Bulletin|Proclamation)"
_EN_NUMBER = [
    re.compile(  # Announcement No. 81, 2021 / No. 12 [2024] / No. 33 of 2024 / No. 2 (2019) / Decree No. 5
        rf"\b{_KIND}\s+No\.?\s*(?P<n>\d{{1,4}})(?:\s*(?:,|\[|\(|of)\s*(?P<y>{_YEAR})\b\]?\)?)?", re.IGNORECASE
    ),
    re.compile(  # Announcement of the General Administration of Customs [2018] No.195
        rf"\b{_KIND}\s+(?:of\s+(?:the\s+)?[A-Z][\w'’ ]{{2,80}}?\s+)?[\[(]\s*(?P<y>{_YEAR})\s*[\])]\s*No\.?\s*(?P<n>\d{{1,4}})",
        re.IGNORECASE,
    ),
]  # fmt: skip
_CITING = re.compile(
    r"(?:根据|按照|依据|依照|参照|执行|贯彻|落实|经|按|据|见|及|和|与|对|是)*"
)  # words before a cited number
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])\((?:[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*)\)")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_ZH_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "0": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_ZH_DATE = re.compile(
    r"([〇○零Ｏ一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日"
)
_NUM_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_EN_DATE = re.compile(
    r"\b(?:(?P<m1>[A-Z][a-z]{2,8})\.?\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d{2})"
    r"|(?P<d2>\d{1,2})\s+(?P<m2>[A-Z][a-z]{2,8})\.?,?\s+(?P<y2>(?:19|20)\d{2}))\b"
)


def label_of(text: str) -> str | None:
    """The field a cell that is only a label names (`发文字号：`, `【发布文号】`, `Issued by:`), else None."""
    key = _LABEL_TRIM.sub(" ", fold(text)).strip()
    if len(key) > 30:
        return None
    return LABELS.get(key) or LABELS.get(key.replace(" ", ""))


def may_be_label(text: str) -> bool:
    """False only where `label_of` is None: over 30 characters that are neither whitespace nor 【】[]:：.

    fold never shortens a text nor turns a character into whitespace or a bracket, so those characters
    stay in the key `label_of` measures; this costs a few scans in C where label_of folds and substitutes.
    """
    if len(text) <= 30:
        return True
    return len("".join(text.split())) - sum(map(text.count, "【】[]:：")) <= 30


def may_hold_field(line: str) -> bool:
    """False only where `inline_fields` is []: _INLINE needs a colon or a closing bracket after the label."""
    return ":" in line or "：" in line or "]" in line or "】" in line  # fold leaves them as they are


def may_hold_number(text: str) -> bool:
    """False only where `number_spans` is []: it needs 号 (號 folds to it) or `no` in any case."""
    return "号" in text or "號" in text or "no" in text.lower()


def may_hold_date(text: str) -> bool:
    """False only where `dates` is []: every form needs a year 19xx/20xx (ASCII or full-width) or 年."""
    return "1" in text or "2" in text or "１" in text or "２" in text or "年" in text


def inline_fields(line: str) -> list[tuple[str, str]]:
    """(field, value) for each `label：value` in a line; several may share one line."""
    if not may_hold_field(line):
        return []
    folded = _SPACED_LABEL.sub("", fold(line))
    if not _label_before_a_mark(folded):
        return []  # nor where no label ends just before one
    original = _SPACED_LABEL.sub("", line) if len(folded) == len(_SPACED_LABEL.sub("", line)) else folded
    hits = list(_INLINE.finditer(folded))
    found = []
    for i, m in enumerate(hits):
        end = hits[i + 1].start() if i + 1 < len(hits) else len(original)
        field = label_of(m.group("label"))
        if field:
            found.append((field, clean(original[m.end() : end])))
    return found


def _label_before_a_mark(folded: str) -> bool:
    """Whether some label (spaces aside) ends right before a colon or closing bracket: what _INLINE needs."""
    for i, char in enumerate(folded):
        if char in ":：]】":
            before = folded[max(0, i - 120) : i].rstrip()
            if before[-1:] in ("]", "】"):
                before = before[:-1].rstrip()
            if "".join(before.split()).endswith(_LABEL_ENDS):
                return True
    return False


def clean(value: str) -> str:
    """A value with its whitespace collapsed and stray separators removed."""
    return " ".join(value.replace("\u3000", " ").split()).strip(" •·|;；,，")


def document_numbers(text: str) -> list[str]:
    """Document numbers written in `text`, in order: Chinese as written (brackets as 〔〕), English normalised."""
    return [number for _, _, number in number_spans(text)]


def number_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, number) of each document number in `text` (matched in simplified script)."""
    folded = fold(text).translate(_FULLWIDTH)
    if len(folded) != len(text):
        text = folded
    found: list[tuple[int, int, str]] = []
    # every Chinese form ends in 号 and every English one has `No`: most lines have neither
    for pattern in _ZH_NUMBER if "号" in folded else ():
        for m in pattern.finditer(folded):
            lead = _CITING.match(m.group()).end()  # type: ignore[union-attr]
            found.append((m.start() + lead, m.end(), zh_number(text[m.start() + lead : m.end()])))
    for pattern in _EN_NUMBER if "no" in folded else ():  # fold lower-cases
        found += [(m.start(), m.end(), en_number(m)) for m in pattern.finditer(folded)]
    kept: list[tuple[int, int, str]] = []
    for start, end, number in sorted(found, key=lambda f: (f[0], f[0] - f[1])):
        if not kept or start >= kept[-1][1]:  # one number matched by two patterns: the longest wins
            kept.append((start, end, number))
    return kept


def strip_annotations(line: str) -> str:
    """A line without the pinyin some mirror sites write after characters: 海關(guān)總署 -> 海關總署."""
    return _PINYIN.sub("", line)


def zh_number(text: str) -> str:
    """A Chinese document number in its standard form: no spaces, the year in 〔〕."""
    text = re.sub(r"\s+", "", text.translate(_FULLWIDTH))
    return re.sub(rf"[{_OPEN}]({_YEAR})[{_CLOSE}]", r"〔\1〕", text)


def en_number(m: re.Match[str]) -> str:
    """`Announcement No. 81 [2021]`: kind, number and year (when given) in one form."""
    kind, year = m.group("kind").capitalize(), m.group("y")
    return f"{kind} No. {int(m.group('n'))}" + (f" [{year}]" if year else "")


def dates(text: str) -> list[date]:
    """Full dates written in `text`, in order: 2018年10月27日, 2018-10-27, 二〇一八年十月二十七日, October 27, 2018."""
    text = text.translate(_FULLWIDTH)
    folded = fold(text) if not text.isascii() else text  # 年月日 in traditional script are the same
    found: list[tuple[int, date]] = []
    for m in _NUM_DATE.finditer(text):
        found += [(m.start(), d) for d in _day(int(m[1]), int(m[2]), int(m[3]))]
    for m in _ZH_DATE.finditer(folded):
        zh_year = int("".join(str(_ZH_DIGITS[c]) for c in m[1]))
        found += [(m.start(), d) for d in _day(zh_year, _zh_small(m[2]), _zh_small(m[3]))]
    for m in _EN_DATE.finditer(text):
        month, day, year = (m["m1"], m["d1"], m["y1"]) if m["m1"] else (m["m2"], m["d2"], m["y2"])
        if month[:3].lower() in _MONTHS:
            found += [(m.start(), d) for d in _day(int(year), _MONTHS.index(month[:3].lower()) + 1, int(day))]
    return [d for _, d in sorted(found)]


def _zh_small(text: str) -> int:
    """十 = 10, 二十七 = 27, 三十 = 30, 九 = 9."""
    if "十" not in text:
        return _ZH_DIGITS.get(text, 0)
    tens, _, units = text.partition("十")
    return (_ZH_DIGITS[tens] if tens else 1) * 10 + (_ZH_DIGITS[units] if units else 0)


def _day(year: int, month: int, day: int) -> list[date]:
    try:
        return [date(year, month, day)]
    except ValueError:
        return []
