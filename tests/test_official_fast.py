"""The faster reading of official-document metadata finds what the plain one found, on real pages.

`official_html._texts` walks the tree instead of evaluating `_TEXTS` (an XPath testing every text
node's ancestors), and `official_forms.inline_fields` skips lines where no label can end before
a colon or bracket before running its large pattern: on the gov.cn documents and the real pages
of tests/data, both give exactly what the XPath and the pattern alone give.
"""

from __future__ import annotations

import gzip

import pytest
import trafilatura

from conftest import ROOT
from parsers.classify.topic_rules import fold
from parsers.extract import official_forms as forms
from parsers.extract import official_html

PAGES = [
    *sorted((ROOT / "tests" / "data" / "official" / "govcn").glob("*.html.gz")),
    *sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz")),
    *sorted((ROOT / "tests" / "data" / "pages").glob("*.htm*")),
]
TEXTS = sorted((ROOT / "tests" / "data" / "official" / "pages").glob("*.txt.gz"))


def _read(path) -> str:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8", errors="replace")


def _every_pattern_hit(line: str) -> list[tuple[str, str]]:
    """inline_fields without its shortcuts: the pattern run on every line."""
    folded = forms._SPACED_LABEL.sub("", fold(line))
    original = (
        forms._SPACED_LABEL.sub("", line) if len(folded) == len(forms._SPACED_LABEL.sub("", line)) else folded
    )
    hits = list(forms._INLINE.finditer(folded))
    found = []
    for i, m in enumerate(hits):
        end = hits[i + 1].start() if i + 1 < len(hits) else len(original)
        field = forms.label_of(m.group("label"))
        if field:
            found.append((field, forms.clean(original[m.end() : end])))
    return found


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name[:28])
def test_the_walk_finds_the_texts_the_xpath_finds(path):
    tree = trafilatura.load_html(_read(path))
    by_xpath = [(str(t), t.getparent(), t.is_tail) for t in tree.xpath(official_html._TEXTS)]
    assert list(official_html._texts(tree)) == [x for x in by_xpath if x[1] is not None]


def test_inline_fields_with_its_shortcuts_finds_every_field():
    lines = [line for p in PAGES for line in official_html.block_lines(trafilatura.load_html(_read(p)))]
    lines += [line for p in TEXTS for line in _read(p).splitlines() if line.strip()]
    found = [forms.inline_fields(line) for line in lines]
    assert found == [_every_pattern_hit(line) for line in lines]
    assert sum(map(bool, found)) > 20  # the labelled metadata tables and lines are there
