"""Reading a body with a cap that holds while it is decoded (a compression bomb stops at the cap).

``Content-Encoding`` lists the codings in the order the server applied them (``gzip, br``: gzip
first, then brotli), so they are undone in reverse. Every step is capped as it streams:

- each decoder is asked for at most ``STEP`` bytes at a time (zlib's ``max_length``, brotli's
  ``output_buffer_limit``), and what it gives is passed straight on to the next, so no step
  ever inflates a whole network chunk in one go the way httpx's own decoders do;
- the decoded body is counted against the cap (``limit``), and the bytes on the wire and
  between two codings against twice the cap, so a stream that decodes to nothing (empty deflate
  blocks) cannot run on either;
- only gzip, deflate and br are decoded (exactly what ``ACCEPT_ENCODING`` advertises), at most
  ``MAX_CODINGS`` of them stacked; any other coding is refused rather than read without a cap.
  zstd is not among them: python-zstandard's streaming decompressor has no output limit (its
  ``decompressobj().decompress`` takes no ``max_length``).

brotli's limit is honoured a block at a time (up to about twice the limit, or 32 KiB, per
call: https://github.com/google/brotli/issues/1396), which still bounds every call.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Protocol

#: Sent as ``Accept-Encoding``: the codings this module undoes with a cap, and no others.
ACCEPT_ENCODING = "gzip, deflate, br"
#: More codings than this stacked on one body is refused (each one holds a decoder's window).
MAX_CODINGS = 3
#: How much a decoder is asked for at a time.
STEP = 64 * 1024


class TooLarge(Exception):
    """The decoded body (or the bytes on the wire, or between two codings) passed the cap."""


class Undecodable(Exception):
    """The body is not valid for its Content-Encoding."""


class Unsupported(Undecodable):
    """The Content-Encoding names a coding this module does not decode with a cap."""


class _Decoder(Protocol):
    eof: bool

    def needs_input(self) -> bool: ...

    def feed(self, data: bytes) -> None: ...

    def read(self, size: int) -> bytes: ...


class _Zlib:
    """gzip (``x-gzip``) or deflate: zlib with ``max_length``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.eof = False
        gzip = name in {"gzip", "x-gzip"}
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        # Some servers send deflate without the zlib header (as browsers and httpx allow): the
        # first bytes are kept until zlib has accepted its two-byte header, to read them again.
        self._may_be_raw = not gzip
        self._head = b""
        self._input = b""
        self._full = False  # the last read filled its size: zlib may hold more output

    def needs_input(self) -> bool:
        return not self._input and not self._full

    def feed(self, data: bytes) -> None:
        if not self.eof:  # bytes after the end of the stream are ignored (but were counted)
            self._input += data
            if self._may_be_raw:
                self._head += data

    def read(self, size: int) -> bytes:
        try:
            out = self._obj.decompress(self._input, size)
        except zlib.error as exc:
            if self._may_be_raw:
                self._may_be_raw = False
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                self._input, self._head = self._head, b""
                return self.read(size)
            raise Undecodable(f"invalid {self.name} data: {exc}") from exc
        if self._may_be_raw and (out or len(self._head) >= 2):
            self._may_be_raw, self._head = False, b""
        self._input = self._obj.unconsumed_tail
        self._full = len(out) == size
        if self._obj.eof:
            self.eof, self._input, self._full = True, b"", False
        return out


class _Brotli:
    """br: brotli ≥ 1.2 with ``output_buffer_limit``."""

    def __init__(self) -> None:
        import brotli

        self._error = brotli.error
        self._obj = brotli.Decompressor()
        self._input = b""
        self._full = False  # the last read reached its size: more output may be waiting
        self.eof = False

    def needs_input(self) -> bool:
        # can_accept_more_data() alone is not enough: it is true again while output still waits
        return not self._input and not self._full and bool(self._obj.can_accept_more_data())

    def feed(self, data: bytes) -> None:
        if not self.eof:
            self._input += data

    def read(self, size: int) -> bytes:
        try:
            out = bytes(self._obj.process(self._input, output_buffer_limit=size))
        except self._error as exc:
            raise Undecodable(f"invalid br data: {exc}") from exc
        self._input = b""
        self._full = len(out) >= size
        if self._obj.is_finished():
            self.eof, self._full = True, False
        return out


_DECODERS = {"gzip", "x-gzip", "deflate", "br"}


def codings(content_encoding: str) -> list[str]:
    """The codings of a ``Content-Encoding`` value in the order they are to be undone (the
    reverse of the header's); :class:`Unsupported` when one is not decoded here."""
    names = [n.strip().lower() for n in content_encoding.split(",")]
    names = [n for n in names if n and n != "identity"]
    unknown = [n for n in names if n not in _DECODERS]
    shown = content_encoding.strip()
    if unknown:
        raise Unsupported(
            f"Content-Encoding {shown!r}: {', '.join(map(repr, unknown))} is not decoded here "
            "(only gzip, deflate and br, which can be decoded with a size cap)"
        )
    if len(names) > MAX_CODINGS:
        raise Unsupported(
            f"Content-Encoding {shown!r}: {len(names)} codings stacked; "
            f"at most {MAX_CODINGS} are decoded (of gzip, deflate and br)"
        )
    return names[::-1]


class _Stack:
    """The decoders of one body, innermost last; counts every step against its cap."""

    def __init__(self, names: list[str], limit: int) -> None:
        self.decoders: list[_Decoder] = [_Brotli() if n == "br" else _Zlib(n) for n in names]
        self.limit = limit
        self.stage_limit = 2 * limit + STEP
        self.counts = [0] * (len(self.decoders) + 1)  # bytes into each step; the last: the body
        self.parts: list[bytes] = []

    def pour(self, level: int, data: bytes) -> None:
        """Give ``data`` to step ``level`` and pass everything it decodes on down the stack."""
        self.counts[level] += len(data)
        if level == len(self.decoders):
            if self.counts[level] > self.limit:
                raise TooLarge
            self.parts.append(data)
            return
        if self.counts[level] > self.stage_limit:
            raise TooLarge
        decoder = self.decoders[level]
        decoder.feed(data)
        last = level + 1 == len(self.decoders)
        while not decoder.needs_input():
            # the last decoder is never asked for more than one byte past the cap
            size = min(STEP, self.limit - self.counts[-1] + 1) if last else STEP
            piece = decoder.read(size)
            if not piece:
                break  # nothing more until more input comes (never spin on an empty read)
            self.pour(level + 1, piece)


async def read_capped(
    raw: AsyncIterator[bytes],
    content_encoding: str,
    limit: int,
    *,
    declared_length: str | None = None,
) -> bytes:
    """Join ``raw`` (the bytes on the wire) decoded per ``content_encoding``; :class:`TooLarge`
    past ``limit`` decoded bytes (or, already, when ``declared_length``, the Content-Length,
    promises more than can be accepted), :class:`Unsupported` or :class:`Undecodable` for a
    body that cannot be decoded."""
    stack = _Stack(codings(content_encoding), limit)
    declared = (declared_length or "").strip()
    wire_limit = stack.stage_limit if stack.decoders else limit
    if declared.isdigit() and int(declared) > wire_limit:
        raise TooLarge
    async for chunk in raw:
        if chunk:
            stack.pour(0, chunk)
    return b"".join(stack.parts)
