"""The fast path of :func:`curator.normalise.text.clean_text`: the text of a simple HTML fragment,
read without an HTML parser. Pure: no I/O.
"""

from __future__ import annotations

import re
from html import entities as html_entities

# Most summaries are a few paragraphs of text with a little inline markup ("<p>The
# report&#39;s findings</p>"), whose text needs no HTML parser. A fragment is read here only when
# it is made of nothing but text, character references and attribute-less tags from the short
# lists below, nested so that lxml's HTML parser builds the same tree the source spells (no
# element it would close early or move): then its text is the text pieces and references in
# order, with a space for each block tag, exactly what ``text._html_text`` gives once whitespace
# is collapsed. Anything else (attributes, comments, other tags, a stray "<", an unknown or
# unusual reference) goes to lxml. ``tests/test_fast_paths.py`` checks both ways agree, on
# generated fragments and on every summary of the fixtures.

#: Tags that add no space; they may hold text, ``br`` and each other.
_SIMPLE_INLINE = frozenset(
    {"b", "i", "em", "strong", "u", "span", "small", "sub", "sup", "code", "cite", "abbr"}
)
_SIMPLE_HEADINGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6"})
_SIMPLE_LISTS = frozenset({"ul", "ol"})
_SIMPLE_BOXES = frozenset({"div", "blockquote"})
_PHRASING = _SIMPLE_INLINE | {"br"}
_FLOW = _PHRASING | _SIMPLE_HEADINGS | _SIMPLE_LISTS | _SIMPLE_BOXES
#: What each element may hold here: (child tags, whether text may stand in it). ``None`` is the
#: fragment itself.
_SIMPLE_CONTENT: dict[str | None, tuple[frozenset[str], bool]] = {
    None: (_FLOW, True),
    **dict.fromkeys(_SIMPLE_INLINE, (_PHRASING, True)),
    **dict.fromkeys(_SIMPLE_HEADINGS, (_PHRASING, True)),
    **dict.fromkeys(_SIMPLE_BOXES, (_FLOW, True)),
    **dict.fromkeys(_SIMPLE_LISTS, (frozenset({"li"}), False)),
    "li": (_PHRASING | _SIMPLE_LISTS, True),
}
_SIMPLE_MAX_DEPTH = 16
#: Named references read here (HTML's values); any other goes to lxml.
_SIMPLE_ENTITIES: dict[str, str] = {
    name: html_entities.html5[name + ";"]
    for name in [
        "amp",
        "lt",
        "gt",
        "quot",
        "apos",
        "nbsp",
        "hellip",
        "mdash",
        "ndash",
        "lsquo",
        "rsquo",
        "ldquo",
        "rdquo",
        "pound",
        "euro",
        "copy",
        "reg",
        "trade",
        "bull",
        "middot",
    ]
}
_SIMPLE_TOKEN = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9]*)[ \t\n\r]*(/?)>"  # a tag without attributes
    r"|&(?:#([0-9]{1,7});|#[xX]([0-9a-fA-F]{1,6});|([A-Za-z][A-Za-z0-9]*);)?"  # a reference
)
#: Characters lxml refuses in text (after ``_INVISIBLE``), and what may not follow a bare "&".
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_REFERENCE_START = re.compile(r"[A-Za-z0-9#]")


def _plain_char(code: int) -> str | None:
    """The character of a numeric reference when it is an ordinary one (no control character,
    no C1 code point that HTML remaps, no surrogate or non-character), else ``None``."""
    ordinary = (
        code in (9, 10)
        or 0x20 <= code < 0x7F
        or 0xA0 <= code < 0xD800
        or 0xE000 <= code < 0xFDD0
        or 0xFDF0 <= code < 0xFFFE
        or (0x10000 <= code <= 0x10FFFF and code & 0xFFFE != 0xFFFE)
    )
    return chr(code) if ordinary else None


def simple_html_text(markup: str) -> str | None:
    """The text ``text._html_text`` gives for ``markup`` (up to whitespace), when ``markup`` is
    simple enough to read without a parser; ``None`` otherwise."""
    if _NOT_XML.search(markup):
        return None
    pieces: list[str] = []
    stack: list[str | None] = [None]
    pos = 0
    for m in _SIMPLE_TOKEN.finditer(markup):
        text = markup[pos : m.start()]
        pos = m.end()
        if text and not _simple_text(text, stack[-1], pieces):
            return None
        if m[0][0] == "&":
            char = _reference(m, markup, pos)
            if char is None or not _SIMPLE_CONTENT[stack[-1]][1]:
                return None
            pieces.append(char)
        elif not _simple_tag(m[2].lower(), bool(m[1]), bool(m[3]), stack, pieces):
            return None
    text = markup[pos:]
    if text and not _simple_text(text, stack[-1], pieces):
        return None
    return "".join(pieces) if stack == [None] else None


def _simple_text(text: str, parent: str | None, pieces: list[str]) -> bool:
    if "<" in text:
        return False
    if not _SIMPLE_CONTENT[parent][1] and text.strip(" \t\n\r"):
        return False  # only HTML white space between the items of a list
    pieces.append(text)
    return True


def _reference(m: re.Match[str], markup: str, end: int) -> str | None:
    """The character a matched ``&…`` stands for, or ``None`` if it is not a plain one."""
    if m[4] is not None:
        return _plain_char(int(m[4]))
    if m[5] is not None:
        return _plain_char(int(m[5], 16))
    if m[6] is not None:
        return _SIMPLE_ENTITIES.get(m[6])
    # a bare "&": literal text, unless it could start a reference lxml would read
    return None if _REFERENCE_START.match(markup, end) else "&"


def _simple_tag(
    name: str, closing: bool, self_closing: bool, stack: list[str | None], pieces: list[str]
) -> bool:
    """Follow one tag; ``False`` when it makes the fragment not simple."""
    if closing:
        if self_closing or stack[-1] != name:
            return False
        stack.pop()
    else:
        if name not in _SIMPLE_CONTENT[stack[-1]][0]:
            return False
        if name != "br":
            if self_closing or len(stack) > _SIMPLE_MAX_DEPTH:
                return False
            stack.append(name)
    if name not in _SIMPLE_INLINE:
        pieces.append(" ")
    return True
