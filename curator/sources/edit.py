"""Edit ``sources.yaml`` safely: add a source, enable or disable one, add a skip rule to one.

Saving goes through ruamel.yaml's round-trip mode so comments, key order and layout survive,
validates the result before writing, and replaces the file atomically (temp file +
``os.replace``) under an exclusive lock, or, where the file is a mount point of its own and
cannot be replaced (``EBUSY``), rewrites it in place under the lock.
"""

from __future__ import annotations

import difflib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

from curator.records import Rule
from curator.sources.load import parse_round_trip, parse_sources_text, read_text, round_trip_yaml
from curator.sources.model import Problem, SourcesError, file_error
from curator.sources.rulesyaml import read_rules


@contextmanager
def _locked(path: Path) -> Iterator[str]:
    """Exclusive lock on ``path`` across processes; yields its current text.

    The file is replaced (new inode) on every save, so after taking the lock we check that we
    still hold the file the path names, and retry otherwise.
    """
    import fcntl

    while True:
        try:
            fh = path.open("r", encoding="utf-8")
        except FileNotFoundError:
            read_text(path)  # raises the friendly error
            raise
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            if os.fstat(fh.fileno()).st_ino != path.stat().st_ino:
                continue
            try:
                text = fh.read()
            except UnicodeDecodeError:
                read_text(path)
                raise
            yield text
            return
        finally:
            fh.close()


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, fsync it, and put it in place with
    ``os.replace``. The caller holds the lock on ``path``."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _unwritable(path, path.parent, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        try:
            os.replace(tmp, path)
            return
        except OSError as exc:
            if exc.errno not in (errno.EBUSY, errno.EXDEV):
                raise _unwritable(path, path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # ``path`` is a mount point of its own (a single file bind-mounted into a container, as
    # `./sources.yaml:/app/sources.yaml` in a compose file): it cannot be replaced, only
    # rewritten. We hold the lock, so no writer of ours comes in between. The new text is
    # complete and fsynced in the temporary file before ``path`` is touched, and that file is
    # removed only once ``path`` holds it all: if the rewrite fails half-way, it is still there.
    try:
        target = path.open("r+b")
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _unwritable(path, path, exc) from None
    try:
        with target:
            data = text.encode("utf-8")
            target.write(data)  # over the old text, then cut what is left of it
            target.truncate(len(data))
            target.flush()
            os.fsync(target.fileno())
    except OSError as exc:
        raise file_error(
            path,
            f"could be rewritten only in part ({exc.strerror or exc}); the complete new text is "
            f"in {tmp}: copy it over {path}",
        ) from None
    Path(tmp).unlink(missing_ok=True)


def _unwritable(path: Path, where: Path, exc: OSError) -> SourcesError:
    return file_error(
        path,
        f"cannot be saved: {exc.strerror or exc} writing {where}; the user running curator "
        "needs write access to the file and its directory (in a container, mount the directory "
        "that holds it: see the README's Deploying section)",
    )


def _dump(data: Any) -> str:
    buf = StringIO()
    round_trip_yaml().dump(data, buf)
    return buf.getvalue()


def _to_yaml_node(value: object) -> object:
    from ruamel.yaml.comments import CommentedMap

    if isinstance(value, Mapping):
        node = CommentedMap()
        for k, v in value.items():
            node[str(k)] = _to_yaml_node(v)
        return node
    return value


def _edit(path: Path, change: Callable[[Any, str], bool | None]) -> None:
    """Load ``path`` round-trip, apply ``change``, validate the result, write it atomically
    (nothing is written when ``change`` returns False: it found nothing to change)."""
    filename = str(path)
    with _locked(path) as text:
        data, _ = parse_round_trip(text, filename)  # refuse to edit a file that is already invalid
        if change(data, filename) is False:
            return
        new_text = _dump(data)
        parse_sources_text(new_text, filename)
        _write_atomically(path, new_text)


def append_source(path: Path, entry: Mapping[str, object]) -> None:
    """Append one source to ``path``, keeping comments, order and layout.

    The result is validated before anything is written (duplicates, bad keys … raise
    SourcesError and leave the file untouched).
    """

    def change(data: Any, filename: str) -> None:
        data["sources"].append(_to_yaml_node(entry))

    _edit(path, change)


def _entry(data: Any, source_id: str, filename: str) -> Any:
    """The mapping of the source ``source_id`` in a round-trip load, or a SourcesError naming
    the nearest id."""
    entries: list[Any] = [e for e in data["sources"] if isinstance(e, Mapping)]
    for entry in entries:
        if entry.get("id") == source_id:
            return entry
    ids = [str(e.get("id")) for e in entries]
    near = difflib.get_close_matches(source_id, ids, n=1, cutoff=0.6)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    raise SourcesError([Problem(filename, None, source_id, None, f"no source with this id{hint}")])


def set_source_enabled(path: Path, source_id: str, enabled: bool) -> None:
    """Set ``enabled:`` of one source (used by ``/pulse sources disable ID``), same guarantees."""

    def change(data: Any, filename: str) -> None:
        entry = _entry(data, source_id, filename)
        if "enabled" in entry:
            entry["enabled"] = enabled
        elif not enabled:
            _insert_not_last(entry, list(entry), "enabled", enabled, after="url")

    _edit(path, change)


def _insert_not_last(
    entry: Any, keys: list[Any], key: str, value: object, after: str | None = None
) -> None:
    """Insert ``key`` into ``entry`` after ``after`` (at the end when it has no such key), but
    never last: a comment after an entry belongs to its last key in ruamel."""
    pos = keys.index(after) + 1 if after in keys else len(keys)
    entry.insert(min(pos, max(len(keys) - 1, 0)), key, value)


def add_skip_rule(path: Path, source_id: str, field: str, pattern: str) -> bool:
    """Add ``field: pattern`` to the ``skip:`` rules of one source (``curator sources skip``,
    ``/pulse sources skip``), creating the list if it has none; same guarantees as the other
    edits (a bad pattern or field is refused by validation and nothing is written). Returns
    False, writing nothing, when the source has that rule already."""
    added = False

    def change(data: Any, filename: str) -> bool:
        nonlocal added
        from ruamel.yaml.comments import CommentedSeq

        entry = _entry(data, source_id, filename)
        rules = entry.get("skip")
        if rules is not None and not isinstance(rules, list):
            return True  # not a list: validation names the problem and nothing is written
        if Rule(field, pattern) in read_rules(entry, "skip")[0]:
            return False  # read as the loader reads it: a bare pattern is a title rule
        own = [key for key, _ in entry.non_merged_items()]
        if rules is None:
            rules = CommentedSeq()
            _insert_not_last(entry, own, "skip", rules)
        elif "skip" not in own or getattr(getattr(rules, "anchor", None), "value", None):
            # Shared with other sources (an anchor, an alias or a merge key): whether the rule
            # is meant for all of them or this one alone is the admin's to say.
            raise SourcesError(
                [
                    Problem(
                        filename,
                        entry.lc.line + 1,
                        source_id,
                        "skip",
                        "its skip list is shared with other sources (a YAML anchor, alias or "
                        "merge key): add the rule by hand, to the shared list or to a list of "
                        "this source's own",
                    )
                ]
            )
        rules.append(_to_yaml_node({field: pattern}))
        _move_trailing_comment(rules)
        added = True
        return True

    _edit(path, change)
    return added


def _move_trailing_comment(rules: Any) -> None:
    """Keep the comment that followed a list after it once an item is appended: ruamel
    attaches a comment that follows a list (the next source's heading, the file's last words)
    to the list's last item, so the new item would land below it. The comment of the item
    before the last moves to the last."""
    if len(rules) < 2:
        return
    token = _take_comment(rules, len(rules) - 2)
    if token is None:
        return
    from ruamel.yaml.comments import CommentedMap

    index = len(rules) - 1
    last = rules[index]
    if isinstance(last, CommentedMap) and len(last):
        last.ca.items[list(last)[-1]] = [None, None, token, None]
    else:
        rules.ca.items[index] = [token, None, None, None]


def _take_comment(seq: Any, index: int) -> Any:
    """Remove and return the comment after item ``index`` of ``seq`` (None if there is none):
    on the list after a plain item, on the item's own last key after a mapping."""
    slot = seq.ca.items.get(index)
    if slot is not None and slot[0] is not None:
        token, slot[0] = slot[0], None
        return token
    from ruamel.yaml.comments import CommentedMap

    item = seq[index]
    if not isinstance(item, CommentedMap) or not len(item):
        return None
    inner = item.ca.items.get(list(item)[-1])
    if inner is None or inner[2] is None:
        return None
    token, inner[2] = inner[2], None
    return token
