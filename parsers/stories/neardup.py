"""Near-duplicate detection: word shingles, MinHash signatures, LSH band keys, containment-aware scores.

Deterministic (no process-seeded hashing, no RNG streams): the same text gives the same signature,
band keys and text key in every process, so they can be persisted and compared across runs.

- Tokens: NFKC-casefolded words (letters/digits) for Latin text; every CJK ideograph is a token.
- Shingles: SHINGLE consecutive tokens (a text shorter than that is one shingle).
- Signature: NUM_PERM minima of affine maps mod 2**32 (odd multipliers) over the high 32 bits of the
  mixed shingle hashes: uint32, 512 bytes per article. Measured unbiased with the binomial spread
  sqrt(J(1-J)/NUM_PERM). An empty text has an all-EMPTY signature and no band keys.
- LSH: BANDS bands of ROWS rows over the signature, P(candidate) = 1 - (1 - J**ROWS)**BANDS:
  0.56 at J=0.4, 0.87 at 0.5, 0.99 at 0.6. Plus LEAD_BANDS bands over a MinHash of the first LEAD
  shingles only: a version cut to its first paragraphs shares its lead exactly, so truncations are
  candidates whatever their Jaccard. Each band is hashed to a signed 64-bit key (DuckDB BIGINT).
- Score: max(Jaccard, containment of the smaller set in the larger), the containment estimated from
  the Jaccard estimate and the shingle-set sizes, used only when the size ratio is >= MIN_RATIO
  (below that its noise could lift unrelated pairs). A cut to 60% has Jaccard ~0.6, containment ~1.
- THRESHOLD 0.5 on that score: dev-set F1 is flat at its maximum from 0.40 to 0.55 (tests/data/
  neardup, `python -m bench.dedup`); highest negative 0.35 (two stories behind one shared intro).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pyarrow as pa

NUM_PERM = 128
BANDS = 32
ROWS = 4
LEAD = 50
LEAD_BANDS = 8
SHINGLE = 5
THRESHOLD = 0.5
MIN_RATIO = 0.25
MIN_CONTAINED = 20
EMPTY = np.uint32(0xFFFFFFFF)
_CHUNK = 8_192
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_ASCII_TOKEN = re.compile(r"[a-z0-9]+")
_M = np.uint64(0x9E3779B97F4A7C15)


def _splitmix(state: int, n: int) -> np.ndarray:
    out = []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        out.append(z ^ (z >> 31))
    return np.array(out, dtype=np.uint64)


_A = (_splitmix(20220526, NUM_PERM) | np.uint64(1)).astype(np.uint32)  # odd multipliers
_B = _splitmix(20200325, NUM_PERM).astype(np.uint32)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised (uint64 arithmetic wraps)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def tokens(text: str) -> list[str]:
    """Comparison tokens: casefolded NFKC words, and single CJK ideographs."""
    if text.isascii():
        return _ASCII_TOKEN.findall(text.lower())
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def text_key(text: str) -> str:
    """Exact-duplicate key: 32 hex digits of BLAKE2b over the token sequence (ignores layout, punctuation, case)."""
    return hashlib.blake2b(" ".join(tokens(text)).encode(), digest_size=16).hexdigest()


def _shingles(token_lists: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of all documents, concatenated and sorted by document; plus their document ids."""
    vocab: dict[str, int] = {}
    for toks in token_lists:
        vocab.update(dict.fromkeys(toks, 0))
    for t in vocab:
        vocab[t] = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest())
    lengths = np.array([len(x) for x in token_lists], dtype=np.int64)
    flat = np.fromiter(
        map(vocab.__getitem__, chain.from_iterable(token_lists)), np.uint64, int(lengths.sum())
    )
    doc = np.repeat(np.arange(len(token_lists)), lengths)
    n = len(flat) - SHINGLE + 1
    if n > 0:
        h = flat[:n].copy()
        for j in range(1, SHINGLE):
            h = h * _M + flat[j : n + j]
        keep = doc[:n] == doc[SHINGLE - 1 :]
        hashes, owners = _mix(h[keep]), doc[:n][keep]
    else:
        hashes, owners = np.zeros(0, np.uint64), np.zeros(0, np.int64)
    short = [i for i, x in enumerate(token_lists) if 0 < len(x) < SHINGLE]
    if short:
        extra = np.zeros(len(short), dtype=np.uint64)
        for row, i in enumerate(short):
            for t in token_lists[i]:
                extra[row : row + 1] = extra[row : row + 1] * _M + np.uint64(vocab[t])
        hashes = np.concatenate([hashes, _mix(extra)])
        owners = np.concatenate([owners, np.array(short, dtype=np.int64)])
        order = np.argsort(owners, kind="stable")
        hashes, owners = hashes[order], owners[order]
    return hashes, owners


