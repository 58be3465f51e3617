"""Dedup benchmark: dev-set quality, then the cost of adding 1,000 articles to a 100k and a 1M history.

1. Dev set (tests/data/neardup): pair- and story-level precision/recall/F1 at THRESHOLD, and the
   threshold range over which F1 stays at its maximum (how THRESHOLD was calibrated).
2. Scale: a DuckDB file in a temp dir holds a history of N articles (signatures + band rows, the
   tables the warehouse keeps, DDL below). History = real-page variants (the 182 aeb + seed bodies
   with >= 2 paragraphs, 12 mutated copies each, sketched for real) plus synthetic articles drawn
   from the MinHash model: a copy of a real page's sketch at Jaccard J keeps each value with
   probability J, J sampled from the Jaccard of real *different* articles (aeb pairs), so background
   collisions are realistic.
   Then a batch of 1,000 new texts (40% variants of real pages, 60% paragraph mixtures of them) is
   added: sketch, band insert, candidate join, signature fetch, verification, story assignment,
   signature insert; inside a transaction rolled back after each run. One run per history right after
   opening it (cold), then 3 runs interleaved across sizes (median reported). About 40 s, 1.4 GB peak.

    python -m bench.dedup [--sizes 100000,1000000] [--batch 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from bench import dedup_eval
from parsers.clean import web as webclean
from parsers.stories import assign as stories
from parsers.stories import neardup

AEB = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "aeb" / "ground-truth.json"
SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "press"
DDL = """
CREATE TABLE IF NOT EXISTS dedup_signatures (
    article_key BIGINT NOT NULL,   -- neardup.article_key(article_id)
    text_key VARCHAR NOT NULL,     -- neardup.text_key(clean_text)
    n_shingles INTEGER NOT NULL,   -- Sketch.sizes
    sig BLOB NOT NULL,             -- Sketch.sigs row: NUM_PERM little-endian uint32 (512 bytes)
    story_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS dedup_bands (article_key BIGINT NOT NULL, band UTINYINT NOT NULL, key BIGINT NOT NULL);
"""
CANDIDATES_SQL = """
SELECT n.article_key AS a, h.article_key AS b, count(*) AS shared_bands
FROM new_bands n JOIN dedup_bands h ON h.band = n.band AND h.key = n.key
WHERE h.article_key <> n.article_key
GROUP BY ALL
"""
FETCH_SQL = """
SELECT s.article_key, s.n_shingles, s.sig, s.story_id, s.text_key
FROM dedup_signatures s SEMI JOIN wanted w ON s.article_key = w.article_key
"""
CHUNK = 100_000
COPIES = 12


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def devset() -> None:
    """Print dev-set P/R/F1 at THRESHOLD and the F1 plateau of the threshold sweep."""
    start = time.perf_counter()
    dev = dedup_eval.load_devset()
    positives = sum(p[2] for p in dev.pairs)
    print(f"dev set: {len(dev.texts)} texts, {positives} dup / {len(dev.pairs) - positives} not-dup pairs")
    for name, texts in [
        ("raw text", dedup_eval.clean_texts(dev, rules=False)),
        ("rule-cleaned", dedup_eval.clean_texts(dev, learned=False)),
        ("rules + learned boilerplate", dedup_eval.clean_texts(dev)),
    ]:
        scored = dedup_eval.score(dev, texts)
        p, r, f = dedup_eval.pair_prf(scored)
        sp, sr, sf = dedup_eval.story_prf(dev, texts)
        print(
            f"  {name:28s} pairs P {p:.3f} R {r:.3f} F1 {f:.3f} | stories P {sp:.3f} R {sr:.3f} F1 {sf:.3f}"
        )
    sweep = {round(t, 2): dedup_eval.pair_prf(scored, t)[2] for t in np.arange(0.05, 1.0, 0.05)}
    best = max(sweep.values())
    plateau = [t for t, f in sweep.items() if f >= best - 1e-9]
    top_negative = float(scored.scores[~scored.labels].max())
    misses = sorted({k for k, lab, c, s in zip(scored.kinds, scored.labels, scored.candidate, scored.scores, strict=True)
                     if lab and not (c and s >= neardup.THRESHOLD)})  # fmt: skip
    print(f"  THRESHOLD {neardup.THRESHOLD}: best F1 {best:.3f} for thresholds {min(plateau)}..{max(plateau)}; "
          f"highest not-dup score {top_negative:.3f}; missed kinds: {', '.join(misses) or 'none'}")  # fmt: skip
    print(f"  ({time.perf_counter() - start:.1f} s)")


def material() -> list[list[str]]:
    """Paragraphs of the real bodies: 181 aeb articles and the 5 seeds, web-cleaned."""
    bodies = [v["articleBody"] for v in json.loads(AEB.read_text(encoding="utf-8")).values()]
    bodies += [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return [webclean.clean_lines(dedup_eval_paragraphs(b)) for b in bodies]


def dedup_eval_paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs (or lines) of a text."""
    return [p for p in text.replace("\r", "").split("\n\n" if "\n\n" in text else "\n") if p.strip()]


def mutate(paras: list[str], rng: random.Random) -> str:
    """A republished variant: cut, reordered, dropped, or wrapped in another site's boilerplate."""
    kind, n = rng.randrange(5), len(paras)
    if kind == 0:
        paras = paras[: max(1, round(rng.choice((0.6, 0.8)) * n))]
    elif kind == 1 and n > 2:
        paras = paras[:]
        i, j = rng.randrange(n), rng.randrange(n)
        paras[i], paras[j] = paras[j], paras[i]
    elif kind == 2 and n > 4:
        paras = [p for i, p in enumerate(paras) if i == 0 or rng.random() > 0.2]
    elif kind == 3:
        paras = ["Home > News > Press Conference", f"Source: Xinhua | 2022-05-{rng.randint(10, 28)}", *paras]
        paras += ["Share - WeChat", "Copyright © 2000-2022 XINHUANET.com All rights reserved."]
    return "\n\n".join(webclean.clean_lines(paras))


def mixture(pool: list[list[str]], rng: random.Random) -> str:
    """A new article that is no copy: paragraphs drawn from three random real pages."""
    picked = [p for page in rng.sample(pool, 3) for p in rng.sample(page, min(len(page), 3))]
    rng.shuffle(picked)
    return "\n\n".join(picked)


def keys_for(texts: list[str], salt: str) -> np.ndarray:
    """Random-looking BIGINT article keys, as article ids (content hashes) would give."""
    ids = [hashlib.blake2b(f"{salt}{i}{t}".encode(), digest_size=8).hexdigest() for i, t in enumerate(texts)]
    return np.array([neardup.article_key(x) for x in ids], dtype=np.int64)


def insert(
    con: duckdb.DuckDBPyConnection,
    keys: np.ndarray,
    batch: neardup.Sketch,
    text_keys: list[str],
    story: list[str],
) -> None:
    """Append sketches (signature rows, band rows) to the two dedup tables."""
    sig = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(4 * neardup.NUM_PERM), len(keys), [None, pa.py_buffer(np.ascontiguousarray(batch.sigs))]
    )
    rows = pa.table(  # noqa: F841 - read by DuckDB by name
        {"article_key": keys, "text_key": text_keys, "n_shingles": batch.sizes, "sig": sig, "story_id": story}
    )
    bands = neardup.band_rows(keys, batch)  # noqa: F841
    con.execute("INSERT INTO dedup_signatures SELECT * FROM rows")
    con.execute("INSERT INTO dedup_bands SELECT * FROM bands")


