"""Find the enumerated items of a text (the measures of a press release): pure functions.

Three kinds of enumeration, tried in this order:
1. markers: `The first is ... The second is ...`, `First, ... Second, ...`, numbered paragraphs
   (`1.`, `(1)`, `一、`, `（一）`), `一是 ... 二是 ...`, `第一，...`, bullets. The longest run numbered
   1, 2, 3, ... wins; an item runs to the next marker (over paragraphs).
2. a counted list: `... six aspects of 20 measures`, `20 measures including A, B and C`,
   `20条措施：A，B，C。`: the listed aspects become the items.
3. in a text about measures, a sentence listing at least three actions
   (`the customs will further promote ..., support ..., optimize ..., and cooperate ...`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Enumeration:
    """The items of an enumeration, where it starts in the text, and the words all items share."""

    start: int
    items: tuple[str, ...]
    stem: str = ""  # e.g. "the customs will further" before a list of actions


_EN = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()  # noqa: SIM905
_ZH_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}
_ZH = "[一二三四五六七八九十]{1,3}"
_STYLES = {
    "en": re.compile(
        rf"(?:^|(?<=[.;:!?。；]\s)|(?<=[.;:!?。；]))(?:the\s+)?({'|'.join(_EN)})(?:ly)?(?:\s+is\b|\s*[,:，])\s*",
        re.IGNORECASE | re.MULTILINE,
    ),
    "paren": re.compile(r"(?:^|(?<=[\s:：;；,，。]))[(（](\d{1,2})[)）]\s*", re.MULTILINE),
    "number": re.compile(r"^(\d{1,2})[.)、．](?!\d)\s*", re.MULTILINE),
    "zh-list": re.compile(rf"(?:^|(?<=[。；;]))({_ZH})、\s*", re.MULTILINE),
    "zh-paren": re.compile(rf"[(（]({_ZH})[)）]\s*"),
    "zh-shi": re.compile(rf"(?:^|(?<=[。；;，,：:]))({_ZH})是", re.MULTILINE),
    "zh-di": re.compile(rf"(?:^|(?<=[。；;：:]))第({_ZH})[，,、：:]", re.MULTILINE),
    "bullet": re.compile(r"^()[•·▪●◆■*–-]\s+", re.MULTILINE),
}
# A style is searched only when its second item could be there (a run needs at least two items).
_CUES = {
    "en": ("second",),
    "paren": ("(2)", "（2）"),
    "number": ("\n2.", "\n2)", "\n2、", "\n2．"),
    "zh-list": ("二、",),
    "zh-paren": ("(二)", "（二）"),
    "zh-shi": ("二是",),
    "zh-di": ("第二",),
    "bullet": tuple(f"\n{c}" for c in "•·▪●◆■*–-"),
}
_COUNT_WORDS = "two three four five six seven eight nine ten eleven twelve fifteen twenty thirty"
_COUNTED = re.compile(
    rf"\b(?:\d+|{_COUNT_WORDS.replace(' ', '|')})\s+(?:[a-z-]+\s+)?(?:measures|aspects|tasks|policies|steps|areas)\b",
    re.IGNORECASE,
)
_INTRO = re.compile(r"\b(?:including|such as|namely|which include|covering)\b:?\s*", re.IGNORECASE)
_LIST_END = re.compile(
    r"\s+and other\b|,?\s+etc\b|,\s*(?:in an effort|so as to|in order to|to ensure)\b|,?\s*(?:the\s+)?\b"
    rf"(?:\d+|{_COUNT_WORDS.replace(' ', '|')})\s+(?:[a-z-]+\s+)?(?:measures|aspects)\b|[.;]\s|[.;]$",
    re.IGNORECASE,
)
_ZH_COUNTED = re.compile(
    r"(?:\d+|[一二三四五六七八九十]+)\s*(?:条|项)[\u4e00-\u9fff]{0,10}?(?:措施|举措|政策)\s*[：:]([^。]+)"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"'])")
_SEGMENT = re.compile(r",\s*(?:and\s+)?|;\s*(?:and\s+)?")
_VERBS = frozenset(
    """promote support optimize optimise improve expand strengthen ensure establish cooperate simplify
    reduce cut extend implement accelerate encourage guide provide launch facilitate speed step continue
    enhance increase lower exempt allow help coordinate streamline raise adopt introduce set deepen push
    carry unblock open build develop give grant waive defer refund compress shorten pilot upgrade
    stabilize stabilise create organize organise solve resolve clear make take issue remove relax permit
    enable boost foster cultivate consolidate guarantee maintain prevent monitor explore integrate
    connect deploy""".split()  # noqa: SIM905
)
_LEAD_IN = re.compile(
    r"\b(?:will|shall|would|to)\s+(?:(?:further|also|actively|continue\s+to|\w+ly)\s+)*(?=\w)"
)


def _number(token: str, style: str) -> int:
    if style == "en":
        return _EN.index(token.lower()) + 1
    if token.isdigit():
        return int(token)
    tens, _, units = token.rpartition("十")
    if "十" not in token:
        return _ZH_DIGITS.get(token, 0)
    return (_ZH_DIGITS.get(tens, 1) * 10) + _ZH_DIGITS.get(units, 0)


def _longest_run(matches: list[re.Match[str]], style: str) -> list[re.Match[str]]:
    """The longest run of markers numbered 1, 2, 3, ... (bullets number themselves)."""
    best: list[re.Match[str]] = []
    run: list[re.Match[str]] = []
    for m in matches:
        n = len(run) + 1 if style == "bullet" else _number(m.group(1), style)
        run = [*run, m] if n == len(run) + 1 else ([m] if n == 1 else [])
        best = run if len(run) > len(best) else best
    return best


def _tidy(item: str) -> str:
    item = re.sub(r"^(?:and|or)\s+", "", item.strip())
    item = re.sub(r"(?:[,;，；、]|\s+and)+$", "", item.strip()).strip()
    return item[:1].upper() + item[1:]


def _from_markers(text: str) -> Enumeration | None:
    cued = "\n" + text.lower()
    runs = [
        _longest_run(list(rx.finditer(text)), style)
        for style, rx in _STYLES.items()
        if any(cue in cued for cue in _CUES[style])
    ]
    if not runs:
        return None
    run = max(runs, key=lambda r: (len(r), -(r[0].start() if r else 0)))
    if len(run) < 2:
        return None
    items, details = [], 0
    for this, following in zip(run, [*run[1:], None], strict=True):
        if following is not None:
            body = text[this.end() : following.start()]
            details = max(details, body.strip().count("\n\n"))
        else:
            rest = text[this.end() :].split("\n\n")
            head = rest[0]
            at_start = this.start() == 0 or text[this.start() - 1] == "\n"
            if not at_start:  # an inline list: the last item ends with its sentence
                head = re.split(r"(?<=[.。])\s", head, maxsplit=1)[0]
            short = at_start and len(head) < 200 and not re.search(r"[.。]\s", head.strip())
            body = "\n\n".join([head, *rest[1 : 1 + max(details, 1)]] if short else [head])
        items.append(_tidy(body))
    return Enumeration(run[0].start(), tuple(i for i in items if i))


def _split_list(listed: str, separator: re.Pattern[str]) -> list[str]:
    items = [_tidy(i) for i in separator.split(listed) if i.strip()]
    last = items[-1] if items else ""
    if len(items) >= 2 and " and " in last and items[0].split(" ")[0].endswith("ing"):
        head, _, tail = last.rpartition(" and ")
        if tail.split(" ")[0].endswith("ing"):
            items[-1:] = [_tidy(head), _tidy(tail)]
    return [i for i in items if i]


def _from_counted_list(text: str) -> Enumeration | None:
    if ("措施" in text or "举措" in text or "政策" in text) and (m := _ZH_COUNTED.search(text)):
        items = _split_list(m.group(1), re.compile(r"[，；]"))
        if len(items) >= 2:
            return Enumeration(m.start(), tuple(items))
    lowered = text.lower()
    if not any(w in lowered for w in ("including", "such as", "namely", "which include", "covering")):
        return None
    offset = 0
    for sentence in _SENTENCE.split(text):
        start, offset = text.find(sentence, offset), offset + len(sentence)
        intro = _INTRO.search(sentence)
        if intro and _COUNTED.search(sentence):
            listed = sentence[intro.end() :]
            if end := _LIST_END.search(listed):
                listed = listed[: end.start()]
            items = _split_list(listed, _SEGMENT)
            if len(items) >= 2:
                return Enumeration(start + intro.end(), tuple(items))
    return None


def _is_verb(word: str) -> bool:
    word = word.lower()
    return word in _VERBS or (word.endswith("ing") and (word[:-3] in _VERBS or word[:-3] + "e" in _VERBS))


def _from_actions(title: str, text: str) -> Enumeration | None:
    if not re.search(r"\bmeasures?\b|措施|举措", f"{title}\n{text}", re.IGNORECASE):
        return None
    offset = 0
    for sentence in _SENTENCE.split(text):
        start, offset = text.find(sentence, offset), offset + len(sentence)
        run: list[str] = []
        stem = ""
        for segment in _SEGMENT.split(sentence.rstrip(".")):
            words = re.sub(r"^(?:(?:further|also|actively|\w+ly)\s+)+", "", segment.strip()).split(" ")
            if _is_verb(words[0]):
                run.append(" ".join(words))
            elif (lead := _LEAD_IN.search(segment)) and _is_verb(segment[lead.end() :].split(" ")[0]):
                if len(run) >= 3:
                    break
                run, stem = [segment[lead.end() :]], segment[: lead.end()].strip()
            elif run:
                run[-1] += ", " + segment.strip()
        if len(run) >= 3:
            return Enumeration(text.find(run[0], start), tuple(_tidy(i) for i in run), stem)
    return None


def enumerated_items(title: str, text: str) -> Enumeration:
    """The enumeration of a text (the first kind found, see above); no items when there is none."""
    return (
        _from_markers(text)
        or _from_counted_list(text)
        or _from_actions(title, text)
        or Enumeration(len(text), ())
    )