@dataclass(frozen=True)
class Sketch:
    """A batch's sketches: signatures and shingle-set sizes (persist both), lead signatures (for keys)."""

    sigs: np.ndarray  # n x NUM_PERM uint32
    sizes: np.ndarray  # n int32, distinct shingles
    leads: np.ndarray  # n x LEAD_BANDS * ROWS uint32, MinHash of the first LEAD shingles

    def band_matrix(self) -> np.ndarray:
        """LSH keys, n x (BANDS + LEAD_BANDS) int64: full-text bands, then lead bands."""
        return np.hstack([_bands(self.sigs, 0), _bands(self.leads, BANDS)])


def sketch(texts: Sequence[str]) -> Sketch:
    """Signatures, shingle-set sizes and lead signatures of a batch of clean texts."""
    hashes, owners = _shingles([tokens(t) for t in texts])
    n = len(texts)
    sizes = np.zeros(n, dtype=np.int32)
    starts = np.flatnonzero(np.diff(owners, prepend=-1))
    for s, e in zip(starts.tolist(), [*starts[1:].tolist(), len(owners)][: len(starts)], strict=True):
        sizes[owners[s]] = len(np.unique(hashes[s:e]))
    x = (hashes >> np.uint64(32)).astype(np.uint32)  # inputs are already well mixed
    first = np.zeros(n, dtype=np.int64)
    first[owners[starts]] = starts
    lead = np.arange(len(x)) - first[owners] < LEAD
    sigs = _minhash(x, owners, n, NUM_PERM)
    return Sketch(sigs, sizes, _minhash(x[lead], owners[lead], n, LEAD_BANDS * ROWS))


def _minhash(x: np.ndarray, owners: np.ndarray, n: int, perms: int) -> np.ndarray:
    sigs = np.full((n, perms), EMPTY, dtype=np.uint32)
    a, b = _A[:perms, None], _B[:perms, None]
    for lo in range(0, len(x), _CHUNK):
        part, who = x[lo : lo + _CHUNK], owners[lo : lo + _CHUNK]
        values = a * part[None, :] + b  # `perms` affine maps mod 2**32
        cuts = np.flatnonzero(np.diff(who, prepend=-1))
        docs = who[cuts]
        sigs[docs] = np.minimum(sigs[docs], np.minimum.reduceat(values, cuts, axis=1).T)
    return sigs


def signatures(texts: Sequence[str]) -> np.ndarray:
    """MinHash signatures (n x NUM_PERM uint32) of a batch of clean texts."""
    return sketch(texts).sigs


def _bands(sigs: np.ndarray, offset: int) -> np.ndarray:
    nbands = sigs.shape[1] // ROWS
    rows = sigs.reshape(len(sigs), nbands, ROWS).astype(np.uint64)
    acc = np.broadcast_to(np.arange(offset, offset + nbands, dtype=np.uint64) + _M, rows.shape[:2]).copy()
    for r in range(ROWS):
        acc = _mix(acc * _M + rows[:, :, r])
    return acc.view(np.int64)


def band_keys(signature: np.ndarray, lead: np.ndarray | None = None) -> list[int]:
    """The signed 64-bit LSH keys of one text: BANDS full-text keys, then LEAD_BANDS lead keys if given."""
    if bool(np.all(signature == EMPTY)):
        return []
    keys = [int(k) for k in _bands(signature.reshape(1, -1), 0)[0]]
    return keys + ([int(k) for k in _bands(lead.reshape(1, -1), BANDS)[0]] if lead is not None else [])


