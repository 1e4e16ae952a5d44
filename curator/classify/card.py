"""Render ``models/MODEL_CARD.md`` from a training result and its evaluation (pure: text)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from curator.classify.evaluate import SYSTEMS
from curator.classify.targets import TARGETS, headline, meets, target_text
from curator.classify.tuning_rounds import TUNING_ROUNDS
from curator.classify.types import EvaluationReport, LaneFigures, Metric, SplitReport
from curator.records import CATEGORIES, SECTORS

#: The measured case for the compiled model (figures from the command named in the text).
PREDICTION_PATH = (
    "The poller, `curator run` and `curator classify` predict with the compiled model "
    "(`<stem>.npz`: vocabularies, idf and coefficients as numpy arrays, "
    "`curator/classify/compiled.py`), checked against scikit-learn to 1e-9 on every training "
    "row whenever a model is saved. On 2026-12-06 (`.venv/bin/python -m benchmarks.classify "
    "--items 20000`, 2 CPUs, python-svc machine) a fresh process that imports the classifier, "
    "loads the model and classifies one item took 0.38 s, 51 MB peak RSS and 34 MB PSS with "
    "the compiled model, and 8.82 s, 229 MB and 184 MB with the scikit-learn objects "
    "(`load(..., use_sklearn=True)`; times on a machine shared with other work, memory is "
    "what matters). `curator run`'s "
    "steady state is 183 MB RSS with the compiled model against a 200 MB target "
    "(`benchmarks/RESULTS.md`, steady state), so scikit-learn in the poller would break it: "
    "the compiled model (about 700 lines with its file format and analyzers) is kept."
)


def _fmt(metric: Metric | None) -> str:
    if not metric or metric.get("value") is None:
        return "n/a"
    text = f"{metric['value']:.3f}"
    ci = metric.get("ci95")
    if ci:
        low, high = ci
        text += f" ({low:.3f}–{high:.3f})"
    return text


def _matrix(title: str, labels: list[str], matrix: list[list[int]]) -> list[str]:
    lines = [f"*{title}* (rows: truth, columns: prediction)", ""]
    lines.append("| | " + " | ".join(labels) + " |")
    lines.append("|---" * (len(labels) + 1) + "|")
    for label, row in zip(labels, matrix, strict=True):
        lines.append(f"| **{label}** | " + " | ".join(str(v) for v in row) + " |")
    lines.append("")
    return lines


def _split_section(name: str, split: SplitReport) -> list[str]:
    lines = [f"### {name}", ""]
    if "skipped" in split:
        return [*lines, f"Not computed: {split['skipped']}.", ""]
    if "cutoff" in split:
        extra = f", cut-off {split['cutoff']}, {split['train_rows']} rows train"
    elif "rule" in split:
        extra = f", {split['publishers']} publishers; fitted on {split['train_rows']} rows"
    else:
        extra = f", {split['folds']} folds over {split['publishers']} publishers"
    lines.append(
        f"{split['rows']} held-out rows ({split['relevant_rows']} relevant; sector scored on "
        f"{split['sector_rows']}, category on {split['category_rows']}){extra}. "
        "Figures are point estimates with bootstrap 95% intervals."
    )
    lines += ["", "| metric | " + " | ".join(SYSTEMS) + " |", "|---" * (len(SYSTEMS) + 1) + "|"]
    rows: list[tuple[str, Callable[[str], Metric]]] = [
        ("relevance ROC-AUC", lambda s: split["relevance"][s]["roc_auc"]),
        ("recall at threshold", lambda s: split["relevance"][s]["recall"]),
        ("precision at threshold", lambda s: split["relevance"][s]["precision"]),
        ("sector macro-F1", lambda s: split["sector"][s]["macro_f1"]),
        ("category macro-F1", lambda s: split["category"][s]["macro_f1"]),
    ]
    for label, get in rows:
        lines.append(f"| {label} | " + " | ".join(_fmt(get(s)) for s in SYSTEMS) + " |")
    lines.append("")
    got = headline(split)
    lines.append("Targets, model on this split:")
    lines.append("")
    for key in TARGETS:
        value = got[key]
        verdict = "n/a" if value is None else ("met" if meets(key, value) else "**not met**")
        shown = "n/a" if value is None else f"{value:.3f}"
        want = target_text(key).replace(">=", "≥").replace("<=", "≤")
        lines.append(f"- {key} {want}: {shown} — {verdict}")
    lines.append("")
    lines += _lane_lines(split)
    model = split["relevance"]["model"]
    lines += _matrix("Relevance, model", ["relevant", "not"], model["confusion"])
    lines += _matrix("Sector, model", list(SECTORS), split["sector"]["model"]["confusion"])
    lines += _matrix("Category, model", list(CATEGORIES), split["category"]["model"]["confusion"])
    return lines


def _points(lanes: LaneFigures) -> str:
    """Each fold's card and digest points, as ``card / digest, …``."""
    return ", ".join(
        f"{c:.4g} / {d:.4g}"
        for c, d in zip(lanes["card_points"], lanes["digest_points"], strict=True)
    )


