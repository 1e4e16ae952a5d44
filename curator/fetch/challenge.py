"""Is this answer a site refusing automated clients? (pure: status, headers and body in, a reason
out).

Some publishers put their sites behind bot protection that refuses a program however politely
it asks: a 401/403, or a "challenge" page that only a browser running the vendor's script gets
past. Pulse Curator never pretends to be a browser to get through; it names the refusal so the
scheduler can slow down (``curator.schedule``) and an admin can check the site by hand.

The markers are the documented or long-stable ones:

- Cloudflare sets ``cf-mitigated: challenge`` on every challenge page, whatever its status
  (developers.cloudflare.com, "Detect a Challenge Page response"); its pages are titled
  "Just a moment..." or "Attention Required! | Cloudflare". (Its ``/cdn-cgi/challenge-platform/``
  script is not a marker: Cloudflare adds it to ordinary pages too.)
- AWS WAF answers a challenge with ``x-amzn-waf-action: challenge`` (status 202) and a CAPTCHA
  with ``x-amzn-waf-action: captcha`` (status 405) (AWS WAF developer guide, "CAPTCHA and
  Challenge action behavior").
- Imperva (Incapsula) refusals say "Incapsula incident ID"; its challenge is a near-empty page
  that only loads ``/_Incapsula_Resource`` (which ordinary pages load too, so only a small page
  counts);
  DDoS-Guard's are titled "DDoS-Guard"; Akamai's refusal page is titled "Access Denied" and
  gives a "Reference #" (as wafw00f and Prowlarr's Cloudflare detection recognise them).

Bodies are only looked at when they were read, i.e. for 2xx answers (error bodies are drained
unread so the connection can be reused), and only when the body is an HTML page: a feed whose
article quotes "Just a moment..." is not a challenge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from curator.normalise import content_type

#: How much of a body is searched for a challenge page's markers.
SCAN_BYTES = 64 * 1024
#: A page this small that loads Imperva's script has nothing else on it: a challenge.
SMALL_PAGE = 4096
_INCAPSULA_SCRIPT = re.compile(rb"/_incapsula_resource\?", re.I)

_HEADER_MARKERS: tuple[tuple[str, str, str], ...] = (
    ("cf-mitigated", "challenge", "a Cloudflare challenge page"),
    ("x-amzn-waf-action", "challenge", "an AWS WAF challenge"),
    ("x-amzn-waf-action", "captcha", "an AWS WAF CAPTCHA"),
)
_BODY_MARKERS: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (re.compile(rb"<title>\s*just a moment\.\.\.\s*</title>", re.I), "a Cloudflare challenge page"),
    (
        re.compile(rb"<title>\s*attention required! \| cloudflare\s*</title>", re.I),
        "a Cloudflare block page",
    ),
    (re.compile(rb"incapsula incident id", re.I), "an Imperva (Incapsula) refusal page"),
    (re.compile(rb"<title>\s*ddos-guard\s*</title>", re.I), "a DDoS-Guard challenge page"),
    (
        re.compile(rb"<title>\s*access denied\s*</title>.*reference\s*#", re.I | re.S),
        "an Akamai refusal page",
    ),
)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)


_FEED_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:\?xml|rss|feed|rdf)\b", re.I)


def _looks_like_html(headers: Mapping[str, str], body: bytes) -> bool:
    """An HTML page, not a feed (a feed's own <title> may say anything)."""
    if _HTML_START.match(body[:4096]):
        return True
    ctype = content_type(headers).lower()
    return "html" in ctype and "xml" not in ctype and not _FEED_START.match(body[:512])


def challenge(headers: Mapping[str, str], body: bytes = b"") -> str | None:
    """What kind of bot challenge or refusal page this answer is, or ``None`` if it is not one.

    ``headers`` may use any letter case; ``body`` is the decoded body if one was read."""
    lowered = {k.lower(): v.strip().lower() for k, v in headers.items()}
    for name, value, what in _HEADER_MARKERS:
        if lowered.get(name) == value:
            return what
    if body and _looks_like_html(headers, body):
        head = body[:SCAN_BYTES]
        for pattern, what in _BODY_MARKERS:
            if pattern.search(head):
                return what
        if len(body) < SMALL_PAGE and _INCAPSULA_SCRIPT.search(body):
            return "an Imperva (Incapsula) challenge page"
    return None


def refusal(status: int, headers: Mapping[str, str], body: bytes = b"") -> str | None:
    """Why this answer is a site refusing automated clients, or ``None`` if it is not: a
    challenge page (any status), or a 401/403."""
    what = challenge(headers, body)
    if what is not None:
        return what
    if status == 401:
        return "the server asks for credentials"
    if status == 403:
        return "access forbidden, most likely bot protection"
    return None
