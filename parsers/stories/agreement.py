"""Agreement and disagreement of two articles' anchors: what both carry, and what rules them apart.

`shared_anchors` lists the anchors both carry per kind (document numbers compatible when one year is
unwritten); `conflicts` names strong negatives (other main documents, other counted measures, other
periods, dates far apart); `specificity` says how much one shared anchor is worth.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from parsers.stories import anchors as anchor_mod

JOIN_KINDS = ("docs", "dates", "percents", "numbers", "counts", "entities", "hs", "eccn", "people")
COMPARE_KINDS = (*JOIN_KINDS, "issuers", "places", "terms")
EVIDENCE = {
    "docs": ("main_docs",),
    "dates": ("dates",),
    "numbers": ("numbers", "percents", "counts", "entities"),
    "codes": ("hs", "eccn"),
    "people": ("people",),
    "issuers": ("issuers",),
    "places": ("places",),
    "terms": ("terms",),
}
VETO = ("docs", "genre", "stage")  # other main documents, a press answer against a report, a follow-up stage
PUB_NEAR = 3  # days between publications that still count as "near" (a weekend, a time zone)
PUB_FAR = 7  # days: reports published further apart than this are rarely about one event
PUB_IN_TEXT = 0  # days: a published day named by the other exactly (the day after is often "effective from")
DATE_GAP = 30  # days: two articles whose dates are all further apart than this report other events
# days: an undated article naming a day this long after the other's publication was written later,
# about a later event (an expiry review years after the initiation). Announcements name days up to a
# year ahead (an investigation "will end by", a suspension "until"): shorter leads say nothing.
WRITTEN_LATER = 400
# Terms that exclude each other: a quarter's trade figures are not the half-year's; a preliminary
# ruling is not the final one.
EXCLUSIVE = {
    "period": frozenset(
        {"first quarter", "first half", "first four months", "first seven months", "full year"}
    ),
    "ruling": frozenset({"preliminary ruling", "final ruling"}),
    # the kind of trade-remedy case: an anti-dumping probe is not the anti-discrimination one opened
    # the same day (MOFCOM, 13 September 2025); a case of both kinds names both
    "remedy": frozenset({"anti-dumping", "anti-subsidy", "anti-discrimination"}),
}
LATER = {"ruling": "final ruling"}  # of exclusive terms named together, the one that is the news
# Every conflict `conflicts` can name (each is a pair feature `conflict_<name>`, events.features).
CONFLICTS = (
    "docs",
    "counts",
    "entities",
    "dates",
    "genre",
    "rates",
    "stage",
    "direction",
    "goods",
    *EXCLUSIVE,
)


def anchor_keys(a: anchor_mod.Anchors, kinds: Iterable[str] = COMPARE_KINDS) -> list[str]:
    """`kind:value` keys of the anchors compared between articles (document years left out)."""
    out = []
    for kind in kinds:
        for v in getattr(a, kind):
            out.append(f"{kind}:{v.split(':')[0]}:{v.split(':')[-1]}" if kind == "docs" else f"{kind}:{v}")
    return out


def _days(values: frozenset[str]) -> list[int]:
    return [date.fromisoformat(v).toordinal() for v in values]


def _ordinals(day: date | None) -> list[int]:
    return [day.toordinal()] if day is not None else []


def _gap(xs: list[int], ys: list[int]) -> int:
    return min(abs(x - y) for x in xs for y in ys)


def _reported(a: anchor_mod.Anchors, name: str, group: frozenset[str]) -> frozenset[str]:
    """The ruling or period an article reports: its opening's, else its lead's; of a lead naming both
    rulings, the final one (a final ruling recites the preliminary one, not the other way round)."""
    found = (a.head_terms & group) or (a.terms & group)
    return frozenset({LATER[name]}) if name in LATER and len(found) > 1 else found


def _written_later(dates: frozenset[str], pub: date | None, other_pub: date | None) -> bool:
    """An undated article names a day WRITTEN_LATER days after the other article's publication."""
    return (
        pub is None
        and other_pub is not None
        and bool(dates)
        and (max(_days(dates)) - other_pub.toordinal() > WRITTEN_LATER)
    )


def _docs_compatible(x: str, y: str) -> bool:
    kx, *rx = x.split(":")
    ky, *ry = y.split(":")
    if kx != ky or rx[-1] != ry[-1]:
        return False
    return len(rx) == 1 or rx[0] == "?" or ry[0] == "?" or rx[0] == ry[0]