def build_history(con: duckdb.DuckDBPyConnection, size: int, pool: list[list[str]], real: neardup.Sketch,
                  background: np.ndarray, seed: int) -> None:  # fmt: skip
    """Fill the tables with `size` articles: real-page variants first, then MinHash-model copies."""
    rng, gen = random.Random(seed), np.random.default_rng(seed)
    con.execute(DDL)
    texts = [mutate(pool[i], rng) for i in range(len(pool)) for _ in range(COPIES)]
    story = [f"st-real-{i}" for i in range(len(pool)) for _ in range(COPIES)]
    insert(
        con, keys_for(texts, f"h{seed}"), neardup.sketch(texts), [neardup.text_key(t) for t in texts], story
    )
    for lo in range(len(texts), size, CHUNK):
        n = min(CHUNK, size - lo)
        base = gen.integers(0, len(pool), n)
        jac = gen.choice(background, n)[:, None]
        sigs = np.where(gen.random((n, neardup.NUM_PERM)) < jac, real.sigs[base], gen.integers(0, 2**32 - 1, (n, neardup.NUM_PERM), dtype=np.uint32))  # fmt: skip
        width = real.leads.shape[1]
        leads = np.where(gen.random((n, width)) < jac, real.leads[base], gen.integers(0, 2**32 - 1, (n, width), dtype=np.uint32))  # fmt: skip
        keys = gen.integers(-(2**63), 2**63 - 1, n, dtype=np.int64)
        names = [f"{k & 0xFFFFFFFFFFFFFFFF:016x}" for k in keys.tolist()]
        insert(con, keys, neardup.Sketch(sigs, real.sizes[base], leads), names, ["st-" + x for x in names])
    con.execute("CHECKPOINT")