def _rates(lanes: LaneFigures) -> str:
    """What the lanes did: recall and false-positive rate of the card lane, then of both."""
    return (
        f"card recall {_fmt(lanes['card_recall'])}, card false-positive rate "
        f"{_fmt(lanes['card_fpr'])}; card + digest recall {_fmt(lanes['card_digest_recall'])}, "
        f"false-positive rate {_fmt(lanes['card_digest_fpr'])}"
    )


def _lane_lines(split: SplitReport) -> list[str]:
    lanes = split.get("lanes")
    if not lanes:
        return []
    return [
        "Lanes, model (card and digest points chosen on each fold's training part only: "
        f"{_points(lanes)}): {_rates(lanes)}.",
        "",
        *_bare_lane_lines(split),
    ]


def _bare_lane_lines(split: SplitReport) -> list[str]:
    """The same held-out rows scored without their summaries (absent from older reports)."""
    bare = split.get("lanes_without_summary")
    if not bare:
        return []
    return [
        "Items without a summary (the same rows, each scored with its summary removed, at the "
        f"points for items without one chosen on each fold's training part only: {_points(bare)}"
        f"): ROC-AUC {_fmt(bare['roc_auc'])}; {_rates(bare)}. The targets are read on the rows as "
        "written; these say what a feed that gives titles and links only would meet.",
        "",
    ]


def _operating_point_lines(sidecar: dict[str, Any], command: str) -> list[str]:
    """The card and digest points and what they did out of fold (absent from older models)."""
    oof = sidecar.get("lanes_out_of_fold")
    if not oof:
        return []
    cfg = sidecar["config"]
    return [
        "- **card** lane (posted to the editors one by one) when relevance ≥ "
        f"**{oof['card']:.6g}**: the highest threshold with publisher-grouped out-of-fold "
        f"recall ≥ {cfg['card_recall']}"
        f" (`{command}`, out of fold on the training rows: recall {oof['card_recall']:.3f}, "
        f"false-positive rate {oof['card_fpr']:.3f}, i.e. the share of irrelevant rows at or "
        "above the card point).",
        f"- **digest** lane (listed in the day's roll-up) when relevance ≥ "
        f"**{oof['digest']:.6g}** and below the card point: the highest threshold with "
        f"out-of-fold recall ≥ {cfg['digest_recall']} (`{command}`, out of fold: card + digest "
        f"recall {oof['card_digest_recall']:.3f}, false-positive rate "
        f"{oof['card_digest_fpr']:.3f}). Below it an item is quiet: stored and searchable, "
        "never posted. Both points are in the sidecar under `lanes`.",
        *_bare_point_lines(sidecar),
    ]


def _bare_point_lines(sidecar: dict[str, Any]) -> list[str]:
    """The points of an item without a summary (absent from older models)."""
    bare = sidecar.get("lanes_without_summary_out_of_fold")
    if not bare:
        return []
    return [
        "- **An item without a summary** (a title and a link only: a page source's listing "
        "without summaries, a feed whose entries have none or only repeat the title) scores "
        "much lower, since every "
        "training row has one, so it has points of its own, chosen the same way on the same "
        "folds' scores of the development rows with their summaries removed "
        "(`benchmarks/experiments/NO_SUMMARY.md`): card when relevance ≥ "
        f"**{bare['card']:.6g}** (out of fold: recall {bare['card_recall']:.3f}, "
        f"false-positive rate {bare['card_fpr']:.3f}), digest when ≥ **{bare['digest']:.6g}** "
        f"(card + digest recall {bare['card_digest_recall']:.3f}, false-positive rate "
        f"{bare['card_digest_fpr']:.3f}). They are in the sidecar under "
        "`lanes_without_summary`.",
    ]


