"""``curator classify`` / ``train`` / ``eval`` through the real click commands, and the editors'
decisions read from the database."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from curator.classify.data import load_decisions, load_files
from curator.classify.model import ModelConfig, save, train
from curator.classify.split import split_indices
from curator.cli import cli
from tests.conftest import REPO
from tests.support.factories import add_item


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models")
    rows = load_files(REPO / "data" / "training")[::3]
    save(train(rows, ModelConfig(folds=3)), out, {"training_counts": {}})
    return out


def test_classify_file_reports_bad_lines_and_classifies_the_rest(
    model_dir: Path, tmp_path: Path
) -> None:
    items = tmp_path / "items.jsonl"
    lines = [
        json.dumps({"title": "Research and analysis: Youth justice outcomes", "url": "https://x"}),
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"title": "", "summary": "empty title"}),
        json.dumps({"summary": "no title at all"}),
        json.dumps({"title": "Care homes: <b>quality</b> &amp; safety", "extra": 7}),
        "",
        json.dumps({"title": "Guidance", "publisher": 12}),
    ]
    items.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "predictions.jsonl"
    result = CliRunner().invoke(
        cli, ["classify", "--in", str(items), "--out", str(out), "--model-dir", str(model_dir)]
    )
    assert result.exit_code == 1
    for n in (2, 3, 4, 5, 8):
        assert f"items.jsonl:{n}:" in result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["title"] for r in rows] == [
        "Research and analysis: Youth justice outcomes",
        "Care homes: <b>quality</b> &amp; safety",
    ]
    assert rows[1]["extra"] == 7  # the input is passed through
    for r in rows:
        assert isinstance(r["relevant"], bool) and isinstance(r["uncertain"], bool)
        assert 0 <= r["relevance"] <= 1 and 0 <= r["category_confidence"] <= 1
        assert r["sector"] and r["category"]


def test_classify_file_all_good_exits_zero_and_stdio_works(model_dir: Path) -> None:
    data = json.dumps({"title": "Statutory guidance: Keeping children safe in education"}) + "\n"
    result = CliRunner().invoke(
        cli, ["classify", "--in", "-", "--out", "-", "--model-dir", str(model_dir)], input=data
    )
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert set(row) >= {"title", "relevant", "relevance", "sector", "category", "uncertain"}
    assert row["lane"] in ("card", "digest", "quiet")


def test_classify_one_title_prints_a_readable_answer(model_dir: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "classify",
            "Report on an unannounced inspection of HMP Lewes",
            "--publisher",
            "HM Inspectorate of Prisons",
            "--model-dir",
            str(model_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "sector:" in result.stdout and "category:" in result.stdout
    assert "relevance" in result.stdout
    assert "lane:" in result.stdout and "no summary" in result.stdout


def test_classify_gives_the_lane_at_the_points_of_an_item_with_or_without_a_summary(
    model_dir: Path,
) -> None:
    from curator.classify import ClassifyInput, load_classifier
    from curator.classify.lanes import lane_for

    title = "Report on an unannounced inspection of HMP Lewes"
    summary = "Inspectors found the prison unsafe and recommended urgent action."
    classifier = load_classifier(model_dir)
    points = classifier.lane_thresholds
    assert points.without_summary is not None
    data = "".join(
        json.dumps({"title": title, **extra}) + "\n" for extra in ({}, {"summary": summary})
    )
    result = CliRunner().invoke(
        cli, ["classify", "--in", "-", "--out", "-", "--model-dir", str(model_dir)], input=data
    )
    assert result.exit_code == 0, result.output
    bare, full = [json.loads(line) for line in result.stdout.splitlines()]
    [p_bare, p_full] = classifier.predict(
        [ClassifyInput(title), ClassifyInput(title, summary=summary)]
    )
    assert bare["lane"] == lane_for(p_bare, points.without_summary)
    assert full["lane"] == lane_for(p_full, points)


def test_classify_needs_a_title_or_a_file() -> None:
    result = CliRunner().invoke(cli, ["classify"])
    assert result.exit_code == 2 and "TITLE" in result.output


def test_missing_model_is_a_one_line_error_not_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "curator", "classify", "Some title"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "CURATOR_MODEL_DIR": str(tmp_path / "models")},
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no model at" in proc.stderr and "run `curator train`" in proc.stderr
    assert "Traceback" not in proc.stderr


def _tiny_training_dir(tmp_path: Path) -> Path:
    out = tmp_path / "training"
    out.mkdir()
    src = (REPO / "data" / "training" / "hand-judged-public-items.jsonl").read_text("utf-8")
    out.joinpath("rows.jsonl").write_text("\n".join(src.splitlines()[::2]) + "\n", "utf-8")
    return out


@pytest.mark.slow
def test_train_writes_model_card_and_eval_reports(tmp_path: Path) -> None:
    training = _tiny_training_dir(tmp_path)
    models = tmp_path / "models"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "train",
            "--training-dir",
            str(training),
            "--no-db",
            "--bootstrap",
            "20",
            "--model-dir",
            str(models),
            "--cross-validate",
        ],
    )
    assert result.exit_code == 0, result.output
    card = (models / "MODEL_CARD.md").read_text(encoding="utf-8")
    command = f"curator train --training-dir {training} --no-db --bootstrap 20"
    assert f"`{command} --cross-validate`" in card
    for needle in ("ROC-AUC", "macro-F1", "keyword rules", "majority class", "Known weaknesses"):
        assert needle in card
    report = json.loads((models / "evaluation.json").read_text(encoding="utf-8"))
    rows = load_files(training)
    dev_idx, test_idx = split_indices(rows)
    # the cross-validated splits see only the development rows; the test publishers are scored
    # once, by a model fitted on the development rows
    assert report["by_publisher"]["rows"] == len(dev_idx)
    assert report["test"]["rows"] == len(test_idx) > 0
    assert report["test"]["train_rows"] == len(dev_idx)
    assert "Untouched test publishers" in card and "Split by publisher" in card
    assert (models / "current").exists()

    assert "**card** lane" in card and "**digest** lane" in card
    assert "card recall" in card and "card false-positive rate" in card

    stdout, _, report = _eval(training, tmp_path / "eval.json", "--bootstrap", "20")
    assert "held out by publisher" in stdout and "keyword rules" in stdout
    assert report["by_publisher"]["relevance"]["model"]["roc_auc"]["ci95"]  # type: ignore[index]
    lanes = report["by_publisher"]["lanes"]  # type: ignore[index]
    for key in ("card_recall", "card_fpr", "card_digest_recall", "card_digest_fpr"):
        assert 0.0 <= lanes[key]["value"] <= 1.0
    assert lanes["card_digest_recall"]["value"] >= lanes["card_recall"]["value"]
    assert "card recall" in stdout and "card FPR" in stdout and "card+digest recall" in stdout


def _eval(training: Path, json_path: Path, *extra: str) -> tuple[str, str, dict[str, object]]:
    """``curator eval`` on ``training`` (no bootstrap unless ``extra`` asks for one)."""
    args = ["eval", "--training-dir", str(training), "--no-db", "--bootstrap", "0"]
    result = CliRunner().invoke(cli, [*args, "--json", str(json_path), *extra])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr, json.loads(json_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def plain_eval(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, object]]:
    """``curator eval`` on a small training set without ``--repeats``: today's output."""
    tmp = tmp_path_factory.mktemp("eval")
    training = _tiny_training_dir(tmp)
    stdout, _, report = _eval(training, tmp / "plain.json")
    return training, stdout, report


