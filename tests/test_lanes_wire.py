"""The lanes through the real poll path: real publications (relevant and not, from the training
data) served as feeds by a loopback publisher, polled by ``curator poll`` with the bundled model,
stored by the contract the digest reads (card: queued with a card in the outbox; digest: queued,
no card; quiet: ``new``), then the day's roll-up posted to the fake Slack with a working
Make a card."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from curator.classify import ClassifyInput, load_classifier
from curator.cli import cli
from curator.config import get_settings
from curator.normalise.text import counted
from curator.store.schema import items, outbox
from tests.conftest import REPO
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer
from tests.test_lanes_slack import cards, click_promote, lines, post_digest_command, roll_ups
from tests.test_slack_app import CHANNEL, Env, slack_env

pytestmark = pytest.mark.storage
TRAINING = REPO / "data" / "training" / "hand-judged-public-items.jsonl"
ATOM = {"Content-Type": "application/atom+xml"}


@dataclass(frozen=True)
class Publication:
    title: str
    publisher: str
    summary: str
    url: str
    relevant: bool


def publications() -> list[Publication]:
    """The rows of one hand-judged training file, both labels, as published: one per link (a
    few rows were read off the same listing page, which a feed would carry once)."""
    rows = [json.loads(line) for line in TRAINING.read_text(encoding="utf-8").splitlines() if line]
    by_url = {
        r["url"]: Publication(
            r["title"], r["publisher"], r["summary"] or "", r["url"], bool(r["relevant"])
        )
        for r in reversed(rows)
    }
    return list(reversed(by_url.values()))


def serve_publishers(server: LocalServer, tmp_path: Path, pubs: list[Publication]) -> Path:
    """One Atom feed per publisher on the loopback server, each dated yesterday (recent news),
    and a sources.yaml listing them."""
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    by_publisher: dict[str, list[Publication]] = {}
    for pub in pubs:
        by_publisher.setdefault(pub.publisher, []).append(pub)
    sources: list[dict[str, object]] = []
    for n, (publisher, own) in enumerate(sorted(by_publisher.items())):
        sid = f"p{n:03d}-" + re.sub(r"[^a-z0-9]+", "-", publisher.lower())[:40].strip("-")
        feed = [FeedItem(p.title, p.url, yesterday, p.summary) for p in own]
        server.add(f"/{sid}.xml", atom(feed, title=publisher), headers=ATOM)
        sources.append({"id": sid, "publisher": publisher, "url": server.url(f"/{sid}.xml")})
    return write_sources(tmp_path / "sources.yaml", sources)


def model_copy(tmp_path: Path, lanes: dict[str, float] | None) -> Path:
    """The bundled model, copied; with ``lanes``, written into the copy's sidecar as its
    operating points."""
    out = tmp_path / "models"
    shutil.copytree(REPO / "models", out)
    if lanes is not None:
        stem = (out / "current").read_text(encoding="utf-8").strip()
        sidecar_path = out / f"{stem}.json"
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        sidecar["lanes"] = lanes
        sidecar_path.write_text(json.dumps(sidecar), encoding="utf-8")
    return out


def a_digest_band(model_dir: Path, pubs: list[Publication]) -> dict[str, float]:
    """Operating points under which these publications fill both lanes for editors: the bundled
    model cards the better-scored half of the relevant ones and lists the rest in the digest (its
    own points, tuned to recall, may card every one of its own training rows)."""
    classifier = load_classifier(model_dir)
    scores = sorted(
        p.relevance
        for p, pub in zip(
            classifier.predict(
                [ClassifyInput(x.title, x.publisher, x.summary, x.url) for x in pubs]
            ),
            pubs,
            strict=True,
        )
        if pub.relevant
    )
    digest = min(classifier.lane_thresholds.digest, scores[0] / 2)
    return {"card": scores[len(scores) // 2], "digest": digest}


@pytest.fixture
def env(engine: Engine, tmp_path: Path) -> Iterator[Env]:
    app = tmp_path / "app"
    app.mkdir()
    with slack_env(engine, app) as started:
        yield started


def poll_with(
    monkeypatch: pytest.MonkeyPatch, env: Env, db_url: str, sources: Path, model: Path
) -> dict[str, Any]:
    for key, value in {
        "CURATOR_DATABASE_URL": db_url,
        "CURATOR_MODEL_DIR": str(model),
        "CURATOR_PARSE_WORKERS": "0",
        "SLACK_BOT_TOKEN": env.fake.token,
        "SLACK_CHANNEL": CHANNEL,
        "SLACK_API_URL": env.fake.base_url,
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["poll", "--all", "--json", "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@dataclass(frozen=True)
class Stored:
    lane: str | None
    status: str
    carded: bool  # has a card in the outbox


def stored_by_url(engine: Engine) -> dict[str, Stored]:
    with engine.connect() as conn:
        in_outbox = set(conn.execute(select(outbox.c.item_id)).scalars())
        rows = conn.execute(select(items.c.id, items.c.url, items.c.lane, items.c.status))
        return {r.url: Stored(r.lane, r.status, r.id in in_outbox) for r in rows}


def assert_the_contract(report: dict[str, Any], stored: dict[str, Stored]) -> Counter[str]:
    """Each lane stored as the digest reads it, and the poll's counts are the stored ones."""
    lanes = Counter(str(s.lane) for s in stored.values())
    assert (report["cards"], report["digest"], report["quiet"]) == (
        lanes["card"],
        lanes["digest"],
        lanes["quiet"],
    )
    assert report["cards"] + report["digest"] + report["quiet"] == report["new_items"]
    assert report["candidates"] == report["cards"] + report["digest"]
    for s in stored.values():
        expected = {
            "card": ("queued", True),
            "digest": ("queued", False),
            "quiet": ("new", False),
        }[str(s.lane)]
        assert (s.status, s.carded) == expected, s
    return lanes


