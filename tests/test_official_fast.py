"""The faster reading of official-document metadata finds what the plain one found, on real pages.

`official_html._texts` walks the tree instead of evaluating `_TEXTS` (an XPath testing every text
node's ancestors), `official_forms.inline_fields` skips lines where no label can end before a colon
or bracket before running its large pattern, `number_spans` runs its Chinese patterns only on
lines with 号 and its English ones only on lines with `no` (and the readings skip lines where a
label, a number or a date cannot be, `may_be_label` and its kin): on the gov.cn documents and the real
pages of tests/data, each gives exactly what the XPath and the patterns alone give.
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


def _every_number(text: str) -> list[tuple[int, int, str]]:
    """number_spans without its shortcuts: every pattern run on the line."""
    folded = fold(text).translate(forms._FULLWIDTH)
    text = folded if len(folded) != len(text) else text
    found = []
    for pattern in forms._ZH_NUMBER:
        for m in pattern.finditer(folded):
            lead = forms._CITING.match(m.group()).end()  # type: ignore[union-attr]
            found.append((m.start() + lead, m.end(), forms.zh_number(text[m.start() + lead : m.end()])))
    for pattern in forms._EN_NUMBER:
        found += [(m.start(), m.end(), forms.en_number(m)) for m in pattern.finditer(folded)]
    kept: list[tuple[int, int, str]] = []
    for start, end, number in sorted(found, key=lambda f: (f[0], f[0] - f[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end, number))
    return kept


def test_number_spans_with_its_shortcuts_finds_every_number():
    lines = [line for p in PAGES for line in official_html.block_lines(trafilatura.load_html(_read(p)))]
    lines += [line for p in TEXTS for line in _read(p).splitlines() if line.strip()]
    found = [forms.number_spans(line) for line in lines]
    assert found == [_every_number(line) for line in lines]
    assert sum(map(bool, found)) > 20


def _block_of(node):
    while node is not None and node.tag not in official_html._BLOCKS:
        node = node.getparent()
    return node


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name[:28])
def test_the_block_walk_joins_the_texts_as_their_blocks_do(path):
    """block_lines' stack of blocks gives the lines the texts give with each one's block looked up."""
    tree = trafilatura.load_html(_read(path))
    lines, parts, owner = [], [], None
    for text, element, is_tail in official_html._texts(tree):
        block = _block_of(element.getparent() if is_tail else element)
        if block is not owner:
            official_html._flush(lines, parts)
            owner = block
        parts.append(str(text))
    official_html._flush(lines, parts)
    assert official_html.block_lines(tree) == lines


def test_the_cheap_prechecks_never_turn_away_a_label_a_number_or_a_date():
    """may_be_label, may_hold_number and may_hold_date say False only where the full reading finds nothing."""
    lines = [line for p in PAGES for line in official_html.block_lines(trafilatura.load_html(_read(p)))]
    lines += [line for p in TEXTS for line in _read(p).splitlines() if line.strip()]
    labels = [line for line in lines if forms.label_of(line)]
    assert all(forms.may_be_label(line) for line in labels) and len(labels) > 20
    assert all(forms.may_hold_number(line) for line in lines if forms.number_spans(line))
    assert all(forms.may_hold_date(line) for line in lines if forms.dates(line))
    spaced = "发  文  字  号 ：" + " " * 40  # padding and spaces do not hide a label
    assert forms.may_be_label(spaced) and forms.label_of(spaced) == "document_no"
    assert sum(not forms.may_be_label(line) for line in lines) > len(lines) // 4  # and most are skipped
