"""Pure Block Kit for candidate cards and the edit modal (built with ``slack_sdk.models``).

No I/O: a :class:`Card` (what the store knows about one item) goes in, blocks come out, checked
against Slack's limits (:mod:`curator.slack.limits`) so Slack never answers ``invalid_blocks``.
The item id travels in every interactive element's ``value`` and in the message ``metadata``;
it is never parsed back out of display text. Every ``action_id`` here is documented in the
README's "Slack" section (``tests/test_slack_docs.py`` fails otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from curator.errors import SlackError
from curator.normalise.text import trim as trim  # re-exported: blocks.trim
from curator.records import (
    CATEGORIES,
    MIN_SECTOR_CONFIDENCE,
    SECTORS,
    Category,
    ItemStatus,
    Sector,
)
from curator.slack import limits

ACCEPT = "pulse_accept"
REJECT = "pulse_reject"
EDIT = "pulse_edit"
UNDO = "pulse_undo"
SECTOR = "pulse_sector"
CATEGORY = "pulse_category"
#: "Make a card" on a line of the day's roll-up or a /pulse find result (curator.slack.digest).
PROMOTE = "pulse_promote"
#: Inputs of the edit modal.
EDIT_TITLE = "pulse_edit_title"
EDIT_PUBLISHER = "pulse_edit_publisher"
EDIT_SUMMARY = "pulse_edit_summary"
EDIT_FINDINGS = "pulse_edit_key_findings"
EDIT_SECTOR = "pulse_edit_sector"
EDIT_CATEGORY = "pulse_edit_category"
EDIT_LEAD_IN = "pulse_edit_lead_in"
#: callback_id of the edit modal (its submission is a ``view_submission``).
EDIT_MODAL = "pulse_edit_modal"
#: Buttons of the proposal posted in a card's thread (curator.slack.proposal_blocks).
USE_PROPOSAL = "pulse_use_proposal"
EDIT_PROPOSAL = "pulse_edit_proposal"
#: callback_id of the "Add to Pulse" message shortcut (slack-app-manifest.yaml).
ADD_LINK = "pulse_add_link"
#: block_id of the card's actions block (``body["state"]["values"][TRIAGE_BLOCK]``).
TRIAGE_BLOCK = "pulse_triage"

METADATA_EVENT = "pulse_candidate"
KEY_FINDINGS_LEAD = "Key findings include:"
SUMMARY_CHARS = 1200  # a card stays readable; the full text is one click away


@dataclass(frozen=True)
class Card:
    """What a card shows about one item (read by :mod:`curator.slack.cards`)."""

    item_id: int
    title: str
    url: str
    publisher: str
    source_id: str
    summary: str = ""
    published_at: datetime | None = None
    document_type: str | None = None
    key_findings: tuple[str, ...] = ()
    lead_in: str | None = None  # the line before the key findings; None: "Key findings include:"
    status: ItemStatus = "queued"
    sector: Sector | None = None  # the editor's label once decided
    category: Category | None = None
    edition: str | None = None
    decided_by_id: str | None = None
    decided_by_name: str | None = None
    decided_via: str | None = None
    predicted_sector: str | None = None
    sector_confidence: float | None = None
    predicted_category: str | None = None
    category_confidence: float | None = None
    uncertain: bool = False
    #: card | digest | quiet (None: no lane chosen). An undecided card moved to quiet expired.
    lane: str | None = None
    #: CURATOR_CANDIDATE_DAYS, for the note on an expired card (None: the note names no number)
    expired_after: int | None = None
    #: The source's skip/keep rule that took the item out of the queue (None: none did).
    quiet_rule: str | None = None

    @property
    def expired(self) -> bool:
        """Left undecided until it expired: out of the queue, in the quiet lane."""
        return self.status in ("new", "queued") and self.lane == "quiet"

    @property
    def shown_sector(self) -> str | None:
        return self.sector or self.predicted_sector

    @property
    def shown_category(self) -> str | None:
        return self.category or self.predicted_category


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _percent(value: float | None) -> str:
    return "" if value is None else f" ({round(value * 100)}%)"


def _options(item_id: int, labels: dict[str, str]) -> list[Option]:
    return [Option(value=f"{item_id}:{key}", text=label) for key, label in labels.items()]


def select_for(card: Card, action_id: str, labels: dict[str, str], chosen: str | None) -> Any:
    options = _options(card.item_id, labels)
    initial = next((o for o in options if o.value == f"{card.item_id}:{chosen}"), None)
    name = "sector" if labels is SECTORS else "category"
    return StaticSelectElement(
        action_id=action_id,
        placeholder=f"Choose a {name}",
        options=options,
        initial_option=initial,
    )


def option_key(value: str | None) -> str | None:
    """The label key of a select option value ``"<item id>:<key>"``."""
    if not value or ":" not in value:
        return None
    return value.split(":", 1)[1]


def _who(card: Card) -> str:
    if card.decided_via == "slack" and card.decided_by_id:
        return f"<@{card.decided_by_id}>"
    return "@" + escape(card.decided_by_name or card.decided_by_id or "someone")


def outcome_line(card: Card) -> str:
    """ "Accepted by @editor into 2024-06 · Sector · Category" (or "Rejected by …")."""
    if card.status == "rejected":
        return f":x: Rejected by {_who(card)}"
    if card.status == "accepted":
        labels = " · ".join(
            x for x in (SECTORS.get(card.sector or ""), CATEGORIES.get(card.category or "")) if x
        )
        into = f" into {card.edition}" if card.edition else ""
        return f":white_check_mark: Accepted by {_who(card)}{into}" + (
            f" · {labels}" if labels else ""
        )
    return ""


def expired_line(card: Card) -> str:
    """The note that replaces the buttons of a card that left the queue undecided: expired, or
    kept quiet by a rule of its source added since it was posted."""
    if card.quiet_rule:
        rule = escape(card.quiet_rule).replace("`", "'")
        return (
            f":mute: Kept quiet by its source's rules (`{rule}`) without a decision; find it "
            "with /pulse find"
        )
    after = f" after {card.expired_after} days" if card.expired_after else ""
    return f":hourglass: Expired{after} without a decision; find it with /pulse find"


def unsure_of(card: Card) -> str:
    """What the model is unsure of: its sector (a confidence below the models'
    ``min_sector_confidence``), else whether the item is one for the digest at all; the
    confidences shown are the sector's and category's, and were read as contradicting it."""
    if card.sector_confidence is not None and card.sector_confidence < MIN_SECTOR_CONFIDENCE:
        return "the model is unsure of the sector"
    return "the model is unsure it is one for the digest"


def title_link(card: Card) -> str:
    """The bold, linked title (mrkdwn); unlinked when the URL alone would break the limit."""
    title = escape(trim(card.title, 300))
    url = card.url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    text = f"*<{url}|{title}>*"
    return text if len(text) <= limits.MAX_SECTION_TEXT else f"*{title}*"


def fallback_text(card: Card) -> str:
    """The message's top-level ``text``: what notifications (mobile ones only ever) and screen
    readers show. Slack reads it as mrkdwn, so feed text is escaped here as in the blocks: a
    title ``<!channel>`` must not notify the channel, nor ``<http://…|GOV.UK>`` disguise a
    link."""
    return escape(trim(f"{card.publisher}: {card.title}", 300))


def findings_block(
    block_id: str, lead_in: str | None, findings: Sequence[str], finding_chars: int
) -> SectionBlock:
    """The key findings as one section: the lead-in in bold, then a bullet per finding (each cut
    at ``finding_chars``), the whole within Slack's section limit."""
    lines = [f"*{escape(trim(lead_in or KEY_FINDINGS_LEAD, 200))}*"]
    lines += [f"• {escape(trim(f, finding_chars))}" for f in findings]
    return SectionBlock(
        block_id=block_id, text=MarkdownTextObject(text=trim_lines(lines, limits.MAX_SECTION_TEXT))
    )


