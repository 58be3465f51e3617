"""Per-source TLS trust (`ca_bundle`) over a real local TLS server whose certificate a test CA signed."""

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from parsers.fetch.client import Fetcher, TLSError
from parsers.model import Source
from parsers.registry import RegistryError, load_registry
from pki import make_pki, server_context

UA = "tradewire-test/1 (+mailto:test@example.org)"
PAGE = b"<html><body><a href='/a/1.html'>one</a></body></html>"


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_server(pki):
    with HTTPServer(host="127.0.0.1", port=0, ssl_context=server_context(pki)) as server:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        server.expect_request("/index").respond_with_data(PAGE, content_type="text/html")
        yield server


def _source(url: str, ca_bundle: Path | None = None) -> Source:
    return Source(
        id="tls-site", name="t", kind="listing", url=url, parser="html", local=True, min_interval=0.0,
        ca_bundle=ca_bundle,
    )  # fmt: skip


async def _fetch_many(source: Source):
    async with Fetcher(UA, retries=2, backoff=0.0, timeout=5.0) as fetcher:
        return await fetcher.fetch_many(source, [source.url])


def test_without_ca_bundle_the_fetch_is_a_clear_tls_failure_row(tls_server):
    source = _source(tls_server.url_for("/index"))
    responses, failures = asyncio.run(_fetch_many(source))
    assert not responses
    assert [f.stage for f in failures] == ["fetch"]
    reason = failures[0].reason
    assert "TLS certificate of 127.0.0.1 not trusted" in reason
    assert "ca_bundle" in reason
    assert not any(r.path == "/index" for r, _ in tls_server.log), "the page itself must not be sent"


def test_a_tls_failure_is_not_retried(tls_server):
    source = _source(tls_server.url_for("/index"))

    async def once():
        async with Fetcher(UA, retries=3, backoff=0.0, timeout=5.0) as fetcher:
            with pytest.raises(TLSError):
                await fetcher.fetch(source, source.url)

    asyncio.run(once())
    assert len(tls_server.log) == 0  # handshakes fail before any request reaches the server


def test_with_the_ca_bundle_the_same_fetch_works(tls_server, pki):
    source = _source(tls_server.url_for("/index"), ca_bundle=pki["ca"])
    responses, failures = asyncio.run(_fetch_many(source))
    assert not failures
    assert responses[0].status == 200 and responses[0].body == PAGE


def test_the_bundle_is_per_source_not_for_the_whole_fetcher(tls_server, pki):
    trusted = _source(tls_server.url_for("/index"), ca_bundle=pki["ca"])
    plain = replace(trusted, id="other", ca_bundle=None)

    async def both():
        async with Fetcher(UA, retries=0, timeout=5.0) as fetcher:
            ok = await fetcher.fetch_many(trusted, [trusted.url])
            refused = await fetcher.fetch_many(plain, [plain.url + "?again"])
            return ok, refused

    (ok, ok_failures), (refused, refused_failures) = asyncio.run(both())
    assert ok and not ok_failures
    assert not refused and "not trusted" in refused_failures[0].reason


def _registry(tmp_path: Path, ca_bundle: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[[source]]\nid = "s"\nname = "s"\nkind = "feed"\nurl = "https://example.org/rss"\n'
        f'ca_bundle = "{ca_bundle}"\n',
        encoding="utf-8",
    )
    return path


def test_registry_resolves_ca_bundle_beside_the_registry(tmp_path, pki):
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "site.pem").write_bytes(pki["ca"].read_bytes())
    source = load_registry(_registry(tmp_path, "certs/site.pem")).sources[0]
    assert source.ca_bundle == tmp_path / "certs" / "site.pem"


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"not a certificate\n", "not a PEM file of CA certificates")],
)
def test_registry_refuses_a_bad_ca_bundle(tmp_path, content, message):
    if content is not None:
        (tmp_path / "bad.pem").write_bytes(content)
    with pytest.raises(RegistryError, match=f"source 's': ca_bundle = .*{message}"):
        load_registry(_registry(tmp_path, "bad.pem"))