def band_rows(article_keys: Sequence[int] | np.ndarray, batch: Sketch) -> pa.Table:
    """Arrow table (article_key BIGINT, band UTINYINT, key BIGINT) for a bulk insert; empty texts skipped."""
    keys = np.asarray(article_keys, dtype=np.int64)
    live = ~np.all(batch.sigs == EMPTY, axis=1)
    bands = batch.band_matrix()[live]
    return pa.table(
        {
            "article_key": np.repeat(keys[live], bands.shape[1]),
            "band": np.tile(np.arange(bands.shape[1], dtype=np.uint8), int(live.sum())),
            "key": bands.ravel(),
        }
    )


def similarities(sig_a: np.ndarray, sig_b: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Row-wise pair scores: max(Jaccard estimate, containment of the smaller set) in [0, 1]."""
    sig_a, sig_b = np.atleast_2d(sig_a), np.atleast_2d(sig_b)
    live = ~(np.all(sig_a == EMPTY, axis=1) | np.all(sig_b == EMPTY, axis=1))
    return scores_of(np.where(live, (sig_a == sig_b).mean(axis=1), 0.0), size_a, size_b)


def score_bounds(shared_bands: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """The highest score a pair sharing `shared_bands` of the BANDS full-text bands can have.

    A band not shared has at least one of its ROWS values different, so at most
    NUM_PERM - (BANDS - shared) values agree; the score grows with that count.
    """
    agree = NUM_PERM - (BANDS - np.minimum(np.asarray(shared_bands, dtype=np.int64), BANDS))
    return scores_of(agree / NUM_PERM, size_a, size_b)


def scores_of(jac: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Pair scores from Jaccard estimates and shingle-set sizes (increasing with the estimate)."""
    na, nb = np.asarray(size_a, dtype=np.float64), np.asarray(size_b, dtype=np.float64)
    small, large = np.minimum(na, nb), np.maximum(na, nb)
    usable = (small >= MIN_CONTAINED) & (small >= MIN_RATIO * large)
    contained = jac * (na + nb) / (1.0 + jac) / np.maximum(small, 1.0)
    return np.clip(np.where(usable, np.maximum(jac, contained), jac), 0.0, 1.0)


def similarity(sig_a: np.ndarray, sig_b: np.ndarray, size_a: int = 0, size_b: int = 0) -> float:
    """Score of one pair; without sizes (or below MIN_CONTAINED shingles) the plain Jaccard estimate."""
    return float(similarities(sig_a, sig_b, np.array([size_a]), np.array([size_b]))[0])


def candidate_pairs(batch: Sketch) -> list[tuple[int, int]]:
    """In-memory LSH within a batch: index pairs (i < j) sharing a band key; empty texts never pair."""
    rows = np.flatnonzero(~np.all(batch.sigs == EMPTY, axis=1))
    keys = batch.band_matrix()[rows]
    if not keys.size:
        return []
    # every (band, key) of the live rows, sorted: a bucket is a run of equal cells (numpy, not a dict
    # of 20k buckets per batch of 500)
    band = np.broadcast_to(np.arange(keys.shape[1]), keys.shape).ravel()
    owner = np.broadcast_to(rows[:, None], keys.shape).ravel()
    flat = keys.ravel()
    order = np.lexsort((owner, flat, band))
    band, flat, owner = band[order], flat[order], owner[order]
    same = (band[1:] == band[:-1]) & (flat[1:] == flat[:-1])
    if not same.any():
        return []
    starts = np.flatnonzero(np.r_[True, ~same])
    sizes = np.diff(np.r_[starts, len(flat)])
    found = []
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        members = owner[start : start + size]
        i, j = np.triu_indices(size, 1)
        found.append(members[i] * len(batch.sigs) + members[j])  # members ascending: a < b
    pairs = np.unique(np.concatenate(found))
    n = len(batch.sigs)
    return list(zip((pairs // n).tolist(), (pairs % n).tolist(), strict=True))


def article_key(article_id: str) -> int:
    """A 16-hex-digit article id as a signed 64-bit integer (the BIGINT key of the band table)."""
    value = int(article_id[:16], 16)
    return value - (1 << 64) if value >= 1 << 63 else value
