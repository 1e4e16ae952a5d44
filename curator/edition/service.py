"""The I/O shell around the pure assembler: load an edition's items, assemble, render.

``curator draft`` and Slack's ``/pulse draft`` build an edition (:func:`build_edition`) and
:func:`render` it, keeping what rendering warns of; :func:`draft_files` gives the files at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal, cast
from zoneinfo import ZoneInfo

from curator.calendar import edition_for_time
from curator.edition.assemble import DraftItem, Edition, assemble
from curator.edition.proposed import ProposalText, item_text, proposed_note
from curator.store.editions import (
    EditionError,
    accepted_count,
    accepted_items,
    check_edition_id,
    edition_has_items,
    get_edition,
    target_edition,
)
from curator.store.handles import Engine
from curator.store.proposals import StoredProposal, proposals_for

Format = Literal["md", "html", "docx"]
FORMATS: tuple[str, ...] = ("md", "html", "docx")


def proposal_text(proposal: StoredProposal | None) -> ProposalText | None:
    """What the draft may print of a stored proposal (None when nothing was proposed)."""
    if proposal is None or not proposal.has_text:
        return None
    return ProposalText(
        summary=proposal.summary,
        key_findings=proposal.key_findings,
        lead_in=proposal.lead_in,
        provenance=proposal.provenance,
        used_at=proposal.used_at,
    )


def load_draft_items(engine: Engine, edition_id: str, tz: str = "Europe/London") -> list[DraftItem]:
    """The accepted items of ``edition_id``, with the editors' edits applied, and what was
    proposed for them where the editors have not written their own (marked as proposed)."""
    check_edition_id(edition_id)
    zone = ZoneInfo(tz)
    with engine.connect() as conn:
        rows = accepted_items(conn, edition_id)
        proposals = proposals_for(conn, [r.id for r in rows])
    out: list[DraftItem] = []
    for r in rows:
        proposal = proposals.get(r.id)
        text = item_text(
            summary=r.summary,
            edited_summary=r.edited_summary,
            key_findings=r.key_findings,
            edited_lead_in=r.edited_lead_in,
            proposal=proposal_text(proposal),
        )
        out.append(
            DraftItem(
                item_id=r.id,
                publisher=r.edited_publisher or r.publisher or "",
                title=r.edited_title or r.title or "",
                url=r.url or r.canonical_url or "",
                summary=text.summary,
                key_findings=text.key_findings,
                sector=r.sector or "",
                category=r.category,
                position=r.position,
                accepted_at=r.decided_at,
                lead_in=text.lead_in,
                proposed=text.proposed,
                proposed_note=proposed_note(text),
                summary_from_feed=text.summary_from_feed,
                published_on=(_day(r.published_at.astimezone(zone)) if r.published_at else None),
                published_in=edition_for_time(r.published_at, tz) if r.published_at else None,
                unread=(
                    proposal.error
                    if proposal is not None and proposal.error and not r.edited_summary
                    else None
                ),
                never_read=proposal is None,
            )
        )
    return out


def render(
    edition: Edition, fmt: Literal["md", "html", "docx"], warnings: list[str] | None = None
) -> bytes:
    """One assembled edition in one format, as bytes (UTF-8 for the text formats). An item that
    cannot be rendered is flagged in the document, never drops the edition: what went wrong is
    appended to ``warnings`` (and logged)."""
    if fmt == "md":
        from curator.edition.render_md import render_markdown

        return render_markdown(edition).encode("utf-8")
    if fmt == "html":
        from curator.edition.render_html import render_html

        return render_html(edition).encode("utf-8")
    if fmt == "docx":
        from curator.edition.render_docx import render_docx

        return render_docx(edition, warnings)
    raise EditionError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def resolve_edition(engine: Engine, edition_id: str | None, now: datetime | None = None) -> str:
    """``edition_id`` checked to exist, or (None) the open edition items are accepted into now."""
    from curator.config import get_settings

    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        if edition_id is None:
            return target_edition(conn, now, get_settings().timezone)
        check_edition_id(edition_id)
        if get_edition(conn, edition_id) is None and not edition_has_items(conn, edition_id):
            raise EditionError(
                f"no edition {edition_id} and no items in it; "
                "`curator edition list` shows the editions there are"
            )
    return edition_id


def previous_with_items(engine: Engine, edition_id: str) -> tuple[str, int] | None:
    """The edition before ``edition_id`` and how many accepted items it has, when it has any:
    drafting the current month in its first days (or after closing the last) gives an empty
    edition, and the one the editors mean is usually that one."""
    from curator.calendar import previous_edition

    earlier = previous_edition(edition_id)
    with engine.connect() as conn:
        count = accepted_count(conn, earlier)  # one COUNT, not the month's items and proposals
    return (earlier, count) if count else None


def build_edition(engine: Engine, edition_id: str) -> Edition:
    from curator.config import get_settings

    settings = get_settings()
    return assemble(
        edition_id,
        load_draft_items(engine, edition_id, settings.timezone),
        publication=settings.publication_name,
        firm_name=settings.firm_name,
    )


def draft_files(
    engine: Engine, edition_id: str | None, formats: Sequence[str] = ("docx", "html")
) -> list[tuple[str, bytes]]:
    """The draft of ``edition_id`` (None: the current open edition) in each of ``formats``,
    as ``(filename, content)`` pairs named like ``pulse-2024-07.docx``."""
    checked = [check_format(fmt) for fmt in formats]
    edition = build_edition(engine, resolve_edition(engine, edition_id))
    return [(f"pulse-{edition.id}.{fmt}", render(edition, fmt)) for fmt in checked]


def check_format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise EditionError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return cast(Format, fmt)


def _day(when: datetime) -> str:
    """``"4 Jun 2024"``: the day without a leading zero, on every platform."""
    return f"{when.day} {when:%b %Y}"
