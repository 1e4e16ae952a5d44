"""Saving a sources file that is a mount point of its own, as a compose file mounting
`./sources.yaml:/app/sources.yaml` makes it: `os.replace` onto it fails with EBUSY, so the file is
rewritten in place under the lock. Reproduced with a real bind mount in a private mount namespace
(`unshare`), and with the compose file the project ships."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from ruamel.yaml import YAML

from tests.conftest import REPO
from tests.support.fake_slack import FakeSlack, sign, slash_command

pytestmark = pytest.mark.storage

SOURCES = """\
# Admins' comments survive.
sources:
  - id: dhsc
    publisher: Department of Health and Social Care
    kind: feed
    url: https://www.gov.uk/government/organisations/department-of-health-and-social-care.atom
"""

EDIT = """
import sys
from pathlib import Path
from curator.sources import append_source, set_source_enabled
path = Path(sys.argv[1])
set_source_enabled(path, "dhsc", False)
append_source(path, {"id": "ofsted", "publisher": "Ofsted", "kind": "feed",
                     "url": "https://www.gov.uk/government/organisations/ofsted.atom"})
"""


def _bind_mounts_work(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    a, b = tmp_path / "probe-a", tmp_path / "probe-b"
    a.write_text("a")
    b.write_text("b")
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", 'mount --bind "$0" "$1" && cat "$1"', str(a), str(b)],
        capture_output=True,
        text=True,
    )
    return probe.returncode == 0 and probe.stdout == "a"


def test_a_file_mounted_on_its_own_is_rewritten_in_place(tmp_path: Path) -> None:
    if not _bind_mounts_work(tmp_path):
        pytest.skip("needs unshare and user namespaces")
    host = tmp_path / "host" / "sources.yaml"
    host.parent.mkdir()
    host.write_text(SOURCES, encoding="utf-8")
    inside = tmp_path / "app" / "sources.yaml"
    inside.parent.mkdir()
    inside.write_text("", encoding="utf-8")  # the mount point
    proc = subprocess.run(
        [
            "unshare",
            "-rm",
            "sh",
            "-c",
            'mount --bind "$0" "$1" && exec "$2" -c "$3" "$1"',
            str(host),
            str(inside),
            sys.executable,
            EDIT,
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr  # was: OSError [Errno 16] Device or resource busy
    text = host.read_text(encoding="utf-8")
    assert text.startswith("# Admins' comments survive.\n")
    assert "enabled: false" in text and "id: ofsted" in text
    assert sorted(p.name for p in inside.parent.iterdir()) == ["sources.yaml"]  # no temp left


@pytest.mark.slow
def test_pulse_sources_disable_works_and_answers_on_a_mounted_file(
    tmp_path: Path, db_url: str
) -> None:
    """`curator slack serve` with sources.yaml mounted as compose used to mount it: the admin's
    /pulse sources disable got no answer at all (EBUSY, uncaught)."""
    if not _bind_mounts_work(tmp_path):
        pytest.skip("needs unshare and user namespaces")
    host = tmp_path / "host" / "sources.yaml"
    host.parent.mkdir()
    host.write_text(SOURCES, encoding="utf-8")
    inside = tmp_path / "app" / "sources.yaml"
    inside.parent.mkdir()
    inside.write_text("", encoding="utf-8")
    fake = FakeSlack().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CURATOR_", "SLACK_"))}
    env.update(
        CURATOR_DATABASE_URL=db_url,
        CURATOR_SOURCES_FILE=str(inside),
        CURATOR_ADMINS="UADMIN",
        SLACK_BOT_TOKEN=fake.token,
        SLACK_SIGNING_SECRET="s3cret",
        SLACK_CHANNEL="C0PULSE",
        SLACK_API_URL=fake.base_url,
        PYTHONPATH=str(REPO),
    )
    serve = 'mount --bind "$0" "$1" && exec "$2" -m curator slack serve --port 0'
    proc = subprocess.Popen(
        ["unshare", "-rm", "sh", "-c", serve, str(host), str(inside), sys.executable],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        m = re.search(r"(http://\S+/slack/events)", line)
        assert m, line
        body = slash_command(
            "sources disable dhsc",
            response_url=fake.response_url("disable"),
            user="UADMIN",
            channel="C0PULSE",
        )
        sent = httpx.post(m.group(1), content=body, headers=sign(body, "s3cret"), timeout=10)
        assert sent.status_code == 200
        (answer,) = [c.params for c in fake.wait_for("response_url", timeout=30)]
        assert answer["text"].startswith(f"Disabled 'dhsc' in {inside}: "), answer
        assert "enabled: false" in host.read_text(encoding="utf-8")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        if proc.stderr is not None:
            proc.stderr.close()
        fake.stop()


def test_compose_mounts_a_directory_for_the_sources_file() -> None:
    compose = YAML(typ="safe").load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["curator"]
    sources_file = service["environment"]["CURATOR_SOURCES_FILE"]
    mounts = [str(v).split(":")[:2] for v in service["volumes"]]
    holder = [(src, dst) for src, dst in mounts if sources_file.startswith(dst.rstrip("/") + "/")]
    assert holder, f"no volume holds {sources_file}: {mounts}"
    src, dst = holder[0]
    assert not src.endswith((".yaml", ".yml")), "a directory, so the file can be replaced"
    assert str(Path(dst) / "sources.yaml") == sources_file
    assert all(not s.endswith("sources.yaml") for s, _ in mounts)
