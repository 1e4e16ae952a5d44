"""Posting an item's proposal in its card's thread, and redrawing it once an editor has used
or edited it. Slack errors are logged, never raised: the proposal is stored either way, and the
draft marks it as proposed until an editor makes it their own."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from curator.slack import proposal_blocks
from curator.slack.blocks import as_dicts
from curator.store.handles import Engine
from curator.store.proposals import StoredProposal, get_proposal

log = logging.getLogger(__name__)


def post_proposal(
    client: WebClient, engine: Engine, channel: str, thread_ts: str, item_id: int
) -> str | None:
    """Post ``item_id``'s stored proposal in the thread of its card at ``thread_ts``; the ts of
    the reply, or None when there is no proposal or Slack refused."""
    with engine.connect() as conn:
        proposal = get_proposal(conn, item_id)
    if proposal is None:
        return None
    try:
        answer = client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=proposal_blocks.fallback_text(proposal),
            blocks=as_dicts(proposal_blocks.proposal_blocks(proposal)),
            metadata=proposal_blocks.metadata(item_id),
            unfurl_links=False,
            unfurl_media=False,
        )
    except (SlackClientError, OSError) as exc:
        log.warning("could not post the proposal of item %s in its thread: %s", item_id, exc)
        return None
    return str(answer.get("ts"))


def mark_proposal(
    client: WebClient, channel: str | None, ts: str | None, proposal: StoredProposal, note: str
) -> None:
    """Redraw the proposal at (channel, ts) without its buttons, with ``note`` (who used it)."""
    if not channel or not ts:
        return
    try:
        client.chat_update(
            channel=channel,
            ts=ts,
            text=proposal_blocks.fallback_text(proposal),
            blocks=as_dicts(proposal_blocks.proposal_blocks(proposal, used_by=note)),
        )
    except (SlackClientError, OSError) as exc:
        log.warning("could not update the proposal of item %s: %s", proposal.item_id, exc)
