"""Near-duplicate stories at the pure level: reprints, truncations, same-topic negatives, rerun stability."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from bench import dedup_eval
from parsers.clean import web as webclean
from parsers.stories import assign as stories
from parsers.stories import neardup
from parsers.stories.assign import Assignment, Item

ROOT = Path(__file__).resolve().parents[1]
SEEDS = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds" / "press").glob("*.txt"))}
XINHUA_HEADER = ["Home | China | World | Business", "Source: Xinhua | 2022-05-26 10:14:52", "Editor: Li Yan"]
XINHUA_FOOTER = ["Tag: foreign trade, logistics", "Copyright © 2000-2022 XINHUANET.com All rights reserved."]
GOLDEN_KEYS = [1605742324906755014, -882420250602678034, 7316188612149125972, -4807579229718823637]
CUSTOMS_A = (
    "海关总署今天召开新闻发布会，介绍前四个月我国外贸进出口情况。海关统计数据显示，前四个月我国货物贸易进出口总值"
    "十二万亿元，同比增长百分之七点九。\n\n其中，出口六万亿元，增长百分之十点三；进口五万亿元，增长百分之五。"
    "海关总署新闻发言人表示，面对复杂严峻的国际环境和国内疫情多发散发的不利影响，各地区各部门高效统筹疫情防控和经济"
    "社会发展，外贸运行总体平稳。\n\n下一步，海关将继续优化口岸营商环境，推进智慧海关建设，提升货物通关便利化水平，"
    "全力保障产业链供应链稳定畅通，促进外贸保稳提质。\n\n发言人还表示，海关将加强对重点企业的帮扶，及时回应企业诉求。"
)
CUSTOMS_B = (
    "商务部今天召开例行新闻发布会，新闻发言人介绍稳外贸有关工作。发言人表示，当前外贸企业面临物流不畅、成本上升、"
    "订单不足等困难，商务部将会同有关部门加大政策支持力度。\n\n一是保障物流畅通，指导各地建立重点外贸企业服务保障"
    "制度；二是稳定市场主体，加大出口信用保险支持；三是优化口岸营商环境，提升通关便利化水平。\n\n发言人强调，"
    "商务部将密切跟踪外贸形势，及时研究出台新的政策措施，全力以赴稳住外贸基本盘，促进外贸平稳发展。"
)


def clean(text: str) -> str:
    """The clean text the pipeline would sketch: web-cleaned lines, blank-line separated."""
    return "\n\n".join(webclean.clean_lines(text.splitlines()))


def first_share(text: str, share: float) -> str:
    """The first `share` of a text's paragraphs."""
    paras = [p for p in text.split("\n\n") if p.strip()]
    return "\n\n".join(paras[: max(1, round(share * len(paras)))])


def place(
    new: dict[str, str], history: dict[str, str] | None = None, existing: dict[str, str] | None = None
) -> dict[str, Assignment]:
    """Sketch history + new, find LSH candidates, score them, and assign the new texts to stories."""
    history = history or {}
    ids = list(history) + list(new)
    texts = {**history, **new}
    batch = neardup.sketch([clean(texts[k]) for k in ids])
    pairs = [
        (ids[i], ids[j], neardup.similarity(batch.sigs[i], batch.sigs[j], batch.sizes[i], batch.sizes[j]))
        for i, j in neardup.candidate_pairs(batch)
    ]
    keys = {k: neardup.text_key(clean(texts[k])) for k in ids}
    story_of = dict(existing or {})
    if history and not existing:
        old = stories.assign_stories([Item(k, keys[k]) for k in history], pairs, {})
        story_of = {a.article_id: a.story_id for a in old}
    placed = stories.assign_stories([Item(k, keys[k]) for k in new], pairs, story_of, text_key_of=keys)
    return {a.article_id: a for a in placed}


def test_verbatim_reprint_with_other_header_and_footer_joins_the_story() -> None:
    reprint = "\n\n".join([*XINHUA_HEADER, SEEDS["000"], *XINHUA_FOOTER])
    history = {"mofcom": SEEDS["000"]}
    placed = place({"xinhua": reprint}, history)
    assert placed["xinhua"].story_id == stories.story_id_for(neardup.text_key(clean(SEEDS["000"])))
    assert placed["xinhua"].matched == "mofcom" and placed["xinhua"].kind == "exact"


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_a_version_cut_to_its_first_60_percent_joins_the_story(seed: str) -> None:
    text = clean(SEEDS[seed])
    cut = first_share(text, 0.6)
    batch = neardup.sketch([text, cut])
    jaccard = neardup.similarity(batch.sigs[0], batch.sigs[1])
    score = neardup.similarity(batch.sigs[0], batch.sigs[1], batch.sizes[0], batch.sizes[1])
    assert score >= neardup.THRESHOLD > 0.0 and score > jaccard  # containment carries it
    placed = place({"cut": cut}, {"full": SEEDS[seed]})
    assert placed["cut"].matched == "full" and placed["cut"].kind == "near"


