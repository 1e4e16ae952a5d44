"""The ``/pulse`` slash command: ``status``, ``draft``, ``find``, ``add`` (a publication by its
link), ``sources`` (admins: ``add``, ``disable``, ``enable``, ``skip``). Every ``/pulse`` is
answered, failures included, with a message only its user sees; the replies themselves are
written in :mod:`curator.slack.pulse`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from curator.errors import CuratorError, DatabaseGone
from curator.slack import blocks, pulse
from curator.slack.add_link import AddLink
from curator.slack.database_gone import why
from curator.slack.find import find_reply
from curator.slack.links import unescape

log = logging.getLogger("curator.slack.app")


class PulseCommand(AddLink):
    def on_pulse(
        self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Every /pulse gets an answer, failures included: nothing fails silently."""
        ack()
        # Slack escapes &, < and > in the text: every subcommand reads it as typed
        words = unescape(str(command.get("text") or "")).split()
        sub = words[0].lower() if words else "help"
        user, channel = str(command.get("user_id") or ""), command.get("channel_id")
        is_dm = command.get("channel_name") == "directmessage" or str(channel).startswith("D")
        reply: str | dict[str, Any] | None = self.access.pulse_refusal(user, channel, is_dm)
        if reply is None:
            try:
                reply = self.pulse_reply(sub, words[1:], command, client, respond)
            except DatabaseGone as exc:
                log.error("/pulse %s by %s refused: %s", sub, user, exc)
                reply = f"Sorry, that did not work: {why(exc)}, then try again."
            except CuratorError as exc:
                log.warning("/pulse %s by %s: %s", sub, user, exc)
                reply = f"Sorry, that did not work: {blocks.escape(str(exc))}"
            except SlackApiError as exc:
                log.warning("/pulse %s by %s: Slack said %s", sub, user, exc)
                reply = f"Slack refused the upload: {exc.response.get('error')}"
            except Exception as exc:
                log.exception("/pulse %s by %s failed", sub, user)
                reply = (
                    f"Sorry, `/pulse {sub}` failed: {blocks.escape(type(exc).__name__)}: "
                    f"{blocks.escape(str(exc))}. The details are in curator's log."
                )
        if reply is None:
            return  # answered already (``/pulse add`` answers before its work starts)
        try:
            if isinstance(reply, dict):  # a reply with blocks (/pulse find)
                respond(**reply, response_type="ephemeral")
            else:
                respond(text=reply, response_type="ephemeral")
        except Exception:
            log.exception("could not answer /pulse %s by %s", sub, user)

    def pulse_reply(
        self,
        sub: str,
        args: list[str],
        command: dict[str, Any],
        client: WebClient,
        respond: Respond,
    ) -> str | dict[str, Any] | None:
        if sub == "find":
            return find_reply(self.engine, " ".join(args), self.settings.timezone)
        if sub == "add":
            return self.pulse_add(args, command, respond, client)
        if sub == "status":
            return pulse.status_text(
                self.engine,
                datetime.now(UTC),
                self.settings.timezone,
                pulse.watched_sources(self.sources_file),
            )
        if sub == "draft":
            channel = command.get("channel_id")

            def upload(files: list[tuple[str, bytes]]) -> None:
                client.files_upload_v2(
                    channel=channel,
                    file_uploads=[
                        {"content": data, "filename": name, "title": name} for name, data in files
                    ],
                    initial_comment="Draft edition from Pulse Curator",
                )

            return pulse.draft_reply(self.engine, args[0] if args else None, upload)
        if sub == "sources":
            if not args:
                return pulse.sources_text(self.sources_file)
            verb = args[0].lower()
            verbs = ("add", "disable", "enable", "skip")
            if verb not in verbs or len(args) < (4 if verb == "skip" else 2):
                return (
                    "Use `/pulse sources`, `/pulse sources add URL [Publisher]`, "
                    "`/pulse sources disable ID`, `/pulse sources enable ID` or "
                    "`/pulse sources skip ID FIELD PATTERN` (FIELD: title, summary, url or type)."
                )
            if not self.access.is_admin(str(command.get("user_id"))):
                return (
                    "Sorry, only admins can change the sources (ask one of them, or see "
                    "CURATOR_ADMINS in the README). `/pulse sources` lists them."
                )
            if verb == "add":
                return pulse.add_source(
                    self.sources_file,
                    args[1],
                    " ".join(args[2:]) or None,
                    self.settings,
                    str(command.get("user_id")),
                )
            if verb == "skip":
                return pulse.skip_rule(
                    self.engine, self.sources_file, args[1], args[2], args[3:], client
                )
            return pulse.toggle_reply(self.sources_file, args[1], enabled=verb == "enable")
        if sub == "help":
            return pulse.USAGE
        return f"`/pulse {blocks.escape(sub)}` is not a command I know.\n{pulse.USAGE}"
