"""Read ``sources.yaml``: the file, then its YAML (round-trip, so that an edit can keep comments
and layout), then the rules of :mod:`curator.sources.validate`. A file that cannot be read, YAML
that does not parse and every broken rule all raise :class:`SourcesError` naming the file, the
line, the source and the key.
"""

from __future__ import annotations

import re
import warnings
from functools import cache
from pathlib import Path
from typing import Any

from curator.records import SourceConfig
from curator.sources.duplicates import KeyProblem, key_problems
from curator.sources.model import Problem, SourcesError, file_error, line_of
from curator.sources.validate import Collector, validate
from curator.sources.yamlsyntax import Mark, explain


def round_trip_yaml() -> Any:
    """ruamel.yaml in round-trip mode, set up as the project writes ``sources.yaml``."""
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: keeps comments, order, quotes
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never re-wrap long lines
    return yaml


@cache
def _recording_constructor() -> type[Any]:
    """ruamel.yaml's round-trip constructor, but a key it cannot keep (written twice in one
    mapping, or a list or mapping as a key) is recorded in ``key_problems`` and left out, the
    first value kept, instead of stopping the load at the first."""
    from ruamel.yaml.constructor import RoundTripConstructor

    class RecordingConstructor(RoundTripConstructor):
        key_problems: list[KeyProblem]

        def check_mapping_key(
            self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any
        ) -> bool:
            found = self.__dict__.setdefault("key_problems", [])
            line = key_node.start_mark.line + 1
            try:
                present = key in mapping
            except TypeError:  # a mapping key that holds a list cannot be hashed
                found.append(KeyProblem(id(mapping), line, None, None))
                return False
            if present:
                found.append(KeyProblem(id(mapping), line, str(key), line_of(mapping, key)))
                return False
            return True

    return RecordingConstructor


def parse_round_trip(text: str, filename: str) -> tuple[Any, list[SourceConfig]]:
    """The round-trip YAML of ``text`` and the sources it holds; raises SourcesError."""
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError, YAMLWarning
    from ruamel.yaml.reader import ReaderError

    out = Collector(filename)
    try:
        with warnings.catch_warnings():
            # e.g. an anchor defined twice: ambiguous in a hand-edited file, so a problem too.
            warnings.simplefilter("error", YAMLWarning)
            yaml = round_trip_yaml()
            yaml.Constructor = _recording_constructor()
            data = yaml.load(text)
            found: list[KeyProblem] = getattr(yaml.constructor, "key_problems", [])
    except YAMLWarning as exc:
        # ruamel's warnings carry their marks only as text ("..., line 2, column 1").
        text_lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        lines = re.findall(r"line (\d+), column", str(exc))
        what = text_lines[0] if text_lines else type(exc).__name__
        out.add(
            int(lines[-1]) if lines else None,
            None,
            None,
            f"YAML problem: {what}; remove the ambiguity (e.g. give each anchor its own name)",
        )
        raise SourcesError(out.problems) from None
    except DuplicateKeyError as exc:  # only a merge key ("<<") now: the others are recorded
        mark = exc.problem_mark
        m = re.search(r'duplicate (?:merge )?key "([^"]*)"', str(exc.problem))
        key = m.group(1) if m else None
        out.add(
            mark.line + 1 if mark else None,
            None,
            key,
            "duplicate key in the same mapping; keep one",
        )
        raise SourcesError(out.problems) from None
    except MarkedYAMLError as exc:
        out.add(*_syntax_problem(text, exc))
        raise SourcesError(out.problems) from None
    except ReaderError as exc:  # a character YAML forbids: a NUL, a control character
        before = text[: exc.position]
        column = exc.position - (before.rfind("\n") + 1) + 1
        out.add(
            before.count("\n") + 1,
            None,
            None,
            f"character U+{int(exc.character):04X} in column {column} is not allowed in YAML "
            "(a control character, often pasted with copied text); delete it",
        )
        raise SourcesError(out.problems) from None
    except YAMLError as exc:
        out.add(None, None, None, f"YAML syntax error: {exc}")
        raise SourcesError(out.problems) from None
    configs = validate(data, out)
    for problem in key_problems(data, found):
        out.add(*problem)
    if out.problems:
        raise SourcesError(sorted(out.problems, key=lambda p: p.line or 0))
    return data, configs


def _syntax_problem(text: str, exc: Any) -> tuple[int | None, None, None, str]:
    """The line and message of a YAML syntax error: plain words for it when
    :mod:`curator.sources.yamlsyntax` has them, then the parser's own message."""
    mark = exc.problem_mark or exc.context_mark
    col = f" at column {mark.column + 1}" if mark else ""
    ctx = exc.context_mark
    started = ""
    if exc.context and ctx is not None and (mark is None or ctx.line != mark.line):
        started = f" ({exc.context} started on line {ctx.line + 1})"
    elif exc.context:
        started = f" ({exc.context})"
    said = f"{exc.problem}{started}"
    hint = explain(
        text,
        exc.problem,
        Mark(exc.problem_mark.line, exc.problem_mark.column) if exc.problem_mark else None,
        exc.context,
        Mark(ctx.line, ctx.column) if ctx is not None else None,
    )
    if hint is not None:
        message = f"YAML syntax error{col}: {hint}; the YAML parser says: {said}"
    else:
        message = (
            f"YAML syntax error{col}: {said}; check indentation, close brackets and quotes, and "
            "quote values that contain ': ' or start with '*', '&', '!', '{' or '['"
        )
    return (mark.line + 1 if mark else None, None, None, message)


def parse_sources_text(text: str, filename: str = "sources.yaml") -> list[SourceConfig]:
    """Validate the text of a sources file; raises SourcesError listing every problem."""
    return parse_round_trip(text, filename)[1]


def read_text(path: Path) -> str:
    """The text of ``path``, or SourcesError saying why it cannot be read."""
    try:
        data = path.read_bytes()
        return data.decode("utf-8")
    except FileNotFoundError:
        raise file_error(
            path,
            "file not found; create it (see the README's 'sources.yaml' section) or set "
            "CURATOR_SOURCES_FILE to its path",
        ) from None
    except IsADirectoryError:
        raise file_error(path, "is a directory; give the path of the YAML file") from None
    except UnicodeDecodeError as exc:
        raise SourcesError([_not_utf8(path, data, exc)]) from None
    except PermissionError:
        raise file_error(path, "cannot be read (permission denied)") from None


def _not_utf8(path: Path, data: bytes, exc: UnicodeDecodeError) -> Problem:
    """Where a file that is not UTF-8 goes wrong, as an editor finds it: line and column."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(str(path), None, None, None, "is UTF-16 text, not UTF-8; save it as UTF-8")
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
    byte = data[exc.start]
    message = (
        f"is not UTF-8 text: byte 0x{byte:02x} in column {column} (a file saved as Latin-1 or "
        "Windows-1252 has such bytes for accented letters); save the file as UTF-8"
    )
    return Problem(str(path), line, None, None, message)


def load_sources(path: Path) -> list[SourceConfig]:
    """Load and validate ``path``; raises SourcesError (all problems at once)."""
    return parse_sources_text(read_text(path), str(path))
