"""Load, validate and save ``sources.yaml``: the admin-owned list of what to watch (issue 2 §2).

Every problem names the file, the line, the source and the key, and says what would be valid;
all problems are reported at once (``SourcesError.problems``). Saving goes through ruamel.yaml's
round-trip mode so comments, key order and layout survive, validates the result before writing,
and replaces the file atomically (temp file + ``os.replace``) under an exclusive lock, or, where
the file is a mount point of its own and cannot be replaced, rewrites it in place under the lock.
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from curator.errors import ConfigError
from curator.records import SECTORS, PageSelectors, SourceConfig

#: Keys of the top level of the file.
TOP_LEVEL_KEYS: tuple[str, ...] = ("defaults", "sources")
#: Keys of the ``defaults:`` block (each is also a per-source key that overrides it).
DEFAULTS_KEYS: tuple[str, ...] = ("every", "quiet_after", "jitter")
#: Keys of one source.
SOURCE_KEYS: tuple[str, ...] = (
    "id",
    "publisher",
    "kind",
    "url",
    "every",
    "sector_hint",
    "enabled",
    "verified",
    "selectors",
    "quiet_after",
    "jitter",
    "notes",
)
REQUIRED_SOURCE_KEYS: tuple[str, ...] = ("id", "publisher", "kind", "url")
#: Keys of a page source's ``selectors:`` block.
SELECTOR_KEYS: tuple[str, ...] = ("item", "title", "link", "date", "summary")
REQUIRED_SELECTOR_KEYS: tuple[str, ...] = ("item", "title", "link")
KINDS: tuple[str, ...] = ("feed", "page")

BUILTIN_DEFAULTS: dict[str, object] = {"every": "1h", "quiet_after": "60d", "jitter": 0.1}
MIN_INTERVAL = timedelta(minutes=1)
MAX_JITTER = 0.5
_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$")
_INTERVAL_RE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_GOVUK_HOSTS = {"www.gov.uk", "gov.uk"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a sources file, with enough context to fix it."""

    file: str
    line: int | None
    source_id: str | None
    key: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        context = []
        if self.source_id is not None:
            context.append(f"source '{self.source_id}'")
        if self.key is not None:
            context.append(f"key '{self.key}'")
        prefix = f"{', '.join(context)}: " if context else ""
        return f"{where}: {prefix}{self.message}"


class SourcesError(ConfigError):
    """``sources.yaml`` is missing or invalid; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- intervals -------------------------------------------------------------------------------


def parse_interval(value: str) -> timedelta:
    """``"30m"``, ``"1h"``, ``"2d"``, ``"1w"`` → timedelta; at least 1 minute."""
    text = str(value)
    m = _INTERVAL_RE.match(text)
    if not m:
        raise ValueError(f"'{text}' is not an interval; use e.g. 30m, 1h, 1d")
    delta = timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    if delta < MIN_INTERVAL:
        raise ValueError(
            f"'{text}' is too short; the minimum is 1m (under 15m is impolite to a real publisher)"
        )
    return delta


# --- URLs ------------------------------------------------------------------------------------


def same_url_key(url: str) -> str:
    """The key two source URLs are compared on to spot duplicates."""
    from curator.normalise import canonical_url

    try:
        return canonical_url(url)
    except (ValueError, TypeError):
        return url.strip()


_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")
#: A host name (letters of any script, digits, hyphens, dots) or an IPv6 literal.
_HOST = re.compile(r"[^\W_](?:[\w.-]*[^\W_])?|[0-9a-f:.]+", re.I)


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a source URL, or None if it can."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return f"'{url}' is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"'{url}' is not an http(s) URL; use e.g. https://www.example.org/feed/"
    if _SPACE.search(url.strip()):
        return f"'{url}' contains a space or control character; write a space as %20"
    if not _HOST.fullmatch(parts.hostname):
        return f"'{url}' has an invalid host name '{parts.hostname}'"
    if parts.hostname.lower() in _GOVUK_HOSTS and parts.path.startswith("/search/all"):
        return (
            "GOV.UK's robots.txt disallows /search/all*; poll the organisation feed "
            "https://www.gov.uk/government/organisations/<slug>.atom or a finder feed such as "
            "https://www.gov.uk/search/research-and-statistics.atom?organisations%5B%5D=<slug>"
        )
    return None


# --- ids -------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:48].strip("-")


def suggest_id(url: str, existing: set[str]) -> str:
    """A short, unique slug for a source at ``url`` (``existing`` are the ids already taken)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path
    query = dict(parse_qsl(parts.query))
    base = ""
    if host in _GOVUK_HOSTS:
        m = re.match(r"^/government/organisations/([^/.]+)", path)
        finder = re.match(r"^/search/([^/.]+)", path)
        if m:
            base = m.group(1)
        elif finder:
            org = query.get("organisations[]") or query.get("organisations", "")
            base = "-".join(x for x in (org, finder.group(1)) if x)
    if not base:
        labels = [x for x in host.split(".") if x not in ("www", "feeds", "blog", "")]
        # Drop public suffixes such as .org.uk, .co.uk, .com, .gov.uk.
        while len(labels) > 1 and labels[-1] in {"uk", "com", "org", "net", "co", "gov", "ac"}:
            labels.pop()
        base = "-".join(labels) or "source"
        first = next((seg for seg in path.split("/") if seg and seg != "feed"), "")
        stem = first.rsplit(".", 1)[0] if "." in first else first
        if stem and stem not in {"feed", "rss", "atom", "index"} | set(labels):
            base = f"{base}-{stem}"
    base = _slug(base) or "source"
    candidate, n = base, 2
    while candidate in existing:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


