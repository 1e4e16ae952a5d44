"""Canonical URLs: the one spelling of a link that dedupe compares, and GOV.UK page paths.
Pure: no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

#: Query parameters that only say where a click came from; two links differing only in these
#: are the same publication.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "_ga",
        "_gl",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "__s",
    }
)
#: Prefixes of tracking parameters (Google Analytics ``utm_*``, AT Internet ``at_*``, …).
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "at_", "pk_", "mtm_")

_HTTP_SCHEMES = ("http", "https")

#: A link that is canonical already but for its scheme, a leading ``www.`` and a trailing slash
#: (most links in feeds): lower-case host of letter, digit and single-hyphen labels whose last
#: label starts with a letter (so never an IP address), no user, port, query or fragment, and
#: path segments of unreserved characters not starting with a dot (so no dot segments and
#: nothing to percent-encode). ``canonical_url`` of such a link is ``https://`` + host + path
#: (``/`` when empty), with no w3lib pass; ``tests/test_fast_paths.py`` checks that
#: against the full path.
_PLAIN_URL = re.compile(
    r"https?://(?:www\.)?(?!www\.)"
    r"((?:[a-z0-9]+(?:-[a-z0-9]+)*\.)*[a-z][a-z0-9]*(?:-[a-z0-9]+)*)"
    r"((?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*)/?"
)


def _is_tracking(name: str) -> bool:
    key = unquote_plus(name).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _drop_tracking(query: str) -> str:
    kept = [part for part in query.split("&") if part and not _is_tracking(part.split("=", 1)[0])]
    return "&".join(kept)


def canonical_url(url: str, base: str | None = None) -> str:
    """The one spelling of a link that dedupe compares.

    Resolves ``url`` against ``base``; lower-cases scheme and host; folds ``http``/``https`` and a
    leading ``www.`` (canonical form: ``https``, no ``www``); drops the fragment, tracking
    parameters and default ports; sorts the remaining query parameters; normalises
    percent-encoding; removes a trailing slash except on the root path. Idempotent. Links that
    are not http(s) (``urn:``, ``mailto:``) come back stripped but otherwise unchanged.
    """
    raw = url.strip()
    if base:
        try:
            raw = urljoin(base.strip(), raw).strip()
        except ValueError:
            return raw
    plain = _PLAIN_URL.fullmatch(raw)
    if plain is not None:
        return f"https://{plain[1]}{plain[2] or '/'}"
    return _canonical_fixed_point(raw)


def _canonical_fixed_point(raw: str) -> str:
    """The full path of :func:`canonical_url`, for any (stripped, absolute) link."""
    # w3lib reads ";params" and odd encodings in a way that can take a second pass to settle;
    # iterate to a fixed point so the result is idempotent.
    for _ in range(4):
        again = _canonical_once(raw)
        if again == raw:
            break
        raw = again
    return raw


def _canonical_once(raw: str) -> str:
    """One pass; anything that is not a well-formed http(s) URL comes back unchanged."""
    try:
        parts = urlsplit(raw)
        if parts.scheme.lower() not in _HTTP_SCHEMES or not parts.hostname:
            return raw
        rebuilt = urlunsplit(("https", parts.netloc, parts.path, _drop_tracking(parts.query), ""))
        parts = urlsplit(canonicalize_url(rebuilt, keep_fragments=False))
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return raw
    if not host:
        return raw
    if host.startswith("www."):
        host = host[4:]
    netloc = f"[{host}]" if ":" in host else host
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    if port is not None and port not in (80, 443):
        netloc = f"{netloc}:{port}"
    path = parts.path or "/"
    if path != "/":
        path = path.rstrip("/") or "/"
    return urlunsplit(("https", netloc, path, parts.query, ""))


def is_plain_url(url: str) -> bool:
    """True for an absolute http(s) link simple enough to need no parsing: see ``_PLAIN_URL``.
    Such a link is an http(s) URL with a host, and ``urljoin`` gives it back unchanged."""
    return _PLAIN_URL.fullmatch(url) is not None


def is_http_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in _HTTP_SCHEMES and bool(parts.hostname)


def govuk_path(url: str, *, canonical: bool = False) -> str | None:
    """``"/government/publications/x"`` for a GOV.UK page URL (any http/https/www variant,
    query and fragment ignored), else ``None``. GOV.UK org-feed ids change on every update, so
    this path is the stable key (docs/sources-catalogue.md, "Exact shape of the GOV.UK Atom
    documents"). ``canonical=True`` says ``url`` came from :func:`canonical_url` already, which
    saves doing it twice per entry."""
    canon = url if canonical else canonical_url(url)
    plain = _PLAIN_URL.fullmatch(canon)
    if plain is not None and plain[1] != "gov.uk":
        return None  # a plain link whose host is not gov.uk (nor www.gov.uk): no need to parse
    try:
        parts = urlsplit(canon)
    except ValueError:
        return None
    if parts.scheme != "https" or parts.hostname != "gov.uk" or parts.port is not None:
        return None
    return parts.path or "/"