def test_two_press_conferences_on_the_same_topic_are_two_stories() -> None:
    # 000: MOFCOM on clearing supply-chain blockages; 002: MIIT on keeping industrial/supply chains stable.
    placed = place({"miit": SEEDS["002"]}, {"mofcom": SEEDS["000"]})
    assert placed["miit"].kind == "founder"
    assert placed["miit"].story_id != stories.story_id_for(neardup.text_key(clean(SEEDS["000"])))
    every_seed = place({f"seed{k}": v for k, v in SEEDS.items()})
    assert len({a.story_id for a in every_seed.values()}) == len(SEEDS)


def test_rerunning_changes_nothing_and_story_ids_are_stable() -> None:
    new = {
        "a": SEEDS["001"],
        "a-reprint": "\n\n".join([*XINHUA_HEADER, SEEDS["001"], *XINHUA_FOOTER]),
        "a-cut": first_share(SEEDS["001"], 0.6),
        "b": SEEDS["004"],
        "b-cut": first_share(SEEDS["004"], 0.8),
    }
    first = place(new)
    again = place(dict(reversed(new.items())))
    assert {k: v.story_id for k, v in first.items()} == {k: v.story_id for k, v in again.items()}
    assert first["a"].story_id == first["a-reprint"].story_id == first["a-cut"].story_id
    assert first["b"].story_id == first["b-cut"].story_id != first["a"].story_id
    rerun = place(new, existing={k: v.story_id for k, v in first.items()})
    assert {k: (v.story_id, v.kind) for k, v in rerun.items()} == {
        k: (first[k].story_id, "kept") for k in new
    }


def test_exact_copies_in_one_batch_share_a_story_even_without_pairs() -> None:
    key = neardup.text_key(SEEDS["003"])
    placed = stories.assign_stories([Item("x", key), Item("y", key)], [], {})
    assert placed[0].story_id == placed[1].story_id == stories.story_id_for(key)


def test_representative_prefers_official_then_earliest() -> None:
    members = [
        Item("xinhua", "k", datetime(2022, 5, 26, 9), is_official=False),
        Item("mofcom-late", "k", datetime(2022, 5, 26, 12), is_official=True),
        Item("mofcom", "k", datetime(2022, 5, 26, 11), is_official=True),
        Item("undated", "k", None, is_official=True),
    ]
    assert stories.representative(members) == "mofcom"
    assert stories.representative(members[:1]) == "xinhua"


def test_batch_order_follows_publication_dates() -> None:
    key_a, key_b = neardup.text_key(SEEDS["000"]), neardup.text_key(first_share(SEEDS["000"], 0.6))
    items = [Item("late", key_a, datetime(2022, 5, 27)), Item("early", key_b, datetime(2022, 5, 26))]
    placed = {a.article_id: a for a in stories.assign_stories(items, [("late", "early", 0.9)], {})}
    assert placed["early"].kind == "founder" and placed["late"].matched == "early"


def test_chinese_text_uses_character_shingles() -> None:
    batch = neardup.sketch([CUSTOMS_A, first_share(CUSTOMS_A, 0.6), CUSTOMS_B])
    assert neardup.tokens("海关总署 RCEP")[:4] == ["海", "关", "总", "署"]
    assert neardup.similarity(batch.sigs[0], batch.sigs[1], batch.sizes[0], batch.sizes[1]) >= 0.9
    assert neardup.similarity(batch.sigs[0], batch.sigs[2], batch.sizes[0], batch.sizes[2]) < 0.2


def test_jaccard_estimate_tracks_the_exact_value() -> None:
    text = clean(SEEDS["002"])
    variants = [first_share(text, share) for share in (0.3, 0.5, 0.7, 0.9)]
    batch = neardup.sketch([text, *variants])
    toks = [neardup.tokens(t) for t in [text, *variants]]
    sets = [{tuple(t[i : i + neardup.SHINGLE]) for i in range(len(t) - neardup.SHINGLE + 1)} for t in toks]
    for k in range(1, len(sets)):
        exact = len(sets[0] & sets[k]) / len(sets[0] | sets[k])
        assert abs(neardup.similarity(batch.sigs[0], batch.sigs[k]) - exact) < 0.15
        assert abs(batch.sizes[k] - len(sets[k])) <= 1


