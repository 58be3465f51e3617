"""Build the labelled near-duplicate dev set in this folder from real article bodies.

Bases: the 5 press seeds (`seeds/press/*.txt`) and 40 article bodies of the article-extraction
benchmark (`../shared/corpora/aeb/ground-truth.json`, MIT), chosen as the articles of the most
similar *different* stories (same event told by different outlets, by TF-IDF cosine), so the
negatives are hard. Variants of each base, the way republication changes a release:

- `host-<h>`: the same text inside another site's header/footer (breadcrumbs, source/editor lines,
  share bars, copyright and ICP footers): `host-mofcom` for every base, plus one of four others;
- `trunc60`, `trunc80`: the first 60% / 80% of the paragraphs;
- `trunc60-host-<h>`: cut to 60% and reprinted with other boilerplate;
- `rewrap`: lines hard-wrapped at 70-90 columns, every line a paragraph (like seed 003);
- `reorder`: a few paragraphs swapped; `drop`: about a fifth of the paragraphs removed;
- `gateway`: paragraphs as UTF-8 read as GBK and re-encoded as Big5 (the 鈥 mojibake of big5 gateway
  copies, '?' for lost characters) inside a Big5 gateway's own header/footer;
- harder ones: `trunc40` (first 40%), `excerpt` (the middle half: no lead), `edited` (light copy
  edits, about one word in 15), `intro` (a generic press-conference intro paragraph prepended).

`texts/` holds every text; `manifest.csv` (id, base, variant, host) names their bases and hosts;
`labels.csv` (a, b, label, kind) holds pairs: label `dup` for a base and its variants (and some
variant pairs), `not-dup` for different stories on the same topic (seed vs seed, hard aeb pairs), the
same two stories inside the same site template, the two stories behind the same generic intro (their
leads collide), a truncated story against its look-alike, and random pairs. Run `python tests/data/neardup/build.py` from the repository root; output is deterministic.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import random
import re
import textwrap
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SEEDS = ROOT / "seeds" / "press"
AEB = ROOT.parent / "shared" / "corpora" / "aeb" / "ground-truth.json"
N_AEB = 40
TEMPLATES = {
    "mofcom": (
        ["Home > News > Press Conference", "Source: MOFCOM | Updated: {date}", "Font size: A A A  Print  Close"],
        ["Share - WeChat", "Sponsored by: Ministry of Commerce of the People's Republic of China",
         "Copyright © 2010-2022 MOFCOM. All rights reserved.", "京ICP备05004093号-1"],
    ),
    "xinhua": (
        ["Home | China | World | Business | Sci-Tech | Culture", "Source: Xinhua | {date} 10:14:52", "Editor: Li Yan"],
        ["Editor: Wang Xiaoyu", "Tag: foreign trade, customs, ports",
         "Copyright © 2000-2022 XINHUANET.com All rights reserved.", "Share - Facebook Twitter LinkedIn"],
    ),
    "chinadaily": (
        ["You are here: Home > Business > Economy", "By Zhong Nan | chinadaily.com.cn | Updated: {date}"],
        ["Share - WeChat", "CLOSE", "Copyright 1995 - 2022 . All rights reserved. The content (including but not "
         "limited to text, photo, multimedia information, etc) published in this site belongs to China Daily "
         "Information Co (CDIC).", "Registration Number: 130349"],
    ),
    "ningbo": (
        ["当前位置：首页 > 新闻中心 > 政务动态", "发布时间：{date}  来源：宁波市商务局"],
        ["【打印本页】 【关闭窗口】", "主办单位：宁波市人民政府办公厅", "浙ICP备05003013号", "浙公网安备 33020302000201号"],
    ),
    "mirror": (
        ["Home Categories Send inquiry", "Industry news | {date} | Views: 1,208"],
        ["Previous: Port throughput hits record high", "Next: How to choose a freight forwarder",
         "Send your message to this supplier"],
    ),
}  # fmt: skip
STOPWORDS = "the a an of to and in on for is was that with as by at it from be are has have he she they said"
INTRO = (
    "The Ministry of Commerce held a regular press conference on {date}. The spokesperson answered questions "
    "from reporters on foreign trade, foreign investment, consumption and the stability of industrial and supply "
    "chains, and introduced the latest work of the ministry together with officials of the departments concerned."
)
SYNONYMS = {"said": "stated", "the": "this", "and": "as well as", "will": "would", "has": "had", "is": "was"}
GATEWAY = (
    ["當前位置：首頁 > 新聞發布", "來源：商務部網站  發布時間：{date}"],
    ["【打印】【關閉】", "版權所有：中華人民共和國商務部"],
)


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a text: blank-line separated if it has blank lines, else one per line."""
    parts = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return [" ".join(p.split()) for p in parts if p.strip()]


