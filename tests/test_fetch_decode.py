"""Content-Encoding against a real loopback server: every coding in a stack is undone with a cap
while it streams, so a compression bomb of any shape stops near the cap, and a coding that
cannot be decoded with a cap is refused."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable

import brotli
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.fetch import BadResponse, BodyTooLarge
from curator.fetch.decode import TooLarge, read_capped
from tests.support.fetching import LOOPBACK_ONLY, fetch_one, source
from tests.support.httpserver import LocalServer

BODY = b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>t</title></feed>\n"
#: The decoded size of the bombs: far over the small caps used here, small enough to build in
#: well under a second.
BOMB_SIZE = 48 * 1024 * 1024
CAP = 64 * 1024


def _deflate(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def _brotli(data: bytes) -> bytes:
    return bytes(brotli.compress(data, quality=1))


CODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": lambda data: gzip.compress(data, 9),
    "x-gzip": lambda data: gzip.compress(data, 9),
    "deflate": _deflate,
    "br": _brotli,
}


def encode(data: bytes, header: str) -> bytes:
    """``data`` with the codings of ``header`` applied in the order it lists them."""
    for name in (n.strip() for n in header.split(",")):
        if name and name != "identity":
            data = CODERS[name](data)
    return data


_BOMBS: dict[str, bytes] = {}


def bomb(header: str) -> bytes:
    if header not in _BOMBS:
        _BOMBS[header] = encode(b"\0" * BOMB_SIZE, header)
    return _BOMBS[header]


def peak_while(run: Callable[[], object]) -> int:
    """Peak bytes traced by tracemalloc while ``run`` runs (Python objects, zlib's and brotli's
    output buffers included)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("header", ["gzip", "gzip, gzip", "deflate, gzip", "br", "gzip, br"])
def test_a_bomb_in_any_stack_of_codings_stops_at_the_cap_with_memory_near_it(
    server: LocalServer, header: str
) -> None:
    wire = bomb(header)
    assert len(wire) < 100_000  # a small body on the wire...
    url = server.add("/bomb", wire, headers={"Content-Encoding": header})
    settings = dataclasses.replace(LOOPBACK_ONLY, max_bytes=CAP)

    def run() -> None:
        with pytest.raises(BodyTooLarge) as info:
            fetch_one(settings, source(url))
        assert f"is larger than {CAP} bytes" in str(info.value)

    # ...that decodes to 48 MiB; reading it must stay within a few times the 64 KiB cap
    assert peak_while(run) < 2 * 1024 * 1024


@pytest.mark.parametrize(
    "header", ["gzip, gzip", "deflate, br", "br, gzip", "x-gzip", "gzip, identity", "GZIP , Br"]
)
def test_stacked_codings_are_undone_in_reverse_order(server: LocalServer, header: str) -> None:
    body = BODY * 300
    url = server.add("/z", encode(body, header.lower()), headers={"Content-Encoding": header})
    settings = dataclasses.replace(LOOPBACK_ONLY, max_bytes=len(body))
    assert fetch_one(settings, source(url)).content == body


@pytest.mark.parametrize(
    ("header", "named"),
    [("zstd", "zstd"), ("compress", "compress"), ("gzip, x-bomb", "x-bomb"), ("br, zstd", "zstd")],
)
def test_a_coding_that_cannot_be_decoded_with_a_cap_is_refused(
    server: LocalServer, header: str, named: str
) -> None:
    url = server.add("/odd", BODY, headers={"Content-Encoding": header})
    with pytest.raises(BadResponse) as info:
        fetch_one(LOOPBACK_ONLY, source(url))
    message = str(info.value)
    assert message.startswith(f"dhsc: refused the body from {url}: ")
    assert f"Content-Encoding {header!r}" in message and repr(named) in message
    assert "gzip, deflate and br" in message


def test_more_than_three_stacked_codings_are_refused(server: LocalServer) -> None:
    header = "gzip, gzip, gzip, gzip"
    url = server.add("/deep", encode(BODY, header), headers={"Content-Encoding": header})
    with pytest.raises(BadResponse, match="4 codings stacked; at most 3 are decoded"):
        fetch_one(LOOPBACK_ONLY, source(url))
    three = "gzip, deflate, br"
    server.add("/three", encode(BODY, three), headers={"Content-Encoding": three})
    assert fetch_one(LOOPBACK_ONLY, source(server.url("/three"))).content == BODY


def test_a_compressed_stream_that_decodes_to_nothing_is_still_capped_on_the_wire(
    server: LocalServer,
) -> None:
    # Empty deflate blocks: endless bytes on the wire, no output; the wire is counted too.
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    wire = packer.compress(b"")
    flush = packer.flush(zlib.Z_FULL_FLUSH)
    wire += flush * (1024 * 1024 // len(flush))
    url = server.add("/padded", wire, headers={"Content-Encoding": "gzip"})
    settings = dataclasses.replace(LOOPBACK_ONLY, max_bytes=CAP)
    with pytest.raises(BodyTooLarge):
        fetch_one(settings, source(url))


def test_accept_encoding_advertises_exactly_what_is_decoded(server: LocalServer) -> None:
    url = server.add("/feed", BODY)
    fetch_one(LOOPBACK_ONLY, source(url))
    assert server.requests[0][2]["Accept-Encoding"] == "gzip, deflate, br"


# -- the decoder on its own ----------------------------------------------------------------------


async def _chunks(data: bytes, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


@pytest.mark.parametrize("header", ["gzip, gzip", "br, deflate", "br, br"])
def test_read_capped_peak_memory_stays_near_the_cap(header: str) -> None:
    wire = bomb(header)

    def run() -> None:
        with pytest.raises(TooLarge):
            asyncio.run(read_capped(_chunks(wire), header, CAP))

    assert peak_while(run) < 1024 * 1024


def test_read_capped_returns_a_body_exactly_at_the_cap() -> None:
    body = bytes(range(256)) * 1024
    for header in ("", "identity", "gzip", "deflate", "br", "gzip, br, deflate"):
        wire = encode(body, header)
        assert asyncio.run(read_capped(_chunks(wire, 1000), header, len(body))) == body
        with pytest.raises(TooLarge):
            asyncio.run(read_capped(_chunks(wire, 1000), header, len(body) - 1))


@settings(max_examples=60, deadline=None)
@given(
    body=st.binary(max_size=20_000) | st.builds(lambda n: b"abc" * n, st.integers(0, 40_000)),
    stack=st.lists(st.sampled_from(["gzip", "deflate", "br"]), max_size=3),
    chunk=st.integers(1, 70_000),
)
def test_any_stack_in_any_chunking_decodes_to_the_body(
    body: bytes, stack: list[str], chunk: int
) -> None:
    header = ", ".join(stack)
    wire = encode(body, header)
    assert asyncio.run(read_capped(_chunks(wire, chunk), header, len(body))) == body


def test_raw_deflate_without_the_zlib_header_is_read_even_a_byte_at_a_time() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = BODY * 50
    wire = packer.compress(body) + packer.flush()
    for size in (1, 2, 3, len(wire)):
        assert asyncio.run(read_capped(_chunks(wire, size), "deflate", len(body))) == body
