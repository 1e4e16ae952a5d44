"""Do the sector and category confidences mean what they say? Calibration of the label heads with
and without their temperature (``curator/classify/calibrate.py``), nested, on the development rows.

    .venv/bin/python -m benchmarks.label_calibration [--repeats 5] [--test]

For each of ``--repeats`` assignments of publishers to 5 folds (the deterministic one, then seeds
1, 2, …), every relevant development row's sector and category decision values come from heads
fitted without its publisher (``labels_out_of_fold``); the temperature applied to a held-out
fold is the one ``curator train`` would fit on that fold's training part alone
(``label_temperatures``: its own inner publisher-grouped folds), so no row's own label takes part
in the temperature it is read with. Reported for each head, pooled over the assignments: the
accuracy, the mean confidence shown, the expected calibration error (15 equal-width bins), the
log-loss, and, by band of confidence, how many rows and how often right, where "shown as 100%" is
a confidence of 99.5% or more (the card rounds to whole percent).

``--test`` also reads the untouched test publishers once: heads fitted on the development rows,
with and without the temperature fitted on the development rows, scoring the test rows.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from benchmarks.common import ROOT
from curator.classify.calibrate import label_temperatures, log_loss_at, temper
from curator.classify.data import TrainingRow, load_files
from curator.classify.fit import fit_heads, group_folds, score
from curator.classify.select import labels_out_of_fold
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig

HEADS = ("sector", "category")
BANDS = ((0.0, 0.6), (0.6, 0.8), (0.8, 0.95), (0.95, 0.995), (0.995, 1.01))


def ece(confidence: np.ndarray, right: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error: the row-weighted mean gap between confidence and accuracy
    over ``bins`` equal-width bins of confidence."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            gap += inside.sum() * abs(confidence[inside].mean() - right[inside].mean())
    return float(gap / len(confidence))


def describe(label: str, confidence: np.ndarray, right: np.ndarray, loss: float | None) -> None:
    loss_text = f", log-loss {loss:.3f}" if loss is not None else ""
    print(
        f"  {label}: {len(right)} rows, accuracy {right.mean():.3f}, mean confidence "
        f"{confidence.mean():.3f}, ECE {ece(confidence, right):.3f}{loss_text}"
    )
    for lo, hi in BANDS:
        inside = (confidence >= lo) & (confidence < hi)
        name = "shown as 100%" if lo == 0.995 else f"{lo:.1%}–{min(hi, 1.0):.1%}"
        if inside.any():
            print(
                f"    {name:>15}: {int(inside.sum()):4d} rows ({inside.mean():5.1%}), "
                f"right {right[inside].mean():.3f}, mean confidence {confidence[inside].mean():.3f}"
            )


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def nested(dev: Sequence[TrainingRow], config: ModelConfig, repeats: int) -> None:
    pooled: dict[tuple[str, bool], list[tuple[np.ndarray, np.ndarray, float]]] = {}
    temperatures: list[dict[str, float]] = []
    for k in range(repeats):
        seed = None if k == 0 else k
        outer = labels_out_of_fold(dev, config, fold_seed=seed)
        for train_idx, test_idx in group_folds(dev, config.folds, seed=seed):
            t = label_temperatures([dev[i] for i in train_idx], config)
            temperatures.append(t)
            for name in HEADS:
                truth = outer.truth(name, dev)[test_idx]
                keep = truth >= 0
                z, y = outer.decision[name][test_idx][keep], truth[keep]
                for tempered in (False, True):
                    temp = t[name] if tempered else 1.0
                    p = softmax(z / temp)
                    right = p.argmax(axis=1) == y
                    loss = log_loss_at(z, y, temp)
                    pooled.setdefault((name, tempered), []).append((p.max(axis=1), right, loss))
        print(f"assignment {'default' if seed is None else f'seed {seed}'} done", flush=True)
    for name in HEADS:
        ts = [t[name] for t in temperatures]
        print(
            f"{name}: temperature fitted on each training part {min(ts):.2f}–{max(ts):.2f} "
            f"(mean {np.mean(ts):.2f})"
        )
        for tempered in (False, True):
            parts = pooled[(name, tempered)]
            conf = np.concatenate([c for c, _, _ in parts])
            right = np.concatenate([r for _, r, _ in parts])
            loss = float(
                np.average([lo for *_, lo in parts], weights=[len(r) for _, r, _ in parts])
            )
            describe("with its temperature" if tempered else "as fitted (T = 1)", conf, right, loss)


def test_split(dev: list[TrainingRow], test: list[TrainingRow], config: ModelConfig) -> None:
    heads = fit_heads(dev, config)
    t = label_temperatures(dev, config)
    test = [r for r in test if r.relevant]
    inputs = [r.as_input() for r in test]
    before = score(heads, inputs)
    temper(heads.sector, t["sector"])
    temper(heads.category, t["category"])
    after = score(heads, inputs)
    print(
        f"untouched test publishers, read once (temperatures fitted on the development rows: {t})"
    )
    for name in HEADS:
        truth = np.array([str(getattr(r, name)) for r in test])
        has = np.array([bool(getattr(r, name)) for r in test])
        for label, s in (("as fitted (T = 1)", before), ("with its temperature", after)):
            labels = np.array(getattr(s, f"{name}_labels"))
            conf = np.asarray(getattr(s, f"{name}_confidence"))
            print(f" {name}")
            describe(label, conf[has], (labels == truth)[has], None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--test", action="store_true", help="also read the test publishers once")
    args = parser.parse_args(argv)
    rows = load_files(ROOT / "data" / "training")
    dev_idx, test_idx = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    config = ModelConfig()
    relevant = [r for r in dev if r.relevant]
    print(f"{len(relevant)} relevant development rows of {len(dev)}")
    nested(relevant, config, args.repeats)
    if args.test:
        test_split(dev, [rows[i] for i in test_idx], config)


if __name__ == "__main__":
    main()
