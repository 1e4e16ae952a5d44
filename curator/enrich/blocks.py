"""An element tree's main content → a flat run of headings, paragraphs and list items. Pure.

Reads both HTML (``h2``, ``p``, ``ul``/``ol``/``li``: GOV.UK bodies, pages) and the XML that
trafilatura extracts (``head rend="h2"``, ``p``, ``list``/``item``), so one walk serves all.
"""

from __future__ import annotations

import re
from typing import Any

from curator.enrich.records import Block
from curator.enrich.text import clean

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_LISTS = frozenset({"ul", "ol", "list"})
_ITEMS = frozenset({"li", "item"})
_PARAGRAPHS = frozenset({"p", "blockquote", "quote", "dd", "dt", "figcaption", "summary"})
_SKIP = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "form",
        "button",
        "svg",
        "table",
        "figure",
        "img",
        "iframe",
        "select",
        "input",
        "textarea",
        "graphic",
    }
)
_REND_LEVEL = re.compile(r"h([1-6])")


def blocks_from_tree(root: Any) -> list[Block]:
    """Walk ``root`` (an lxml element) in document order."""
    out: list[Block] = []
    _walk(root, out, depth=-1)
    return out


def _tag(el: Any) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""  # comments, processing instructions
    return tag.rsplit("}", 1)[-1].lower()


def _text(el: Any, *, skip_lists: bool = False) -> str:
    """The element's text; without its nested lists when ``skip_lists``. Block-level children
    are kept apart by a space ("<p>a</p><p>b</p>" reads "a b")."""
    parts: list[str] = []

    def collect(node: Any) -> None:
        tag = _tag(node)
        inner = node is el or not (
            tag in _SKIP or (skip_lists and tag in _LISTS) or _note_mark(node, tag)
        )
        if inner:
            if tag not in _INLINE or tag in {"br", "lb"}:
                parts.append(" ")
            if tag and node.text:
                parts.append(node.text)
            for child in node:
                collect(child)
            if tag not in _INLINE:
                parts.append(" ")
        if node is not el and node.tail:
            parts.append(node.tail)

    collect(el)
    return clean("".join(parts))


# "1", "[12]", "3,4", "5–7", "*", "†": what a footnote or endnote reference reads
_NOTE_MARK = re.compile(r"^[\[(]?(?:\d{1,3}(?:\s*[,–-]\s*\d{1,3})*|[*†‡§]{1,3})[\])]?$")


def _note_mark(node: Any, tag: str) -> bool:
    """A footnote reference set in superscript (``<sup>1</sup>``, trafilatura's ``<hi
    rend="#sup">``): no part of the sentence it follows ("…during the pandemic.1 It draws")."""
    if tag != "sup" and not (tag == "hi" and node.get("rend") == "#sup"):
        return False
    return bool(_NOTE_MARK.match("".join(node.itertext()).strip()))


def _nested_lists(el: Any) -> list[Any]:
    """The lists inside ``el`` that are not inside another list within it."""
    found: list[Any] = []
    for child in el:
        tag = _tag(child)
        if tag in _LISTS:
            found.append(child)
        elif tag and tag not in _SKIP:
            found.extend(_nested_lists(child))
    return found


def _walk(el: Any, out: list[Block], depth: int) -> None:
    tag = _tag(el)
    if not tag or tag in _SKIP:
        return
    level = _HEADINGS.get(tag)
    if tag == "head":  # trafilatura: <head rend="h2">
        match = _REND_LEVEL.match(el.get("rend") or "")
        level = int(match.group(1)) if match else 2
    if level is not None:
        text = _text(el)
        if text:
            out.append(Block("heading", text, level))
        return
    if tag in _LISTS:
        for child in el:
            if _tag(child) in _ITEMS:
                _item(child, out, depth + 1)
            else:
                _walk(child, out, depth)
        return
    if tag in _ITEMS:
        _item(el, out, depth + 1)
        return
    if tag in _PARAGRAPHS or not any(_tag(c) and _tag(c) not in _INLINE for c in el):
        text = _text(el, skip_lists=True)
        if text:
            out.append(Block("paragraph", text))
        for nested in _nested_lists(el):
            _walk(nested, out, depth)
        return
    if el.text and el.text.strip():
        out.append(Block("paragraph", clean(el.text)))
    for child in el:
        _walk(child, out, depth)
        if child.tail and child.tail.strip():
            out.append(Block("paragraph", clean(child.tail)))


def _item(el: Any, out: list[Block], depth: int) -> None:
    text = _text(el, skip_lists=True)
    if text:
        out.append(Block("item", text, max(depth, 0)))
    for nested in _nested_lists(el):
        for sub in nested:
            if _tag(sub) in _ITEMS:
                _item(sub, out, depth + 1)


_INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "strong",
        "i",
        "em",
        "span",
        "br",
        "code",
        "small",
        "sup",
        "sub",
        "hi",
        "ref",
        "mark",
        "time",
        "cite",
        "q",
        "u",
        "s",
        "del",
        "ins",
        "lb",
        "",
    }
)
