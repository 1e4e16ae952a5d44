"""A report PDF → :class:`Document`, with pypdfium2. Runs in a parser process.

Bounded three ways, so a hostile PDF costs one item and nothing else: the caller fetched at
most the size cap (50 MB); only the first ``max_pages`` pages are read; and the parser process
is stopped after the parse timeout. A PDF that needs a password, has no text layer (scanned
pages), has no page that can be loaded, or is not a PDF at all raises the named error that says
so; a damaged page among readable ones is skipped, with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from curator.enrich.errors import PdfEncrypted, PdfMalformed, PdfNoText
from curator.enrich.pdflines import Line, blocks_from_lines
from curator.enrich.records import Document
from curator.enrich.text import clean

#: Pages read from the start of a report; its summary and findings come first.
MAX_PAGES = 60
#: Below this many letters a page, a PDF is taken to be scanned images without text.
MIN_LETTERS_PER_PAGE = 20
_BOLD = 600


def read_pdf(content: bytes, url: str, *, max_pages: int = MAX_PAGES) -> Document:
    import pypdfium2 as pdfium

    head = content[:1024].lstrip()
    if b"%PDF-" not in head:
        start = head[:20].decode("ascii", "replace")
        raise PdfMalformed(f"{url}: not a PDF (it starts with {start!r})")
    try:
        pdf = pdfium.PdfDocument(content)
    except pdfium.PdfiumError as exc:
        raise _open_error(url, exc) from None
    try:
        total = len(pdf)
        if total == 0:
            raise PdfMalformed(f"{url}: the PDF has no pages (damaged or cut short?)")
        read = min(total, max_pages)
        lines: list[Line] = []
        damaged: list[int] = []
        for index in range(read):
            try:
                lines.extend(_read_page(pdf, index))
            except pdfium.PdfiumError:  # a damaged page costs that page, not the report
                damaged.append(index + 1)
        if len(damaged) == read:
            raise PdfMalformed(f"{url}: no page of the PDF can be read (damaged or cut short?)")
        metadata = pdf.get_metadata_dict(skip_empty=True)
    finally:
        pdf.close()
    letters = sum(sum(ch.isalpha() for ch in ln.text) for ln in lines)
    pages = read - len(damaged)
    if letters < MIN_LETTERS_PER_PAGE * pages:
        raise PdfNoText(
            f"{url}: the PDF has no text to read ({letters} letters on {pages} "
            f"page{'' if pages == 1 else 's'}): scanned "
            "pages or images of text; summarise it by hand"
        )
    warnings: list[str] = []
    if damaged:
        shown = ", ".join(map(str, damaged[:10])) + (", …" if len(damaged) > 10 else "")
        which = f"page {shown} is" if len(damaged) == 1 else f"pages {shown} are"
        warnings.append(f"{url}: {which} damaged and could not be read; the rest was read")
    if total > read:
        warnings.append(f"{url}: read the first {read} of {total} pages")
    blocks = blocks_from_lines(lines)
    title = clean(metadata.get("Title", "")) or next(
        (b.text for b in blocks if b.kind == "heading"), None
    )
    return Document(url=url, blocks=tuple(blocks), title=title, warnings=tuple(warnings))


def _open_error(url: str, exc: Any) -> Exception:
    import pypdfium2.raw as raw

    code = getattr(exc, "err_code", None)
    if code in (raw.FPDF_ERR_PASSWORD, raw.FPDF_ERR_SECURITY):
        return PdfEncrypted(
            f"{url}: the PDF is encrypted and needs a password to open; ask the publisher for an "
            "open copy or summarise it by hand"
        )
    return PdfMalformed(f"{url}: the PDF cannot be opened: damaged or cut short ({exc})")


def _read_page(pdf: Any, index: int) -> list[Line]:
    """The lines of page ``index``; ``PdfiumError`` when the page or its text cannot be loaded."""
    page = pdf[index]
    try:
        return _page_lines(page, index)
    finally:
        page.close()


def _page_lines(page: Any, index: int) -> list[Line]:
    """The page's text lines, each with the font size, weight and box of its first letter."""
    import ctypes

    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    x, y = ctypes.c_double(), ctypes.c_double()
    try:
        count = textpage.count_chars()
        if count <= 0:
            return []
        text = textpage.get_text_range(0, count)
        out: list[Line] = []
        start = 0
        # get_text_range gives one character per char index (line ends are generated "\r\n");
        # a hyphen ending a line is given as U+FFFE with the next line run on: it ends a line
        # here too, so each line keeps its own baseline and the join decides about the hyphen
        for end in [*_line_ends(text), len(text)]:
            hyphen = "-" if text[end : end + 1] == _LINE_END_HYPHEN else ""
            first = next((i for i in range(start, end) if not text[i].isspace()), end)
            if first < end:
                probe = next((i for i in range(first, end) if text[i].isalnum()), first)
                size = raw.FPDFText_GetFontSize(textpage, probe)
                weight = raw.FPDFText_GetFontWeight(textpage, probe)
                raw.FPDFText_GetCharOrigin(textpage, probe, ctypes.byref(x), ctypes.byref(y))
                baseline = y.value

                def raised(i: int, size: float = size, baseline: float = baseline) -> bool:
                    raw.FPDFText_GetCharOrigin(textpage, i, ctypes.byref(x), ctypes.byref(y))
                    small = raw.FPDFText_GetFontSize(textpage, i) < size * _SUPERSCRIPT_SIZE
                    return small and y.value > baseline + size * _SUPERSCRIPT_RISE

                kept = _without_note_marks(text, first, end, raised)
                out.append(Line(kept.strip() + hyphen, index, size, weight >= _BOLD, baseline))
            start = end + 1
        return out
    finally:
        textpage.close()


def _without_note_marks(text: str, first: int, end: int, raised: Callable[[int], bool]) -> str:
    """``text[first:end]`` without the footnote marks in it: digits set smaller and above the
    line ("royal assent,¹ and"), which are no part of the sentence they follow."""
    out = []
    for i in range(first, end):
        if i > first and text[i].isdigit() and raised(i):
            continue
        out.append(text[i])
    return "".join(out)


_LINE_END_HYPHEN = "\ufffe"
#: A footnote mark: set at most this share of the line's size, raised this share above it.
_SUPERSCRIPT_SIZE = 0.85
_SUPERSCRIPT_RISE = 0.2


def _line_ends(text: str) -> list[int]:
    return [
        i
        for i, ch in enumerate(text)
        if ch in ("\n", _LINE_END_HYPHEN) or (ch == "\r" and text[i + 1 : i + 2] != "\n")
    ]