def _shared_docs(x: frozenset[str], y: frozenset[str]) -> list[str]:
    return sorted({a for a in x for b in y if _docs_compatible(a, b)})


def shared_anchors(a: anchor_mod.Anchors, b: anchor_mod.Anchors) -> dict[str, list[str]]:
    """The anchors both articles carry, per kind (documents compared with unknown years allowed)."""
    out = {k: sorted(getattr(a, k) & getattr(b, k)) for k in COMPARE_KINDS if k != "docs"}
    out["docs"] = _shared_docs(a.docs, b.docs)
    out["main_docs"] = _shared_docs(a.main_docs, b.main_docs)
    return {k: v for k, v in out.items() if v}


def _other_counts(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both count entities, or both count goods ("g<n>"), and no count of that kind is common."""
    for goods in (False, True):
        x = {v for v in a if v.startswith("g") == goods}
        y = {v for v in b if v.startswith("g") == goods}
        if x and y and not x & y:
            return True
    return False


def conflicts(
    a: anchor_mod.Anchors, b: anchor_mod.Anchors, a_pub: date | None = None, b_pub: date | None = None
) -> list[str]:
    """Strong negatives: other main documents, other counted measures, other periods, a press answer
    against a report, dates far apart (an article's publication day counts as one of its dates: a
    report names the earlier policies it recalls, not the day it was written)."""
    out = []
    if a.main_docs and b.main_docs and not _shared_docs(a.main_docs, b.main_docs):
        out.append("docs")
    if a.counts and b.counts and not a.counts & b.counts:
        out.append("counts")
    if _other_counts(a.entities, b.entities):  # another listing: other entities, other goods
        out.append("entities")
    for name, group in EXCLUSIVE.items():
        ta, tb = _reported(a, name, group), _reported(b, name, group)
        if ta and tb and not ta & tb:
            out.append(name)
    if a.genre != b.genre:
        out.append("genre")
    if a.stage != b.stage:  # two stages of one document's life: the announcement and a follow-up
        out.append("stage")
    if a.rates and b.rates and not a.rates & b.rates:
        out.append("rates")
    if len(a.direction) == len(b.direction) == 1 and a.direction != b.direction:  # a measure and its end
        out.append("direction")
    if a.goods and b.goods and not a.goods & b.goods:  # a measure on other goods
        out.append("goods")
    far = a.dates and b.dates and not a.dates & b.dates
    if (
        (far and _gap([*_days(a.dates), *_ordinals(a_pub)], [*_days(b.dates), *_ordinals(b_pub)]) > DATE_GAP)
        or _written_later(a.dates, a_pub, b_pub)
        or _written_later(b.dates, b_pub, a_pub)
    ):
        out.append("dates")
    return out


def publication(
    a: date | None, b: date | None, a_dates: frozenset[str], b_dates: frozenset[str]
) -> dict[str, float]:
    """Agreement of publication days: reports of one event come out within a day or two of it
    (and of each other); an article published on a day the other names is about that day's event."""
    out = {"pub_near": 0.0, "pub_mid": 0.0, "pub_far": 0.0, "pub_in_text": 0.0}
    if a is not None and b is not None:
        gap = abs(a.toordinal() - b.toordinal())
        out["pub_near"] = 1.0 if gap <= 1 else 0.5 if gap <= PUB_NEAR else 0.0
        out["pub_mid"] = 1.0 if PUB_NEAR < gap <= PUB_FAR else 0.0
        out["pub_far"] = 1.0 if gap > PUB_FAR else 0.0
    for day, named in ((a, b_dates), (b, a_dates)):
        if day is not None and named and min(abs(day.toordinal() - d) for d in _days(named)) <= PUB_IN_TEXT:
            out["pub_in_text"] = 1.0
    return out


def specificity(kind: str, value: str) -> float:
    """How much one shared anchor says, from what it is: a round small percentage ("10%", "25%") or a
    small count is written about many events; "43.85 trillion", "84%" or a document number are not."""
    if kind in ("percents", "counts", "entities"):
        number = float(value.removeprefix("g"))  # "g12": twelve goods (anchor_numbers.entities)
        return 0.5 if number <= 30 and number == int(number) and (number % 5 == 0 or number < 5) else 1.0
    if kind == "numbers":
        return 1.0 if len(value.replace(".", "").split("e")[0].rstrip("0")) >= 2 else 0.5
    return 1.0
