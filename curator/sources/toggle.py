"""Turning a source off and on again in sources.yaml, and what that means, in words.

Used by ``curator sources disable|enable ID`` and ``/pulse sources disable|enable ID``: the file
is edited as :func:`curator.sources.edit.set_source_enabled` does (comments and layout kept,
validated before it is written), and a running ``curator run`` reloads it by itself.
"""

from __future__ import annotations

from pathlib import Path

from curator.sources.edit import set_source_enabled
from curator.sources.load import load_sources
from curator.sources.model import SourcesError


def toggle_source(path: Path, source_id: str, enabled: bool) -> str:
    """Set ``enabled`` of ``source_id`` in ``path``; what changed, said for an admin. A
    :class:`~curator.sources.SourcesError` (an unknown id, with the nearest one; a file that
    cannot be read or written) leaves the file as it was."""
    current = {s.id: s for s in load_sources(path)}
    if source_id in current and current[source_id].enabled == enabled:
        state = "enabled" if enabled else "disabled"
        return f"'{source_id}' is already {state} in {path}: nothing changed."
    set_source_enabled(path, source_id, enabled)
    if enabled:
        return (
            f"Enabled '{source_id}' in {path}: its next poll reads it afresh, as a new "
            "source's (its undated items are its archive and are kept quiet)."
        )
    return (
        f"Disabled '{source_id}' in {path}: it is not checked from the next poll (a running "
        "curator run reloads the file by itself); its items and history are kept."
    )


def nothing_changed(path: Path, error: SourcesError) -> str:
    """Why :func:`toggle_source` changed nothing (an unknown id, with the nearest one; a file
    that cannot be read or written), said alike from the terminal and from Slack."""
    return f"{error}\nNothing changed in {path}."
