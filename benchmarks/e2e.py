"""End-to-end latency: a new entry appears on a feed → its card is posted to Slack.

    .venv/bin/python -m benchmarks.e2e            # 20 feeds, 60 s tick, 1-minute intervals, 8 min
    .venv/bin/python -m benchmarks.e2e --record         # ... and append to benchmarks/RESULTS.md

A real `curator run` process (the bundled model, a fresh SQLite database) watches feeds served on
loopback; the local fake Slack Web API from the tests receives the cards. New entries appear at
random moments on random feeds; the latency of each is the time from its appearance to the
chat.postMessage that carries it. Entries the classifier does not show to editors are counted
apart (they are never posted by design).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import ROOT, append_results, curator_env, machine, start_curator_run
from curator.sources import parse_interval
from tests.support.fake_slack import FakeSlack
from tests.support.feeds import FeedItem, atom
from tests.support.httpserver import LocalServer

TOPICS = [
    "Evaluation of the adult social care workforce programme",
    "Thematic inspection of youth justice services and resettlement",
    "Children's social care: national review of child protection practice",
    "Independent review of mental health support for young people in custody",
    "Research on health inequalities in community care for older adults",
]


class Feeds:
    """Feeds whose documents grow while the benchmark runs (ETag changes with the content)."""

    def __init__(self, server: LocalServer, count: int) -> None:
        self.server = server
        self.items: list[list[FeedItem]] = [[] for _ in range(count)]
        self.lock = threading.Lock()
        for n in range(count):
            self.add(n, f"Research and analysis: Baseline report {n}", "baseline")

    def add(self, feed: int, title: str, slug: str) -> None:
        with self.lock:
            now = datetime.now(UTC).isoformat(timespec="seconds")
            self.items[feed].insert(
                0, FeedItem(title, f"https://www.gov.uk/government/publications/{slug}-{feed}", now)
            )
            body = atom(self.items[feed][:20])
            self.server.add(f"/f{feed}.atom", body, etag=f'"{feed}-{len(self.items[feed])}"')


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--samples", type=int, default=24)
    ap.add_argument(
        "--duration", type=float, default=480, help="seconds during which entries appear"
    )
    ap.add_argument("--tick", type=int, default=60)
    ap.add_argument("--every", default="1m")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    server = LocalServer().start()
    slack = FakeSlack().start()
    feeds = Feeds(server, args.feeds)
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(
            json.dumps(
                {
                    "sources": [
                        {
                            "id": f"f{n}",
                            "publisher": f"Publisher {n}",
                            "kind": "feed",
                            "url": server.url(f"/f{n}.atom"),
                            "every": args.every,
                        }
                        for n in range(args.feeds)
                    ]
                }
            )
        )
        env = curator_env(
            CURATOR_DATABASE_URL=f"sqlite:///{tmp}/e2e.db",
            CURATOR_TICK_SECONDS=str(args.tick),
            CURATOR_HTTP_PORT="0",
            CURATOR_ALLOW_PRIVATE_NETWORKS="true",
            CURATOR_MODEL_DIR=str(ROOT / "models"),
            SLACK_BOT_TOKEN=slack.token,
            SLACK_CHANNEL="C0E2E",
            SLACK_API_URL=slack.base_url,
        )
        proc = start_curator_run(sources, env, Path(tmp) / "run.log")
        appeared: dict[str, float] = {}
        try:
            time.sleep(args.tick + 5)  # the first tick posts the baselines
            times = sorted(rng.uniform(0, args.duration) for _ in range(args.samples))
            start = time.monotonic()
            for i, at in enumerate(times):
                time.sleep(max(0.0, start + at - time.monotonic()))
                token = f"E2E sample {i:03d}"
                feeds.add(
                    rng.randrange(args.feeds),
                    f"Research and analysis: {rng.choice(TOPICS)} ({token})",
                    f"sample-{i}",
                )
                appeared[token] = time.monotonic()
            # The last ones: up to one interval and one tick, then fetch, classify and post.
            time.sleep(parse_interval(args.every).total_seconds() + args.tick + 30)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
        posted: dict[str, float] = {}
        for call in slack.calls("chat.postMessage"):
            text = json.dumps(call.params)
            for token in appeared:
                if token in text and token not in posted:
                    posted[token] = call.at
        run_log = (Path(tmp) / "run.log").read_text(errors="replace")
    server.stop()
    slack.stop()
    latencies = [posted[t] - appeared[t] for t in appeared if t in posted]
    missing = [t for t in appeared if t not in posted]
    if not latencies:
        print(run_log[-3000:])
        raise SystemExit("no sample was posted")
    text = (
        f"### End-to-end latency, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"{machine()} Command: `.venv/bin/python -m benchmarks.e2e "
        f"--feeds {args.feeds} --samples {args.samples} --duration {args.duration:g} "
        f"--tick {args.tick} --every {args.every}`.\n"
        f"A real `curator run` (bundled model, SQLite) polls {args.feeds} loopback feeds "
        f"(`every: {args.every}`, tick {args.tick} s); cards go to the local fake Slack.\n\n"
        f"| entries | posted | p50 s | p95 s | max s |\n|---|---|---|---|---|\n"
        f"| {len(appeared)} | {len(latencies)} | {percentile(latencies, 0.5):.1f} | "
        f"{percentile(latencies, 0.95):.1f} | {max(latencies):.1f} |\n"
    )
    if missing:
        text += f"\nNot posted (the classifier did not show them to editors): {len(missing)}.\n"
    text += (
        "\nWhy these numbers: a source is due one interval after its last check, and due sources "
        "are claimed only on a tick, so an entry waits up to one interval plus one tick, plus "
        "fetch, classify and the 1 message/s posting pace.\n"
    )
    print(text)
    if args.record:
        append_results(text)


if __name__ == "__main__":
    main()
