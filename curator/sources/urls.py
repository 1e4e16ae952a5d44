"""Source URLs: which can be watched, when two are the same source, and the id a new one gets
(pure: no I/O)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

_GOVUK_HOSTS = {"www.gov.uk", "gov.uk"}
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")
#: A host name (letters of any script, digits, hyphens, dots) or an IPv6 literal.
_HOST = re.compile(r"[^\W_](?:[\w.-]*[^\W_])?|[0-9a-f:.]+", re.I)


def same_url_key(url: str) -> str:
    """The key two source URLs are compared on to spot duplicates."""
    from curator.normalise import canonical_url

    try:
        return canonical_url(url)
    except (ValueError, TypeError):
        return url.strip()


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


def slug(text: str) -> str:
    """``text`` as a source id: lower-case letters and digits joined by '-', at most 48 long."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out[:48].strip("-")


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
    base = slug(base) or "source"
    candidate, n = base, 2
    while candidate in existing:
        candidate = f"{base}-{n}"
        n += 1
    return candidate