def add_batch(
    con: duckdb.DuckDBPyConnection, texts: list[str], keys: np.ndarray
) -> tuple[dict[str, float], int, list[stories.Assignment]]:
    """Add one batch inside a rolled-back transaction: (seconds per step, candidate pairs, assignments)."""
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name], clock = now - clock, now

    con.execute("BEGIN")
    batch = neardup.sketch(texts)
    text_keys = [neardup.text_key(t) for t in texts]
    lap("sketch")
    new_bands = neardup.band_rows(keys, batch)  # noqa: F841 - read by DuckDB by name
    con.execute("INSERT INTO dedup_bands SELECT * FROM new_bands")
    cand = con.execute(CANDIDATES_SQL).fetchnumpy()
    lap("band insert + candidate join")
    wanted = pa.table({"article_key": np.unique(cand["b"][~np.isin(cand["b"], keys)])})  # noqa: F841
    old = con.execute(FETCH_SQL).to_arrow_table()
    old_sigs = np.frombuffer(b"".join(old.column("sig").to_pylist()), dtype=np.uint32)
    lap("signature fetch")
    old_keys = old.column("article_key").to_numpy()
    sigs = np.vstack([batch.sigs, old_sigs.reshape(-1, neardup.NUM_PERM)])
    sizes = np.concatenate([batch.sizes, old.column("n_shingles").to_numpy()])
    row = {k: i for i, k in enumerate(np.concatenate([keys, old_keys]).tolist())}
    ia, ib = [row[k] for k in cand["a"].tolist()], [row[k] for k in cand["b"].tolist()]
    scores = neardup.similarities(sigs[ia], sigs[ib], sizes[ia], sizes[ib])
    lap("verification")
    items = [stories.Item(str(k), tk) for k, tk in zip(keys.tolist(), text_keys, strict=True)]
    existing = dict(zip(map(str, old_keys.tolist()), old.column("story_id").to_pylist(), strict=True))
    old_text = dict(zip(map(str, old_keys.tolist()), old.column("text_key").to_pylist(), strict=True))
    pairs = zip(map(str, cand["a"].tolist()), map(str, cand["b"].tolist()), scores.tolist(), strict=True)
    placed = stories.assign_stories(items, pairs, existing, text_key_of=old_text)
    lap("story assignment")
    story_of = {p.article_id: p.story_id for p in placed}
    insert(con, keys, batch, text_keys, [story_of[str(k)] for k in keys.tolist()])
    lap("signature insert")
    con.execute("ROLLBACK")
    return steps, len(ia), placed


