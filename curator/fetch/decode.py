"""Reading a body with a size cap that holds after decompression (a gzip bomb stops at the cap).

httpx's own decoders inflate each network chunk in one go, so a 64 KiB chunk of zeros can become
tens of MiB before anyone counts it. Here gzip and deflate are inflated at most ``limit + 1`` bytes
at a time (``zlib`` ``max_length``), so memory stays near the cap.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator


class TooLarge(Exception):
    """The decoded body passed the cap."""


class Undecodable(Exception):
    """The body is not valid for its Content-Encoding."""


#: Content-Encoding values this module decodes itself (anything else is left to httpx).
HANDLED_ENCODINGS = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})


class _Inflater:
    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._first = True
        wbits = zlib.MAX_WBITS | 16 if encoding in {"gzip", "x-gzip"} else zlib.MAX_WBITS
        self._obj = zlib.decompressobj(wbits)

    def feed(self, data: bytes, room: int) -> list[bytes]:
        """Inflate ``data`` at most ``room + 1`` bytes at a time; TooLarge past ``room``."""
        out: list[bytes] = []
        while data:
            try:
                piece = self._obj.decompress(data, room + 1)
            except zlib.error as exc:
                if self._first and self.encoding == "deflate":
                    # Some servers send raw deflate without the zlib header (as httpx allows).
                    self._first = False
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise Undecodable(f"invalid {self.encoding} data: {exc}") from exc
            self._first = False
            room -= len(piece)
            if room < 0:
                raise TooLarge
            out.append(piece)
            tail = self._obj.unconsumed_tail
            if self._obj.eof or (not piece and tail == data):
                break
            data = tail
        return out


async def read_capped(raw: AsyncIterator[bytes], encoding: str, limit: int) -> bytes:
    """Join ``raw`` (the on-the-wire chunks) decoded per ``encoding``; TooLarge past ``limit``."""
    encoding = encoding.strip().lower()
    inflater = None if encoding in {"", "identity"} else _Inflater(encoding)
    parts: list[bytes] = []
    size = 0
    async for chunk in raw:
        pieces = [chunk] if inflater is None else inflater.feed(chunk, limit - size)
        for piece in pieces:
            size += len(piece)
            if size > limit:
                raise TooLarge
            parts.append(piece)
    return b"".join(parts)


async def count_capped(decoded: AsyncIterator[bytes], limit: int) -> bytes:
    """Join already-decoded chunks (httpx's ``aiter_bytes``), raising TooLarge past ``limit``."""
    parts: list[bytes] = []
    size = 0
    async for chunk in decoded:
        size += len(chunk)
        if size > limit:
            raise TooLarge
        parts.append(chunk)
    return b"".join(parts)