def _test_split_intro(
    sidecar: dict[str, Any], split: SplitReport | None, command: str
) -> list[str]:
    if not split or "skipped" in split:
        return []
    return [
        f"The **untouched test publishers** ({split['publishers']} publisher keys, "
        f"{split['rows']} rows, {split['relevant_rows']} relevant) are fixed by a hash of the "
        f"normalised publisher name (`{split['rule']}`, `curator/classify/split.py`). From the "
        "round that introduced them on, no choice looks at them: the relevance head's C, the "
        "threshold, the card and digest points (and any later feature or vocabulary change) are "
        f"chosen on the other {split['train_rows']} rows (the development rows); a model fitted "
        "on those rows scores the test rows once. The shipped model is then fitted on every row "
        "with the same choices. Be warned: the rounds before that (the keyword vocabularies, "
        "the feature blocks, the announcement words, described above) were chosen with every "
        "publisher's cross-validated errors in view, these publishers' included, so even these "
        "figures are somewhat optimistic for publishers never seen. A target missed here is "
        "reported as missed, not tuned for.",
        "",
    ]


def _window_lines(sidecar: dict[str, Any]) -> list[str]:
    window = sidecar.get("window")
    if not window:
        return [
            "Training window: the files only (no editors' decisions were read: `--no-db`). With "
            "the database, the newest 20,000 editors' decisions (by their latest decision) are "
            "used and older ones dropped.",
            "",
        ]
    return [
        f"Training window: the newest {window['decision_limit']:,} editors' decisions (by their "
        f"latest decision; {window['decisions_used']:,} used of "
        f"{window['decisions_in_database']:,} in the database) plus every file row; older "
        "decisions are dropped, not down-weighted.",
        "",
    ]


def _temperature_lines(sidecar: dict[str, Any]) -> list[str]:
    """The label heads' temperatures (absent from models trained before they were fitted)."""
    t = sidecar.get("label_temperatures")
    if not t:
        return []
    return [
        f"- Confidences: the sector and category heads' decisions are divided by a temperature "
        f"before the softmax (sector {t['sector']:g}, category {t['category']:g}), fitted by "
        "`curator train` on publisher-grouped out-of-fold decisions of the relevant "
        "development rows (`curator/classify/calibrate.py`): the labels are unchanged, the "
        "confidences shown on the cards mean what they say (see the tuning rounds below).",
    ]


def _c_search_lines(sidecar: dict[str, Any]) -> list[str]:
    """How the relevance head's C was chosen (absent from models trained before the search)."""
    search = sidecar.get("c_relevance_search")
    if not search:
        return []
    tried = ", ".join(
        f"{float(c):g}: " + ("n/a" if auc is None else f"{auc:.4f}")
        for c, auc in sorted(search["roc_auc_by_c"].items(), key=lambda kv: float(kv[0]))
    )
    when = search.get("searched_at")
    how = (
        f"reused from the previous model (searched {when}; `curator train` searches again when "
        "that is 7 or more days old, or with `--search-c`)"
        if search.get("reused")
        else f"searched {when}"
        if when
        else "searched"
    )
    return [
        "- The relevance head's C is chosen by `curator train` itself: the value with the best "
        "publisher-grouped out-of-fold ROC-AUC on the development rows "
        f"({search['folds']} folds; C: ROC-AUC — {tried}; {how}); the same out-of-fold scores "
        "set the thresholds and the lanes.",
    ]


def _fold_cs(split: SplitReport) -> str:
    cs = split.get("model_c_relevance")
    if not cs:
        return ""
    return "; C chosen per held-out fold: " + ", ".join(f"{c:g}" for c in cs)


def _inner_folds_text(report: EvaluationReport, train_folds: int) -> str:
    """Pure: how the nested split's inner folds compare with ``curator train``'s."""
    inner = report.get("by_publisher", {}).get("inner_folds", 3)
    if inner == train_folds:
        return f", on {inner} inner folds as it does"
    return (
        f", but on {inner} inner folds where `curator train` uses {train_folds}: cheaper, and, "
        "with fewer folds, a little pessimistic for the card lane, whose threshold then comes "
        "from models fitted on fewer rows; `benchmarks/experiments/CROSSFIT.md`"
    )


