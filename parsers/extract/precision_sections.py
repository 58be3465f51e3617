"""The section pruning and frame extraction of trafilatura's precision pass (see parsers.extract.precision).

trafilatura 2.3.1's main_extractor.prune_unwanted_sections, _extract and recover_wild_text
(Apache-2.0), adapted: the precision focus only, the XPath expressions run as Python
(parsers.extract.xpathfast).
"""

from __future__ import annotations

from typing import Any

from lxml.etree import Element, strip_tags
from lxml.html import HtmlElement
from trafilatura import main_extractor as tme
from trafilatura import xpaths
from trafilatura.htmlprocessing import delete_by_link_density, link_density_test_tables, prune_unwanted_nodes
from trafilatura.settings import (
    DEDUPE_SCAN_CAP,
    INLINE_FORMATTABLE,
    MIN_DUPLICATE_LENGTH,
    TAG_CATALOG,
    Extractor,
)
from trafilatura.utils import text_chars_test, trim
from trafilatura.xml import delete_element

from parsers.extract.xpathfast import fast

BODY = fast(xpaths.BODY_XPATH)
OVERALL_DISCARD = fast(xpaths.OVERALL_DISCARD_XPATH)
DISCARD_IMAGES = fast(xpaths.DISCARD_IMAGE_ELEMENTS)
TEASERS = fast(xpaths.TEASER_DISCARD_XPATH)
PRECISION_DISCARD = fast(xpaths.PRECISION_DISCARD_XPATH)


def prune_sections(tree: HtmlElement, potential_tags: set[str], opts: Extractor) -> HtmlElement:
    """trafilatura's prune_unwanted_sections for the precision focus."""
    tree = _prune_guarded(tree, OVERALL_DISCARD)
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


def _prune_guarded(tree: HtmlElement, nodelist: list[Any]) -> HtmlElement:
    # trafilatura's prune_unwanted_nodes(with_backup=True), the test for a matched ancestor done in C
    # (isdisjoint stops at the first one, as any() did): the same elements pruned, or none
    matches = dict.fromkeys(elem for expression in nodelist for elem in expression(tree))
    found = matches.keys()
    outer = [elem for elem in matches if found.isdisjoint(elem.iterancestors())]
    old_len = len(tree.text_content())
    if old_len - sum(len(elem.text_content()) for elem in outer) > old_len / 7:
        for elem in outer:
            delete_element(elem)
    return tree


def extract_frame(
    tree: HtmlElement, opts: Extractor, trace: dict[str, Any] | None = None
) -> tuple[Any, str, set[str]]:
    """trafilatura's _extract: the first content frame (BODY_XPATH) that yields text, and its text.

    `trace`, if given, gets `frame`: (tag, id, class) of that frame when it was the first element any
    expression found (what parsers.extract.hosts learns), else None.
    """
    potential_tags = set(TAG_CATALOG)
    found_before = False
    if opts.tables is True:
        potential_tags.update(["table", "td", "th", "tr"])
    result_body = Element("body")
    for expr in BODY:
        subtree = next((s for s in expr(tree) if s is not None), None)
        if subtree is None:
            continue
        frame = None if found_before else (subtree.tag, subtree.get("id"), subtree.get("class"))
        found_before = True
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
            if trace is not None:
                trace["frame"] = frame
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


def recover_wild_text(
    tree: HtmlElement, result_body: Any, opts: Extractor, potential_tags: set[str], consumed: set[Any]
) -> Any:
    """trafilatura's recover_wild_text for the precision focus: stray paragraphs anywhere on the page."""
    potential_tags = set(potential_tags)
    search_tree = prune_sections(tree, potential_tags, opts)  # teasers pruned too: the pass is not `fast`
    subelems = search_tree.xpath(".//code|.//p|.//quote|.//table|.//div[contains(@class, 'w3-code')]")
    elem_texts = [tme._elem_text(el) for el in result_body]
    existing = "\n".join(filter(None, elem_texts))
    existing_elems = set(elem_texts)
    handled: set[Any] = set()
    for subelem in subelems:
        if (consumed and subelem in consumed) or any(a in handled for a in subelem.iterancestors()):
            continue
        processed = tme.handle_textelem(subelem, potential_tags, opts)
        if processed is None:
            continue
        if processed is subelem:
            handled.add(subelem)
        text = tme._elem_text(processed)
        images = {img.get("src") for img in processed.iter("graphic")}
        if not text and images and images <= {g.get("src") for g in result_body.iter("graphic")}:
            continue
        under_cap = len(existing) <= DEDUPE_SCAN_CAP
        fragment = trim(text + (processed.tail or "")) if text_chars_test(processed.tail) else ""
        if text and (
            text in existing_elems
            or (
                under_cap
                and (
                    (len(text) > MIN_DUPLICATE_LENGTH and text in existing)
                    or (fragment and fragment in existing)
                )
            )
        ):
            continue
        result_body.append(processed)
        if under_cap:
            existing += "\n" + (fragment or text)
        existing_elems.add(text)
    return result_body
