"""Numbers two reports of one event share: percentages, scaled amounts, counted measures.

"43.85 trillion" and "43.85万亿" give one key, as do "34-percent" and "34%", "ten measures" and
"十条措施"; years are not amounts.
"""

from __future__ import annotations

import re

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_EN_NUMBERS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
} | {"thirty": 30, "forty": 40, "fifty": 50}
_ZH_NUM = "[零〇一二两三四五六七八九十百]+"
_PERCENT = re.compile(
    r"(\d+(?:\.\d+)?)(?:\s*(?:[-–~至到]|to)\s*(\d+(?:\.\d+)?))?\s*(?:%|-?\s*per\s*cent\b|-?\s*percent\b|-pct\b|\s+pct\b)",
    re.IGNORECASE,
)
_SCALES = {"trillion": 1e12, "billion": 1e9, "million": 1e6, "万亿": 1e12, "亿": 1e8, "万": 1e4}
_AMOUNT = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(trillion|billion|million|万亿|亿|万)", re.IGNORECASE)
_GROUPED = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d{4,5})(?![\d.,]*\d)(?!\s*年)(?:st|nd|rd|th)?")
_COUNT_EN = re.compile(
    r"\b(\d{1,3}|" + "|".join(_EN_NUMBERS) + r")(?:\s+[a-z-]+){0,2}?\s+"
    r"(?:measures|steps|policies|initiatives|tasks|articles|guidelines|points)\b",
    re.IGNORECASE,
)
_COUNTED = ("measures", "steps", "policies", "initiatives", "tasks", "articles", "guidelines", "points")
_COUNT_ZH = re.compile(
    rf"(\d{{1,3}}|{_ZH_NUM})\s*[条项](?=[^\d]{{0,6}}?(?:措施|举措|政策|任务|意见))|共\s*(\d{{1,3}}|{_ZH_NUM})\s*[条项]"
)
# Counted entities an opening names ("seven U.S. companies", "3家美国企业"): each listing of a sanctions
# or entity list names its own number of them, so two listings of one list on other days differ.
_ENTITY_EN = re.compile(
    r"\b(\d{1,3}|" + "|".join(_EN_NUMBERS) + r")(?:\s+(?:more|other|new|additional|U\.S\.|[A-Za-z-]+)){0,2}?"
    r"\s+(?:companies|firms|entities|enterprises|organi[sz]ations|individuals)\b",
    re.IGNORECASE,
)
_ENTITY_ZH = re.compile(rf"(\d{{1,3}}|{_ZH_NUM})\s*家(?:[^，。,\d]{{0,6}})?(?:企业|公司|实体|机构)")
# Goods are counted so too (kept as "g<n>"): each batch of a tariff or import list names its own number.
_GOODS_EN = re.compile(
    r"\b(\d{1,4}|" + "|".join(_EN_NUMBERS) + r")(?!\s*(?:%|percent|per cent))(?:\s+[A-Za-z-]+){0,2}?"
    r"\s+(?:products|items|tariff lines|tariff items|categories of (?:goods|products))\b",
    re.IGNORECASE,
)
_GOODS_ZH = re.compile(rf"(\d{{1,4}}|{_ZH_NUM})\s*(?:个?(?:税目|税号)|(?:项|种|类)(?:产品|商品))")
ENTITY_CHARS = 300
_NICKNAME_ZH = re.compile(rf"(?<![\d{_CJK}])({_ZH_NUM})条(?![{_CJK}])")


def _zh_number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token.lower() in _EN_NUMBERS:
        return _EN_NUMBERS[token.lower()]
    total, current = 0, 0
    for ch in token:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        elif ch in "十百":
            total += (current or 1) * (10 if ch == "十" else 100)
            current = 0
        else:
            return None
    return total + current or None


def _fmt(value: float) -> str:
    return f"{value:.4g}"


_PCT = r"(\d+(?:\.\d+)?)\s*(?:%|-?\s*per\s*cent\b|-?\s*percent\b|-pct\b|\s+pct\b)"
# "from 34% to 84%", "由34%提高至84%": the rate a change sets is the new one, not the old
_CHANGE = re.compile(
    rf"(?:\bfrom|由|从)\s*{_PCT}\s*(?:to\b|提高至|提高到|上调至|下调至|降至|降低至|调整为|调整至|至|到)\s*{_PCT}",
    re.IGNORECASE,
)
MAIN_CHARS = 200


def main_rates(text: str) -> frozenset[str]:
    """The percentages an article's opening (MAIN_CHARS) sets: a rate changed "from X% to Y%" gives Y."""
    head = text[:MAIN_CHARS]
    old = {_fmt(float(m.group(1))) for m in _CHANGE.finditer(head)}
    new = {_fmt(float(m.group(2))) for m in _CHANGE.finditer(head)}
    return frozenset((percents(head) - old) | new)


def percents(text: str) -> frozenset[str]:
    """Percentages as numbers ("34%", "34-percent", "27.7%~34.9%" gives both ends)."""
    return frozenset(_fmt(float(v)) for m in _PERCENT.finditer(text) for v in m.groups() if v)


def numbers(text: str) -> frozenset[str]:
    """Scaled amounts ("10.3 trillion", "9823亿") and counts of 1,000 or more that are not years."""
    found = set()
    spans = []
    for m in _AMOUNT.finditer(text):
        found.add(_fmt(float(m.group(1).replace(",", "")) * _SCALES[m.group(2).lower()]))
        spans.append(m.span())
    for m in _GROUPED.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        value = int(m.group(1).replace(",", ""))
        if "," in m.group(1) or not 1900 <= value <= 2100:
            found.add(_fmt(value))
    return frozenset(found)


def counts(text: str) -> frozenset[str]:
    """Counted measures: "25 measures", "ten steps", "十条措施", "共25项", "二十条"."""
    found: set[int | None] = set()
    # Each pattern only where its required words are (a scan costs ~0.4 ms a page; `in` is free).
    lowered = text.lower()
    if any(w in lowered for w in _COUNTED):
        found.update(_zh_number(m.group(1)) for m in _COUNT_EN.finditer(text))
    if "条" in text or "项" in text:
        found.update(_zh_number(m.group(1) or m.group(2)) for m in _COUNT_ZH.finditer(text))
    if "条" in text:
        found.update(_zh_number(m.group(1)) for m in _NICKNAME_ZH.finditer(text))
    return frozenset(str(n) for n in found if n)


def entities(text: str) -> frozenset[str]:
    """Counted entities and goods of the opening (ENTITY_CHARS): "seven U.S. companies", "三家美国企业",
    "12 products", "134个税目"."""
    head = text[:ENTITY_CHARS]
    found = {_zh_number(m.group(1)) for pattern in (_ENTITY_EN, _ENTITY_ZH) for m in pattern.finditer(head)}
    goods = {_zh_number(m.group(1)) for pattern in (_GOODS_EN, _GOODS_ZH) for m in pattern.finditer(head)}
    return frozenset([str(n) for n in found if n] + [f"g{n}" for n in goods if n])
