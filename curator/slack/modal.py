"""The Edit modal (pure Block Kit): what it shows of a card, and what a submission says.

Slack's text inputs take at most 3,000 characters. A longer summary, or key findings that do not
all fit, are shown cut (a summary between words, findings whole) with a hint saying so: saved
unchanged, the stored text stays as it is; saved with a change, what the modal held replaces it.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from curator.errors import SlackError
from curator.records import CATEGORIES, SECTORS
from curator.slack import limits
from curator.slack.blocks import (
    EDIT_CATEGORY,
    EDIT_FINDINGS,
    EDIT_LEAD_IN,
    EDIT_MODAL,
    EDIT_PUBLISHER,
    EDIT_SECTOR,
    EDIT_SUMMARY,
    EDIT_TITLE,
    KEY_FINDINGS_LEAD,
    Card,
    option_key,
    select_for,
    trim,
)

#: Characters a plain-text input holds (Slack's limit).
MAX_INPUT = 3000


def fitted_summary(summary: str, item_id: int) -> tuple[str | None, str | None]:
    """The summary as the modal shows it, and the hint when it had to be cut."""
    if len(summary) <= MAX_INPUT:
        return summary or None, None
    shown = summary[:MAX_INPUT]
    if " " in shown[MAX_INPUT // 2 :]:
        shown = shown[: shown.rindex(" ")]
    return shown, (
        f"Slack shows the first {len(shown):,} of its {len(summary):,} characters: saved "
        "unchanged it is kept whole; changed, what is here replaces it (for the whole text: "
        f"curator edition edit {item_id} --summary …)"
    )


def fitted_findings(findings: tuple[str, ...], item_id: int) -> tuple[str | None, str | None]:
    """The key findings as the modal shows them (whole lines only), and the hint when some did
    not fit: one cut mid-way would be saved cut."""
    shown: list[str] = []
    size = 0
    for finding in findings:
        size += len(finding) + (1 if shown else 0)
        if size > MAX_INPUT:
            break
        shown.append(finding)
    if len(shown) == len(findings):
        return "\n".join(findings) or None, None
    hidden = len(findings) - len(shown)
    return "\n".join(shown) or None, (
        f"{hidden} more key finding{'s' if hidden != 1 else ''} did not fit (Slack shows "
        f"{MAX_INPUT:,} characters): saved unchanged they are kept; changed, the findings here "
        f"replace them all (for every one: curator edition edit {item_id} --finding …)"
    )


def edit_modal(
    card: Card,
    *,
    channel: str | None,
    message_ts: str | None,
    proposal_ts: str | None = None,
) -> View:
    """The Edit modal: title, summary, key findings (one per line) and their lead-in, sector and
    category. ``proposal_ts``: opened from the proposal at that ts in the card's thread."""
    meta: dict[str, Any] = {"item_id": card.item_id, "channel": channel, "ts": message_ts}
    if proposal_ts:
        meta["proposal_ts"] = proposal_ts
    private = json.dumps(meta)

    def _input(
        label: str, action_id: str, element: Any, optional: bool = False, hint: str | None = None
    ) -> InputBlock:
        return InputBlock(
            block_id=action_id, label=label, element=element, optional=optional, hint=hint
        )

    summary, summary_hint = fitted_summary(card.summary, card.item_id)
    findings, findings_hint = fitted_findings(tuple(card.key_findings), card.item_id)
    submit = "Save" if card.status == "accepted" else "Save and accept"
    view = View(
        type="modal",
        callback_id=EDIT_MODAL,
        title="Edit candidate",
        submit=submit,
        close="Cancel",
        private_metadata=private,
        blocks=[
            _input(
                "Title",
                EDIT_TITLE,
                PlainTextInputElement(
                    action_id=EDIT_TITLE,
                    initial_value=trim(card.title, MAX_INPUT),
                    max_length=MAX_INPUT,
                ),
            ),
            _input(
                "Publisher (as the edition names it)",
                EDIT_PUBLISHER,
                PlainTextInputElement(
                    action_id=EDIT_PUBLISHER,
                    initial_value=trim(card.publisher, 200),
                    max_length=200,
                ),
            ),
            _input(
                "Summary",
                EDIT_SUMMARY,
                PlainTextInputElement(
                    action_id=EDIT_SUMMARY,
                    multiline=True,
                    initial_value=summary,
                    max_length=MAX_INPUT,
                ),
                hint=summary_hint,
            ),
            _input(
                "Key findings (one per line)",
                EDIT_FINDINGS,
                PlainTextInputElement(
                    action_id=EDIT_FINDINGS,
                    multiline=True,
                    initial_value=findings,
                    max_length=MAX_INPUT,
                ),
                optional=True,
                hint=findings_hint,
            ),
            _input(
                "Line before the key findings",
                EDIT_LEAD_IN,
                PlainTextInputElement(
                    action_id=EDIT_LEAD_IN,
                    initial_value=trim(card.lead_in, 200) if card.lead_in else None,
                    placeholder=KEY_FINDINGS_LEAD,
                    max_length=200,
                ),
                optional=True,
            ),
            _input(
                "Sector", EDIT_SECTOR, select_for(card, EDIT_SECTOR, SECTORS, card.shown_sector)
            ),
            _input(
                "Category",
                EDIT_CATEGORY,
                select_for(card, EDIT_CATEGORY, CATEGORIES, card.shown_category),
            ),
        ],
    )
    problems = limits.modal_problems(view.to_dict())
    if problems:
        raise SlackError("edit modal would be refused by Slack: " + "; ".join(problems))
    return view


def read_modal(values: dict[str, Any]) -> dict[str, Any]:
    """The editor's input from a ``view_submission``'s ``view.state.values``."""

    def _text(action_id: str) -> str:
        return str((values.get(action_id, {}).get(action_id) or {}).get("value") or "").strip()

    def _chosen(action_id: str) -> str | None:
        selected = (values.get(action_id, {}).get(action_id) or {}).get("selected_option")
        return option_key((selected or {}).get("value"))

    return {
        "title": _text(EDIT_TITLE),
        "publisher": _text(EDIT_PUBLISHER) if EDIT_PUBLISHER in values else None,  # new field
        "summary": _text(EDIT_SUMMARY),
        "key_findings": [
            ln.strip(" •-\t") for ln in _text(EDIT_FINDINGS).splitlines() if ln.strip(" •-\t")
        ],
        "lead_in": _text(EDIT_LEAD_IN) or None,
        "sector": _chosen(EDIT_SECTOR),
        "category": _chosen(EDIT_CATEGORY),
    }


def whole_where_unchanged(
    values: dict[str, Any], opened: dict[str, Any], whole: dict[str, Any]
) -> dict[str, Any]:
    """``values`` (a submission, :func:`read_modal`) with each field of ``whole`` given whole
    where the editor left it as the modal showed it: cut to fit, it would be saved cut."""
    return {**values, **{k: v for k, v in whole.items() if values.get(k) == opened.get(k)}}
