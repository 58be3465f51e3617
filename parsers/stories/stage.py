"""Stage of a document's life that an article reports: the announcement itself, or a follow-up of it.

Labelling rules 3 and 5-8 of tests/data/events/README.md: implementation measures, entry into force,
an extension, a suspension, an explainer and the run-up to an event are events of their own, apart
from the announcement they follow. `stages(opening)` reads the title and opening (STAGE_CHARS
characters, after anchors.normalise) for cues in English and Chinese, written as general language
(no issuer, document or date):

- "effect": implementation measures or rules (实施办法, 实施细则, 具体措施) or the measure taking
  effect as the news (came into force, started to implement, 正式生效, 今日起施行), not a mention of
  when it will ("will take effect on July 1", "自公布之日起施行" are what announcements say);
- "extension" (延长): of a deadline, an investigation; "suspension" (暂停实施): of earlier measures
  (a clause, announcements, controls), not of imports or concessions, which is the measure itself;
- "preview": the run-up to an event ("to be held", "will open", 即将开幕), not the event.

`explainer` says whether the opening explains a document without being written as a Q&A ("an
official explained", "interpretation of", 解读, 发言人解释): such a page is a press answer by another
name, so anchors gives it the genre "qa".
"""

from __future__ import annotations

import re

STAGE_CHARS = 300

_EN_EFFECT = (
    r"\bimplement(?:ation|ing) (?:measures|rules|regulations|provisions|plan)\b"
    r"|\bdetailed (?:implementation )?rules\b"
    r"|\b(?:start(?:s|ed)?|began|begins|begin) (?:to )?(?:implement|charg|collect|levy|impos|enforc)\w*"
    r"|\bofficially (?:implemented|took effect|came into|went into|entered into|started)"
    r"|\b(?:came|went) into (?:force|effect)\b|\bentered into force\b|\btook effect\b"
    r"|\b(?:has|have) (?:come|gone|entered) into (?:force|effect)\b|\b(?:has|have) taken effect\b"
    r"|\b(?:takes|take) effect today\b|\binto (?:force|effect) today\b"
)
_ZH_EFFECT = (
    r"实施办法|实施细则|具体措施"
    r"|(?<!起)正式(?:生效|实施|施行|执行|开征|落地)"
    r"|(?:今|今天|今日|当日|当天)(?:零时)?起(?:正式)?(?:施行|实施|生效|执行)"
    r"|开始(?:实施|施行|执行|征收|收取)|已(?:正式)?(?:生效|施行)"
)
_EN_EXTENSION = (
    r"\bextend(?:s|ed|ing)? (?:the )?(?:[\w-]+ )?(?:investigation|probe|deadline|period|validity|exemption)"
    r"|\bextension of (?:the )?(?:[\w-]+ )?(?:investigation|probe|deadline|period|validity|exemption)"
)
_ZH_EXTENSION = r"延长(?:调查|期限|有效期|实施期限|排除期限)|延期"
# A suspension of earlier measures (a clause, announcements, controls) is a follow-up; suspending
# imports or tariff concessions is the measure itself (a ban, the ECFA suspensions): not a stage.
_EN_SUSPENSION = (
    r"\b(?:suspend(?:s|ed|ing)?|suspension of) (?:the |its |some |various |multiple |several |all )?"
    r"(?:[\w-]+ ){0,3}?(?:measures?|announcements?|clauses?|implementation|controls?|restrictions?"
    r"|provisions?|requirements?|investigations?|probe|polic(?:y|ies))\b"
    r"|\bsuspended (?:announcements?|measures?|controls?)\b"
)
_ZH_SUSPENSION = r"暂停(?:实施|执行|施行)|暂缓(?:实施|执行|施行)|中止(?:实施|执行|调查)"
_EN_PREVIEW = (
    r"\b(?:to be|will be) held\b|\bwill (?:open|kick off)\b|\bis set to (?:open|kick off)\b"
    r"|\bcountdown\b|\brun-up to\b"
)
_ZH_PREVIEW = r"即将(?:开幕|举办|举行|召开|开启)|将于[^。]{0,20}(?:举办|举行|开幕|召开)|倒计时|前瞻"

CUES = {
    "effect": re.compile(f"{_EN_EFFECT}|{_ZH_EFFECT}", re.IGNORECASE),
    "extension": re.compile(f"{_EN_EXTENSION}|{_ZH_EXTENSION}", re.IGNORECASE),
    "suspension": re.compile(f"{_EN_SUSPENSION}|{_ZH_SUSPENSION}", re.IGNORECASE),
    "preview": re.compile(f"{_EN_PREVIEW}|{_ZH_PREVIEW}", re.IGNORECASE),
}
_EXPLAINER = re.compile(
    r"\b(?:spokes(?:person|man|woman)|officials?|head)\b[^.\n]{0,40}?\b(?:explain(?:ed|s)?|elaborat(?:ed|es)"
    r"|interpret(?:ed|s)?)\b"
    r"|\b(?:speak|spoke|talk(?:ed)?|interview(?:ed)?) with (?:an? |the )?(?:[\w-]+ )?(?:official|spokes)"
    r"|\binterpretation of\b|\bexplainer\b"
    r"|解读|发言人(?:解释|阐释|详解)|负责人(?:解释|介绍|详解)",
    re.IGNORECASE,
)


# A cue in a clause of time ("as Trump's tariffs came into effect Tuesday") dates the news by another
# measure's stage: background, not the news.
_BACKGROUND = re.compile(r"\b(?:as|after|when|since|before|until|once)\b[^,.;\n]*$", re.IGNORECASE)


def as_news(head: str, match: re.Match[str]) -> bool:
    """Whether a cue in `head` reports the news, not background in a clause of time."""
    return _BACKGROUND.search(head[max(0, match.start() - 80) : match.start()]) is None


def stages(opening: str) -> frozenset[str]:
    """The follow-up stages the opening names as its news (empty: the announcement or event itself)."""
    head = opening[:STAGE_CHARS]
    return frozenset(name for name, cue in CUES.items() if any(as_news(head, m) for m in cue.finditer(head)))


def explainer(opening: str) -> bool:
    """Whether the opening explains a document (an official's explanation, an interpretation)."""
    return _EXPLAINER.search(opening[:STAGE_CHARS]) is not None
