"""trafilatura's `load_html` for a page already decoded, without its regular expression over the whole text.

trafilatura 2.3.1's `utils.load_html` (Apache-2.0) first deletes the characters XML forbids with a regular
expression over the whole page (`INVALID_XML_CHARS`, a character class: a third of the time lxml takes to
parse the page). Real pages almost never hold one, and whether one does is a few scans in C: the
page encoded as UTF-8 loses no byte when the forbidden control bytes are deleted, and holds neither
U+FFFE nor U+FFFF. Only then is the deletion skipped; every other step is trafilatura's, so the tree is
the one `trafilatura.load_html` gives (`tests/test_htmlload.py` compares them on real pages).
"""

from __future__ import annotations

import trafilatura
from lxml.html import HtmlElement
from trafilatura import utils

# the code points below U+0020 that INVALID_XML_CHARS deletes (all but tab, newline, carriage return)
_CONTROL = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_ILLEGAL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]"  # what the shortcut assumes the pattern is


def load_html(text: str) -> HtmlElement | None:
    """The page's tree, as `trafilatura.load_html(text)` returns it (None where it gives none)."""
    if utils.INVALID_XML_CHARS.pattern != _ILLEGAL or _has_illegal(text):
        return trafilatura.load_html(text)
    beginning = text[:50].lower()
    check_flag = utils.is_dubious_html(beginning)
    if "doctype" in beginning:  # as repair_faulty_html does after its deletion
        firstline, _, rest = text.partition("\n")
        text = utils.DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    for line in text[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            text = utils.FAULTY_HTML.sub(r"\1>", text, count=1)
            break
    fallback_parse = False
    tree = None
    try:
        tree = utils.fromstring(text, parser=utils.HTML_PARSER)
    except ValueError:  # a Unicode string with an encoding declaration
        tree = utils.fromstring_bytes(text)
        fallback_parse = True
    except Exception as err:  # as trafilatura: logged, then the bytes are tried
        utils.LOGGER.error("lxml parsing failed: %s", err)
    if (tree is None or len(tree) < 1) and not fallback_parse:
        tree = utils.fromstring_bytes(text)
    if tree is not None and check_flag is True and len(tree) < 2:
        utils.LOGGER.error("parsed tree length: %s, wrong data type or not valid HTML", len(tree))
        tree = None
    return tree


def _has_illegal(text: str) -> bool:
    """Whether `text` holds a character INVALID_XML_CHARS would delete."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: leave the page to trafilatura
        return True
    return len(data.translate(None, _CONTROL)) != len(data) or "\ufffe" in text or "\uffff" in text
