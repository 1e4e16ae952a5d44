"""Pure Block Kit for the proposal posted in a card's thread: the summary and key findings
quoted from the publication, where each came from, and **Use this** / **Edit**; or, when the
publication could not be read or proposes nothing, why, and that the feed's summary stays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from curator.slack import limits
from curator.slack.blocks import (
    EDIT_PROPOSAL,
    USE_PROPOSAL,
    check_message,
    escape,
    findings_block,
    trim,
)

if TYPE_CHECKING:  # the record only: this module does no I/O
    from curator.store.proposals import StoredProposal

METADATA_EVENT = "pulse_proposal"
#: block_id of the proposal's buttons.
PROPOSAL_BLOCK = "pulse_proposal"


def fallback_text(proposal: StoredProposal) -> str:
    if proposal.error:
        return "Could not read the publication to propose a summary"
    if not proposal.has_text:
        return "Nothing to propose from the publication"
    return "Proposed summary and key findings, quoted from the publication"


def plain_error(error: str) -> str:
    """A stored reading error in an editor's words: ``PdfEncrypted: https://…: the PDF is
    encrypted …; ask the publisher …`` is said from "the PDF is encrypted": the class name is
    for the log and ``curator item propose``, and the link is the card's own."""
    kind, sep, rest = error.partition(": ")
    if not sep or not kind.isidentifier():
        return error
    if rest.startswith(("http://", "https://")) and ": " in rest:
        rest = rest.partition(": ")[2]  # a URL holds no space: the first ": " ends it
    return rest or error


def _where(proposal: StoredProposal) -> ContextBlock | None:
    lines = [
        f"{name} from {escape(proposal.provenance[key])}"
        for key, name in (("summary", "Summary"), ("key_findings", "Key findings"))
        if key in proposal.provenance
    ]
    if not lines:
        return None
    text = trim(" · ".join(lines), limits.MAX_SECTION_TEXT - 100)
    return ContextBlock(block_id="pulse_proposal_from", elements=[MarkdownTextObject(text=text)])


def proposal_blocks(proposal: StoredProposal, *, used_by: str | None = None) -> list[Block]:
    """The proposal of ``proposal.item_id``; with ``used_by`` (a Slack mention or a name), the
    same without its buttons, saying who made it the editors' own."""
    if proposal.error or not proposal.has_text:
        if proposal.error:
            why = f"the publication could not be read: {plain_error(proposal.error)}"
        else:
            why = "; ".join(proposal.missing.values()) or "nothing found"
        text = (
            f":information_source: Nothing proposed: {escape(trim(why, 2000)).rstrip('.')}. "
            "The feed's summary stays; Edit the card to write one."
        )
        blocks: list[Block] = [
            SectionBlock(block_id="pulse_proposal_none", text=MarkdownTextObject(text=text))
        ]
        check_message(blocks, fallback_text(proposal))
        return blocks
    blocks = [
        SectionBlock(
            block_id="pulse_proposal_head",
            text=MarkdownTextObject(
                text="*Proposed from the publication* (quoted from it, not written): "
                "*Use this* puts it in the draft as it is, *Edit* opens it in the editor."
            ),
        )
    ]
    if proposal.summary:
        blocks.append(
            SectionBlock(
                block_id="pulse_proposal_summary",
                text=PlainTextObject(
                    text=trim(proposal.summary, limits.MAX_SECTION_TEXT - 100), emoji=False
                ),
            )
        )
    if proposal.key_findings:
        blocks.append(
            findings_block("pulse_proposal_findings", proposal.lead_in, proposal.key_findings, 600)
        )
    where = _where(proposal)
    if where is not None:
        blocks.append(where)
    if used_by is not None:
        blocks.append(
            ContextBlock(
                block_id=PROPOSAL_BLOCK,
                elements=[MarkdownTextObject(text=f":white_check_mark: {used_by}")],
            )
        )
    else:
        value = str(proposal.item_id)
        blocks.append(
            ActionsBlock(
                block_id=PROPOSAL_BLOCK,
                elements=[
                    ButtonElement(
                        text="Use this", action_id=USE_PROPOSAL, value=value, style="primary"
                    ),
                    ButtonElement(text="Edit", action_id=EDIT_PROPOSAL, value=value),
                ],
            )
        )
    check_message(blocks, fallback_text(proposal))
    return blocks


def metadata(item_id: int) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"item_id": item_id}}
