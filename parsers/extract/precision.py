"""trafilatura's precision pass (comments off), with its XPath run as Python and fewer tree copies.

The steps are those of trafilatura 2.3.1's `bare_extraction(favor_precision=True,
include_comments=False)` (core.trafilatura_sequence and main_extractor.extract_content, Apache-2.0,
adapted here), with three changes that keep the result:
- the section XPath expressions are `parsers.extract.xpathfast` (the same elements, a third of
  the time);
- the caller's tree is worked on in place (the caller keeps no other use for it) and the copies
  trafilatura takes for fallbacks are taken only when a fallback runs: they are rebuilt by
  running the same deterministic steps again on a copy kept of the raw tree;
- the comparison with readability and justext (`compare_extraction`, a third of the pass) runs
  only when the main extractor's result looks doubtful (`doubtful`): short, or with few
  paragraphs. On the aeb pages it changed the text of 6 pages, all of them doubtful by that test.
"""

from __future__ import annotations

from copy import copy, deepcopy
from typing import Any

from lxml.etree import Element, strip_elements, strip_tags
from lxml.html import HtmlElement
from trafilatura import main_extractor as tme
from trafilatura import xpaths
from trafilatura.core import _forum_thread_page
from trafilatura.external import compare_extraction
from trafilatura.htmlprocessing import (
    convert_tags,
    delete_by_link_density,
    link_density_test_tables,
    prune_unwanted_nodes,
    tree_cleaning,
)
from trafilatura.settings import INLINE_FORMATTABLE, MIN_DUPLICATE_LENGTH, TAG_CATALOG, Extractor
from trafilatura.utils import SPACING_PROTECTED, text_chars_test, trim
from trafilatura.xml import delete_element, xmltotxt

from parsers.extract.xpathfast import fast

RAW_PRUNE = fast(xpaths.RAW_TREE_PRUNE_XPATH)
COMMENTS_AND_LISTS = fast(xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH)
COMMENTS = fast(xpaths.REMOVE_COMMENTS_XPATH)
BODY = fast(xpaths.BODY_XPATH)
OVERALL_DISCARD = fast(xpaths.OVERALL_DISCARD_XPATH)
DISCARD_IMAGES = fast(xpaths.DISCARD_IMAGE_ELEMENTS)
TEASERS = fast(xpaths.TEASER_DISCARD_XPATH)
PRECISION_DISCARD = fast(xpaths.PRECISION_DISCARD_XPATH)
DOUBTFUL_CHARS = 1000  # below this many characters the comparison runs
DOUBTFUL_PARAGRAPHS = 3  # at or below this many paragraphs too


def options(url: str | None) -> Extractor:
    """trafilatura's settings for the precision pass without comments."""
    return Extractor(output_format="python", precision=True, comments=False, url=url)


def precise_text(tree: HtmlElement, opts: Extractor) -> str | None:
    """The precision pass's text (what `bare_extraction(...).text` holds), None if it found too little.

    `tree` is changed: pass a tree of your own.
    """
    is_forum = _forum_thread_page(tree)
    tree = prune_unwanted_nodes(tree, RAW_PRUNE)
    tree = prune_unwanted_nodes(tree, COMMENTS_AND_LISTS)  # precision prunes comments even on forums
    raw = copy(tree)  # what readability reads, if the comparison runs
    cleaned = convert_tags(tree_cleaning(tree, opts), opts, opts.url)
    if not is_forum:
        cleaned = prune_unwanted_nodes(cleaned, COMMENTS)
    body, text = extract_content(cleaned, raw, opts, is_forum)
    if doubtful(body, text):
        body, text = compare_extraction(tree_cleaning(copy(raw), opts), copy(raw), body, text, opts)
    if len(text) < opts.min_output_size:
        return None
    return xmltotxt(body, opts.formatting)


def doubtful(body: Any, text: str) -> bool:
    """Whether readability and justext should be asked: little text, or few paragraphs."""
    return len(text) < DOUBTFUL_CHARS or len(body.findall(".//p")) <= DOUBTFUL_PARAGRAPHS


def extract_content(
    cleaned: HtmlElement, raw: HtmlElement, opts: Extractor, is_forum: bool
) -> tuple[Any, str]:
    """trafilatura's extract_content, its backup tree rebuilt from `raw` only when the recovery needs it."""
    order = list(cleaned.iter())
    body, text, potential_tags = _extract(cleaned, opts)
    if len(body) == 0 or len(text) < opts.min_extracted_size:
        backup = _rebuild(raw, opts, is_forum)
        consumed = {twin for elem, twin in zip(order, backup.iter(), strict=True) if elem.tag == "done"}
        body = tme.recover_wild_text(backup, body, opts, potential_tags, consumed)
        text = " ".join(body.itertext()).strip()
    previous = None
    for el in list(body):
        current = tme._elem_text(el)
        if current and current == previous and len(current) > MIN_DUPLICATE_LENGTH:
            delete_element(el, keep_tail=False)
        else:
            previous = current
    strip_elements(body, "done")
    strip_tags(body, "div")
    for linebreak in body.iter("lb"):
        if (
            linebreak.tail
            and not text_chars_test(linebreak.tail)
            and not any(anc.tag in SPACING_PROTECTED for anc in linebreak.iterancestors())
        ):
            linebreak.tail = None
    return body, text