def scale(sizes: list[int], batch_size: int, repeat: int) -> dict[str, float]:
    """Time adding a batch against each history size; print times, growth and peak RSS; return the figures."""
    pool = [p for p in material() if len(p) >= 2]
    real = neardup.sketch(["\n\n".join(p) for p in pool])
    jac = (real.sigs[:, None, :] == real.sigs[None, :, :]).mean(axis=2)[np.triu_indices(len(pool), 1)]
    rng = random.Random(7)
    bases = [rng.randrange(len(pool)) if i % 5 < 2 else -1 for i in range(batch_size)]
    texts = [mutate(pool[b], rng) if b >= 0 else mixture(pool, rng) for b in bases]
    keys = keys_for(texts, "new")
    expected = {str(k): f"st-real-{b}" for k, b in zip(keys.tolist(), bases, strict=True) if b >= 0}
    print(f"\nscale: {len(pool)} real pages; background Jaccard of different pages: mean {jac.mean():.4f}, "
          f"p99.9 {np.quantile(jac, 0.999):.3f}, max {jac.max():.3f}")  # fmt: skip
    medians: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {size: Path(tmp) / f"history-{size}.duckdb" for size in sizes}
        for size, path in paths.items():
            start = time.perf_counter()
            with duckdb.connect(str(path)) as con:
                build_history(con, size, pool, real, jac, seed=size)
            print(f"history {size:>9,}: built in {time.perf_counter() - start:.1f} s, {path.stat().st_size / 1e6:.0f} MB, "
                  f"peak RSS so far {peak_rss_mb():.0f} MB")  # fmt: skip
        cons = {
            size: duckdb.connect(str(path)) for size, path in paths.items()
        }  # reopened, as a flow run does
        cold = {size: add_batch(con, texts, keys) for size, con in cons.items()}
        runs: dict[int, list[tuple[dict[str, float], int, list[stories.Assignment]]]] = {s: [] for s in sizes}
        for _ in range(repeat):  # interleaved, so load from other processes hits every size alike
            for size, con in cons.items():
                runs[size].append(add_batch(con, texts, keys))
        for size in sizes:
            totals = [sum(r[0].values()) for r in runs[size]]
            medians[size] = statistics.median(totals)
            steps = {k: statistics.median(r[0][k] for r in runs[size]) for k in runs[size][0][0]}
            story = {a.article_id: a.story_id for a in cold[size][2]}
            joined = sum(story[k] == v for k, v in expected.items())
            print(f"history {size:>9,}: add {batch_size} articles: median {medians[size]:.3f} s "
                  f"(runs {', '.join(f'{t:.3f}' for t in totals)}; first run after opening {sum(cold[size][0].values()):.3f} s)")  # fmt: skip
            print(f"    {cold[size][1]} candidate pairs; {joined}/{len(expected)} variants joined their page's story; "
                  f"{sum(a.kind == 'founder' for a in cold[size][2])} new stories")  # fmt: skip
            print("    median " + "; ".join(f"{k} {v * 1000:.0f} ms" for k, v in steps.items()))
        for con in cons.values():
            con.close()
    figures = {f"dedup_{batch_size}_seconds_at_{size}": medians[size] for size in sizes}
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        print(f"growth {hi // lo}x history -> {medians[hi] / medians[lo]:.2f}x time (target < 3x); "
              f"peak RSS {peak_rss_mb():.0f} MB")  # fmt: skip
        figures["dedup_1k_growth_100k_to_1m"] = medians[hi] / medians[lo]
    figures["dedup_peak_rss_mb"] = peak_rss_mb()
    return figures


def main() -> None:
    """Run the dev-set evaluation and the scale benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    devset()
    scale([int(s) for s in args.sizes.split(",")], args.batch, args.repeat)
    print(f"total {time.perf_counter() - start:.0f} s, peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
