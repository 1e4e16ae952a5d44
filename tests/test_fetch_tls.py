"""HTTPS through the guarded transport: it dials the checked IP, yet TLS still verifies the name."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from curator.fetch import ConnectFailed, Fetcher
from curator.fetch.ssrf import AddressPolicy
from curator.fetch.transport import GuardedTransport
from curator.records import FetchResult
from tests.support.fetching import LOOPBACK_ONLY, source
from tests.support.httpserver import LocalServer


@pytest.fixture(scope="module")
def localhost_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for the name ``localhost`` only (not 127.0.0.1)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "localhost.pem", folder / "localhost.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(localhost_cert: tuple[Path, Path]) -> Iterator[LocalServer]:
    cert, key = localhost_cert
    srv = LocalServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    srv.httpd.socket = context.wrap_socket(srv.httpd.socket, server_side=True)
    srv.start()
    yield srv
    srv.stop()


def _fetch(url: str, cert: Path) -> FetchResult:
    client_context = ssl.create_default_context(cafile=str(cert))
    policy = AddressPolicy.build(False, ["127.0.0.0/8", "::1/128"])
    transport = GuardedTransport(policy, httpx.Limits(), ssl_context=client_context)

    async def run() -> FetchResult:
        async with Fetcher(LOOPBACK_ONLY, transport=transport) as fetcher:
            return await fetcher.fetch(source(url))

    return asyncio.run(run())


def test_https_by_name_verifies_and_works(
    tls_server: LocalServer, localhost_cert: tuple[Path, Path]
) -> None:
    tls_server.add("/feed.atom", b"<feed/>")
    port = tls_server.httpd.server_address[1]
    result = _fetch(f"https://localhost:{port}/feed.atom", localhost_cert[0])
    assert (result.status, result.content) == (200, b"<feed/>")


def test_certificate_still_checked_against_the_host_name(
    tls_server: LocalServer, localhost_cert: tuple[Path, Path]
) -> None:
    tls_server.add("/feed.atom", b"<feed/>")
    port = tls_server.httpd.server_address[1]
    with pytest.raises(ConnectFailed, match="certificate"):
        _fetch(f"https://127.0.0.1:{port}/feed.atom", localhost_cert[0])
