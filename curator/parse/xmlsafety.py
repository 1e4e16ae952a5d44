"""Defence against XML entity expansion ("billion laughs", quadratic blow-up) and external
entities, before a document reaches feedparser.

What feedparser 6.0.14 does on its own (checked, see tests/test_parse_feeds.py): it drops
``<!ENTITY>`` declarations that refer to other entities, and expat ≥ 2.4 stops amplification.
But it *keeps* declarations whose value is plain text, and when expat gives up its lenient
fallback parser expands them without limit: a 60 kB document with one 2 kB entity referenced
20,000 times became a 40 MB summary. So every entity declaration whose value is more than a
single character (``<!ENTITY nbsp "&#160;">`` stays) is removed; a prolog that cannot be made
safe is refused.

Two things decide what "the declarations" are, and both are taken from the source of truth
rather than guessed with patterns (a comment such as ``<!-- <a -->`` before the DOCTYPE once hid
them from a regular expression):

- the text is what feedparser will read: its own ``convert_to_utf8`` (the encoding a server or
  document declares may be any Python codec, in which ``<!ENTITY`` need not be spelled with a
  single ``<`` byte). It costs about 1 % of a parse, and a document without ``<!ENTITY`` in
  that text goes to feedparser untouched;
- the prolog is read by expat itself, up to the root element's start tag (never the body, so a
  big feed is not parsed twice), with its declarations, comments and processing instructions;
  the rebuilt document keeps the XML declaration, a DOCTYPE with the single-character entities,
  and everything from the root element on, as UTF-8.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.parsers import expat

from feedparser.encodings import convert_to_utf8

_DECL = b"<!ENTITY"
#: Where feedparser's own prolog ends (``feedparser.sanitizer.replace_doctype``): the first "<"
#: followed by an ASCII word character. Its entity patterns only look before it.
_FEEDPARSER_PROLOG_END = re.compile(rb"<\w")
_CHUNK = 64 * 1024


class UnsafeXML(ValueError):
    """The document declares entities that could not be made harmless."""


@dataclass(frozen=True)
class Defused:
    """What to hand feedparser: ``content`` with ``headers``; ``removed`` says declarations were
    dropped; ``encoding_note`` is feedparser's complaint about the declared encoding when the
    document had to be converted here (so it is not lost)."""

    content: bytes
    headers: Mapping[str, str]
    removed: bool = False
    encoding_note: object = None


@dataclass
class _Prolog:
    doctype: str | None = None
    kept: dict[str, str] = field(default_factory=dict)  # name -> the single character
    dropped: int = 0
    root: int = -1  # byte offset of the root element's "<"


class _Stop(Exception):
    """Raised from expat's start-element handler: the prolog is over."""


def defuse_entities(content: bytes, headers: Mapping[str, str]) -> Defused:
    """The document feedparser may safely read; ``headers`` are the lower-cased response headers
    feedparser is given. Raises :class:`UnsafeXML` when declared entities cannot be removed
    reliably (a prolog expat cannot read, an encoding nothing could decode)."""
    result: dict[str, object] = {}
    text = convert_to_utf8(dict(headers), content, result)
    if _DECL not in text:
        return Defused(content, headers)
    if not result.get("encoding"):
        raise UnsafeXML("a document in an unknown encoding that declares its own XML entities")
    prolog = _read_prolog(text)
    start = text.index(b"?>") + 2 if text.startswith(b"<?xml") else 0
    # the DOCTYPE on a line of its own: feedparser only finds it at the start of a line
    rebuilt = text[:start] + b"\n" + _doctype(prolog) + b"\n" + text[prolog.root :]
    # feedparser looks for declarations again, up to its own idea of the prolog's end: it must
    # find only the ones kept here (a root name that is not ASCII would let it read on)
    end = _FEEDPARSER_PROLOG_END.search(rebuilt)
    if rebuilt[: end.start() if end else len(rebuilt)].count(_DECL) != len(prolog.kept):
        raise UnsafeXML("XML entity declarations outside the document's prolog")
    problem = result.get("bozo_exception")  # only an encoding one: feedparser repeats the rest
    return Defused(
        rebuilt,
        _utf8_headers(headers),
        removed=prolog.dropped > 0,
        encoding_note=problem if type(problem).__name__.startswith("CharacterEncoding") else None,
    )


def _read_prolog(text: bytes) -> _Prolog:
    """Everything before the root element, as expat reads it (``text`` is UTF-8)."""
    found = _Prolog()
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(name: str, *_ids: object) -> None:
        found.doctype = name

    def entity(name: str, is_parameter: int, value: str | None, *_rest: object) -> None:
        if not is_parameter and value is not None and len(value) == 1:
            found.kept.setdefault(name, value)
        else:
            found.dropped += 1

    def root(*_args: object) -> None:
        found.root = parser.CurrentByteIndex
        raise _Stop

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = root
    try:
        for i in range(0, len(text), _CHUNK):
            parser.Parse(text[i : i + _CHUNK], False)
        parser.Parse(b"", True)
    except _Stop:
        return found
    except expat.ExpatError as exc:
        raise UnsafeXML(
            f"XML entity declarations in a prolog that is not well-formed ({exc})"
        ) from None
    raise UnsafeXML("XML entity declarations but no root element")


def _doctype(prolog: _Prolog) -> bytes:
    if not prolog.kept or prolog.doctype is None:
        return b""
    # One declaration a line: feedparser only recognises them at the start of a line.
    lines = [f'<!ENTITY {name} "&#{ord(char)};">' for name, char in prolog.kept.items()]
    return f"<!DOCTYPE {prolog.doctype} [\n{chr(10).join(lines)}\n]>".encode()


def _utf8_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` for the converted text: a declared charset now says UTF-8."""
    given = dict(headers)
    ctype = given.get("content-type")
    if ctype and "charset" in ctype.lower():
        media = ctype.split(";", 1)[0].strip()
        given["content-type"] = f"{media}; charset=utf-8"
    return given