def wrap(header: list[str], paras: list[str], footer: list[str], date: str) -> str:
    """A page text: header lines, paragraphs, footer lines, blank-line separated."""
    return (
        "\n\n".join([h.format(date=date) for h in header] + paras + [f.format(date=date) for f in footer])
        + "\n"
    )


def gateway_mojibake(text: str) -> str:
    """What a big5 gateway copy of a UTF-8 page read as GBK looks like (鈥檚 for ’s, ? for lost chars)."""
    gbk = text.encode("utf-8").decode("gbk", errors="replace")
    return gbk.encode("big5", errors="replace").decode("big5")


def variants(paras: list[str], rng: random.Random, date: str, other: str) -> dict[str, tuple[str, str]]:
    """Variant name -> (host, text) for one base's paragraphs; site templates `mofcom` and `other`."""
    n = len(paras)
    cut60, cut80 = paras[: max(1, round(0.6 * n))], paras[: max(1, round(0.8 * n))]
    out = {f"host-{h}": (h, wrap(TEMPLATES[h][0], paras, TEMPLATES[h][1], date)) for h in ("mofcom", other)}
    host = rng.choice(sorted(TEMPLATES))
    out[f"trunc60-host-{host}"] = (host, wrap(TEMPLATES[host][0], cut60, TEMPLATES[host][1], date))
    out["trunc60"] = ("origin", wrap([], cut60, [], date))
    out["trunc80"] = ("origin", wrap([], cut80, [], date))
    width = rng.randint(70, 90)
    out["rewrap"] = ("rewrap", "\n\n".join(textwrap.wrap(" ".join(paras), width)) + "\n")
    order = list(range(n))
    for _ in range(max(1, n // 5)):
        i, j = rng.randrange(n), rng.randrange(n)
        order[i], order[j] = order[j], order[i]
    out["reorder"] = ("origin", wrap([], [paras[i] for i in order], [], date))
    dropped = set(rng.sample(range(1, n), k=max(1, n // 5))) if n > 2 else set()
    out["drop"] = ("origin", wrap([], [p for i, p in enumerate(paras) if i not in dropped], [], date))
    out["gateway"] = ("gateway", wrap(GATEWAY[0], [gateway_mojibake(p) for p in paras], GATEWAY[1], date))
    out["trunc40"] = ("origin", wrap([], paras[: max(1, round(0.4 * n))], [], date))
    out["excerpt"] = ("origin", wrap([], paras[n // 4 : max(n // 4 + 1, round(0.75 * n))], [], date))
    out["edited"] = ("origin", wrap([], [copy_edit(p, rng) for p in paras], [], date))
    out["intro"] = ("origin", wrap([], [INTRO.format(date=date), *paras], [], date))
    return out


def copy_edit(paragraph: str, rng: random.Random) -> str:
    """Light copy-editing: about one word in 15 dropped, doubled into a synonym, or swapped with the next."""
    words = paragraph.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        roll = rng.random()
        if roll < 0.022:
            i += 1
        elif roll < 0.044 and i + 1 < len(words):
            out += [words[i + 1], words[i]]
            i += 2
        elif roll < 0.066:
            out += [SYNONYMS.get(words[i].lower(), "also"), words[i]]
            i += 1
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def hard_pairs(bodies: dict[str, str]) -> list[tuple[float, str, str]]:
    """Article pairs by TF-IDF cosine of content words, most similar first."""
    stop = set(STOPWORDS.split())
    bags = {
        k: Counter(w for w in re.findall(r"[a-z]{3,}", t.lower()) if w not in stop) for k, t in bodies.items()
    }
    df = Counter(w for bag in bags.values() for w in bag)
    vecs = {k: {w: c * math.log(len(bags) / df[w]) for w, c in bag.items()} for k, bag in bags.items()}
    norms = {k: math.sqrt(sum(v * v for v in vec.values())) or 1.0 for k, vec in vecs.items()}
    scored = []
    for a, b in itertools.combinations(sorted(vecs), 2):
        dot = sum(v * vecs[b].get(w, 0.0) for w, v in vecs[a].items())
        scored.append((dot / (norms[a] * norms[b]), a, b))
    return sorted(scored, reverse=True)


def main() -> None:
    """Write texts/, manifest.csv and labels.csv."""
    rng = random.Random(20220526)
    truth = json.loads(AEB.read_text(encoding="utf-8"))
    bodies = {
        f"aeb-{sha[:10]}": v["articleBody"]
        for sha, v in truth.items()
        if 1200 <= len(v["articleBody"]) <= 6000 and len(paragraphs(v["articleBody"])) >= 5
    }
    ranked = hard_pairs(bodies)
    chosen: list[str] = []
    negatives: list[tuple[str, str]] = []
    for _, a, b in ranked:
        if len(chosen) >= N_AEB:
            break
        if len(set(chosen) | {a, b}) <= N_AEB:
            chosen += [x for x in (a, b) if x not in chosen]
            negatives.append((a, b))
    seeds = {f"seed-{p.name[:3]}": p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    bases = seeds | {k: bodies[k] for k in sorted(chosen)}
    texts_dir = HERE / "texts"
    texts_dir.mkdir(exist_ok=True)
    for old in texts_dir.glob("*.txt"):
        old.unlink()
    manifest: list[tuple[str, str, str, str]] = []
    labels: list[tuple[str, str, str, str]] = []
    others = sorted(set(TEMPLATES) - {"mofcom"})
    template_of: dict[str, dict[str, tuple[str, str]]] = {}
    for index, (base, body) in enumerate(bases.items()):
        paras = paragraphs(body)
        date = f"2022-0{rng.randint(3, 9)}-{rng.randint(10, 28)}"
        (texts_dir / f"{base}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
        manifest.append((base, base, "original", "origin"))
        made = variants(paras, rng, date, others[index % len(others)])
        template_of[base] = made
        for name, (host, text) in made.items():
            (texts_dir / f"{base}--{name}.txt").write_text(text, encoding="utf-8")
            manifest.append((f"{base}--{name}", base, name, host))
            labels.append((base, f"{base}--{name}", "dup", name))
        trunc_host = next(n for n in made if n.startswith("trunc60-host"))
        other_host = next(n for n in made if n.startswith("host-") and n != "host-mofcom")
        for x, y in [
            ("host-mofcom", other_host),
            (trunc_host, "gateway"),
            ("reorder", "drop"),
            ("trunc60", "rewrap"),
        ]:
            labels.append((f"{base}--{x}", f"{base}--{y}", "dup", f"{x}~{y}"))
    seed_ids = sorted(seeds)
    for a, b in itertools.combinations(seed_ids, 2):
        negatives.append((a, b))
    for a, b in negatives:
        kind = "same-topic-seeds" if a.startswith("seed") else "same-topic-aeb"
        labels.append((a, b, "not-dup", kind))
        shared = sorted(set(template_of[a]) & set(template_of[b]) & {f"host-{h}" for h in TEMPLATES})
        host = shared[-1] if len(shared) > 1 else "host-mofcom"
        labels.append((f"{a}--{host}", f"{b}--{host}", "not-dup", f"{kind}+same-template"))
        labels.append((f"{a}--trunc60", b, "not-dup", f"{kind}+truncated"))
        labels.append((f"{a}--intro", f"{b}--intro", "not-dup", f"{kind}+same-intro"))
    ids = sorted(bases)
    for _ in range(30):
        a, b = rng.sample(ids, 2)
        labels.append((a, b, "not-dup", "random"))
    with open(HERE / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("id", "base", "variant", "host"), *manifest])
    with open(HERE / "labels.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("a", "b", "label", "kind"), *labels])
    size = sum(p.stat().st_size for p in texts_dir.glob("*.txt"))
    print(f"{len(manifest)} texts ({size / 1e6:.2f} MB), {len(labels)} labelled pairs")


if __name__ == "__main__":
    main()
