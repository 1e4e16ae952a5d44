"""Serve an enrich fixture case (tests/fixtures/enrich/cases/*.json) from the loopback server
and read it through the real service: the fetcher, the parser process, the proposal.

GOV.UK documents name www.gov.uk and assets.publishing.service.gov.uk; they are served with
those origins replaced by the loopback server's, which the reader treats as GOV.UK."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from curator.enrich import EnrichError, ReaderSettings, read_publication
from curator.fetch import Fetcher
from curator.parse.pool import ParsePool
from tests.support.fetching import LOOPBACK_ONLY
from tests.support.httpserver import LocalServer

ENRICH = Path(__file__).parent.parent / "fixtures" / "enrich"
CASES = sorted((ENRICH / "cases").glob("*.json"))
GOVUK_ORIGINS = ("https://www.gov.uk", "https://assets.publishing.service.gov.uk")


def load_case(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def serve(server: LocalServer, case: dict[str, Any]) -> str:
    """Register the case's documents; the URL to read."""
    for route, (file, content_type) in case["routes"].items():
        body = (ENRICH / file).read_bytes()
        if not file.endswith(".pdf"):
            for origin in GOVUK_ORIGINS:
                body = body.replace(origin.encode(), server.base_url.encode())
        server.add(route, body, headers={"Content-Type": content_type})
    url: str = case["url"]
    for origin in GOVUK_ORIGINS:
        url = url.replace(origin, server.base_url)
    return url if url.startswith("http") else server.url(url)


def run_case(server: LocalServer, pool: ParsePool, case: dict[str, Any]) -> dict[str, Any]:
    """What the reader made of the case, in the shape of its ``expected`` (URLs of the server
    written ``{base}``), or the error it raised."""
    url = serve(server, case)
    govuk = case["url"].startswith(GOVUK_ORIGINS)
    settings = ReaderSettings(
        govuk_hosts=frozenset({urlsplit(server.base_url).netloc}) if govuk else frozenset()
    )

    async def read() -> dict[str, Any]:
        async with Fetcher(LOOPBACK_ONLY) as fetcher:
            try:
                publication = await read_publication(
                    fetcher, url, pool=pool, publisher=case["publisher"], settings=settings
                )
            except EnrichError as exc:
                return {"error": type(exc).__name__, "message": str(exc)}
            return publication.to_json()

    got = asyncio.run(read())
    text = json.dumps(got, ensure_ascii=False).replace(server.base_url, "{base}")
    result: dict[str, Any] = json.loads(text)
    return result


def dense_pdf(lines: int) -> bytes:
    """One A4 page holding ``lines`` lines of 1-point text: quick to make, slow to read."""
    ops = "".join(
        f"BT /F1 1 Tf 10 {10 + (i % 800)} Td (Line {i} of a very dense page) Tj ET\n"
        for i in range(lines)
    )
    stream = ops.encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
