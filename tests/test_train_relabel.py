"""An editor's relabel is training data that moves the next night's model.

Ten items of one made-up pattern (a word no training row holds) are accepted as adult social care,
the nightly retrain learns them so; an editor then relabels the ten to criminal justice through
the real decision code, and the next retrain predicts criminal justice for a new item of the
pattern. The decisions are read back through ``curator/store/training.py``, newest first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from curator.classify import ClassifyInput, load_classifier
from curator.classify.data import load_decisions
from curator.classify.retrain import retrain_if_needed
from curator.config import Settings
from curator.store.decisions import Actor, decide
from tests.conftest import REPO
from tests.support.factories import add_item

EDITOR = Actor("U1", "ana", "slack")
PUBLISHER = "Quillmere Institute"  # made up; not one of the untouched test publishers


def _pattern(n: int) -> ClassifyInput:
    return ClassifyInput(
        title=f"Zorvexian outcomes review {n}: adult social care and carers",
        publisher=PUBLISHER,
        summary="A zorvexian review of adult social care, home care and carers' support.",
        url=f"https://quillmere.example/zorvexian-review-{n}",
    )


def _training_dir(tmp_path: Path) -> Path:
    out = tmp_path / "training"
    out.mkdir()
    src = (REPO / "data" / "training" / "collected-public-items.jsonl").read_text("utf-8")
    out.joinpath("rows.jsonl").write_text("\n".join(src.splitlines()[::4]) + "\n", "utf-8")
    return out


@pytest.mark.storage
@pytest.mark.slow
def test_ten_relabels_of_one_pattern_change_its_prediction_after_retrain(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=db_url, training_dir=_training_dir(tmp_path), model_dir=tmp_path / "m"
    )
    now = datetime(2026, 11, 26, 2, tzinfo=UTC)
    ids = []
    for n in range(10):
        item = _pattern(n)
        ids.append(
            add_item(
                engine,
                title=item.title,
                title_key=f"zorvexian {n}",
                publisher=PUBLISHER,
                summary=item.summary,
                url=item.url,
                canonical_url=item.url,
            )
        )
        decide(engine, ids[-1], "accept", EDITOR, sector="adult_social_care_health", now=now)
    assert retrain_if_needed(engine, settings, now=now, n_boot=0).swapped
    probe = _pattern(99)
    [before] = load_classifier(settings.model_dir).predict([probe])
    assert before.sector == "adult_social_care_health"

    later = now + timedelta(days=1)
    for item_id in ids:
        decide(engine, item_id, "relabel", EDITOR, sector="criminal_justice", now=later)
    rows = [r for r in load_decisions(db_url) if r.publisher == PUBLISHER]
    assert len(rows) == 10
    assert all(r.sector == "criminal_justice" and r.label_source == "editor relabel" for r in rows)
    assert all(r.weight == 3.0 for r in rows)

    outcome = retrain_if_needed(engine, settings, now=later, n_boot=0)
    assert outcome.swapped, outcome.reason
    [after] = load_classifier(settings.model_dir).predict([probe])
    assert after.sector == "criminal_justice"
    assert after.model_version != before.model_version


@pytest.mark.storage
def test_the_window_keeps_the_newest_decisions_and_a_relabel_counts_as_new(
    engine: Engine, db_url: str
) -> None:
    now = datetime(2026, 11, 26, 2, tzinfo=UTC)
    ids = []
    for n in range(5):
        ids.append(add_item(engine, title=f"Report {n}", title_key=f"report {n}"))
        decide(engine, ids[-1], "accept", EDITOR, sector="criminal_justice", now=now + timedelta(n))
    newest_three = load_decisions(db_url, limit=3)
    assert [r.origin for r in newest_three] == [
        f"database items.id={i} (accepted)" for i in ids[2:]
    ]
    # relabelling the oldest item brings it back into the window, with the new label
    decide(
        engine, ids[0], "relabel", EDITOR, sector="children_young_people", now=now + timedelta(9)
    )
    window = load_decisions(db_url, limit=3)
    assert [r.origin for r in window] == [f"database items.id={ids[0]} (accepted, relabelled)"] + [
        f"database items.id={i} (accepted)" for i in ids[3:]
    ]
    assert window[0].sector == "children_young_people"
