"""Pure Block Kit: cards and the edit modal stay inside Slack's limits and carry the item id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.errors import SlackError
from curator.slack import blocks, limits, modal
from curator.slack.blocks import Card
from curator.slack.proposal_blocks import proposal_blocks
from tests.test_slack_docs import _proposal


def card(**kw: Any) -> Card:
    base: dict[str, Any] = {
        "item_id": 42,
        "title": "Making prevention everyone's business",
        "url": "https://www.gov.uk/government/publications/x",
        "publisher": "Department of Health and Social Care",
        "source_id": "dhsc",
        "summary": "A report on prevention.",
        "published_at": datetime(2024, 6, 3, 9, tzinfo=UTC),
        "predicted_sector": "adult_social_care_health",
        "sector_confidence": 0.8,
        "predicted_category": "reports",
        "category_confidence": 0.6,
    }
    base.update(kw)
    return Card(**base)


def walk(node: Any) -> list[dict[str, Any]]:
    out = []
    if isinstance(node, dict):
        out.append(node)
        for v in node.values():
            out += walk(v)
    elif isinstance(node, list):
        for v in node:
            out += walk(v)
    return out


def interactive(dicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for n in walk(dicts) if n.get("type") in ("button", "static_select")]


def test_undecided_card_has_accept_reject_edit_and_preset_selects() -> None:
    d = blocks.as_dicts(blocks.card_blocks(card()))
    ids = [n["action_id"] for n in interactive(d)]
    assert ids == [blocks.ACCEPT, blocks.REJECT, blocks.EDIT, blocks.SECTOR, blocks.CATEGORY]
    for node in interactive(d):
        if node["type"] == "button":
            assert node["value"] == "42"
        else:
            assert all(o["value"].startswith("42:") for o in node["options"])
    text = str(d)
    assert "3 Jun 2024" in text and "Needs a look" not in text


def test_uncertain_prediction_is_marked() -> None:
    text = str(blocks.as_dicts(blocks.card_blocks(card(uncertain=True))))
    assert "Needs a look" in text


def test_needs_a_look_says_what_the_model_is_unsure_of() -> None:
    # "the model is unsure" under "Adult Social Care and Health (100%)" read as a contradiction:
    # the flag is about relevance, or a sector below the model's confidence floor.
    sure_sector = str(blocks.as_dicts(blocks.card_blocks(card(uncertain=True))))
    assert "the model is unsure it is one for the digest" in sure_sector
    unsure_sector = card(uncertain=True, sector_confidence=0.41)
    assert "unsure of the sector" in str(blocks.as_dicts(blocks.card_blocks(unsure_sector)))


def test_decided_cards() -> None:
    accepted = card(
        status="accepted",
        sector="criminal_justice",
        category="briefings",
        edition="2024-06",
        decided_by_id="U1",
        decided_via="slack",
    )
    d = blocks.as_dicts(blocks.card_blocks(accepted))
    assert blocks.outcome_line(accepted) == (
        ":white_check_mark: Accepted by <@U1> into 2024-06 · Criminal Justice · Briefings"
    )
    assert [n["action_id"] for n in interactive(d)] == [
        blocks.SECTOR,
        blocks.CATEGORY,
        blocks.EDIT,
        blocks.UNDO,
    ]
    rejected = card(status="rejected", decided_by_name="maria", decided_via="cli")
    d = blocks.as_dicts(blocks.card_blocks(rejected))
    assert blocks.outcome_line(rejected) == ":x: Rejected by @maria"
    assert [n["action_id"] for n in interactive(d)] == [blocks.UNDO]


@settings(max_examples=50, deadline=None)
@given(
    title=st.text(min_size=1, max_size=5000),
    summary=st.text(max_size=20000),
    findings=st.lists(st.text(max_size=800), max_size=30),
    path=st.text(max_size=2100),
)
def test_any_text_fits_slacks_limits(
    title: str, summary: str, findings: list[str], path: str
) -> None:
    c = card(title=title, summary=summary, key_findings=tuple(findings), url=f"https://x/{path}")
    d = blocks.as_dicts(blocks.card_blocks(c))
    assert limits.message_problems(d) == []
    view = modal.edit_modal(c, channel="C1", message_ts="1.2").to_dict()
    assert limits.modal_problems(view) == []


def test_title_links_and_findings() -> None:
    c = card(url="https://x.example/a|b>c", key_findings=("One & two", "Three"))
    d = blocks.as_dicts(blocks.card_blocks(c))
    title = d[0]["text"]["text"]
    assert title == "*<https://x.example/a%7Cb%3Ec|Making prevention everyone's business>*"
    findings = next(b for b in d if b["block_id"] == "pulse_findings")["text"]["text"]
    assert findings == "*Key findings include:*\n• One &amp; two\n• Three"
    long_url = card(url="https://x.example/" + "a" * 3000)
    assert blocks.as_dicts(blocks.card_blocks(long_url))[0]["text"]["text"].startswith("*Making")


def test_limits_catch_what_slack_refuses() -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    button = {
        "type": "button",
        "action_id": "a" * 256,
        "value": "v" * 2001,
        "text": {"type": "plain_text", "text": "ok"},
    }
    problems = limits.message_problems([section, {"type": "actions", "elements": [button]}])
    assert len(problems) == 3
    assert limits.message_problems([{"type": "divider"}] * 51) == [
        "51 blocks in one message (max 50)"
    ]
    assert limits.modal_problems({"blocks": [{"type": "divider"}] * 101})


def test_check_message_raises_a_clear_error() -> None:
    from slack_sdk.models.blocks import DividerBlock

    with pytest.raises(SlackError, match="51 blocks"):
        blocks.check_message([DividerBlock() for _ in range(51)])


def test_trim_and_escape() -> None:
    assert blocks.trim("one two three four", 10) == "one two…"
    assert len(blocks.trim("x" * 100, 10)) == 10
    assert blocks.escape("<a> & b") == "&lt;a&gt; &amp; b"


def test_fallback_text_escapes_feed_text() -> None:
    # The top-level text of a card is mrkdwn too (mobile notifications show only it): a feed
    # title must not mention the channel or disguise a link there either.
    text = blocks.fallback_text(
        card(title="<!channel> read <http://evil.example|GOV.UK> & more", publisher="<!here>")
    )
    assert "<" not in text and ">" not in text
    assert text == (
        "&lt;!here&gt;: &lt;!channel&gt; read &lt;http://evil.example|GOV.UK&gt; &amp; more"
    )


def test_modal_round_trip() -> None:
    view = modal.edit_modal(card(key_findings=("a", "b")), channel="C1", message_ts="1.2")
    d = view.to_dict()
    values = {b["block_id"]: {b["element"]["action_id"]: dict(b["element"])} for b in d["blocks"]}
    for block_id, element in values.items():
        el = element[block_id]
        if el["type"] == "plain_text_input":
            el["value"] = el.get("initial_value")
        else:
            el["selected_option"] = el.get("initial_option")
    read = modal.read_modal(values)
    assert read["title"] == card().title
    assert read["key_findings"] == ["a", "b"]
    assert (read["sector"], read["category"]) == ("adult_social_care_health", "reports")


def test_metadata_round_trip() -> None:
    assert blocks.item_id_from_metadata({"metadata": blocks.metadata(7)}) == 7
    assert blocks.item_id_from_metadata({"metadata": {"event_type": "other"}}) is None
    assert blocks.item_id_from_metadata({}) is None


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            "PageUnreadable: https://x.example:8443/p?a=b: the server answered HTTP 404; "
            "check the link",
            "the publication could not be read: the server answered HTTP 404; check the link.",
        ),
        (
            "ReportTimeout: https://x.example/r.pdf: took longer than 30 s.",
            "the publication could not be read: took longer than 30 s.",
        ),
        (
            "an error stored in another shape",
            "could not be read: an error stored in another shape.",
        ),
    ],
)
def test_nothing_proposed_says_why_in_plain_words(error: str, said: str) -> None:
    # It began "Nothing proposed for this item: PageUnreadable: https://…: …".
    (block,) = blocks.as_dicts(proposal_blocks(_proposal(error=error)))
    text = block["text"]["text"]
    assert text.startswith(":information_source: Nothing proposed: ")
    assert f"{said} The feed's summary stays; Edit the card to write one." in text
    assert "PageUnreadable" not in text and "ReportTimeout" not in text and "http" not in text


def test_a_summary_too_long_for_the_modal_is_cut_between_words_and_said() -> None:
    summary = "Care homes " * 400  # 4,400 characters
    shown, hint = modal.fitted_summary(summary.strip(), 42)
    assert shown is not None and len(shown) <= 3000 and summary.startswith(shown)
    assert shown.endswith(("Care", "homes"))  # not "ho"
    assert hint == (
        f"Slack shows the first {len(shown):,} of its 4,399 characters: saved unchanged it is "
        "kept whole; changed, what is here replaces it (for the whole text: curator edition "
        "edit 42 --summary …)"
    )
    assert modal.fitted_summary("Short.", 42) == ("Short.", None)
    assert modal.fitted_summary("", 42) == (None, None)


def test_key_findings_too_long_for_the_modal_are_shown_whole_and_counted() -> None:
    findings = tuple(f"{n} " + "x" * 996 for n in range(4))  # 4 × ~999 characters
    shown, hint = modal.fitted_findings(findings, 7)
    assert shown == "\n".join(findings[:3])
    assert hint is not None and hint.startswith("1 more key finding did not fit")
    assert modal.fitted_findings(findings[:2], 7) == ("\n".join(findings[:2]), None)
    assert modal.fitted_findings((), 7) == (None, None)