def render(sidecar: dict[str, Any], report: EvaluationReport, command: str) -> str:
    t = sidecar["thresholds"]
    counts = sidecar["training_counts"]
    lines = [
        "# Model card: Pulse Curator classifier",
        "",
        f"*Generated by `{command}`; do not edit by hand (`curator train` rewrites it).*",
        "",
        f"- **Version**: `{sidecar['version']}` (trained {sidecar['trained_at']}, "
        f"training data hash `{sidecar['data_hash'][:12]}`)",
        f"- **Files**: `{sidecar['skops_file']}` (skops) + `{sidecar['skops_file'][:-6]}.json` "
        f"(sidecar), selected by `models/current`",
        f"- **Built with**: scikit-learn {sidecar['sklearn_version']}, skops "
        f"{sidecar['skops_version']}, model format {sidecar['format_version']}",
        "",
        "## What it does",
        "",
        "Three predictions for each new publication, each with a probability: is it worth the "
        "editors' attention (relevant), which sector (Adult Social Care and Health / Children and "
        "Young People's Services / Criminal Justice) and which category (Reports / Briefings / "
        "Tools and Guidance). Inputs: title, summary, URL, GOV.UK document type (given or split "
        "off a title prefix such as `Research and analysis: `) and the source's `sector_hint` — a "
        "feature, never an override. Editors make every final decision in Slack; the classifier "
        "only orders and pre-fills the cards.",
        "",
        "## Training data",
        "",
        f"{sum(counts['label'].values())} rows from `data/training/*.jsonl`"
        + (" and the editors' decisions in the database" if sidecar.get("database_rows") else "")
        + f" ({sidecar.get('database_rows', 0)} rows from the database). "
        "See `data/training/README.md` for where every row came from.",
        "",
        "| label source / label | rows |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in sorted(counts["source"].items())]
    lines += ["", "| relevant rows by sector | rows |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(counts["sector"].items())]
    lines += ["", "| relevant rows by category | rows |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(counts["category"].items())]
    lines += [
        "",
        "Sample weights: editors' decisions from the database 3 (relabelled items too: they "
        "carry the editor's corrected sector and category), the reference edition's "
        "editor labels 2, hand-judged rows 1.",
        "",
        *_window_lines(sidecar),
        "## Model",
        "",
        "- Features: TF-IDF word 1–2-grams of the document type + title; TF-IDF words of the "
        "first 300 characters of the summary (stop words kept), and of title and summary "
        "together (English stop words removed); TF-IDF words and word pairs of the URL host and "
        "path; the keyword rules' hits (sector vocabularies, Reports / Briefings / Tools and "
        "Guidance vocabularies, positive and negative words of `curator/classify/baselines.py`, "
        "announcement words) and the sector hint — both as present/absent flags and as counts "
        "(capped at 3), read by every head. Text is cleaned of HTML first. The relevance head "
        "also reads what the words mean: the mean of the title's and summary's word vectors "
        "in a static table distilled from all-MiniLM-L6-v2 (`curator/classify/wordvec.py`, "
        "built by `scripts/build_word_vectors.py`), through a second class-balanced logistic "
        "regression (C = 3) whose decision is added to the sparse head's; the two fold into "
        "one linear head over a bag of the table's words, so scoring needs neither the table "
        "nor the embedding model. The category head reads them the same way (a three-class "
        "regression on the same embedding, C = 3, fitted on the relevant rows, its decision "
        "added to the category head's and folded in).",
        "- Heads: three class-balanced L2 logistic regressions (newton-cg), "
        f"C = {sidecar['config']['c_relevance']:g} / {sidecar['config']['c_sector']:g} / "
        f"{sidecar['config']['c_category']:g} (relevance / sector / category), seed "
        f"{sidecar['config']['seed']}. Sector and category are trained on relevant rows only.",
        *_c_search_lines(sidecar),
        *_temperature_lines(sidecar),
        "- Chosen with the publisher-grouped cross-validation below. Tried and dropped earlier: "
        "the publisher's name as a feature (it memorises publishers and scored clearly worse "
        "held out by publisher), the whole summary instead of its start, and LBFGS (same "
        "optimum, several times slower than newton-cg here).",
        "",
        *TUNING_ROUNDS,
        "",
        "## Thresholds",
        "",
        f"- **relevant** when relevance ≥ **{t['relevant']}**: the highest threshold with recall "
        f"≥ {sidecar['config']['target_recall']} on publisher-grouped out-of-fold scores of the "
        "development rows (missing a real report is worse than showing a dud).",
        f"- **uncertain** when {t['uncertain_low']} ≤ relevance < {t['uncertain_high']} (from "
        "the 99%-recall threshold up to where precision reaches 90%), or when an item is "
        f"relevant but its sector confidence is below {t['min_sector_confidence']}.",
        *_operating_point_lines(sidecar, command),
        "",
        "## Evaluation (held out)",
        "",
        f"Every figure in this section was made by `{command}`; `curator eval` (same code, same "
        "seeds) reproduces them. The model is compared with "
        "keyword rules (`curator/classify/baselines.py`) and the majority class on the same "
        "splits. In the cross-validated splits the relevance head's C, threshold and lanes used "
        "on each held-out fold were chosen on that fold's training part only (nested "
        "publisher-grouped cross-validation, as `curator train` chooses them on the development "
        f"rows{_inner_folds_text(report, int(sidecar['config']['folds']))})"
        + (_fold_cs(report["by_publisher"]) if "by_publisher" in report else "")
        + ".",
        "",
    ]
    lines += _test_split_intro(sidecar, report.get("test"), command)
    if "test" in report:
        lines += _split_section("Untouched test publishers", report["test"])
    if "by_publisher" in report:
        lines += _split_section(
            "Split by publisher (GroupKFold, development rows)", report["by_publisher"]
        )
    if "by_date" in report:
        lines += _split_section("Split by date (development rows)", report["by_date"])
    lines += [
        "## Speed, and why prediction does not use scikit-learn",
        "",
        "Measured by `.venv/bin/python -m benchmarks.classify` (load time, items per second on "
        "one core, and a fresh process's memory); results with machine and date in "
        "`benchmarks/RESULTS.md`. " + PREDICTION_PATH,
        "",
        "## Known weaknesses",
        "",
        f"- Small training set ({sum(counts['label'].values()):,} rows, almost all hand-judged "
        "by the helpers who built the classifier rather than by the editors); the confidence "
        "intervals above are wide (compare them with the targets), and `curator eval "
        "--repeats 5` shows how the figures move with the assignment of publishers to folds. "
        "It improves as editors decide "
        "items in Slack: `curator train` reads those decisions from the database.",
        "- Many hand-collected negatives have short summaries and many positives long ones; "
        "the model reads only the first 300 characters of a summary to limit that bias, but "
        "summary length and style still leak into the scores.",
        "- The collected rows' summaries were written by the helpers who judged them, not by "
        'the publishers. 330 of them opened by naming the kind of page ("Press release on '
        '…", "Blog post …"), which a feed\'s description seldom does, and the model leant '
        'on those words; they were cut (`data/training/README.md`, "Summaries without the '
        "page kind\"), and the figures above are measured without them. The judges' wording "
        "still differs from a feed's, so the weekly report's *What the editors decided* "
        '(README, "How the lanes are doing") is the measure of the real share of cards '
        "rejected.",
        "- The reference edition's rows carry no URL, and its Criminal Justice items no "
        "category, so the category head learns Criminal Justice categories from hand-judged "
        "rows only.",
        "- The split by date is weak: few rows are dated, and the newest are mostly the "
        "reference edition's (all relevant), so its precision and ROC-AUC rest on very few "
        "negatives.",
        "- Briefings are the weakest category (often predicted as Reports: see the confusion "
        "matrix); the line between a short report and a briefing is fine in the labels too.",
        "- The relevance head is weakly regularised "
        f"(C = {sidecar['config']['c_relevance']:g}), so its probabilities are "
        "extreme (many near 0 or 1) and poorly calibrated: read them as an ordering, not as "
        "chances. The threshold and the uncertain band are set on held-out scores, which is "
        "why they can sit far from 0.5.",
        "- Criminal-justice items about children (youth custody, child exploitation) and "
        "family-justice items sit between sectors; most sector errors are there.",
        "- Items with little text (a bare title, no summary) are scored on a few words and the "
        "URL only, so their scores are the least reliable; the recall-first threshold tends "
        "to let them through (often as *uncertain*) rather than drop them.",
        "- Because the threshold favours recall, precision is modest: over a quarter of the "
        "items shown as relevant on unseen publishers were not (see the relevance matrix).",
        "- English only: non-English text is classified (never rejected) but scores are "
        "unreliable; news coverage *about* a report is labelled not relevant, which is a fine "
        "line the model does not always draw.",
        "",
    ]
    return "\n".join(lines)
