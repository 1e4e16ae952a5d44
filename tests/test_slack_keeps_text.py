"""What an editor wrote survives the clicks around it: Undo takes back a decision, never the text
written in the Edit modal; the modal records only what was changed, and stays open when the item
was rejected meanwhile. Signed requests over HTTP to the app, the fake Slack answering."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from curator.slack import blocks
from tests.support.fake_slack import form, view_submission
from tests.test_slack_app import Env, slack_env

pytestmark = pytest.mark.storage


@pytest.fixture
def env(engine: Engine, tmp_path: Path) -> Iterator[Env]:
    with slack_env(engine, tmp_path) as started:
        yield started


def submit_modal(env: Env, item_id: int, **typed: str) -> None:
    """Click Edit on the card and save the modal as Slack sends it: every input with what the
    modal showed, except ``typed`` (block id → the text the editor typed instead)."""
    opened = len(env.fake.views)
    env.click(item_id, blocks.EDIT)
    env.fake.wait_for("views.open", opened + 1)
    save_as_shown(env, env.fake.views[-1], **typed)


def save_as_shown(env: Env, view: dict[str, Any], **typed: str) -> None:
    """Save the modal ``view`` as Slack sends it: every input with what the modal showed,
    except ``typed`` (block id → the text the editor typed instead)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block["element"]
        if element["type"] == "static_select":
            entry = {"type": "static_select", "selected_option": element.get("initial_option")}
        else:
            value = typed.get(block["block_id"], element.get("initial_value"))
            entry = {"type": "plain_text_input", "value": value}
        values[block["block_id"]] = {element["action_id"]: entry}
    updates = len(env.fake.calls("chat.update"))
    assert env.send(form(view_submission(view=view, values=values))).status_code == 200
    env.fake.wait_for("chat.update", updates + 1)


def test_undo_of_an_accept_keeps_the_summary_written_after_it(env: Env) -> None:
    item_id = env.post_card(summary="The feed's summary.")
    env.click(item_id, blocks.ACCEPT)
    env.fake.wait_for("chat.update")
    submit_modal(env, item_id, **{blocks.EDIT_SUMMARY: "The summary the editor wrote."})
    assert env.item(item_id)["edited_summary"] == "The summary the editor wrote."

    env.click(item_id, blocks.UNDO)
    env.fake.wait_for("chat.update", 3)
    item = env.item(item_id)
    assert (item["status"], item["edition"]) == ("queued", None)
    assert item["edited_summary"] == "The summary the editor wrote."
    assert "The summary the editor wrote." in env.card_text(item_id)
    assert [d["action"] for d in env.decisions(item_id)] == ["accept", "edit", "undo"]


def test_the_modal_records_only_what_the_editor_changed(env: Env) -> None:
    # Saved as shown, the feed's summary became the editor's own, so the summary the thread
    # proposes after the accept never reached the draft (a plain Accept's item printed it).
    item_id = env.post_card(title="Feed title", summary="The feed's summary.")
    submit_modal(env, item_id, **{blocks.EDIT_TITLE: "The editor's title"})
    assert [d["action"] for d in env.decisions(item_id)] == ["edit", "accept"]
    assert env.decisions(item_id)[0]["edits"] == {"title": "The editor's title"}
    item = env.item(item_id)
    assert (item["edited_title"], item["edited_summary"]) == ("The editor's title", None)
    assert item["key_findings"] is None

    # Saved again unchanged on the accepted card: nothing to record.
    submit_modal(env, item_id)
    assert [d["action"] for d in env.decisions(item_id)] == ["edit", "accept"]
    assert "The editor's title" in env.card_text(item_id)


def test_a_modal_saved_after_someone_rejected_the_item_stays_open(env: Env) -> None:
    # The modal closed and the ephemeral said "Your edits were not saved": the text was lost.
    item_id = env.post_card()
    env.click(item_id, blocks.EDIT)
    env.fake.wait_for("views.open")
    view = env.fake.views[-1]
    env.click(item_id, blocks.REJECT, user="U2", name="bob")
    env.fake.wait_for("chat.update")
    typed = "A long summary the editor typed."
    values: dict[str, Any] = {
        blocks.EDIT_TITLE: {blocks.EDIT_TITLE: {"type": "plain_text_input", "value": "T"}},
        blocks.EDIT_SUMMARY: {blocks.EDIT_SUMMARY: {"type": "plain_text_input", "value": typed}},
    }
    for select, key in (
        (blocks.EDIT_SECTOR, "criminal_justice"),
        (blocks.EDIT_CATEGORY, "reports"),
    ):
        option = {"value": f"{item_id}:{key}"}
        values[select] = {select: {"type": "static_select", "selected_option": option}}
    resp = env.send(form(view_submission(view=view, values=values)))
    answer = resp.json()
    assert answer["response_action"] == "errors"
    assert "Rejected by @bob" in answer["errors"][blocks.EDIT_SUMMARY]
    assert [d["action"] for d in env.decisions(item_id)] == ["reject"]
    assert env.item(item_id)["edited_summary"] is None


