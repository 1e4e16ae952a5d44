"""The README documents every sources.yaml key and sources flag, and the shipped sources.yaml
watches every publisher of the reference edition (datasette style: fail when they drift)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from curator import sources as sources_module
from curator.commands.sources import sources as sources_group
from curator.sources import load_sources
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
REFERENCE_ITEMS = Path("/work/shared/reference/pulse-2024-06-items.jsonl")
REFERENCE_ITEMS_COPY = Path(__file__).parent / "fixtures" / "sources" / "reference-publishers.txt"


def _section(title: str) -> str:
    assert f"\n## {title}\n" in README, f"README has no '## {title}' section"
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _table_keys(section: str) -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))


def test_sections_come_before_development() -> None:
    order = re.findall(r"^## (.+)$", README, re.M)
    dev = order.index("Development")
    assert order.index("sources.yaml") < dev and order.index("Managing sources") < dev


def test_every_accepted_key_is_in_the_readme_table() -> None:
    documented = _table_keys(_section("sources.yaml"))
    accepted = {
        *sources_module.TOP_LEVEL_KEYS,
        *sources_module.DEFAULTS_KEYS,
        *sources_module.SOURCE_KEYS,
        *sources_module.SELECTOR_KEYS,
    }
    missing = accepted - documented
    assert not missing, f"sources.yaml keys not documented in the README table: {missing}"
    unknown = documented - accepted
    assert not unknown, f"README documents keys the loader refuses: {unknown}"


def test_every_sources_command_and_flag_is_documented() -> None:
    text = _section("Managing sources")
    for name, command in sources_group.commands.items():
        assert f"curator sources {name}" in text, name
        for param in command.params:
            if isinstance(param, click.Option):
                for flag in param.opts:
                    if flag.startswith("--"):
                        assert flag in text, f"{name} {flag} is not in 'Managing sources'"


def _reference_publishers() -> list[str]:
    # The shared reference is outside the repo (not every user has it); a copy of its publisher
    # names sits beside this test so it runs everywhere.
    if REFERENCE_ITEMS.exists():
        names = sorted(
            {
                str(json.loads(line)["publisher"])
                for line in REFERENCE_ITEMS.read_text(encoding="utf-8").splitlines()
                if line.strip() and json.loads(line).get("publisher")
            }
        )
        assert names == REFERENCE_ITEMS_COPY.read_text(encoding="utf-8").splitlines()
        return names
    return REFERENCE_ITEMS_COPY.read_text(encoding="utf-8").splitlines()


#: How names printed in the reference edition map to the publishers sources.yaml watches. Joint
#: publications need each named body watched, except co-authors who are not policy publishers.
ALIASES: dict[str, list[str]] = {
    "Ofsted and Care Quality Commission": ["Ofsted", "Care Quality Commission"],
    "Department for Health and Social Care": ["Department of Health and Social Care"],
    "Department for Levelling Up, Housing and Communities (DLUHC)": [
        "Ministry of Housing, Communities and Local Government"  # renamed July 2024
    ],
    "Partners in Social Care": ["Partners in Care and Health"],
    "HMI Prison and Probation Service and Ministry of Justice": [
        "HM Inspectorate of Prisons",
        "HM Inspectorate of Probation",
        "HM Prison and Probation Service",
        "Ministry of Justice",
    ],
    # Children's Legal Centre Wales, The Bevan Foundation and British Red Cross co-authored with
    # The Children's Society; Baringa is a consultancy that co-authored with the NSPCC.
    "Children's Legal Centre Wales, The Children's Society, The Bevan Foundation and British Red "
    "Cross": ["The Children's Society"],
    "NSPCC and Baringa": ["NSPCC"],
    "National Foundation for Educational Research": [
        "National Foundation for Educational Research"
    ],
}

#: Publishers the brief names besides the reference edition's own.
ALSO_WATCHED = [
    "NFER",
    "NSPCC Learning",
    "Department for Education",
    "Home Office",
    "HM Inspectorate of Prisons",
    "Nuffield Trust",
    "Centre for Mental Health",
    "Skills for Care",
    "Social Care Institute for Excellence",
    "Barnardo's",
    "Howard League for Penal Reform",
    "Prison Reform Trust",
    "National Children's Bureau",
    "Education Policy Institute",
    "UK Health Security Agency",
    "Office for Health Improvement and Disparities",
]
SHORT_NAMES = {"NFER": "National Foundation for Educational Research"}


def test_every_reference_publisher_is_watched() -> None:
    watched = {s.publisher for s in load_sources(REPO / "sources.yaml") if s.enabled}
    names = _reference_publishers()
    assert len(names) >= 25
    for name in names:
        for publisher in ALIASES.get(name, [name]):
            assert publisher in watched, f"reference publisher {name!r} ({publisher}) not watched"
    for name in ALSO_WATCHED:
        assert SHORT_NAMES.get(name, name) in watched, name


def test_aliases_only_name_real_reference_publishers() -> None:
    names = set(_reference_publishers())
    assert set(ALIASES) <= names


def test_readme_states_the_shipped_source_count() -> None:
    count = len(load_sources(REPO / "sources.yaml"))
    assert f"The shipped file watches {count} sources" in " ".join(README.split())