def card_blocks(card: Card) -> list[Block]:
    """The card for ``card``: buttons while undecided, the outcome plus Undo afterwards."""
    when = card.published_at
    date = f"{when.day} {when:%b %Y}" if when else "undated"
    facts = [escape(card.publisher), date, f"source `{escape(card.source_id)}`"]
    if card.document_type:
        facts.insert(1, escape(card.document_type))
    blocks: list[Block] = [
        SectionBlock(
            block_id="pulse_title",
            text=MarkdownTextObject(text=title_link(card)),
        ),
        ContextBlock(block_id="pulse_facts", elements=[MarkdownTextObject(text=" · ".join(facts))]),
        SectionBlock(
            block_id="pulse_summary",
            text=PlainTextObject(
                text=trim(card.summary, SUMMARY_CHARS) or "(no summary in the feed)", emoji=False
            ),
        ),
    ]
    if card.key_findings:
        blocks.append(findings_block("pulse_findings", card.lead_in, card.key_findings, 300))
    if card.predicted_sector or card.predicted_category:
        guess = " · ".join(
            x
            for x in (
                f"*{SECTORS.get(card.predicted_sector or '', card.predicted_sector or '?')}*"
                + _percent(card.sector_confidence),
                f"*{CATEGORIES.get(card.predicted_category or '', card.predicted_category or '?')}*"
                + _percent(card.category_confidence),
            )
        )
        notes = [MarkdownTextObject(text=f"Predicted: {guess}")]
        if card.uncertain:
            notes.append(MarkdownTextObject(text=f":warning: *Needs a look*: {unsure_of(card)}"))
        blocks.append(ContextBlock(block_id="pulse_prediction", elements=notes))
    value = str(card.item_id)
    if card.expired:
        # No buttons: the item left the queue. Make a card (from /pulse find) brings it back.
        blocks.append(
            SectionBlock(block_id="pulse_outcome", text=MarkdownTextObject(text=expired_line(card)))
        )
    elif card.status in ("new", "queued"):
        blocks.append(
            ActionsBlock(
                block_id=TRIAGE_BLOCK,
                elements=[
                    ButtonElement(text="Accept", action_id=ACCEPT, value=value, style="primary"),
                    ButtonElement(text="Reject", action_id=REJECT, value=value),
                    ButtonElement(text="Edit", action_id=EDIT, value=value),
                    select_for(card, SECTOR, SECTORS, card.shown_sector),
                    select_for(card, CATEGORY, CATEGORIES, card.shown_category),
                ],
            )
        )
    else:
        blocks.append(
            SectionBlock(block_id="pulse_outcome", text=MarkdownTextObject(text=outcome_line(card)))
        )
        elements: list[Any] = []
        if card.status == "accepted":
            elements += [
                select_for(card, SECTOR, SECTORS, card.sector),
                select_for(card, CATEGORY, CATEGORIES, card.category),
                ButtonElement(text="Edit", action_id=EDIT, value=value),
            ]
        elements.append(ButtonElement(text="Undo", action_id=UNDO, value=value))
        blocks.append(ActionsBlock(block_id=TRIAGE_BLOCK, elements=elements))
    check_message(blocks, fallback_text(card))
    return blocks


def as_dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    """The JSON Slack receives (``to_dict`` also runs slack_sdk's own validators)."""
    return [b.to_dict() for b in blocks]


def check_message(blocks: list[Block], text: str = "") -> None:
    problems = limits.message_problems(as_dicts(blocks), text)
    if problems:
        raise SlackError("card would be refused by Slack: " + "; ".join(problems))


def metadata(item_id: int) -> dict[str, Any]:
    """Message metadata carrying the item id (found again in channel history after a crash)."""
    return {"event_type": METADATA_EVENT, "event_payload": {"item_id": item_id}}


def item_id_from_metadata(message: dict[str, Any]) -> int | None:
    meta = message.get("metadata") or {}
    if meta.get("event_type") != METADATA_EVENT:
        return None
    raw = (meta.get("event_payload") or {}).get("item_id")
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        return None


def status_text(lines: list[str]) -> str:
    """Join reply lines, kept under Slack's message text limit."""
    return trim_lines(lines, limits.MAX_SECTION_TEXT)


def trim_lines(lines: list[str], limit: int) -> str:
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit - 20:
            out.append(f"… and {len(lines) - len(out)} more")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)
