"""Who may act from Slack, and where ``/pulse`` is answered (pure: no Slack calls).

- Editors (``CURATOR_EDITORS``) and admins (``CURATOR_ADMINS``, who count as editors) may triage
  cards and use ``/pulse``. With no editors listed, everyone who can see ``SLACK_CHANNEL`` may:
  a click or a command that comes from that channel is allowed, one from elsewhere is not.
- ``/pulse`` is answered in ``SLACK_CHANNEL``, and in direct messages from editors and admins;
  elsewhere the user is told where to use it (``/pulse draft`` uploads the edition to the
  channel it is typed in).
- Changing the sources (``/pulse sources add|disable``) is for admins only.
- Adding a publication by its link (``/pulse add``, the **Add to Pulse** shortcut) is for
  editors: ``/pulse add`` where ``/pulse`` answers, the shortcut on a message anywhere for a
  listed editor, or in ``SLACK_CHANNEL`` when no editors are listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from curator.config import Settings


@dataclass(frozen=True)
class Access:
    channel: str | None  # SLACK_CHANNEL
    editors: frozenset[str]  # CURATOR_EDITORS, without the admins
    admins: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> Access:
        return cls(
            settings.slack_channel, frozenset(settings.editor_ids), frozenset(settings.admin_ids)
        )

    def is_admin(self, user: str) -> bool:
        return user in self.admins

    def is_listed_editor(self, user: str) -> bool:
        return user in self.editors or user in self.admins

    def may_act(self, user: str, channel: str | None) -> bool:
        """May ``user`` triage a card (or use ``/pulse``) from ``channel``?"""
        if self.editors:
            return self.is_listed_editor(user)
        return self.is_admin(user) or (self.channel is not None and channel == self.channel)

    def _refusal(
        self, user: str, channel: str | None, not_an_editor: str, elsewhere: str
    ) -> str | None:
        """None when :meth:`may_act` lets ``user`` act from ``channel``; otherwise
        ``not_an_editor`` when editors are listed, else ``elsewhere`` (the wrong channel)."""
        if self.may_act(user, channel):
            return None
        return not_an_editor if self.editors else elsewhere

    def click_refusal(self, user: str, channel: str | None) -> str | None:
        """Why a click on a card is refused (None: it is not)."""
        return self._refusal(
            user,
            channel,
            "Sorry, only the digest's editors can triage cards, and nothing was recorded. "
            "Ask an admin to add you to CURATOR_EDITORS.",
            "Sorry, cards are triaged in the editors' channel only; nothing was recorded.",
        )

    def add_refusal(self, user: str, channel: str | None) -> str | None:
        """Why the Add to Pulse shortcut is refused to ``user`` here (None: it is not)."""
        where = f"<#{self.channel}>" if self.channel else "the editors' channel"
        return self._refusal(
            user,
            channel,
            "Sorry, only the digest's editors can add publications to Pulse; nothing was "
            "added. Ask an admin to add you to CURATOR_EDITORS.",
            f"Sorry, publications are added to Pulse from {where} only; nothing was added.",
        )

    def pulse_refusal(self, user: str, channel: str | None, is_dm: bool) -> str | None:
        """Why ``/pulse`` is not answered here (None: it is)."""
        here = self.channel is not None and channel == self.channel
        if here and self.may_act(user, channel):
            return None
        if is_dm and self.is_listed_editor(user):
            return None
        where = f"<#{self.channel}>" if self.channel else "the editors' channel"
        if here:
            return (
                f"Sorry, only the digest's editors can use /pulse, even in {where}. "
                "Ask an admin to add you to CURATOR_EDITORS."
            )
        return (
            f"/pulse works in {where}, and in a direct message with the app for editors and "
            "admins. Please use it there."
        )
