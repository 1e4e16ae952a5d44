"""How often does a second, blind judge agree with the training labels, on the rows the relevance
head gets wrong and on others? A diagnostic on the development rows only (findings:
``benchmarks/experiments/AGREEMENT.md``); nothing here changes a label or the model.

    .venv/bin/python -m benchmarks.experiments.agreement sample --out /tmp/agree/blind.jsonl
    .venv/bin/python -m benchmarks.experiments.agreement score \
        --judged benchmarks/experiments/agreement/judged.jsonl

``sample`` draws 240 development rows (the untouched test publishers are never read): every row
not relevant whose out-of-fold relevance (publisher-grouped, 5 folds, the deterministic
assignment, C = 300) is at or above the card point (the card lane's false positives, 120 on the
1,978 rows of 2026-12-06), 60 relevant rows and 60 other rows not relevant at random
(``random.Random(20261206)``), shuffled, with title, publisher, summary, URL and document type
only: the labels and scores stay out of the file the judge reads. ``score`` draws the same sample
again and compares the judge's answers with the labels, per group.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import ROOT
from curator.classify.data import load_files
from curator.classify.select import choose_lanes, search_relevance_c
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig

SEED = 20261206


def draw(training_dir: Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The sample: (group, what the judge sees, the row's labels and score) per row, in order."""
    rows = load_files(training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    y = np.array([r.relevant for r in dev])
    config = replace(ModelConfig(), c_relevance=300.0, c_relevance_grid=())
    oof = search_relevance_c(dev, config).oof
    card = choose_lanes(y, oof).card
    rng = random.Random(SEED)
    fp = [i for i in range(len(dev)) if not y[i] and oof[i] >= card]
    pos = rng.sample([i for i in range(len(dev)) if y[i]], 60)
    neg = rng.sample([i for i in range(len(dev)) if not y[i] and oof[i] < card], 60)
    chosen = [("fp", i) for i in fp] + [("pos", i) for i in pos] + [("neg", i) for i in neg]
    rng.shuffle(chosen)
    out = []
    for k, (group, i) in enumerate(chosen):
        r = dev[i]
        seen = {
            "id": k,
            "title": r.title,
            "publisher": r.publisher,
            "summary": r.summary,
            "url": r.url,
            "document_type": r.document_type,
        }
        label = {"relevant": r.relevant, "sector": r.sector, "category": r.category}
        out.append((group, seen, {**label, "score": float(oof[i])}))
    return out


def score(sample: list[tuple[str, dict[str, Any], dict[str, Any]]], judged: Path) -> None:
    answers = {}
    for line in judged.read_text(encoding="utf-8").splitlines():
        got = json.loads(line)
        answers[int(got["id"])] = got
    if sorted(answers) != list(range(len(sample))):
        raise SystemExit(f"{judged}: expected one answer for each id 0-{len(sample) - 1}")
    names = {"fp": "false positives", "pos": "relevant", "neg": "other not relevant"}
    print("| group | rows | judge agrees | judge says relevant | sure | agrees when sure |")
    print("|---|---|---|---|---|---|")
    for group in ("fp", "pos", "neg"):
        ids = [k for k, (g, _, _) in enumerate(sample) if g == group]
        agree = [answers[k]["relevant"] == sample[k][2]["relevant"] for k in ids]
        sure = [k for k in ids if answers[k]["confidence"] == "sure"]
        sure_agree = sum(answers[k]["relevant"] == sample[k][2]["relevant"] for k in sure)
        says = sum(bool(answers[k]["relevant"]) for k in ids)
        print(
            f"| {names[group]} | {len(ids)} | {sum(agree)} ({sum(agree) / len(ids):.0%}) | "
            f"{says} | {len(sure)} | {sure_agree} |"
        )
    both = [
        k
        for k, (_, _, label) in enumerate(sample)
        if label["relevant"] and answers[k]["relevant"] and label["category"]
    ]
    same_sector = sum(answers[k]["sector"] == sample[k][2]["sector"] for k in both)
    same_category = sum(answers[k]["category"] == sample[k][2]["category"] for k in both)
    print(
        f"\nrelevant to both: {len(both)}; same sector {same_sector}, same category {same_category}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("step", choices=("sample", "score"))
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--out", type=Path, help="sample: where the judge's file goes")
    parser.add_argument("--judged", type=Path, help="score: the judge's answers (JSON Lines)")
    args = parser.parse_args(argv)
    sample = draw(args.training_dir)
    if args.step == "sample":
        if args.out is None:
            parser.error("sample needs --out")
        lines = (json.dumps(seen, ensure_ascii=False) + "\n" for _, seen, _ in sample)
        args.out.write_text("".join(lines), encoding="utf-8")
        print(f"{len(sample)} rows written to {args.out}")
    else:
        if args.judged is None:
            parser.error("score needs --judged")
        score(sample, args.judged)


if __name__ == "__main__":
    main()