def _rebuild(raw: HtmlElement, opts: Extractor, is_forum: bool) -> HtmlElement:
    # the cleaned tree as it was before _extract moved its elements (the same steps on a copy)
    cleaned = convert_tags(tree_cleaning(copy(raw), opts), opts, opts.url)
    return cleaned if is_forum else prune_unwanted_nodes(cleaned, COMMENTS)


def prune_sections(tree: HtmlElement, potential_tags: set[str], opts: Extractor) -> HtmlElement:
    """trafilatura's prune_unwanted_sections for the precision focus."""
    tree = prune_unwanted_nodes(tree, OVERALL_DISCARD, with_backup=True)
    if "graphic" not in potential_tags:
        tree = prune_unwanted_nodes(tree, DISCARD_IMAGES)
    tree = prune_unwanted_nodes(tree, TEASERS)
    tree = prune_unwanted_nodes(tree, PRECISION_DISCARD)
    for _ in range(2):
        tree = delete_by_link_density(tree, "div", backtracking=True, favor_precision=True)
        tree = delete_by_link_density(tree, "list", backtracking=False, favor_precision=True)
        tree = delete_by_link_density(tree, "p", backtracking=False, favor_precision=True)
    for elem in [e for e in tree.iter("table") if link_density_test_tables(e) is True]:
        delete_element(elem, keep_tail=False)
    while len(tree) > 0 and (tree[-1].tag == "head"):
        delete_element(tree[-1], keep_tail=False)
    tree = delete_by_link_density(tree, "head", backtracking=False, favor_precision=True)
    tree = delete_by_link_density(tree, "quote", backtracking=False, favor_precision=True)
    strip_tags(tree, "span", *(() if "ref" in potential_tags else ("ref",)))
    return tree


def _extract(tree: HtmlElement, opts: Extractor) -> tuple[Any, str, set[str]]:
    potential_tags = set(TAG_CATALOG)
    if opts.tables is True:
        potential_tags.update(["table", "td", "th", "tr"])
    result_body = Element("body")
    for expr in BODY:
        subtree = next((s for s in expr(tree) if s is not None), None)
        if subtree is None:
            continue
        subtree = prune_sections(subtree, potential_tags, opts)
        if len(subtree) == 0:
            continue
        ptest = subtree.xpath("//p//text()")
        if not ptest or len("".join(ptest)) < opts.min_extracted_size:
            potential_tags.add("div")
        subelems = subtree.xpath(".//*")
        tags = {e.tag for e in subelems}
        if tags == {"lb"} or (
            subtree.tag == "div" and "div" in potential_tags and tags <= INLINE_FORMATTABLE | {"lb"}
        ):
            subelems = [subtree]
        lead, start = None, len(result_body)
        if subelems != [subtree] and text_chars_test(subtree.text):
            lead = Element("p")
            lead.text = subtree.text
            lead = tme.process_node(lead, opts)
        for elem in subelems:
            _take(elem, result_body, potential_tags, opts)
        while len(result_body) > 0 and (result_body[-1].tag in tme.NOT_AT_THE_END):
            delete_element(result_body[-1], keep_tail=False)
        if sum(e.tag != "graphic" for e in result_body) > 1:
            if lead is not None:
                result_body.insert(start, lead)
            break
    return result_body, " ".join(result_body.itertext()).strip(), potential_tags


def _take(elem: Any, result_body: Any, potential_tags: set[str], opts: Extractor) -> None:
    # the body of _extract's loop over the frame's elements (see trafilatura for the reasons)
    if elem.getroottree().getroot() is result_body:
        return
    tag, tail = elem.tag, elem.tail
    processed_elem = tme.handle_textelem(elem, potential_tags, opts)
    if processed_elem is not None:
        result_body.append(processed_elem)
        if elem.getroottree().getroot() is not result_body:
            elem.tag = "done"
    if (
        tag in tme.REBUILT_BLOCKS
        and text_chars_test(tail)
        and (processed_elem is None or processed_elem.tail is None)
    ):
        tail_elem = Element("p")
        tail_elem.text = tail
        if tme.process_node(tail_elem, opts) is not None:
            result_body.append(tail_elem)


def precise_or_none(tree: HtmlElement, url: str | None) -> str | None:
    """`precise_text` on a copy of `tree` (for callers that keep using theirs)."""
    return precise_text(deepcopy(tree), options(url))


__all__ = ["doubtful", "options", "precise_or_none", "precise_text", "trim"]
