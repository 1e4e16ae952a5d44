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
