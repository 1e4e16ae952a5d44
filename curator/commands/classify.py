"""``curator classify``, ``curator train`` and ``curator eval``.

Heavy imports (scikit-learn, skops) happen inside the commands so ``curator --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from curator.commands.classify_io import LANE_MEANS, classify_file, input_from

if TYPE_CHECKING:
    from curator.classify.data import Decisions, TrainingRow
    from curator.classify.types import EvaluationReport, ModelConfig


@click.command()
@click.argument("title", required=False)
@click.option("--in", "in_path", help="JSONL of items to classify ('-' for stdin).")
@click.option("--out", "out_path", default="-", show_default=True, help="Where to write JSONL.")
@click.option("--publisher", default="", help="Publisher of TITLE.")
@click.option("--summary", default="", help="Summary of TITLE.")
@click.option("--url", default="", help="URL of TITLE.")
@click.option("--document-type", default=None, help='GOV.UK type, e.g. "Research and analysis".')
@click.option(
    "--model-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Model directory (default: CURATOR_MODEL_DIR, ./models).",
)
def classify(
    title: str | None,
    in_path: str | None,
    out_path: str,
    publisher: str,
    summary: str,
    url: str,
    document_type: str | None,
    model_dir: Path | None,
) -> None:
    """Classify one TITLE, or every line of --in ITEMS.jsonl into --out PREDICTIONS.jsonl.

    Each input line is an object with "title" and optional "publisher", "summary", "url",
    "document_type"; each output line is the input plus relevant, relevance, sector,
    sector_confidence, category, category_confidence, uncertain and lane (card, digest or quiet,
    as the model lanes a recent item). A bad line is reported on
    stderr with its line number, the others are still classified, and the exit code is 1.
    """
    if in_path is not None and title is not None:
        raise click.UsageError("give either a TITLE or --in ITEMS.jsonl, not both")
    if in_path is not None:
        sys.exit(classify_file(in_path, out_path, model_dir))
    if title is None:
        raise click.UsageError("give a TITLE to classify, or --in ITEMS.jsonl --out OUT.jsonl")
    from curator.classify import ClassifyInput, load_classifier

    try:
        item = input_from(
            {
                "title": title,
                "publisher": publisher,
                "summary": summary,
                "url": url,
                "document_type": document_type,
            },
            "TITLE",
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc).removeprefix("TITLE: "), param_hint="TITLE") from exc
    classifier = load_classifier(model_dir)
    [p] = classifier.predict([item])
    assert isinstance(item, ClassifyInput)
    from curator.classify.features import has_summary
    from curator.classify.lanes import model_lane
    from curator.normalise.text import relevance_shown
    from curator.records import CATEGORIES, SECTORS

    verdict = "RELEVANT" if p.relevant else "not relevant"
    uncertain = ", uncertain" if p.uncertain else ""
    click.echo(f"{verdict}  (relevance {relevance_shown(p.relevance)}{uncertain})")
    click.echo(f"sector:   {SECTORS.get(p.sector, p.sector)}  ({p.sector_confidence:.2f})")
    click.echo(f"category: {CATEGORIES.get(p.category, p.category)}  ({p.category_confidence:.2f})")
    summary_given = has_summary(item)
    lane = model_lane(p, classifier.lane_thresholds, has_summary=summary_given)
    bare = "" if summary_given else "; no summary: read at the points for items without one"
    click.echo(f"lane:     {lane} ({LANE_MEANS[lane]}{bare})")
    click.echo(f"model:    {p.model_version}")


# ------------------------------------------------------------------------------------------
# train / eval
# ------------------------------------------------------------------------------------------


def _load_rows(training_dir: Path | None, use_db: bool) -> tuple[list[TrainingRow], Decisions]:
    from curator.classify.data import Decisions, load_files, read_decisions
    from curator.config import get_settings

    settings = get_settings()
    rows = load_files(training_dir or settings.training_dir)
    decided = read_decisions(settings.database_url) if use_db else Decisions([], 0, None)
    return rows + decided.rows, decided


def _command(name: str, training_dir: Path | None, use_db: bool, boot: int, *flags: str) -> str:
    parts = ["curator", name]
    if training_dir is not None:
        parts += ["--training-dir", str(training_dir)]
    if not use_db:
        parts.append("--no-db")
    if boot != 1000:
        parts += ["--bootstrap", str(boot)]
    return " ".join([*parts, *flags])


_Command = TypeVar("_Command", bound=Callable[..., Any])

_training_dir = click.option(
    "--training-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Labelled JSONL directory (default: CURATOR_TRAINING_DIR, ./data/training).",
)
_db = click.option(
    "--db/--no-db",
    "use_db",
    default=True,
    show_default=True,
    help="Also learn from the editors' decisions in CURATOR_DATABASE_URL (skipped if the "
    "SQLite file does not exist).",
)
_boot = click.option(
    "--bootstrap",
    "boot",
    type=click.IntRange(0, 100000),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for the 95% intervals.",
)


def _rows_and_bootstrap(command: _Command) -> _Command:
    """The options ``train`` and ``eval`` share: where the rows come from, and the bootstrap."""
    return _training_dir(_db(_boot(command)))


_SPLITS: tuple[tuple[Literal["test", "by_publisher", "by_date"], str], ...] = (
    ("test", "untouched test publishers (fitted on the development rows, scored once)"),
    ("by_publisher", "held out by publisher (cross-validated, development rows)"),
    ("by_date", "held out by date (development rows)"),
)


def _print_report(report: EvaluationReport) -> None:
    from curator.classify.card import _fmt
    from curator.classify.evaluate import SYSTEMS
    from curator.classify.targets import TARGETS, headline, meets, target_text

    for key, title in _SPLITS:
        if key not in report:
            continue
        split = report[key]
        click.echo(f"\n== {title}")
        if "skipped" in split:
            click.echo(f"   not computed: {split['skipped']}")
            continue
        click.echo(f"   {split['rows']} rows ({split['relevant_rows']} relevant)")
        if split.get("model_c_relevance"):
            cs = ", ".join(f"{c:g}" for c in split["model_c_relevance"])
            inner = f" ({split['inner_folds']} inner folds)" if "inner_folds" in split else ""
            click.echo(f"   model's relevance C, chosen on each training part{inner}: {cs}")
        for system in SYSTEMS:
            rel = split["relevance"][system]
            click.echo(
                f"   {system:15s} ROC-AUC {_fmt(rel['roc_auc'])}  recall {_fmt(rel['recall'])}"
                f"  precision {_fmt(rel['precision'])}\n"
                f"   {'':15s} sector macro-F1 {_fmt(split['sector'][system]['macro_f1'])}"
                f"  category macro-F1 {_fmt(split['category'][system]['macro_f1'])}"
            )
        lanes = split.get("lanes")
        if lanes:
            click.echo(
                f"   model lanes     card recall {_fmt(lanes['card_recall'])}  card FPR "
                f"{_fmt(lanes['card_fpr'])}  card+digest recall "
                f"{_fmt(lanes['card_digest_recall'])}"
            )
        bare = split.get("lanes_without_summary")
        if bare:
            click.echo(
                f"   without summary card recall {_fmt(bare['card_recall'])}  card FPR "
                f"{_fmt(bare['card_fpr'])}  card+digest recall "
                f"{_fmt(bare['card_digest_recall'])}  (the same rows, summaries removed)"
            )
        got = headline(split)
        for name in TARGETS:
            value = got[name]
            met = "n/a" if value is None else ("met" if meets(name, value) else "NOT MET")
            click.echo(f"   target {name} {target_text(name)}: {met}")


@click.command()
@_rows_and_bootstrap
@click.option(
    "--model-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to write the model (default: CURATOR_MODEL_DIR, ./models).",
)
@click.option(
    "--search-c",
    is_flag=True,
    default=False,
    help="Search the relevance head's C over the whole grid even if the current model's C was "
    "searched less than 7 days ago (otherwise it is reused).",
)
@click.option(
    "--cross-validate",
    is_flag=True,
    default=False,
    help="Also run curator eval's nested cross-validated splits (by publisher, by date) and put "
    "them in the model card and evaluation.json (slow: a C search inside each fold).",
)
def train(
    training_dir: Path | None,
    use_db: bool,
    boot: int,
    model_dir: Path | None,
    search_c: bool,
    cross_validate: bool,
) -> None:
    """Rebuild the classifier into models/ and regenerate models/MODEL_CARD.md.

    New files are written beside the old ones and swapped in atomically; a poller that loaded
    the old model keeps using it until it reloads.
    """
    from curator.classify.retrain import train_and_write
    from curator.config import get_settings

    model_dir = model_dir or get_settings().model_dir
    rows, decided = _load_rows(training_dir, use_db)
    click.echo(
        f"training on {len(rows)} rows ({len(decided.rows)} editors' decisions from the "
        f"database, the newest of {decided.in_database})"
    )
    click.echo("fitting, then scoring the untouched test publishers...")
    flags = [f for f, on in (("--search-c", search_c), ("--cross-validate", cross_validate)) if on]
    result, report = train_and_write(
        rows,
        database_rows=len(decided.rows),
        model_dir=model_dir,
        n_boot=boot,
        command=_command("train", training_dir, use_db, boot, *flags),
        search_c=search_c,
        cross_validate=cross_validate,
        window=decided.window() if use_db else None,
    )
    _print_report(report)
    click.echo(f"\nmodel {result.classifier.version} written to {model_dir}/ (card: MODEL_CARD.md)")


def _run_repeats(
    rows: list[TrainingRow], config: ModelConfig, repeats: int, inner_folds: int
) -> dict[str, Any]:
    """:func:`publisher_repeats` with a progress bar on a terminal (a line a repeat otherwise),
    both on stderr."""
    from functools import partial

    from curator.classify.evaluate import publisher_repeats
    from curator.commands.common import err_console

    run = partial(publisher_repeats, rows, config, repeats, inner_folds=inner_folds)
    console = err_console()
    if not console.is_terminal:
        click.echo(f"repeating the split by publisher {repeats} times...", err=True)
        return run(on_repeat=lambda i: click.echo(f"  repeat {i + 1}/{repeats} done", err=True))
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("repeating the split by publisher"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=repeats)
        return run(on_repeat=lambda _i: progress.advance(task))


def _print_repeats(result: dict[str, Any]) -> None:
    from curator.classify.targets import target_text

    n = result["repeats"]
    folds = sorted({r["folds"] for r in result["per_repeat"]})
    click.echo(
        f"\n== held out by publisher, {n} random assignments of publishers to "
        f"{'/'.join(map(str, folds))} folds (seeds 0-{n - 1}); targets are checked unrounded"
    )
    for name, s in result["summary"].items():
        if s["mean"] is None:
            click.echo(f"   {name:24s} n/a")
            continue
        line = f"   {name:24s} mean {s['mean']:.4f}  min {s['min']:.4f}  max {s['max']:.4f}"
        if s["target"] is None:
            line += "  (no target)"
        else:
            line += f"  target {target_text(name)}: met in {s['repeats_meeting_target']} of {n}"
        click.echo(line)


@click.command()
@_rows_and_bootstrap
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the full report (with confusion matrices) as JSON.",
)
@click.option(
    "--repeats",
    type=click.IntRange(1, 1000),
    default=1,
    show_default=True,
    help="Also repeat the split by publisher N times with publishers dealt to folds at random "
    "(seeds 0..N-1) and print each headline figure's mean, min and max across the repeats and "
    "how many repeats meet its target. Each repeat takes about as long as the split itself.",
)
@click.option(
    "--inner-folds",
    type=click.IntRange(2, 20),
    default=3,
    show_default=True,
    help="Publisher-grouped folds of each training part on which the cross-validated splits "
    "choose C, the threshold and the lanes (curator train chooses on 5; 3 is quicker).",
)
def eval_(
    training_dir: Path | None,
    use_db: bool,
    boot: int,
    json_path: Path | None,
    repeats: int,
    inner_folds: int,
) -> None:
    """Held-out metrics (by publisher and by date) with 95% intervals, against baselines."""
    from curator.classify.evaluate import evaluate
    from curator.classify.split import split_indices
    from curator.classify.types import ModelConfig

    rows, decided = _load_rows(training_dir, use_db)
    click.echo(
        f"evaluating on {len(rows)} rows ({len(decided.rows)} editors' decisions from the database)"
    )
    config = ModelConfig()
    report = evaluate(rows, config, n_boot=boot, inner_folds=inner_folds)
    _print_report(report)
    if repeats > 1:
        dev = [rows[i] for i in split_indices(rows)[0]]
        report["publisher_repeats"] = _run_repeats(dev, config, repeats, inner_folds)
        _print_repeats(report["publisher_repeats"])
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        click.echo(f"\nreport written to {json_path}")


eval_.name = "eval"
