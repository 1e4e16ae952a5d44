"""Socket Mode: the same Bolt app over a WebSocket Slack opens to us (no public URL needed)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from curator.config import Settings
from curator.errors import SlackError


def start_socket_mode(app: App, settings: Settings) -> Any:
    """Connect in the background; returns the ``SocketModeHandler`` (call ``.close()`` to stop)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if not settings.slack_app_token:
        raise SlackError(
            "SLACK_APP_TOKEN (xapp-…) is not set: Socket Mode needs an app-level token with the "
            "connections:write scope; see the README's Slack section, or use `curator slack serve`"
        )
    handler = SocketModeHandler(app, app_token=settings.slack_app_token)
    handler.connect()  # type: ignore[no-untyped-call]  # non-blocking: the SDK's client keeps the connection in its own threads
    return handler
