"""Settings from the environment: a bad value is a clear error naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from curator.config import get_settings
from curator.errors import ConfigError


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CURATOR_PARSE_WORKERS", "-1", "greater than or equal to 0"),
        ("CURATOR_PARSE_TIMEOUT", "0", "greater than 0"),
        ("CURATOR_TICK_SECONDS", "soon", "valid integer"),
        ("CURATOR_DIGEST_TIME", "25:00", "use HH:MM on a 24-hour clock, e.g. 16:00"),
        ("CURATOR_DIGEST_TIME", "4pm", "use HH:MM on a 24-hour clock"),
        ("CURATOR_CANDIDATE_DAYS", "0", "greater than or equal to 1"),
        ("CURATOR_TIMEZONE", "Europe/Londres", "use an IANA name such as Europe/London"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable_and_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with pytest.raises(ConfigError) as info:
        get_settings()
    message = str(info.value)
    assert f"{name}={value!r}" in message and says in message and "\n" not in message
    assert "Value error" not in message  # pydantic's words before our validators' own


def test_a_bad_time_of_day_is_said_in_our_words_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATOR_DIGEST_TIME", "4pm")
    get_settings.cache_clear()
    with pytest.raises(ConfigError) as info:
        get_settings()
    assert str(info.value) == (
        "bad setting in the environment: CURATOR_DIGEST_TIME='4pm': not a time of day; use "
        "HH:MM on a 24-hour clock, e.g. 16:00 (see the README, section Configuration)"
    )


def test_the_command_line_prints_it_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATOR_PARSE_WORKERS", "many")
    done = subprocess.run(
        [sys.executable, "-m", "curator", "poll", "--json"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: bad setting in the environment: CURATOR_PARSE_WORKERS=")
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
