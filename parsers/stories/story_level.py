"""Story-level agreement: does a new article belong to an event story, judged against the story as a whole?

Pairwise links chain: a loose link to one member (often an undated page whose opening gives no rate
or number) pulls a neighbouring event in. `STRONG` names the conflicts that say "another event"
whoever the member is; `event_index.conflict_share` counts the story's latest members the article
has one with, and a story it conflicts with in more than `event_index.STORY_CONFLICTS` of them is not
joined (the rule in use, calibrated on the dev split: docs/events.md).

`features` and `probability` are a story-level model measured and NOT adopted (empty `WEIGHTS`): the
article against the story's combined profile (best and mean pair probability, idf-weighted cosine of
its terms and lexical tokens with the story's summed ones, the specific anchors it shares with any
member, the conflict share, publication-day agreement). Fitted on dev (python -m bench.events_story)
it did worse, each family held out, than the pairs with the check; kept so a larger set can refit it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from parsers.stories import events
from parsers.stories.agreement import JOIN_KINDS, conflicts, specificity

# Conflicts that say "another event" whoever the member is (dates far apart are left to the pairs).
STRONG = frozenset(
    {"docs", "rates", "counts", "entities", "genre", "period", "ruling", "remedy", "direction", "goods"}
)
NEAR_DAYS = 1
FAR_DAYS = 7
# Empty: the story-level model is not used (python -m bench.events_story refits it; docs/events.md).
WEIGHTS: dict[str, float] = {}
THRESHOLD = 0.5


def _weighted_cosine(
    keys: frozenset[str | int], bag: Counter[str | int], n: int, stats: events.Stats
) -> float:
    """Cosine of a key set (idf weights) with a story's bag of keys (idf x share of members)."""
    if not keys or not bag or not n:
        return 0.0
    dot = sum(stats.idf(k) ** 2 * bag[k] / n for k in keys if k in bag)
    na = math.sqrt(stats.norm(keys))
    nb = math.sqrt(sum((stats.idf(k) * c / n) ** 2 for k, c in bag.items()))
    return dot / (na * nb) if na and nb else 0.0


def _specific(p: events.Profile) -> set[str]:
    return set(events.anchor_keys(p.anchors, (*(k for k in JOIN_KINDS if k != "docs"), "main_docs")))


def features(
    p: events.Profile,
    members: Sequence[events.Profile],
    decisions: Mapping[str, events.Decision],
    stats: events.Stats,
) -> dict[str, float]:
    """Story-level features of article `p` against a story's latest `members` (with their pair decisions)."""
    n = len(members)
    probs = [decisions[m.article_id].probability for m in members]
    terms: Counter[str | int] = Counter()
    lex: Counter[str | int] = Counter()
    same_language = 0
    anchors: Counter[str] = Counter()
    for m in members:
        terms.update(f"terms:{t}" for t in m.anchors.terms)
        anchors.update(_specific(m))
        if m.language == p.language:
            same_language += 1
            lex.update(m.lexical)
    mine = _specific(p)
    evidence = sum(
        specificity(k.split(":", 1)[0], k.split(":", 1)[1].split(":")[-1]) for k in mine if k in anchors
    )
    strong = sum(1 for m in members if STRONG & set(conflicts(p.anchors, m.anchors)))
    days = [m.published.toordinal() for m in members if m.published is not None]
    gap = min((abs(p.published.toordinal() - d) for d in days), default=None) if p.published else None
    return {
        "pair_best": max(probs, default=0.0),
        "pair_mean": sum(probs) / n if n else 0.0,
        "story_terms": _weighted_cosine(frozenset(f"terms:{t}" for t in p.anchors.terms), terms, n, stats),
        "story_lexical": _weighted_cosine(p.lexical, lex, same_language, stats),
        "story_evidence": math.log1p(evidence),
        "story_conflicts": strong / n if n else 0.0,
        "story_near": 1.0 if gap is not None and gap <= NEAR_DAYS else 0.0,
        "story_far": 1.0 if gap is not None and gap > FAR_DAYS else 0.0,
        "story_other_language": 0.0 if same_language else 1.0,
        "story_size": math.log(n) if n else 0.0,
    }


def probability(f: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """The story-level model's probability that the article reports the story's event."""
    return events.probability(f, WEIGHTS if weights is None else weights)
