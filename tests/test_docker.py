"""No Docker engine runs here, so the image is checked as text: it must install with the same
script as the README quick start and CI, and carry what an unattended deployment needs."""

from __future__ import annotations

import re

from tests.conftest import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
INSTALL = "scripts/install.sh"


def test_readme_ci_and_dockerfile_share_one_install_script() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    run_lines = [ln for ln in DOCKERFILE.splitlines() if ln.startswith("RUN ")]
    assert any(INSTALL in ln for ln in run_lines), "the image must install with scripts/install.sh"
    assert not any(re.search(r"\bpip install\b", ln) for ln in run_lines), "no second install path"
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert quick_start.count(f"bash {INSTALL}") == 2
    assert f"bash {INSTALL} --dev" in ci


def test_image_runs_curator_as_non_root_with_data_volume_and_healthcheck() -> None:
    assert re.search(r"^FROM python:3\.11-slim", DOCKERFILE, re.M)
    assert re.search(r"^USER (?!root)\w+", DOCKERFILE, re.M)
    assert re.search(r'^VOLUME \["/data"\]', DOCKERFILE, re.M)
    assert "HEALTHCHECK" in DOCKERFILE and "/healthz" in DOCKERFILE
    assert re.search(r'^CMD \["curator", "run"\]', DOCKERFILE, re.M)


def test_everything_the_image_copies_exists() -> None:
    for line in DOCKERFILE.splitlines():
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                assert (REPO / src).exists(), f"Dockerfile copies {src}, which is not in the repo"


def test_compose_offers_postgres_and_persists_data() -> None:
    compose = (REPO / "compose.yaml").read_text(encoding="utf-8")
    assert "postgres:" in compose and "curator-data:/data" in compose


def test_health_port_is_reachable_through_a_published_port() -> None:
    # Inside a container, 127.0.0.1 is the container's own loopback: a published port never
    # reaches a server bound there.
    env = re.search(r"^ENV (.*?)(?:\n\n|\n[A-Z]+ )", DOCKERFILE, re.M | re.S)
    assert env and re.search(r"\bCURATOR_HTTP_HOST=0\.0\.0\.0\b", env.group(1))
    assert re.search(r"^EXPOSE 8787$", DOCKERFILE, re.M)
