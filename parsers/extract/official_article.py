"""An article with its official-document metadata: number, issuer, written date, and the document's own
title and publication date where the page's are missing, generic or cut: a pure function.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, tzinfo

from parsers.classify.topic_rules import fold
from parsers.extract.dates import CHINA_TZ
from parsers.extract.official import Official
from parsers.extract.official_issuers import canonical_issuer
from parsers.model import Article

# Page titles that name the site or the section, not the document (compared after folding).
GENERIC_TITLES = frozenset(
    fold(t)
    for t in (
        "中国政府网", "中华人民共和国中央人民政府", "中央人民政府门户网站", "政府信息公开", "信息公开", "通知公告",
        "公告", "公告通知", "通知", "政策", "政策文件", "政策法规", "文件", "首页", "正文", "详情", "详细信息",
        "海关总署", "中华人民共和国海关总署", "商务部", "中华人民共和国商务部", "商务部网站", "国务院",
        "国务院文件", "法律法规", "规范性文件", "政务公开", "新闻发布", "home", "homepage", "announcements",
        "announcement", "notices", "policies", "policy", "policy releases", "laws and regulations", "news",
        "ministry of commerce", "general administration of customs", "the state council",
    )
)  # fmt: skip


def generic_title(title: str) -> bool:
    """A page title that says nothing about the document: empty, very short, a site, section or body name."""
    text = " ".join(title.split())
    return len(text) <= 4 or fold(text) in GENERIC_TITLES or canonical_issuer(text) is not None


def with_official(
    article: Article, official: Official, tz: tzinfo = CHINA_TZ, prefer_document_title: bool = False
) -> Article:
    """`article` with the document's metadata; its title and date replaced only when the page's fall short.

    `prefer_document_title`: the document's own title wins over the article's (a plain text's first line is
    only a guess at its headline; an HTML page's <title> was written as one).
    """
    changes: dict[str, object] = {
        "document_no": official.document_no,
        "issuer": official.issuer,
        "issuer_canonical": official.issuer_canonical,
        "written_at": official.written_at,
    }
    if official.title and (prefer_document_title or _title_falls_short(article, official.title)):
        changes.update(title=official.title, title_source=official.title_source)
    published = official.published_at
    if published is not None:
        current = article.published_at
        same_day = (
            current is not None
            and (current.astimezone(tz) if current.tzinfo else current).date() == published
        )
        if not same_day:  # the document's 发布日期 beats a page or listing date of another day
            changes.update(
                published_at=datetime.combine(published, time(), tz),
                date_text=official.published_text,
                date_source="metadata",
            )
    return replace(article, **changes)  # type: ignore[arg-type]


def _title_falls_short(article: Article, official_title: str) -> bool:
    title = article.title.strip()
    cut = title.rstrip(".…").strip()
    truncated = title != cut or (len(cut) < len(official_title) and official_title.startswith(cut))
    return article.title_source == "first_sentence" or generic_title(title) or truncated
