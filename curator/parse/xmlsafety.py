"""Defence against XML entity expansion ("billion laughs", quadratic blow-up) and external
entities, before a document reaches feedparser.

What feedparser 6.0.14 does on its own (checked, see tests/test_parse_xml_safety.py): it drops
``<!ENTITY>`` declarations that refer to other entities, and expat ≥ 2.4 stops amplification.
But it *keeps* declarations whose value is plain text, and when expat gives up its lenient
fallback parser expands them without limit: a 60 kB document with one 2 kB entity referenced
20,000 times became a 40 MB summary. So here every entity declaration in the prolog that is not
a single character reference (``<!ENTITY nbsp "&#160;">``) is removed; a prolog we cannot make
safe is refused.
"""

from __future__ import annotations

import re

_ROOT = re.compile(rb"<[A-Za-z_]")
_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.I)
_DOCTYPE_WITH_SUBSET = re.compile(rb"<!DOCTYPE\s+([^\s\[>]+)[^\[>]*\[(.*?)\]\s*>", re.S | re.I)
_ONE_ENTITY = re.compile(rb"<!ENTITY\s+([\w.-]+)\s+(\"[^\"]*\"|'[^']*')\s*>", re.S)
_CHAR_REF = re.compile(rb"^&#(?:\d{1,7}|x[0-9A-Fa-f]{1,6});$")
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")


class UnsafeXML(ValueError):
    """The document declares entities that could not be made harmless."""


def _prolog(content: bytes) -> bytes:
    m = _ROOT.search(content)
    return content[: m.start()] if m else content


def _is_wide(content: bytes) -> bool:
    return content.startswith(_WIDE_BOMS) or b"\x00" in content[:4]


def defuse_entities(content: bytes) -> tuple[bytes, bool]:
    """``(safe_content, removed)``: ``removed`` is true when declarations were dropped.

    Raises :class:`UnsafeXML` when the prolog declares entities that cannot be stripped
    reliably (odd syntax, or a UTF-16/32 document)."""
    if _is_wide(content):
        for encoding in ("utf-32", "utf-16"):
            try:
                text = content.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _ENTITY_DECL.search(_prolog(text.encode("utf-8", "replace"))):
                raise UnsafeXML("a UTF-16/32 document that declares its own XML entities")
            break
        return content, False

    prolog = _prolog(content)
    if not _ENTITY_DECL.search(prolog):
        return content, False

    def rebuild(m: re.Match[bytes]) -> bytes:
        root, subset = m.group(1), m.group(2)
        kept = [
            b"<!ENTITY %s %s>" % (e.group(1), e.group(2))
            for e in _ONE_ENTITY.finditer(subset)
            if _CHAR_REF.match(e.group(2)[1:-1])
        ]
        if not kept:
            return b""
        # One declaration a line: feedparser only recognises them at the start of a line.
        return b"<!DOCTYPE %s [\n%s\n]>" % (root, b"\n".join(kept))

    new_prolog = _DOCTYPE_WITH_SUBSET.sub(rebuild, prolog, count=1)
    remaining = list(_ENTITY_DECL.finditer(new_prolog))
    for e in remaining:
        decl = _ONE_ENTITY.match(new_prolog, e.start())
        if decl is None or not _CHAR_REF.match(decl.group(2)[1:-1]):
            raise UnsafeXML("XML entity declarations that could not be removed safely")
    removed = len(remaining) < len(_ENTITY_DECL.findall(prolog))
    return new_prolog + content[len(prolog) :], removed
