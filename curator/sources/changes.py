"""What changed between two versions of the source list, in words (pure: no I/O).

``curator run`` reloads ``sources.yaml`` when it changes; "reloaded sources.yaml: 7 sources" did
not tell the admin whether the edit they made was the one taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from curator.records import SourceConfig

#: Fields that say nothing about what is watched (where the entry stands in the file).
_IGNORED = frozenset({"line"})


def source_changes(old: Sequence[SourceConfig], new: Sequence[SourceConfig]) -> str:
    """``"added 'nfer'; disabled 'dhsc'; changed 'ofsted' (url, every)"``, or ``"no source
    changed"``: the sources added, removed, disabled, enabled and otherwise changed, by id."""
    before = {s.id: s for s in old}
    after = {s.id: s for s in new}
    parts: list[tuple[str, list[str]]] = [
        ("added", [i for i in after if i not in before]),
        ("removed", [i for i in before if i not in after]),
        ("disabled", [i for i in after if i in before and before[i].enabled > after[i].enabled]),
        ("enabled", [i for i in after if i in before and before[i].enabled < after[i].enabled]),
    ]
    changed = []
    for source_id, source in after.items():
        was = before.get(source_id)
        if was is None:
            continue
        names = [
            f.name
            for f in fields(SourceConfig)
            if f.name not in _IGNORED | {"enabled"}
            and getattr(was, f.name) != getattr(source, f.name)
        ]
        if names:
            changed.append(f"{source_id!r} ({', '.join(names)})")
    said = [f"{verb} {', '.join(map(repr, ids))}" for verb, ids in parts if ids]
    if changed:
        said.append(f"changed {', '.join(changed)}")
    return "; ".join(said) or "no source changed"
