"""Dev-only error analysis of the event stories: missed and false same-event pairs by cause.

Causes overlap (a pair can be cross-language and undated). Never run on test: it prints clusters.

    python -m bench.events_errors
"""

from __future__ import annotations

import re
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


def main() -> None:
    """Print the causes."""
    for name, counts in zip(("missed same-event pairs", "false pairs"), causes(), strict=True):
        print(f"{name}: {counts.pop('pairs', 0)}")
        for cause, n in counts.most_common():
            print(f"  {cause:<36} {n}")


if __name__ == "__main__":
    main()
