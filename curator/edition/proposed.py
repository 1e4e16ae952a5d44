"""Which text an item prints: the editors' own, a proposal they have not used, or the feed's
(pure: no I/O).

An editor's text always wins (typed in the Edit modal or ``curator edition edit``, or a
proposal they chose with **Use this**, which becomes their text). Otherwise a proposal read
from the publication fills in what the editors have not written, and says so: the part it fills
is *proposed*, and every format of the draft marks it (a Word comment, a note in Markdown, a
marker in HTML) until an editor uses or edits it. With neither, the feed's summary prints (and
is marked when the feed cut it off), and an item without one is flagged "[Summary to write]".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: The parts of an item a proposal may fill, in the order they print.
PARTS = ("summary", "key_findings")


@dataclass(frozen=True)
class ProposalText:
    """What was proposed for an item, and whether an editor has used it."""

    summary: str | None
    key_findings: tuple[str, ...]
    lead_in: str | None
    provenance: Mapping[str, str] = field(default_factory=dict)
    used_at: datetime | None = None


@dataclass(frozen=True)
class ItemText:
    summary: str
    key_findings: tuple[str, ...]
    lead_in: str | None  # None: the edition's "Key findings include:"
    #: The parts that are an unused proposal ("summary", "key_findings"), to be marked.
    proposed: tuple[str, ...] = ()
    #: Where each proposed part was quoted from ("<url> § <heading>").
    provenance: Mapping[str, str] = field(default_factory=dict)
    #: The summary is the feed's as it came (neither the editors' nor a proposal): the draft
    #: checks whether the feed cut it off (:mod:`curator.edition.cutoff`).
    summary_from_feed: bool = False


def findings_of(value: Any) -> tuple[str, ...]:
    """Stored key findings as a tuple (a single finding was once stored as text)."""
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if str(v).strip())


def item_text(
    *,
    summary: str | None,
    edited_summary: str | None,
    key_findings: Sequence[str] | str | None,
    edited_lead_in: str | None,
    proposal: ProposalText | None,
) -> ItemText:
    """The text an item prints, part by part (see the module's docstring)."""
    unused = proposal if proposal is not None and proposal.used_at is None else None
    proposed: list[str] = []
    text = edited_summary or ""
    if not text and unused is not None and unused.summary:
        text = unused.summary
        proposed.append("summary")
    text = text or summary or ""
    findings = findings_of(key_findings)
    lead_in = edited_lead_in
    if not findings and unused is not None and unused.key_findings:
        findings, lead_in = unused.key_findings, unused.lead_in
        proposed.append("key_findings")
    provenance = {
        part: unused.provenance[part]
        for part in proposed
        if unused is not None and part in unused.provenance
    }
    from_feed = bool(summary) and not edited_summary and "summary" not in proposed
    return ItemText(
        text, findings, lead_in if findings else None, tuple(proposed), provenance, from_feed
    )


def proposed_note(text: ItemText) -> str | None:
    """The note that marks an item's proposed parts, naming where each came from."""
    if not text.proposed:
        return None
    names = {"summary": "summary", "key_findings": "key findings"}
    parts = " and ".join(names[p] for p in text.proposed)
    sources = "; ".join(
        f"{names[p]} from {text.provenance[p]}" for p in text.proposed if p in text.provenance
    )
    where = f" ({sources})" if sources else ""
    return (
        f"PROPOSED: {parts} quoted from the publication{where}, not yet checked by an editor; "
        # no backticks: the Markdown draft escaped them and every format showed them as typed
        "Use this or Edit in Slack, or curator edition edit, makes it the editors' own"
    )