def test_eval_repeats_1_is_the_plain_eval(
    plain_eval: tuple[Path, str, dict[str, object]],
    tmp_path: Path,
) -> None:
    training, plain_stdout, plain_report = plain_eval
    stdout, stderr, report = _eval(training, tmp_path / "one.json", "--repeats", "1")
    report_line = f"\nreport written to {tmp_path / 'one.json'}\n"
    assert stdout.endswith(report_line)
    assert stdout.removesuffix(report_line) == plain_stdout.split("\nreport written to")[0]
    assert report == plain_report and "publisher_repeats" not in report
    assert "random assignments" not in stdout and "repeat" not in stderr


def test_eval_repeats_n_prints_the_spread_of_each_headline_figure(
    plain_eval: tuple[Path, str, dict[str, object]], tmp_path: Path
) -> None:
    training, plain_stdout, _ = plain_eval
    stdout, stderr, report = _eval(training, tmp_path / "two.json", "--repeats", "2")
    normal = plain_stdout.split("\nreport written to")[0]
    assert stdout.startswith(normal)  # the usual report first, unchanged
    summary = stdout[len(normal) :]
    assert (
        "== held out by publisher, 2 random assignments of publishers to 5 folds (seeds 0-1)"
        in summary
    )
    lines = {ln.split("  mean")[0].strip(): ln for ln in summary.splitlines() if "  mean " in ln}
    assert set(lines) == {
        "relevance ROC-AUC",
        "recall at threshold",
        "precision at threshold",
        "card recall",
        "card FPR",
        "card+digest recall",
        "sector macro-F1",
        "category macro-F1",
    }
    assert re.search(r"target >= 0\.97: met in [012] of 2$", lines["relevance ROC-AUC"])
    assert re.search(r"target <= 0\.12: met in [012] of 2$", lines["card FPR"])
    assert lines["precision at threshold"].endswith("(no target)")
    for line in lines.values():
        assert re.search(r"mean \d\.\d{4}  min \d\.\d{4}  max \d\.\d{4}", line)
    assert "repeat 2/2 done" in stderr  # progress goes to stderr, not into the report
    repeats = report["publisher_repeats"]
    assert isinstance(repeats, dict) and repeats["seeds"] == [0, 1]
    assert len(repeats["per_repeat"]) == 2
    assert repeats["summary"]["relevance ROC-AUC"]["target"] == 0.97


