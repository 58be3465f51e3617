"""Canonical URLs: tracking, fragments, ports, schemes, gateway mirrors, rel=canonical and og:url."""

from __future__ import annotations

import pytest

from parsers.extract.canonical import canonical_url, declared_canonicals, is_tracking_param, unwrap_gateway

RELEASE = "https://english.mofcom.gov.cn/article/newsrelease/significantnews/202205/20220503313889.shtml"


def test_same_release_under_tracking_params_is_one_article() -> None:
    shared = RELEASE + "?utm_source=wechat&utm_medium=social&spm=a2c4g.11186623&from=timeline"
    other = RELEASE + "?from=singlemessage&isappinstalled=0&fbclid=IwAR0"
    assert canonical_url(shared) == canonical_url(other) == canonical_url(RELEASE) == RELEASE


@pytest.mark.parametrize(
    "variant",
    [
        "http://english.mofcom.gov.cn/article/newsrelease/significantnews/202205/20220503313889.shtml",
        "HTTPS://English.MOFCOM.gov.cn:443/article/newsrelease/significantnews/202205/20220503313889.shtml",
        "http://english.mofcom.gov.cn:80/article/newsrelease/significantnews/202205/20220503313889.shtml#top",
        "https://english.mofcom.gov.cn./article/newsrelease/significantnews/202205/20220503313889.shtml",
        "https://english.mofcom.gov.cn/article/newsrelease/./significantnews//202205/20220503313889.shtml",
        "  https://english.mofcom.gov.cn/article/newsrelease/significantnews/202205/20220503313889.shtml\n",
        "http://big5.mofcom.gov.cn/gate/big5/english.mofcom.gov.cn/article/newsrelease/significantnews/"
        "202205/20220503313889.shtml",
    ],
)
def test_variants_of_one_url_share_the_canonical_form(variant: str) -> None:
    assert canonical_url(variant) == RELEASE


def test_remaining_query_parameters_are_sorted_and_kept() -> None:
    url = "http://www.customs.gov.cn/search?q=tariff&page=2&utm_campaign=x&id=7"
    assert canonical_url(url) == "https://www.customs.gov.cn/search?id=7&page=2&q=tariff"


def test_non_default_port_and_significant_path_details_are_kept() -> None:
    assert canonical_url("http://example.gov.cn:8080/a/b/") == "https://example.gov.cn:8080/a/b/"
    assert canonical_url("http://example.gov.cn/a/b") != canonical_url("http://example.gov.cn/a/b/")
    assert canonical_url("https://x.gov.cn/a%7Eb%2fc") == "https://x.gov.cn/a~b%2Fc"


def test_gateway_mirrors_map_to_the_original() -> None:
    gov = "http://big5.www.gov.cn/gate/big5/www.gov.cn/zhengce/2022-05/26/content_5692367.htm"
    assert canonical_url(gov) == "https://www.gov.cn/zhengce/2022-05/26/content_5692367.htm"
    gb = "http://gb.mofcom.gov.cn/gate/gb/www.mofcom.gov.cn:80/article/ae/202205/20220503313000.shtml"
    assert canonical_url(gb) == "https://www.mofcom.gov.cn/article/ae/202205/20220503313000.shtml"


def test_a_gateway_on_another_site_cannot_claim_an_official_url() -> None:
    url = "http://mirror.example.com/gate/big5/www.customs.gov.cn/customs/302249/index.html"
    assert unwrap_gateway(url) == url
    assert canonical_url(url).startswith("https://mirror.example.com/gate/big5/")


def test_rel_canonical_is_honoured_within_the_site_and_beats_og_url() -> None:
    html = (
        '<html><head><meta content="https://www.gov.cn/og.htm" property="og:url">'
        "<link href='/zhengce/2022-05/26/content_5692367.htm?utm_source=rss' rel='canonical'></head>"
    )
    page = "http://www.gov.cn/zhengce/content_5692367.htm?id=1"
    assert canonical_url(page, html) == "https://www.gov.cn/zhengce/2022-05/26/content_5692367.htm"
    assert declared_canonicals(html) == [
        "/zhengce/2022-05/26/content_5692367.htm?utm_source=rss",
        "https://www.gov.cn/og.htm",
    ]


def test_og_url_is_used_when_there_is_no_rel_canonical() -> None:
    html = '<meta property="og:url" content="https://www.chinadaily.com.cn/a/202205/26/WS628f.html">'
    page = "https://www.chinadaily.com.cn/a/202205/26/WS628f.html?from=groupmessage&page=1"
    assert canonical_url(page, html) == "https://www.chinadaily.com.cn/a/202205/26/WS628f.html"


def test_gateway_copy_declaring_its_original_as_canonical() -> None:
    html = f'<link rel="canonical" href="{RELEASE.replace("https:", "http:")}">'
    gateway = "http://big5.mofcom.gov.cn/gate/big5/english.mofcom.gov.cn/article/x.shtml"
    assert canonical_url(gateway, html) == RELEASE


@pytest.mark.parametrize(
    "html",
    [
        '<link rel="canonical" href="https://www.xinhuanet.com/english/2022-05/26/c_1310605000.htm">',  # other site
        '<link rel="canonical" href="https://english.mofcom.gov.cn/">',  # the home page
        '<link rel="canonical" href="javascript:void(0)">',
        "<p>no head at all</p>",
    ],
)
def test_untrustworthy_canonical_claims_are_ignored(html: str) -> None:
    assert canonical_url(RELEASE + "?spm=1", html) == RELEASE


def test_canonical_url_is_idempotent() -> None:
    for url in (RELEASE, "http://Example.COM.:80?b=2&a=1#x", "https://例子.中国/路径?q=中"):
        once = canonical_url(url)
        assert canonical_url(once) == once


def test_tracking_parameter_rules() -> None:
    assert all(map(is_tracking_param, ["utm_source", "UTM_Medium", "spm", "from", "gclid", "scene"]))
    assert not any(map(is_tracking_param, ["id", "page", "q", "articleid"]))
