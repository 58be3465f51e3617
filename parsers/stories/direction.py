"""Which way the measure an article reports goes: "lift" or "impose".

`directions(opening)` reads the first DIRECTION_CHARS characters (after anchors.normalise): "lift"
when the opening reports a ban, duties or restrictions lifted, ended, cancelled or suspended, or
imports resumed (取消, 终止, 解除, 恢复进口, 不再征收); else "impose" when it reports duties imposed,
raised or levied, imports banned, halted or suspended, or tariff concessions suspended (加征, 征收,
暂停进口, 中止...减让). A report of a lifting recalls the imposition, not the other way round, so a
lifting cue wins. Two reports of one measure go the same way; a case's imposition and its end, a ban
and the resumption of trade, are two events (labelling rules 7 and 8 of tests/data/events/README.md).
"""

from __future__ import annotations

import re

from parsers.stories import stage

DIRECTION_CHARS = 250
_MEASURE = (
    r"(?:ban|bans|embargo|tariffs?|duties|duty|levies|restrictions?|sanctions|curbs|controls?|measures)"
    r"(?! (?:cuts?|reductions?|concessions?|preferences?|exemptions?|rebates?|control))\b"
)
_FILLER = r"(?:(?!preferential|concession)[\w'’%-]+ ){0,4}?"
_EN_LIFT = (
    r"\b(?:lift(?:s|ed|ing)?|remov(?:e|es|ed|ing|al of)|scrap(?:s|ped|ping)?|end(?:s|ed|ing)?|terminat(?:e|es|ed|ing)"
    r"|drop(?:s|ped|ping)?|eas(?:e|es|ed|ing)|cancel(?:s|led|ling)?|suspend(?:s|ed|ing)?|lifting of|end of) "
    rf"(?:the |its |a |all |some )?{_FILLER}{_MEASURE}"
    r"|\bresum(?:e|es|ed|ing|ption)(?: of)? (?:the )?(?:[\w'’-]+ ){0,3}?(?:imports?|exports?|trade|purchases)\b"
)
_ZH_LIFT = (
    r"取消|终止(?!审查)|解除|恢复(?:进口|出口|输华|对)|不再(?:征收|加征)|停止(?:征收|加征)|免征|解禁|暂停实施"
)
_EN_IMPOSE = (
    r"\b(?:impos(?:e|es|ed|ing)|slap(?:s|ped|ping)?|levy|levies|levied|rais(?:e|es|ed|ing)|hik(?:e|es|ed|ing)) "
    rf"(?:the |its |a |new )?{_FILLER}{_MEASURE}"
    r"|\b(?:ban(?:s|ned|ning)?|halt(?:s|ed|ing)?|suspend(?:s|ed|ing)?|block(?:s|ed|ing)?|stop(?:s|ped|ping)?) "
    r"(?:the |all )?(?:[\w'’-]+ ){0,3}?(?:imports?|purchases|shipments)\b(?! control)"
    r"|\bsuspend(?:s|ed|ing)? (?:the )?(?:[\w'’-]+ ){0,3}?(?:tariff cuts|tariff reductions|concessions|preferential)"
)
# "继续征收...的必要性" (whether to go on levying) is a review, not an imposition.
_ZH_IMPOSE = r"(?:加征|征收|开征)(?![^。]{0,20}必要)|(?:暂停|禁止|停止)(?:进口|输华|采购)|全面暂停|中止[^。，,]{0,30}减让|提高(?:关税|税率)"
# A lifting asked for or not done ("urges the US to cancel", 希望台湾地区...取消, 仍未...取消) is not news.
_DEMAND = re.compile(
    r"敦促|希望|要求|呼吁|未|\burg(?:e|es|ed|ing)\b|\bcall(?:s|ed)? on\b|\bdemand", re.IGNORECASE
)
_YEAR = re.compile(r"((?:19|20)\d\d)年")
DIRECTION = {
    "lift": re.compile(f"{_EN_LIFT}|{_ZH_LIFT}", re.IGNORECASE),
    "impose": re.compile(f"{_EN_IMPOSE}|{_ZH_IMPOSE}", re.IGNORECASE),
}


def directions(opening: str) -> frozenset[str]:
    """Which way the measure the opening reports goes: "lift" if it reports one, else "impose" if so."""
    head = opening[: DIRECTION_CHARS + 40]  # cues start in the opening; what follows them may be read
    latest = max((int(y) for y in _YEAR.findall(head[:DIRECTION_CHARS])), default=0)
    for name in ("lift", "impose"):
        found = (m for m in DIRECTION[name].finditer(head) if m.start() < DIRECTION_CHARS)
        if any(_direction_news(head, m, latest) for m in found):
            return frozenset({name})
    return frozenset()


def _direction_news(head: str, m: re.Match[str], latest: int) -> bool:
    if not stage.as_news(head, m) or _DEMAND.search(head[max(0, m.start() - 20) : m.start()]):
        return False
    # A sentence opening with an earlier year recalls the case's history (official notices begin so).
    sentence = re.split(r"[。\n]", head[: m.start()])[-1].lstrip()
    year = _YEAR.match(sentence)
    return year is None or int(year.group(1)) >= latest