def test_the_modal_opens_with_the_category_chosen_on_the_card(env: Env) -> None:
    # The modal showed the predicted category: saved as shown, the editor's choice was lost.
    item_id = env.post_card()  # predicted: Reports
    option = {"value": f"{item_id}:briefings"}
    state = {
        blocks.TRIAGE_BLOCK: {blocks.CATEGORY: {"type": "static_select", "selected_option": option}}
    }
    env.click(item_id, blocks.EDIT, state=state)
    env.fake.wait_for("views.open")
    view = env.fake.views[-1]
    shown = {b["block_id"]: b["element"].get("initial_option") for b in view["blocks"]}
    assert shown[blocks.EDIT_CATEGORY]["value"] == f"{item_id}:briefings"
    assert shown[blocks.EDIT_SECTOR]["value"] == f"{item_id}:adult_social_care_health"


def test_a_modal_saved_after_someone_accepted_changes_only_what_its_editor_changed(
    env: Env,
) -> None:
    # Saved after another editor's accept, the labels the modal showed when it opened (the
    # predicted ones) were recorded as a relabel, silently undoing the other editor's choice.
    from curator.store.decisions import Actor, decide

    item_id = env.post_card()  # predicted: Adult Social Care and Health, Reports
    env.click(item_id, blocks.EDIT)
    env.fake.wait_for("views.open")
    view = env.fake.views[-1]
    bob = Actor("U2", "bob")
    decide(env.engine, item_id, "accept", bob, sector="criminal_justice", category="tools_guidance")

    def save(category: str, summary: str) -> None:
        values: dict[str, Any] = {}
        for block in view["blocks"]:
            element = block["element"]
            if block["block_id"] == blocks.EDIT_CATEGORY:
                entry: dict[str, Any] = {
                    "type": "static_select",
                    "selected_option": {"value": f"{item_id}:{category}"},
                }
            elif element["type"] == "static_select":
                entry = {"type": "static_select", "selected_option": element["initial_option"]}
            else:
                value = summary if block["block_id"] == blocks.EDIT_SUMMARY else None
                entry = {"type": "plain_text_input", "value": value or element.get("initial_value")}
            values[block["block_id"]] = {element["action_id"]: entry}
        updates = len(env.fake.calls("chat.update"))
        assert env.send(form(view_submission(view=view, values=values))).status_code == 200
        env.fake.wait_for("chat.update", updates + 1)

    save("reports", "A summary alice wrote.")  # the labels as the modal showed them
    item = env.item(item_id)
    assert (item["sector"], item["category"]) == ("criminal_justice", "tools_guidance")
    assert [d["action"] for d in env.decisions(item_id)] == ["accept", "edit"]
    save("briefings", "A summary alice wrote.")  # the category changed: that one only
    item = env.item(item_id)
    assert (item["sector"], item["category"]) == ("criminal_justice", "briefings")
    assert [d["action"] for d in env.decisions(item_id)][-1] == "relabel"


def test_findings_too_long_for_the_modal_are_shown_whole_and_saved_whole(env: Env) -> None:
    """Eight long proposed findings are more than a Slack input's 3,000 characters: the modal
    showed them cut mid-finding, and Save from the proposal stored the cut one (and lost the
    rest). It shows the findings that fit, whole, says how many did not, and saved unchanged
    keeps them all."""
    from curator.store.proposals import NewProposal

    findings = tuple(
        f"Finding {n}: " + " ".join(["the council's evidence shows change"] * 12) for n in range(8)
    )
    assert len("\n".join(findings)) > 3000
    item_id = env.post_card(title="Kinship care")
    proposal = NewProposal(url="x", summary="Proposed summary. " * 5, key_findings=findings)
    env.click_proposal(item_id, blocks.EDIT_PROPOSAL, env.propose(item_id, proposal))
    env.fake.wait_for("views.open")
    view = env.fake.views[-1]
    box = next(b for b in view["blocks"] if b["block_id"] == blocks.EDIT_FINDINGS)
    shown = box["element"]["initial_value"].split("\n")
    assert 0 < len(shown) < 8 and all(line in findings for line in shown)  # whole findings
    assert box["hint"]["text"].startswith(f"{8 - len(shown)} more key finding")

    save_as_shown(env, view)
    assert tuple(env.item(item_id)["key_findings"]) == findings
