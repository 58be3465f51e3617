"""trafilatura's precision pass (comments off), with its XPath run as Python and fewer tree copies.

The steps are those of trafilatura 2.3.1's `bare_extraction(favor_precision=True,
include_comments=False)` (core.trafilatura_sequence, main_extractor.extract_content and
external.compare_extraction, Apache-2.0, adapted here and in `precision_sections`), with three
changes:
- the section XPath expressions are `parsers.extract.xpathfast` (the same elements, in about half
  the time);
- the page's tree is worked on in place, and the copies trafilatura keeps for its fallbacks are
  made only when a fallback runs, by parsing the page again and repeating the same deterministic
  steps (`again`);
- the comparison with readability and justext (a third of the pass) runs only when the main
  extractor's result looks doubtful (`doubtful`): short, or with few paragraphs. On the aeb
  pages the comparison changed the text of 6 pages, every one of them doubtful by that test, so the
  texts there are those of trafilatura's pass (`tests/test_precision.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from copy import copy, deepcopy
from typing import Any

from lxml.etree import strip_elements, strip_tags, tostring
from lxml.html import HtmlElement
from trafilatura import main_extractor as tme
from trafilatura import xpaths
from trafilatura.core import _forum_thread_page
from trafilatura.external import (
    SANITIZED_XPATH,
    _prefer_readability,
    justext_rescue,
    sanitize_tree,
    try_readability,
)
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.settings import MIN_DUPLICATE_LENGTH, Extractor
from trafilatura.utils import SPACING_PROTECTED, text_chars_test, trim
from trafilatura.xml import delete_element, xmltotxt

from parsers.extract.precision_sections import OVERALL_DISCARD, extract_frame, recover_wild_text
from parsers.extract.xpathfast import fast

RAW_PRUNE = fast(xpaths.RAW_TREE_PRUNE_XPATH)
COMMENTS_AND_LISTS = fast(xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH)
COMMENTS = fast(xpaths.REMOVE_COMMENTS_XPATH)
DOUBTFUL_CHARS = 1000  # below this many characters the comparison runs
DOUBTFUL_PARAGRAPHS = 3  # at or below this many paragraphs too
JUSTEXT_OVERRIDE_RATIO = 3  # trafilatura's, for an unclean result


def options(url: str | None) -> Extractor:
    """trafilatura's settings for the precision pass without comments."""
    return Extractor(output_format="python", precision=True, comments=False, url=url)


def precise_text(
    tree: HtmlElement,
    opts: Extractor,
    again: Callable[[], HtmlElement],
    trace: dict[str, Any] | None = None,
    keep_backup: bool = False,
) -> str | None:
    """The precision pass's text (what `bare_extraction(...).text` holds), None if it found too little.

    `tree` is changed; `again()` parses the page once more, for the fallbacks that need it. `trace`
    gets `frame` (see precision_sections.extract_frame), `whole_page`: whether a step that reads
    the whole page ran (the recovery of stray paragraphs, the comparison, a forum page), and
    `recovered`: whether the recovery of stray paragraphs ran. `keep_backup`: copy the cleaned tree
    before the frame search, for a recovery expected to run (a copy costs less than parsing and
    cleaning the page again; the tree is the same).
    """
    trace = {} if trace is None else trace
    is_forum = _forum_thread_page(tree)
    trace["whole_page"] = is_forum
    cleaned = convert_tags(tree_cleaning(_raw(tree), opts), opts, opts.url)
    if not is_forum:
        cleaned = prune_unwanted_nodes(cleaned, COMMENTS)
    if keep_backup:
        kept = _held(deepcopy(cleaned))
        backup: Callable[[], HtmlElement] = lambda: kept  # noqa: E731
    else:
        backup = lambda: _cleaned(_raw(_held(again())), opts, is_forum)  # noqa: E731
    body, text = extract_content(cleaned, backup, opts, trace)
    if doubtful(body, text):
        trace["whole_page"] = True
        page = _held(again())
        body, text = compare(_raw(page), body, text, opts)
    if len(text) < opts.min_output_size:
        return None
    return xmltotxt(body, opts.formatting)


def _held(tree: HtmlElement) -> HtmlElement:
    # element proxies kept alive for as long as the tree (see parsers.extract.html); a cycle, which
    # the garbage collector frees with the tree
    tree.alive = list(tree.iter())
    return tree


def _raw(tree: HtmlElement) -> HtmlElement:
    tree = prune_unwanted_nodes(tree, RAW_PRUNE)
    return prune_unwanted_nodes(tree, COMMENTS_AND_LISTS)  # precision prunes comments even on forums


def _cleaned(raw: HtmlElement, opts: Extractor, is_forum: bool) -> HtmlElement:
    cleaned = convert_tags(tree_cleaning(raw, opts), opts, opts.url)
    return cleaned if is_forum else prune_unwanted_nodes(cleaned, COMMENTS)


def doubtful(body: Any, text: str) -> bool:
    """Whether readability and justext should be asked: little text, or few paragraphs."""
    return len(text) < DOUBTFUL_CHARS or len(body.findall(".//p")) <= DOUBTFUL_PARAGRAPHS


def compare(raw: HtmlElement, body: Any, text: str, opts: Extractor) -> tuple[Any, str]:
    """trafilatura's compare_extraction in precision mode: readability, then justext if still unclean or short."""
    cleaned = tree_cleaning(copy(raw), opts)  # justext reads the cleaned, unconverted tree
    algo_body = try_readability(prune_unwanted_nodes(raw, OVERALL_DISCARD))
    algo_text = trim(tostring(algo_body, method="text", encoding="utf-8").decode("utf-8"))
    use_readability = _prefer_readability(body, algo_body, algo_text, len(text), len(algo_text), opts)
    if use_readability:
        body, text = algo_body, algo_text
    unclean = bool(body.xpath(SANITIZED_XPATH))
    if unclean or len(text) < opts.min_extracted_size:
        body2, text2 = justext_rescue(cleaned, opts)
        if unclean:
            accept = len(text) <= JUSTEXT_OVERRIDE_RATIO * len(text2) and (
                len(text2) > len(text) or not opts.images or body.find(".//graphic") is None
            )
        else:
            accept = len(text) < len(text2)
        if text2 and accept:
            body, text, use_readability = body2, text2, False
    if use_readability:
        body, text = sanitize_tree(body, opts)
    return body, text


def extract_content(
    cleaned: HtmlElement, backup: Callable[[], HtmlElement], opts: Extractor, trace: dict[str, Any]
) -> tuple[Any, str]:
    """trafilatura's extract_content; `backup()` rebuilds the cleaned tree as it was, if the recovery needs it."""
    order = list(cleaned.iter())
    body, text, potential_tags = extract_frame(cleaned, opts, trace)
    if len(body) == 0 or len(text) < opts.min_extracted_size:
        trace["whole_page"] = trace["recovered"] = True
        before = backup()
        consumed = {twin for elem, twin in zip(order, before.iter(), strict=True) if elem.tag == "done"}
        body = recover_wild_text(before, body, opts, potential_tags, consumed)
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
