"""Canonical URLs: one identity per article however it was linked, tracked, mirrored or mis-schemed.

`canonical_url` is an identity key for deduplication, not a fetch address. Its rules:

- scheme: `http` and `https` both become `https`. Chinese government sites serve the same page on
  both, and feeds/listings mix them; comparing on one scheme makes the two one article. A few
  http-only hosts will not answer on https, so fetchers must keep the URL they were given.
- host: lowercased, IDNA (punycode), trailing dot removed, default port (80, 443) removed, user
  info dropped. `www.` is kept: on some hosts (`gov.cn` vs `www.gov.cn`) it is a different site.
- gateway mirrors (`big5.mofcom.gov.cn/gate/big5/english.mofcom.gov.cn/...`, `/gate/gb/...`) map
  to the original URL when gateway and origin share a registrable domain (so a third party cannot
  claim an official URL for its own page).
- path: dot segments and repeated slashes removed, percent-escapes normalised (unreserved ones
  decoded, the rest uppercased), non-ASCII encoded as UTF-8; empty path becomes `/`.
- query: tracking parameters dropped (`utm_*`, `spm`, `from`, click ids, WeChat share fields, ...),
  the remaining pairs sorted; fragment dropped.
- with `html`: `<link rel="canonical">`, else `<meta property="og:url">`, is honoured when it
  points into the same registrable domain (or is itself a gateway copy of it) and does not
  collapse an article onto the site's home page. Cross-site canonicals are ignored: syndication
  is handled by story clustering, not by URL identity.
"""

from __future__ import annotations

import html as htmllib
import posixpath
import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from tld import get_fld

TRACKING_PARAMS = frozenset(
    {
        "spm", "scm", "from", "isappinstalled", "share", "share_token", "share_from", "sharefrom",
        "share_source", "wfr", "tt_from", "wxshare_count", "sudaref", "fbclid", "gclid", "dclid",
        "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "scene", "subscene",
        "clicktime", "enterid", "chksm", "sessionid", "ascene", "devicetype", "nettype", "xtor",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci")
GATEWAY_PATH = re.compile(
    r"^/gate/(?:big5|gb|gb2312|utf8)/(?:https?:/+)?(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)+\.?(?::\d+)?)"
    r"(?P<rest>/.*)?$",
    re.IGNORECASE,
)
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_TAG = re.compile(r"<(link|meta)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_HEAD_LIMIT = 300_000


def canonical_url(url: str, html: str | None = None) -> str:
    """The identity URL of a page: normalised, untracked, un-mirrored, rel=canonical honoured."""
    base = _normalise(url)
    if not html:
        return base
    for declared in declared_canonicals(html):
        candidate = _normalise(urljoin(base, declared))
        if _acceptable(base, candidate):
            return candidate
    return base


def declared_canonicals(html: str) -> list[str]:
    """The page's own canonical claims, best first: rel=canonical hrefs, then og:url contents."""
    links: list[str] = []
    metas: list[str] = []
    for match in _TAG.finditer(html[:_HEAD_LIMIT]):
        attrs = {
            m[1].lower(): htmllib.unescape(m[2] or m[3] or m[4] or "").strip()
            for m in _ATTR.finditer(match[2])
        }
        if match[1].lower() == "link" and "canonical" in attrs.get("rel", "").lower().split():
            links.append(attrs.get("href", ""))
        elif match[1].lower() == "meta" and attrs.get("property", attrs.get("name", "")).lower() == "og:url":
            metas.append(attrs.get("content", ""))
    return [u for u in links + metas if u and not u.startswith(("javascript:", "data:", "#"))]


def unwrap_gateway(url: str) -> str:
    """The original URL behind a big5/gb gateway mirror of the same registrable domain, else `url`."""
    parts = urlsplit(url.strip())
    match = GATEWAY_PATH.match(parts.path)
    if not match or not parts.hostname:
        return url
    inner_host = match["host"].lower().rstrip(".").split(":")[0].rstrip(".")
    if registrable_domain(parts.hostname) != registrable_domain(inner_host):
        return url
    return urlunsplit(("https", match["host"], match["rest"] or "/", parts.query, ""))


def registrable_domain(host: str) -> str:
    """The registrable domain (eTLD+1) of a host, or the host itself (IP, localhost, unknown TLD)."""
    host = host.lower().rstrip(".")
    return get_fld(host, fix_protocol=True, fail_silently=True) or host


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter only tracks the visit (dropped from canonical URLs)."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _normalise(url: str) -> str:
    url = unwrap_gateway("".join(url.split()))
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https", ""):
        return url
    host = _host(parts.hostname or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    query_text = urlencode(sorted(query), quote_via=quote, safe="/:@!$'()*,;")
    return urlunsplit(("https", netloc, _path(parts.path), query_text, ""))


def _host(host: str) -> str:
    host = host.lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _path(path: str) -> str:
    path = quote(path, safe="/%:@!$&'()*+,;=-._~")
    path = _ESCAPE.sub(
        lambda m: chr(int(m[1], 16)) if chr(int(m[1], 16)) in _UNRESERVED else m[0].upper(), path
    )
    path = re.sub(r"/{2,}", "/", path)
    if not path.startswith("/"):
        path = "/" + path
    normal = posixpath.normpath(path)
    if path.endswith("/") and normal != "/":
        normal += "/"
    return "/" if normal in ("/", "//", ".") else normal


def _acceptable(page: str, candidate: str) -> bool:
    page_parts, cand_parts = urlsplit(page), urlsplit(candidate)
    if not cand_parts.hostname or cand_parts.scheme != "https":
        return False
    if registrable_domain(cand_parts.hostname) != registrable_domain(page_parts.hostname or ""):
        return False
    return not (cand_parts.path == "/" and not cand_parts.query and page_parts.path != "/")
