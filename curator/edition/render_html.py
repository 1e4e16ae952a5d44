"""Render an assembled edition to e-mail-safe HTML.

Inline styles only, no tables, no scripts; every piece of feed text is escaped by Jinja2's
autoescape, links are absolute http(s) only (``assemble.safe_link``), and the result is passed
through nh3 as a last line of defence before it reaches a mail client.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from curator.edition.assemble import SUMMARY_TO_WRITE, Edition

TEMPLATES = Path(__file__).parent / "templates"
STYLES = {
    "h2": "font-size:22px;margin:28px 0 8px 0;color:#1f3864;border-bottom:2px solid #1f3864;",
    "h3": "font-size:18px;margin:20px 0 8px 0;color:#2e5597;",
    "h4": "font-size:16px;margin:16px 0 6px 0;font-weight:bold;",
    "todo": "margin:0 0 12px 0;padding:8px;background:#fff2cc;border-left:4px solid #bf9000;",
}
_ALLOWED_TAGS = {"div", "h1", "h2", "h3", "h4", "p", "ul", "li", "a"}


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "html.j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )


def _sanitise_body(html: str) -> str:
    """nh3 over the body (it drops anything but our plain tags, inline styles and http(s) links)."""
    import nh3

    head, sep, rest = html.partition("<body")
    body_open, _, body = rest.partition(">")
    inner, _, tail = body.rpartition("</body>")
    clean = nh3.clean(
        inner,
        tags=_ALLOWED_TAGS,
        attributes={"*": {"style"}, "a": {"href"}},
        url_schemes={"http", "https"},
        url_relative="deny",
        link_rel=None,
        strip_comments=True,
    )
    return f"{head}{sep}{body_open}>{clean}</body>{tail}"


def render_html(edition: Edition) -> str:
    html = (
        _environment()
        .get_template("edition.html.j2")
        .render(e=edition, summary_to_write=SUMMARY_TO_WRITE, **STYLES)
    )
    return _sanitise_body(html)