def test_empty_and_tiny_texts() -> None:
    batch = neardup.sketch(["", "Customs notice.", "Customs notice."])
    assert batch.sizes.tolist() == [0, 1, 1]
    assert neardup.band_keys(batch.sigs[0]) == []
    assert neardup.similarity(batch.sigs[0], batch.sigs[0]) == 0.0
    assert neardup.similarity(batch.sigs[1], batch.sigs[2]) == 1.0
    table = neardup.band_rows([10, 11, 12], batch)
    assert table.num_rows == 2 * (neardup.BANDS + neardup.LEAD_BANDS)
    assert set(table.column("article_key").to_pylist()) == {11, 12}
    assert neardup.candidate_pairs(batch) == [(1, 2)]
    nothing = neardup.sketch([])
    assert nothing.sigs.shape == (0, neardup.NUM_PERM) and neardup.band_rows([], nothing).num_rows == 0


def test_band_rows_are_ready_for_a_bigint_table() -> None:
    batch = neardup.sketch([SEEDS["000"], SEEDS["001"]])
    table = neardup.band_rows(
        [neardup.article_key("ffffffffffffffff"), neardup.article_key("0123456789abcdef")], batch
    )
    assert table.schema.names == ["article_key", "band", "key"]
    assert [str(t) for t in table.schema.types] == ["int64", "uint8", "int64"]
    assert table.column("article_key").to_pylist()[0] == -1
    assert batch.sigs.dtype == np.uint32 and batch.sigs.shape == (2, neardup.NUM_PERM)


def test_signatures_are_the_same_in_every_process() -> None:
    code = "from pathlib import Path; from parsers.stories import neardup as n; import sys; " + (
        "print(n.band_keys(n.signatures([Path(sys.argv[1]).read_text(encoding='utf-8')])[0])[:4])"
    )
    seed = next((ROOT / "seeds" / "press").glob("000_*.txt"))
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-c", code, str(seed)], env=env, capture_output=True, text=True, cwd=ROOT
    )
    here = neardup.band_keys(neardup.signatures([SEEDS["000"]])[0])[:4]
    assert out.stdout.strip() == str(here)
    # Pinned: persisted signatures and band keys depend on these. Change them only with a re-sketch of history.
    assert here == GOLDEN_KEYS


def test_dev_set_quality_floor() -> None:
    # Measured on the committed dev set: P 1.000, R 0.988, F1 0.994 (pairs and stories). The floor leaves
    # room for a few regressions among the 765 positive and 182 negative pairs, and no more.
    dev = dedup_eval.load_devset()
    texts = dedup_eval.clean_texts(dev)
    precision, recall, f1 = dedup_eval.pair_prf(dedup_eval.score(dev, texts))
    assert precision >= 0.98 and recall >= 0.95 and f1 >= 0.97
    assert dedup_eval.story_prf(dev, texts)[2] >= 0.97


def _dict_pairs(batch: neardup.Sketch) -> list[tuple[int, int]]:
    """The in-batch LSH as first written: a dict of buckets per (band, key)."""
    buckets: dict[tuple[int, int], list[int]] = {}
    live = ~np.all(batch.sigs == neardup.EMPTY, axis=1)
    for i, row in enumerate(batch.band_matrix().tolist()):
        for col, key in enumerate(row if live[i] else ()):
            buckets.setdefault((col, key), []).append(i)
    return sorted({(a, b) for rows in buckets.values() if len(rows) > 1 for a in rows for b in rows if a < b})


def test_candidate_pairs_are_the_bucket_dicts_on_real_texts() -> None:
    """The numpy buckets give the dict's pairs, in its order, on the 630 texts of the near-duplicate set."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests/data/neardup/texts").glob("*.txt"))]
    assert len(texts) == 630
    texts += ["", "", texts[0], texts[0]]  # empty texts never pair; equal texts share every band
    for lo in (0, 200, 400):
        batch = neardup.sketch(texts[lo : lo + 250] + texts[-4:])
        pairs = neardup.candidate_pairs(batch)
        assert pairs and pairs == _dict_pairs(batch)
    assert neardup.candidate_pairs(neardup.sketch(["", ""])) == []