# --- parsing and validation ------------------------------------------------------------------


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: keeps comments, order, quotes
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never re-wrap long lines
    return yaml


def _line_of(node: Any, key: str | None = None) -> int | None:
    """1-based line of ``node`` (or of ``key`` in it), when ruamel knows it."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is not None:
            return int(lc.key(key)[0]) + 1
        return int(lc.line) + 1
    except (KeyError, TypeError, AttributeError, IndexError):
        return None


def _closest(word: str, choices: tuple[str, ...]) -> str:
    near = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    hint = f"did you mean '{near[0]}'? " if near else ""
    return f"{hint}valid keys: {', '.join(choices)}"


class _Collector:
    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []

    def add(self, line: int | None, source_id: str | None, key: str | None, message: str) -> None:
        self.problems.append(Problem(self.filename, line, source_id, key, message))


def _interval(
    out: _Collector,
    node: Any,
    key: str,
    value: object,
    source_id: str | None,
    label: str | None = None,
) -> timedelta | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        out.add(
            _line_of(node, key),
            source_id,
            label or key,
            f"'{value}' is not an interval; use e.g. 30m, 1h, 1d",
        )
        return None
    try:
        return parse_interval(str(value))
    except ValueError as exc:
        out.add(_line_of(node, key), source_id, label or key, str(exc))
        return None


def _jitter(
    out: _Collector, node: Any, value: object, source_id: str | None, label: str = "jitter"
) -> float | None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (0 <= float(value) <= MAX_JITTER)
    ):
        out.add(
            _line_of(node, "jitter"),
            source_id,
            label,
            f"'{value}' is not a jitter fraction; use a number from 0 to {MAX_JITTER}, "
            "e.g. 0.1 (±10% of the interval)",
        )
        return None
    return float(value)


def _defaults(out: _Collector, node: Any) -> dict[str, object]:
    values: dict[str, object] = {
        "every": parse_interval(str(BUILTIN_DEFAULTS["every"])),
        "quiet_after": parse_interval(str(BUILTIN_DEFAULTS["quiet_after"])),
        "jitter": BUILTIN_DEFAULTS["jitter"],
    }
    if node is None:
        return values
    if not isinstance(node, Mapping):
        out.add(
            _line_of(node),
            None,
            "defaults",
            f"'defaults' must be a mapping of {', '.join(DEFAULTS_KEYS)}",
        )
        return values
    for key, value in node.items():
        if key not in DEFAULTS_KEYS:
            out.add(
                _line_of(node, key),
                None,
                f"defaults.{key}",
                f"unknown key; {_closest(key, DEFAULTS_KEYS)}",
            )
        elif key == "jitter":
            j = _jitter(out, node, value, None, "defaults.jitter")
            if j is not None:
                values["jitter"] = j
        else:
            d = _interval(out, node, key, value, None, f"defaults.{key}")
            if d is not None:
                values[key] = d
    return values


def _selectors(out: _Collector, entry: Any, source_id: str | None) -> PageSelectors | None:
    node = entry.get("selectors")
    line = _line_of(entry, "selectors")
    if not isinstance(node, Mapping):
        out.add(
            line,
            source_id,
            "selectors",
            "must be a mapping of CSS selectors: item, title, link (and optional date, "
            "summary); or leave it out to have the page read without selectors",
        )
        return None
    from curator.parse.pages import validate_selector

    ok = True
    for key, css in node.items():
        if key not in SELECTOR_KEYS:
            out.add(
                _line_of(node, key),
                source_id,
                f"selectors.{key}",
                f"unknown key; {_closest(key, SELECTOR_KEYS)}",
            )
            ok = False
        elif not isinstance(css, str) or not css.strip():
            out.add(
                _line_of(node, key),
                source_id,
                f"selectors.{key}",
                "must be a non-empty CSS selector, e.g. 'article h3 a'",
            )
            ok = False
        else:
            err = validate_selector(css)
            if err:
                out.add(
                    _line_of(node, key),
                    source_id,
                    f"selectors.{key}",
                    f"{err}; see https://facelessuser.github.io/soupsieve/ for the syntax",
                )
                ok = False
    for key in REQUIRED_SELECTOR_KEYS:
        if key not in node:
            out.add(
                line,
                source_id,
                f"selectors.{key}",
                f"missing; a page source needs {', '.join(REQUIRED_SELECTOR_KEYS)} selectors",
            )
            ok = False
    if not ok:
        return None
    return PageSelectors(
        item=str(node["item"]),
        title=str(node["title"]),
        link=str(node["link"]),
        date=str(node["date"]) if node.get("date") else None,
        summary=str(node["summary"]) if node.get("summary") else None,
    )


def _source(
    out: _Collector, entry: Any, index: int, defaults: Mapping[str, object]
) -> SourceConfig | None:
    line = _line_of(entry)
    if not isinstance(entry, Mapping):
        out.add(
            line,
            None,
            None,
            f"source #{index} must be a mapping with keys {', '.join(REQUIRED_SOURCE_KEYS)}",
        )
        return None
    before = len(out.problems)
    raw_id = entry.get("id")
    source_id = str(raw_id) if raw_id is not None else None
    if source_id is None:
        out.add(
            line,
            None,
            "id",
            f"source #{index} has no 'id'; add a unique slug, e.g. "
            f"'{suggest_id(str(entry.get('url', '')), set())}'",
        )
    elif not isinstance(raw_id, str) or not _ID_RE.match(raw_id):
        out.add(
            _line_of(entry, "id"),
            source_id,
            "id",
            f"'{raw_id}' is not a valid id; use lower-case letters, digits, '-' and '_' "
            f"(e.g. '{_slug(str(raw_id)) or 'my-source'}')",
        )
    for key in entry:
        if key not in SOURCE_KEYS:
            out.add(
                _line_of(entry, key),
                source_id,
                str(key),
                f"unknown key; {_closest(key, SOURCE_KEYS)}",
            )
    for key in REQUIRED_SOURCE_KEYS:
        if key != "id" and key not in entry:
            out.add(
                line,
                source_id,
                key,
                f"missing; every source needs {', '.join(REQUIRED_SOURCE_KEYS)}",
            )

    publisher = entry.get("publisher")
    if "publisher" in entry and (not isinstance(publisher, str) or not publisher.strip()):
        out.add(
            _line_of(entry, "publisher"),
            source_id,
            "publisher",
            "must be the publisher's name as the digest prints it, e.g. 'Ofsted'",
        )
    kind = entry.get("kind")
    if "kind" in entry and kind not in KINDS:
        out.add(
            _line_of(entry, "kind"),
            source_id,
            "kind",
            f"'{kind}' is not a kind; use 'feed' (RSS/Atom) or 'page' (an HTML listing page)",
        )
    url = entry.get("url")
    if "url" in entry:
        err = url_problem(url) if isinstance(url, str) else f"'{url}' is not a URL"
        if err:
            out.add(_line_of(entry, "url"), source_id, "url", err)

    every = defaults["every"]
    if "every" in entry:
        every = _interval(out, entry, "every", entry["every"], source_id)
    quiet_after = defaults["quiet_after"]
    if "quiet_after" in entry:
        quiet_after = _interval(out, entry, "quiet_after", entry["quiet_after"], source_id)
    if isinstance(every, timedelta) and isinstance(quiet_after, timedelta) and quiet_after < every:
        out.add(
            _line_of(entry, "quiet_after"),
            source_id,
            "quiet_after",
            f"{quiet_after} is shorter than the check interval {every}; a source cannot be "
            "overdue before it is checked",
        )
    jitter = defaults["jitter"]
    if "jitter" in entry:
        jitter = _jitter(out, entry, entry["jitter"], source_id)

    sector_hint = entry.get("sector_hint")
    if sector_hint is not None and sector_hint not in SECTORS:
        near = difflib.get_close_matches(str(sector_hint), list(SECTORS), n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'? " if near else ""
        out.add(
            _line_of(entry, "sector_hint"),
            source_id,
            "sector_hint",
            f"'{sector_hint}' is not a sector; {hint}use one of {', '.join(SECTORS)}",
        )
    for key in ("enabled", "verified"):
        if key in entry and not isinstance(entry[key], bool):
            out.add(_line_of(entry, key), source_id, key, f"'{entry[key]}' is not true or false")
    notes = entry.get("notes")
    if notes is not None and not isinstance(notes, str):
        out.add(_line_of(entry, "notes"), source_id, "notes", "must be text")

    selectors: PageSelectors | None = None
    # A page source without selectors is read automatically (curator.parse.listing).
    if kind == "page" and "selectors" in entry:
        selectors = _selectors(out, entry, source_id)
    elif "selectors" in entry and kind == "feed":
        out.add(
            _line_of(entry, "selectors"),
            source_id,
            "selectors",
            "only 'kind: page' sources take selectors; remove them or set kind: page",
        )

    if len(out.problems) > before:
        return None
    return SourceConfig(
        id=str(raw_id),
        publisher=str(publisher).strip(),
        kind=cast(Any, kind),
        url=str(url).strip(),
        every=cast(timedelta, every),
        sector_hint=cast(str | None, sector_hint),
        enabled=bool(entry.get("enabled", True)),
        verified=bool(entry.get("verified", False)),
        selectors=selectors,
        quiet_after=cast(timedelta, quiet_after),
        jitter=float(cast(float, jitter)),
        line=line,
        notes=cast(str | None, notes),
    )


def _validate(data: Any, out: _Collector) -> list[SourceConfig]:
    if not isinstance(data, Mapping):
        out.add(
            _line_of(data) or 1,
            None,
            None,
            "the file must be a mapping with a 'sources:' list (and optional 'defaults:')",
        )
        return []
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            out.add(
                _line_of(data, key),
                None,
                str(key),
                f"unknown top-level key; {_closest(key, TOP_LEVEL_KEYS)}",
            )
    defaults = _defaults(out, data.get("defaults"))
    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        out.add(
            _line_of(data, "sources") or 1,
            None,
            "sources",
            "must be a non-empty list of sources (see the README's 'sources.yaml' section)",
        )
        return []
    configs: list[SourceConfig] = []
    ids: dict[str, int | None] = {}
    urls: dict[str, tuple[str | None, int | None, str]] = {}
    for index, entry in enumerate(entries, start=1):
        config = _source(out, entry, index, defaults)
        if not isinstance(entry, Mapping):
            continue
        sid = entry.get("id")
        sid_s = str(sid) if sid is not None else None
        if isinstance(sid, str):
            if sid in ids:
                out.add(
                    _line_of(entry, "id"),
                    sid,
                    "id",
                    f"duplicate id; also used on line {ids[sid]}; ids must be unique",
                )
                config = None
            else:
                ids[sid] = _line_of(entry)
        url = entry.get("url")
        if isinstance(url, str) and url_problem(url) is None:
            key = same_url_key(url)
            if key in urls:
                other, other_line, other_url = urls[key]
                out.add(
                    _line_of(entry, "url"),
                    sid_s,
                    "url",
                    f"duplicate URL; source '{other}' (line {other_line}) already watches "
                    f"the same page ({other_url})",
                )
                config = None
            else:
                urls[key] = (sid_s, _line_of(entry), url)
        if config is not None:
            configs.append(config)
    return configs


def _parse(text: str, filename: str) -> tuple[Any, list[SourceConfig]]:
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError, YAMLWarning

    out = _Collector(filename)
    try:
        with warnings.catch_warnings():
            # e.g. an anchor defined twice: ambiguous in a hand-edited file, so a problem too.
            warnings.simplefilter("error", YAMLWarning)
            data = _yaml().load(text)
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
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        m = re.search(r'duplicate key "([^"]*)"', str(exc.problem))
        key = m.group(1) if m else None
        out.add(
            mark.line + 1 if mark else None,
            None,
            key,
            "duplicate key in the same mapping; keep one",
        )
        raise SourcesError(out.problems) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        col = f" at column {mark.column + 1}" if mark else ""
        ctx = exc.context_mark
        started = ""
        if exc.context and ctx is not None and (mark is None or ctx.line != mark.line):
            started = f" ({exc.context} started on line {ctx.line + 1})"
        elif exc.context:
            started = f" ({exc.context})"
        out.add(
            mark.line + 1 if mark else None,
            None,
            None,
            f"YAML syntax error{col}: {exc.problem}{started}; check indentation, close brackets "
            "and quotes, and quote values that contain ': ' or start with '*', '&', '!', '{' "
            "or '['",
        )
        raise SourcesError(out.problems) from None
    except YAMLError as exc:
        out.add(None, None, None, f"YAML syntax error: {exc}")
        raise SourcesError(out.problems) from None
    configs = _validate(data, out)
    if out.problems:
        raise SourcesError(sorted(out.problems, key=lambda p: p.line or 0))
    return data, configs


def parse_sources_text(text: str, filename: str = "sources.yaml") -> list[SourceConfig]:
    """Validate the text of a sources file; raises SourcesError listing every problem."""
    return _parse(text, filename)[1]


def _file_error(path: Path, message: str) -> SourcesError:
    """A problem with the file as a whole (no line, source or key to name)."""
    return SourcesError([Problem(str(path), None, None, None, message)])


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _file_error(
            path,
            "file not found; create it (see the README's 'sources.yaml' section) or set "
            "CURATOR_SOURCES_FILE to its path",
        ) from None
    except IsADirectoryError:
        raise _file_error(path, "is a directory; give the path of the YAML file") from None
    except UnicodeDecodeError as exc:
        raise _file_error(
            path, f"is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
        ) from None
    except PermissionError:
        raise _file_error(path, "cannot be read (permission denied)") from None


def load_sources(path: Path) -> list[SourceConfig]:
    """Load and validate ``path``; raises SourcesError (all problems at once)."""
    return parse_sources_text(_read(path), str(path))


# --- saving ----------------------------------------------------------------------------------


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
            _read(path)  # raises the friendly error
            raise
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            if os.fstat(fh.fileno()).st_ino != path.stat().st_ino:
                continue
            try:
                text = fh.read()
            except UnicodeDecodeError:
                _read(path)
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
        raise _file_error(
            path,
            f"could be rewritten only in part ({exc.strerror or exc}); the complete new text is "
            f"in {tmp}: copy it over {path}",
        ) from None
    Path(tmp).unlink(missing_ok=True)


def _unwritable(path: Path, where: Path, exc: OSError) -> SourcesError:
    return _file_error(
        path,
        f"cannot be saved: {exc.strerror or exc} writing {where}; the user running curator "
        "needs write access to the file and its directory (in a container, mount the directory "
        "that holds it: see the README's Deploying section)",
    )


def _dump(data: Any) -> str:
    buf = StringIO()
    _yaml().dump(data, buf)
    return buf.getvalue()


def _to_yaml_node(value: object) -> object:
    from ruamel.yaml.comments import CommentedMap

    if isinstance(value, Mapping):
        node = CommentedMap()
        for k, v in value.items():
            node[str(k)] = _to_yaml_node(v)
        return node
    return value


def _edit(path: Path, change: Callable[[Any, str], None]) -> None:
    """Load ``path`` round-trip, apply ``change``, validate the result, write it atomically."""
    filename = str(path)
    with _locked(path) as text:
        data, _ = _parse(text, filename)  # refuse to edit a file that is already invalid
        change(data, filename)
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


def set_source_enabled(path: Path, source_id: str, enabled: bool) -> None:
    """Set ``enabled:`` of one source (used by ``/pulse sources disable ID``), same guarantees."""

    def change(data: Any, filename: str) -> None:
        entries: list[Any] = [e for e in data["sources"] if isinstance(e, Mapping)]
        for entry in entries:
            if entry.get("id") == source_id:
                if "enabled" in entry:
                    entry["enabled"] = enabled
                elif not enabled:
                    keys = list(entry)
                    # Not last: a comment after an entry belongs to its last key in ruamel.
                    pos = keys.index("url") + 1 if "url" in keys else len(keys)
                    pos = min(pos, max(len(keys) - 1, 0))
                    entry.insert(pos, "enabled", enabled)
                return
        ids = [str(e.get("id")) for e in entries]
        near = difflib.get_close_matches(source_id, ids, n=1, cutoff=0.6)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        raise SourcesError(
            [Problem(filename, None, source_id, None, f"no source with this id{hint}")]
        )

    _edit(path, change)
