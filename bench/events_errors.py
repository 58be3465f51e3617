"""Dev-only error analysis of the event stories: missed and false same-event pairs by cause.

Causes overlap (a pair can be cross-language and undated). `why_missed` says, pair by pair, at which
step of the placement a missed pair was lost (the later page against the earlier page's story). Never
run on test: it prints clusters.

    python -m bench.events_errors [--list]
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from itertools import combinations

from bench import events_eval
from parsers.stories import event_index, events

SPECIFIC = {"docs", "dates", "numbers", "percents", "counts", "hs", "eccn", "people"}
# Site chrome at the start of an excerpt (menus, share bars, cookie banners, spam headers).
_CHROME = re.compile(
    r"home|skip|cookie|share|contact us|press room|breadcru|sign in|subscribe|archive|menu|news desk"
    r"|点击|当前位置|首页|视频|<tt|\?>",
    re.IGNORECASE,
)


def causes() -> tuple[Counter[str], Counter[str]]:
    """Counts of causes among the dev split's missed (first) and false (second) pairs."""
    pages = {p.page_id: p for p in events_eval.load(split="dev")}
    profiles = {k: events.profile(k, "", p.text, p.published) for k, p in pages.items()}
    story = {x.article_id: x.story_id for x in event_index.place_all(list(profiles.values()))}
    keys = {k: set(event_index.blocking_keys(p)) for k, p in profiles.items()}
    missed: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for a, b in combinations(sorted(pages), 2):
        same = pages[a].cluster == pages[b].cluster
        if same == (story[a] == story[b]):
            continue
        out = missed if same else false
        pa, pb = profiles[a], profiles[b]
        shared = events.shared_anchors(pa.anchors, pb.anchors)
        out["pairs"] += 1
        out["cross-language"] += pa.language != pb.language
        out["no shared blocking key"] += not keys[a] & keys[b]
        out["no shared specific anchor"] += not set(shared) & SPECIFIC
        out["excerpt starts with site chrome"] += any(_CHROME.search(pages[k].text[:120]) for k in (a, b))
        out["a published date missing"] += pa.published is None or pb.published is None
        if not same:
            out["same issuer (neighbouring event)"] += bool(shared.get("issuers"))
            out[f"clusters {pages[a].cluster}/{pages[b].cluster}"] += 1
    return missed, false


def _step(index: event_index.EventIndex, p: events.Profile, story: str) -> str:
    """Why `p`, being placed, did not join `story` (a story of an earlier page of its event)."""
    members = index.members[story][-event_index.STORY_MEMBERS :]
    keys = set(event_index.blocking_keys(p))
    if not set(index.candidates(p)) & set(members):
        shared = [m for m in members if keys & set(event_index.blocking_keys(index.profiles[m]))]
        if not shared:
            return "never a candidate: no shared key"
        far = p.published is not None and all(
            index.profiles[m].published is not None
            and abs((index.profiles[m].published - p.published).days) > index.window_days  # type: ignore[operator]
            for m in shared
        )
        return "never a candidate: window" if far else "never a candidate: cap or MAX_CANDIDATES"
    stats = index.stats()
    decisions = [index._decide(p, m, stats) for m in members]
    passing = [d for d in decisions if d.same_event]
    if not passing:
        return "pair veto" if any(d.rule == "conflict" for d in decisions) else "pair below threshold"
    if any(d.rule == "copy" for d in passing):
        return "joined another story"
    if index._conflict_share(p, story) > event_index.STORY_CONFLICTS:
        return "story conflicts (STORY_CONFLICTS)"
    if sum(d.probability for d in decisions) / len(decisions) < index.story_mean:
        return "story mean (STORY_MEAN)"
    return "joined another story"


def why_missed() -> list[tuple[str, str, str, str, str]]:
    """(cluster, step, dated / undated, later page, earlier page) of each missed dev pair, the pages
    placed in order: the step is that of the later page against the earlier page's story."""
    pages = {p.page_id: p for p in events_eval.load(split="dev")}
    profiles = [events.profile(k, "", p.text, p.published) for k, p in pages.items()]
    index = event_index.EventIndex()
    order = sorted(
        profiles, key=lambda p: (p.published is None, p.published or events.date.min, p.article_id)
    )
    rows = []
    for p in order:
        cluster = pages[p.article_id].cluster
        earlier = [k for k in index.story_of if pages[k].cluster == cluster]
        lost = {s: _step(index, p, s) for s in {index.story_of[k] for k in earlier}}
        index.place(p)
        dated = "undated" if p.published is None else "dated"
        for k in earlier:
            if index.story_of[k] != index.story_of[p.article_id]:
                rows.append((cluster, lost[index.story_of[k]], dated, p.article_id, k))
    return sorted(rows)


def main() -> None:
    """Print the causes, and the step at which each missed pair was lost (`--list`: every pair)."""
    for name, counts in zip(("missed same-event pairs", "false pairs"), causes(), strict=True):
        print(f"{name}: {counts.pop('pairs', 0)}")
        for cause, n in counts.most_common():
            print(f"  {cause:<36} {n}")
    rows = why_missed()
    print(f"missed same-event pairs by the step that lost them (the later page dated or not): {len(rows)}")
    for (why, dated), n in Counter((r[1], r[2]) for r in rows).most_common():
        print(f"  {why:<40} {dated:<8} {n}")
    if "--list" in sys.argv:
        for row in rows:
            print("  " + "  ".join(row))


if __name__ == "__main__":
    main()
