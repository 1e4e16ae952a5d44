"""What a Slack user is told when the process's database file was deleted (or replaced) under it.

The store then refuses every transaction (:class:`curator.errors.DatabaseGone`, raised when one
begins), so a click, a modal or a command stores nothing. No listener handles that itself: each
is registered through :func:`refusing`, which tells the user, only them, that what they did was
NOT saved and why, and logs it without a traceback. A modal not answered yet stays open with
the text typed, to be saved again once curator is back. The error never reaches Bolt, whose
handling of a listener that raises after its ack may answer Slack with a 500 (or not at all).
``/pulse`` and the reads on the background worker word it with :func:`why` too.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from curator.errors import DatabaseGone
from curator.slack import blocks
from curator.slack.handler_base import user_of, where
from curator.slack.messages import tell

log = logging.getLogger("curator.slack.app")

Listener = Callable[..., None]


def why(exc: DatabaseGone) -> str:
    """Why nothing was recorded, and what to do, in an editor's words (the log has the rest)."""
    return (
        f"Pulse's database file was {exc.how} on the server while curator was running, and "
        "anything recorded now would be lost. Ask an admin to restore the file and restart "
        "curator (its log says how)"
    )


def not_saved(exc: DatabaseGone) -> str:
    """The message: nothing was recorded, why, and what to do (ask an admin, then again)."""
    return f"*Not saved:* Pulse recorded nothing of that. {why(exc)}, then try again."


def modal_not_saved(exc: DatabaseGone) -> str:
    """The same, under a field of a modal left open (plain text: no mrkdwn there)."""
    return (
        f"Not saved: {why(exc)}. Keep this open, or copy your text, and Save again once "
        "curator is back."
    )


def refusing(listener: Listener) -> Listener:
    """``listener`` (called by Bolt with the arguments it names) answering a
    :class:`DatabaseGone` itself: the request is acknowledged if it was not yet, and the user
    told that nothing was saved."""

    @functools.wraps(listener)  # Bolt passes the arguments the wrapped listener names
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            listener(*args, **kwargs)
        except DatabaseGone as exc:
            refused(exc, kwargs.get("body") or {}, kwargs.get("ack"), kwargs.get("client"))

    return run


def refused(exc: DatabaseGone, body: dict[str, Any], ack: Any, client: Any) -> None:
    """Tell the user of ``body`` that nothing was saved (a modal not answered yet: under its
    summary, keeping it open), and log it."""
    kind = str(body.get("type") or "request")
    user = user_of(body)
    log.error("refused a Slack %s by %s, nothing saved: %s", kind, user, exc)
    if ack is not None and ack.response is None:  # not answered yet (it read the store first)
        if kind == "view_submission":
            ack(response_action="errors", errors={blocks.EDIT_SUMMARY: modal_not_saved(exc)})
            return
        ack()
    if client is not None:
        channel = where(body)[0] or _modal_channel(body.get("view") or {})
        tell(client, channel, user, not_saved(exc))


def _modal_channel(view: dict[str, Any]) -> str | None:
    """The channel of the card a modal was opened from (its private metadata)."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    return meta.get("channel") if isinstance(meta, dict) else None
