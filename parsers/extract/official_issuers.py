"""Issuing bodies of official documents: as written (from a title, a signature, a document number) and
their canonical names from the bilingual gazetteer (`seeds/gazetteer.toml`): pure functions.
"""

from __future__ import annotations

import re

from parsers.classify.fields import bodies, load_gazetteer
from parsers.classify.topic_rules import fold

# The endings of Chinese body names (院, 部, 厅, 署, ...) and the words English names are made of.
_ZH_BODY = re.compile(
    r"(?:院|部|厅|署|局|委|会|办|室|政府|海关|中心|银行|军委|集团|公司|协会|法院|检察院|司|处|所|站|组)$"
)
_EN_BODY = re.compile(
    r"\b(?:Customs|Ministry|Council|Commission|Administration|Office|Government|Bureau|Department|Bank|"
    r"Committee|Agency|Authority)\b"
)
_JOINT = re.compile(r"[、，,;；/]|\s+and\s+|\s+(?=[\u4e00-\u9fff])")
# State Council codes (国发, 国办函, ...) name their issuer; ministries' 公告 and 令 begin with it.
_CODES = (
    ("国办发", "国务院办公厅"),
    ("国办函", "国务院办公厅"),
    ("国发", "国务院"),
    ("国函", "国务院"),
    ("国令", "国务院"),
)
_NUMBER_ISSUER = re.compile(r"^([\u4e00-\u9fff、]{2,24}?)(?:\d{4}年第\d+号)?(?:公告|令)")


def looks_like_body(name: str) -> bool:
    """A short name that reads as one body or several (`国务院办公厅`, `商务部 海关总署`, `The ... Customs`)."""
    name = name.strip()
    if not name or len(name) > 40 or re.search(r"[\d。，：:；;！？!?《》“”\"]", name):
        return False
    parts = [p for p in _JOINT.split(name) if p.strip()]
    if all(_ZH_BODY.search(fold(p.strip())) for p in parts):
        return True
    return bool(_EN_BODY.search(name)) and name[:1].isupper() and canonical_issuer(name) is not None


def issuer_in_title(title: str) -> str | None:
    """The issuer a title starts with (`国务院办公厅关于...的通知`), or the body an English title names."""
    lead = re.match(r"^(.{2,40}?)(?:转发|批转|关于)", fold(title))
    if lead and looks_like_body(title[: lead.end(1)]):  # 国务院办公厅转发国家教委关于...: the forwarder
        return title[: lead.end(1)].strip()
    if re.search(r"[\u4e00-\u9fff]", title):
        return None
    gazetteer = load_gazetteer()
    found = gazetteer.body_pattern.search(title)
    if found and not gazetteer.bodies[_norm(found.group())][2]:  # a national body, not `port office`
        return found.group()
    return None


def issuer_from_number(number: str) -> str | None:
    """The issuer a document number names: 国办函〔2018〕71号 -> 国务院办公厅, 海关总署公告2024年第12号 -> 海关总署."""
    for code, issuer in _CODES:
        if number.startswith(code):
            return issuer
    match = _NUMBER_ISSUER.match(number)
    return match.group(1) if match and looks_like_body(match.group(1)) else None


def canonical_issuer(issuer: str) -> str | None:
    """The gazetteer's name of an issuer as written; joint issuers `; `-separated; None when any is unknown."""
    gazetteer = load_gazetteer()
    names = []
    for part in (p.strip() for p in _JOINT.split(fold(issuer)) if p.strip()):
        key = _norm(re.sub(r"^the\s+", "", part))
        known = gazetteer.bodies.get(key)
        if known is None:
            found = bodies(part, gazetteer)
            if len(found) != 1:
                return None
            names.append(found[0].name)
        else:
            names.append(known[0])
    return "; ".join(dict.fromkeys(names)) if names else None


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).lower()