def test_every_relevant_publication_is_carded_or_in_the_digest_with_the_bundled_model(
    env: Env, db_url: str, tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pubs = publications()
    assert {p.relevant for p in pubs} == {True, False}
    sources = serve_publishers(server, tmp_path, pubs)

    report = poll_with(monkeypatch, env, db_url, sources, model_copy(tmp_path, lanes=None))

    assert report["failed"] == 0 and report["new_items"] == len(pubs)
    stored = stored_by_url(env.engine)
    assert_the_contract(report, stored)
    lost = [p.title for p in pubs if p.relevant and stored[p.url].lane not in ("card", "digest")]
    assert lost == []
    # Every irrelevant publication is stored too, whatever its lane: findable, never lost.
    assert all(stored[p.url].lane is not None for p in pubs if not p.relevant)


def test_the_digest_lane_is_rolled_up_and_make_a_card_posts_its_card_once(
    env: Env, db_url: str, tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pubs = publications()
    sources = serve_publishers(server, tmp_path, pubs)
    model = model_copy(tmp_path, lanes=a_digest_band(REPO / "models", pubs))

    report = poll_with(monkeypatch, env, db_url, sources, model)

    stored = stored_by_url(env.engine)
    assert_the_contract(report, stored)
    assert [p.title for p in pubs if p.relevant and stored[p.url].lane == "quiet"] == []
    assert report["digest"] >= 1, "no publication fell in the digest band"
    assert report["quiet"] >= 1 and report["cards"] >= 1
    with env.engine.connect() as conn:
        digest_ids = list(
            conn.execute(select(items.c.id).where(items.c.lane == "digest").order_by(items.c.id))
            .scalars()
            .all()
        )

    out = post_digest_command(db_url, env.fake, monkeypatch)
    # at most 40 lines a message: the band may need more than one
    messages = -(-len(digest_ids) // 40)
    assert f"posted {counted(messages, 'message')} listing {len(digest_ids)} items" in out
    posted = roll_ups(env.fake)
    assert len(posted) == messages
    assert [i for m in posted for i in m["metadata"]["event_payload"]["item_ids"]] == digest_ids
    assert [i for m in posted for i in lines(m)] == digest_ids
    message = posted[0]
    assert cards(env.fake) == []  # the poll's cards wait in the outbox; no digest item has one

    chosen = digest_ids[0]
    click_promote(env, chosen, message["ts"])
    env.fake.wait_for("chat.postMessage", messages + 1)
    assert cards(env.fake) == [chosen]
    click_promote(env, chosen, message["ts"])  # again: posts nothing more
    env.fake.wait_for("chat.update", 2)
    time.sleep(0.2)
    assert cards(env.fake) == [chosen]
    assert len(env.fake.calls("chat.postMessage")) == messages + 1


def test_a_relevance_is_shown_with_the_decimals_its_size_needs() -> None:
    from curator.normalise.text import relevance_shown

    assert [relevance_shown(r) for r in (0.9, 0.31, 0.01, 0.0)] == ["0.90", "0.31", "0.01", "0.00"]
    assert [relevance_shown(r) for r in (0.0099, 0.00031, 0.0001)] == ["0.0099", "0.0003", "0.0001"]
    assert relevance_shown(7e-08) == "<0.0001"
