"""Deployment settings from the environment (secrets never live in files in the repo).

Every variable is listed in the README's "Configuration" table; ``tests/test_docs.py``
fails when one is missing there.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./data/curator.db"


def parse_time_of_day(value: str) -> tuple[int, int]:
    """``"16:00"`` as (16, 0); anything else is a ValueError saying what to write."""
    hour, sep, minute = value.strip().partition(":")
    if sep and hour.isdigit() and minute.isdigit() and len(minute) == 2:
        h, m = int(hour), int(minute)
        if h < 24 and m < 60:
            return h, m
    raise ValueError("not a time of day; use HH:MM on a 24-hour clock, e.g. 16:00")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CURATOR_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    sources_file: Path = Path("sources.yaml")
    model_dir: Path = Path("models")
    training_dir: Path = Path("data/training")
    allow_private_networks: bool = False
    contact_url: str = "https://github.com/pulse-curator/pulse-curator"
    user_agent: str = ""
    tick_seconds: int = 60
    http_port: int = 8787
    # The address /healthz and /metrics listen on: loopback unless a container publishes the port.
    http_host: str = "127.0.0.1"
    # Seconds a client has to send a whole request (headers and body) before it is cut off.
    http_request_timeout: float = Field(default=10.0, gt=0)
    log_format: str = "text"
    timezone: str = "Europe/London"
    admins: str = ""  # comma-separated Slack user ids allowed to change sources from Slack
    # Comma-separated Slack user ids who may triage cards and use /pulse (admins count too);
    # empty: everyone who can see SLACK_CHANNEL.
    editors: str = ""
    firm_name: str = "Cordis Bright"  # the draft edition's "<firm> News" section
    publication_name: str = "CordisPulse"  # the draft edition's title
    parse_workers: int = Field(default=1, ge=0)  # child processes that parse (0: in-process)
    parse_timeout: float = Field(default=60.0, gt=0)  # seconds per document before giving up
    # MB of address space a parser process may use (0: no cap): a document needing more fails.
    parse_memory_mb: int = Field(default=1024, ge=0)
    # Pages a poll pass may read to give new items without a summary their page's description
    # (0: never read them; such items are then classified at their own, lower lane points).
    describe_pages: int = Field(default=30, ge=0)
    # When the day's roll-up of the digest lane is posted (HH:MM in CURATOR_TIMEZONE).
    digest_time: str = "16:00"
    # Days an undecided candidate stays in the queue before it moves to the quiet lane.
    candidate_days: int = Field(default=60, ge=1)

    slack_bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "CURATOR_SLACK_BOT_TOKEN")
    )
    slack_app_token: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "CURATOR_SLACK_APP_TOKEN")
    )
    slack_signing_secret: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "CURATOR_SLACK_SIGNING_SECRET"),
    )
    slack_channel: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_CHANNEL", "CURATOR_SLACK_CHANNEL")
    )
    slack_api_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_API_URL", "CURATOR_SLACK_API_URL")
    )

    @field_validator("digest_time")
    @classmethod
    def _hour_and_minute(cls, value: str) -> str:
        parse_time_of_day(value)
        return value.strip()

    @field_validator("parse_memory_mb")
    @classmethod
    def _room_to_start(cls, value: int) -> int:
        if 0 < value < 128:  # a parser process needs ~53 MB before it reads anything
            raise ValueError("0 (no cap) or at least 128 MB: a parser needs room to start")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone; use an IANA name such as Europe/London") from None
        return value

    @property
    def digest_at(self) -> tuple[int, int]:
        """CURATOR_DIGEST_TIME as (hour, minute)."""
        return parse_time_of_day(self.digest_time)

    @property
    def admin_ids(self) -> set[str]:
        return {a.strip() for a in self.admins.split(",") if a.strip()}

    @property
    def editor_ids(self) -> set[str]:
        """The listed editors (without the admins, who count as editors too)."""
        return {e.strip() for e in self.editors.split(",") if e.strip()}

    @property
    def effective_user_agent(self) -> str:
        from curator import __version__

        return self.user_agent or f"PulseCurator/{__version__} (+{self.contact_url})"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_channel)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment; a bad value is a :class:`ConfigError` naming the
    variable, what it holds and what would be valid (not a validation traceback)."""
    from pydantic import ValidationError

    from curator.errors import ConfigError

    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = _env_name(str(err["loc"][0])) if err["loc"] else "?"
            # our validators' own words, without pydantic's "Value error, " in front
            error = (err.get("ctx") or {}).get("error")
            said = str(error) if err["type"] == "value_error" and error else err["msg"]
            problems.append(f"{name}={err.get('input')!r}: {said}")
        raise ConfigError(
            "bad setting in the environment: " + "; ".join(problems) + " (see the README, "
            "section Configuration)"
        ) from None


def _env_name(loc: str) -> str:
    """The variable a validation error's location stands for: CURATOR_<FIELD>, or a field's
    first alias (SLACK_BOT_TOKEN, …) when it has some."""
    info = Settings.model_fields.get(loc)
    if info is None:
        return loc  # pydantic reports aliased fields under the alias itself
    alias = info.validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"CURATOR_{loc.upper()}"