@pytest.mark.storage
def test_editors_decisions_become_weighted_training_rows(engine: Engine, db_url: str) -> None:
    when = datetime(2024, 6, 3, tzinfo=UTC)
    add_item(
        engine, status="accepted", sector="criminal_justice", category="reports", published_at=when
    )
    add_item(engine, status="rejected", title="Board meeting papers", title_key="board")
    add_item(engine, status="queued")  # undecided: not training data
    add_item(engine, status="accepted", sector=None)  # accepted without a sector: skipped
    rows = load_decisions(db_url)
    assert [(r.relevant, r.sector, r.category) for r in rows] == [
        (True, "criminal_justice", "reports"),
        (False, None, None),
    ]
    assert all(r.label_source == "editor decision" and r.weight == 3.0 for r in rows)
    assert rows[0].published == "2024-06-03"


def test_missing_sqlite_file_means_no_decisions(tmp_path: Path) -> None:
    assert load_decisions(f"sqlite:///{tmp_path / 'absent.db'}") == []
    assert not (tmp_path / "absent.db").exists()


@pytest.mark.storage
@pytest.mark.slow
def test_nightly_retrain_only_when_decisions_change(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    from curator.classify import load_classifier
    from curator.classify.retrain import retrain_if_needed
    from curator.config import Settings

    settings = Settings(
        database_url=db_url, training_dir=_tiny_training_dir(tmp_path), model_dir=tmp_path / "m"
    )
    add_item(engine, status="accepted", sector="children_young_people", category="briefings")
    now = datetime(2026, 11, 26, 2, tzinfo=UTC)
    first = retrain_if_needed(engine, settings, now=now, n_boot=10)
    assert first.swapped and "1 editors' decisions" in first.reason
    assert load_classifier(settings.model_dir).version == first.version
    again = retrain_if_needed(engine, settings, now=now, n_boot=10)
    assert not again.swapped and "unchanged" in again.reason
    card = (settings.model_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "1 rows from the database" in card


def test_regressions_name_the_figures_that_fell() -> None:
    from curator.classify.retrain import regressions

    old = {
        "relevance ROC-AUC": 0.95,
        "recall at threshold": 0.97,
        "sector macro-F1": 0.9,
        "category macro-F1": 0.8,
    }
    assert regressions(dict(old), old) == []
    assert regressions({**old, "sector macro-F1": 0.89}, old) == []  # within noise
    worse = regressions({**old, "relevance ROC-AUC": 0.90, "recall at threshold": 0.93}, old)
    assert worse == ["relevance ROC-AUC 0.900 < 0.950", "recall at threshold 0.930 < 0.970"]


@pytest.mark.storage
@pytest.mark.slow
def test_nightly_retrain_keeps_the_current_model_when_the_new_one_is_worse(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    import json

    from curator.classify import load_classifier
    from curator.classify.retrain import retrain_if_needed
    from curator.config import Settings

    settings = Settings(
        database_url=db_url, training_dir=_tiny_training_dir(tmp_path), model_dir=tmp_path / "m"
    )
    now = datetime(2026, 11, 26, 2, tzinfo=UTC)
    assert retrain_if_needed(engine, settings, now=now, n_boot=10).swapped
    current = load_classifier(settings.model_dir).version
    # Pretend the current model measured perfectly on held-out data: nothing can beat it.
    evaluation = settings.model_dir / "evaluation.json"
    report = json.loads(evaluation.read_text(encoding="utf-8"))
    split = report["test"]  # the fixed sample the two models are compared on
    split["relevance"]["model"]["roc_auc"]["value"] = 1.0
    split["sector"]["model"]["macro_f1"]["value"] = 1.0
    split["category"]["model"]["macro_f1"]["value"] = 1.0
    evaluation.write_text(json.dumps(report), encoding="utf-8")
    add_item(engine, status="accepted", sector="criminal_justice", category="reports")
    outcome = retrain_if_needed(engine, settings, now=now, n_boot=10)
    assert not outcome.swapped and "worse on held-out data" in outcome.reason
    assert load_classifier(settings.model_dir).version == current


@pytest.mark.slow
def test_train_reuses_the_current_c_unless_told_to_search(tmp_path: Path) -> None:
    from curator.classify.persist import read_sidecar

    training = _tiny_training_dir(tmp_path)
    models = tmp_path / "models"
    base = ["train", "--training-dir", str(training), "--no-db", "--bootstrap", "0"]

    def run(*flags: str) -> dict[str, object]:
        result = CliRunner().invoke(cli, [*base, "--model-dir", str(models), *flags])
        assert result.exit_code == 0, result.output
        search = read_sidecar(models)[0].c_relevance_search
        assert search is not None
        return search

    first = run()
    assert first["reused"] is False and len(first["roc_auc_by_c"]) > 1  # type: ignore[arg-type]
    again = run()
    assert again["reused"] is True and again["searched_at"] == first["searched_at"]
    forced = run("--search-c")
    assert forced["reused"] is False and len(forced["roc_auc_by_c"]) > 1  # type: ignore[arg-type]


def test_eval_inner_folds_sets_the_folds_each_training_part_chooses_on(
    plain_eval: tuple[Path, str, dict[str, object]], tmp_path: Path
) -> None:
    from curator.classify.evaluate import INNER_FOLDS

    training, plain_stdout, plain_report = plain_eval
    plain_split = plain_report["by_publisher"]
    assert isinstance(plain_split, dict) and plain_split["inner_folds"] == INNER_FOLDS == 3
    assert "chosen on each training part (3 inner folds)" in plain_stdout
    args = ("--inner-folds", "5", "--repeats", "2")
    stdout, _, report = _eval(training, tmp_path / "five.json", *args)
    split, repeats = report["by_publisher"], report["publisher_repeats"]
    assert isinstance(split, dict) and isinstance(repeats, dict)
    assert split["inner_folds"] == 5 and repeats["inner_folds"] == 5
    assert "chosen on each training part (5 inner folds)" in stdout
    # other inner folds, other choices: the card points of the held-out folds move
    assert split["lanes"]["card_points"] != plain_split["lanes"]["card_points"]


def test_eval_inner_folds_below_two_is_refused() -> None:
    result = CliRunner().invoke(cli, ["eval", "--no-db", "--inner-folds", "1"])
    assert result.exit_code == 2
    assert "--inner-folds" in result.output and "1 is not in the range 2<=x<=20" in result.output


def test_the_card_says_how_the_nested_split_chose_against_train() -> None:
    from curator.classify.card import _inner_folds_text

    assert _inner_folds_text({}, 5).startswith(", but on 3 inner folds where")
    assert _inner_folds_text({"by_publisher": {"inner_folds": 5}}, 5) == (
        ", on 5 inner folds as it does"
    )
