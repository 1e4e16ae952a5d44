"""Render an assembled edition to Markdown (the editors' plain-text working copy)."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from curator.edition.assemble import Edition

TEMPLATES = Path(__file__).parent / "templates"
# Characters that would start emphasis, links, HTML or headings if feed text contained them.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md_escape(text: str) -> str:
    """Backslash-escape Markdown syntax so feed text prints as written (and HTML stays inert)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_url(url: str) -> str:
    """A link target that cannot break out of ``(...)``."""
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,  # Markdown, not HTML: text is escaped with the `md` filter instead
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters["md"] = md_escape
    env.filters["mdurl"] = md_url
    return env


def render_markdown(edition: Edition) -> str:
    text = _environment().get_template("edition.md.j2").render(e=edition)
    # The template errs on the side of blank lines; keep at most one between blocks.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
