"""Precision and recall of the automatic listing reader (curator/parse/listing.py) on every
listing fixture, next to a naive baseline, with the time it takes per page.

    .venv/bin/python -m benchmarks.listing [--set all|tuned|held-out] [--repeat 5] [--no-append]

Fixtures: tests/fixtures/pages/listings (nine layouts the heuristics were tuned on) and
tests/fixtures/pages/listings/holdout (built with them, run only once the reader was finished);
their provenance is in PROVENANCE.md there. Recall = expected publications found; precision =
the share of returned links that are expected publications (the acceptance is recall >= 90 % and
at most 10 % of returned links not publications, on every fixture). Dates and titles count the
found publications whose date (to the day, or to the month when the page gives only a month)
and title are the expected ones. The naive baseline keeps every http(s) link on the page whose
text has three words or more. Results are appended to benchmarks/RESULTS.md with the machine
and the date.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from datetime import UTC, datetime
from urllib.parse import urljoin

from benchmarks.common import ROOT, append_results, machine
from curator.normalise import html_soup
from curator.parse.listing import ListedItem, read_listing
from tests.support.listings import Fixture, Score, fixtures, score


def naive(fixture: Fixture, html: bytes) -> list[ListedItem]:
    """Every link of three words or more: what reading a page with no notion of layout gives."""
    found = []
    for a in html_soup(html).find_all("a", href=True):
        text = " ".join(a.get_text(" ").split())
        url = urljoin(fixture.url, str(a["href"]))
        if len(text.split()) >= 3 and url.startswith(("http://", "https://")):
            found.append(ListedItem(text, url))
    return found


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def run(selection: list[Fixture], repeat: int) -> tuple[list[str], bool]:
    rows = []
    ok = True
    for fixture in selection:
        html = fixture.html.read_bytes()
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            listing = read_listing(html, fixture.url)
            times.append(time.perf_counter() - started)
        got: Score = score(fixture, listing.items)
        base = score(fixture, naive(fixture, html))
        passed = got.recall >= 0.9 and got.precision >= 0.9
        ok = ok and passed
        rows.append(
            f"| {fixture.name} | {'held out' if fixture.held_out else 'tuned'} | {got.expected} "
            f"| {got.returned} | {_pct(got.recall)} | {_pct(got.precision)} "
            f"| {got.dates_right}/{got.found} | {got.titles_right}/{got.found} "
            f"| {_pct(base.recall)} / {_pct(base.precision)} "
            f"| {1000 * statistics.median(times):.1f} | {'yes' if passed else '**no**'} |"
        )
    return rows, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=["all", "tuned", "held-out"], default="all")
    parser.add_argument("--repeat", type=int, default=5, help="timed readings of each page")
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()
    chosen = [
        f
        for f in fixtures()
        if args.set == "all" or (f.held_out if args.set == "held-out" else not f.held_out)
    ]
    rows, ok = run(chosen, args.repeat)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    flags = "" if args.set == "all" else f" --set {args.set}"
    text = "\n".join(
        [
            f"### Listing reader, {when} (commit {commit})",
            "",
            f"{machine()} Command: `.venv/bin/python -m benchmarks.listing{flags} "
            f"--repeat {args.repeat}`.",
            "",
            "| fixture | set | expected | returned | recall | precision | dates right "
            "| titles right | naive baseline R / P | ms per page (median) | ≥ 90 % / ≤ 10 % |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Precision is the share of returned links that are expected publications; the "
            "acceptance allows at most 10 % of returned links not publications. The naive "
            "baseline keeps every link of three words or more.",
            "",
        ]
    )
    print(text)
    if not args.no_append:
        append_results(text)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
