"""Story placement reads only the history members that can win, and places every article as before.

The 630 real texts of the near-duplicate set (bases with up to 14 republished variants each: other
hosts, cuts, excerpts, reorderings) are loaded in batches; each article's story must be the one
`assign_stories` gives when every history member sharing a band is scored, as the loader did
before it bounded the candidates by their shared bands.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from parsers.model import Article
from parsers.stories import assign, neardup
from parsers.stories.hashing import content_hash
from warehouse import stories

TEXTS = Path(__file__).parent / "data" / "neardup" / "texts"
BATCH = 45


def _articles() -> list[Article]:
    out = []
    start = datetime(2026, 1, 1)
    for n, path in enumerate(sorted(TEXTS.glob("*.txt"))):
        text = path.read_text(encoding="utf-8")
        url = f"https://example.org/{path.stem}.html"
        out.append(
            Article(
                source_id="s",
                url=url,
                title=path.stem,
                raw_text=text,
                paragraphs=tuple(text.split("\n\n")),
                published_at=start + timedelta(hours=n % 97),
                clean_text=text,
                content_hash=content_hash(text),
                canonical_url=url,
            )
        )
    unique = list({a.article_id: a for a in out}.values())  # one article per text, as the loader keeps
    # the variants of one base spread over the batches, as reprints arrive over days
    return [unique[i] for i in np.random.default_rng(7).permutation(len(unique))]


def _every_candidate(batches: list[list[Article]]) -> dict[str, str]:
    """Stories when every pair sharing a band is scored (the whole history kept in memory)."""
    story: dict[str, str] = {}
    keys: dict[str, str] = {}
    seen: list[Article] = []
    for batch in batches:
        together = seen + batch
        sketch = neardup.sketch([a.clean_text for a in together])
        pairs = neardup.candidate_pairs(sketch)
        ia, ib = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
        scores = neardup.similarities(sketch.sigs[ia], sketch.sigs[ib], sketch.sizes[ia], sketch.sizes[ib])
        scored = [
            (together[i].article_id, together[j].article_id, s)
            for i, j, s in zip(ia, ib, scores, strict=True)
        ]
        items = [assign.Item(a.article_id, neardup.text_key(a.clean_text), a.published_at) for a in batch]
        keys.update((i.article_id, i.text_key) for i in items)
        for placed in assign.assign_stories(items, scored, story, text_key_of=keys):
            story[placed.article_id] = placed.story_id
        seen = together
    return story


def test_stories_are_those_of_scoring_every_candidate(con):
    articles = _articles()
    batches = [articles[i : i + BATCH] for i in range(0, len(articles), BATCH)]
    loaded: dict[str, str] = {}
    for batch in batches:
        placed, sketches = stories.assign(con, [replace(a) for a in batch])
        stories.store(con, sketches)
        loaded.update((a.article_id, a.story_id or "") for a in placed)
    expected = _every_candidate(batches)
    assert loaded == expected
    # the set has real near copies: most variants joined their base's story
    assert len(set(expected.values())) < len(expected) / 3
