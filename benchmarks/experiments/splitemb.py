"""Does embedding the title and the summary separately lower the card FPR? An experiment on the
development rows only (declaration, figures and verdict: ``benchmarks/experiments/SPLITEMB.md``).

    .venv/bin/python -m benchmarks.experiments.splitemb lanes [--variants BASE S2 S3] \\
        [--repeats 5] [--json out.json]
    .venv/bin/python -m benchmarks.experiments.splitemb check
    .venv/bin/python -m benchmarks.experiments.splitemb nested --variant S2 [c_pick args]

Variants of the relevance head (nothing under ``curator/`` changes: each is patched into this
process only, then undone):

* **BASE**: the shipped head (``WeightedRelevance``: the weighted sparse head plus the embedding
  head on the mean word vector of title + summary, C = ``wordvec.EMBEDDING_C``).
* **S2**: the sparse head plus one embedding head (C = ``EMBEDDING_C``) on two means side by side,
  of the title's words and of the summary's words (each standardised as ``Embedding.of`` does,
  768 dims); the title + summary mean is not used.
* **S3**: BASE plus a second embedding head on the summary-words mean alone (C = ``EMBEDDING_C``),
  both decisions added.

The means are read, as ``word_vectors`` is, from two extra bag blocks (``title_vectors`` over
``Prepared.title``, ``summary_vectors`` over ``Prepared.summary``: ``wordvec.vectorizer``, an
l1-normalised bag of the table's words; a text without any is all zero, so its mean is the zero
vector before standardisation), and every embedding head is folded, as the shipped one is, into
one linear head over the stacked bag blocks (``RELEVANCE_FIELDS`` then the two new ones).

``lanes`` runs ``benchmarks.lanes_oof``'s protocol (``search_relevance_c`` with C 30000, 5
assignments of publishers to folds: the deterministic one, then seeds 1-4) per variant, prints
each assignment's ROC-AUC and card / card+digest FPR and the declared rule's verdict. ``check``
fits one fold per variant and prints how far the folded head's decision is from the sum of the
separately computed decisions. ``nested`` runs ``benchmarks/experiments/c_pick.py`` (its BASE
variant: the inner C search) with the variant swapped in; pass c_pick's own arguments after it.
The rows are ``data/training``'s less the untouched test publishers (``split_indices``): nothing
here reads them.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import ROOT
from curator.classify import features, select, wordvec
from curator.classify import fit as fit_module
from curator.classify.data import TrainingRow, load_files
from curator.classify.features import RELEVANCE_BLOCK_WEIGHTS, prepare
from curator.classify.fit import Embedding, WeightedRelevance, _fit_head, group_folds
from curator.classify.metrics import roc_auc
from curator.classify.select import choose_lanes
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig

VARIANTS = ("BASE", "S2", "S3")
#: The experiment's bag blocks: name -> the ``Prepared`` attribute it reads.
EXTRA_FIELDS = {"title_vectors": "title", "summary_vectors": "summary"}
#: (seed, labels, weights) -> the folded embedding heads: coefficients per extra block, intercept.
_Key = tuple[int, bytes, bytes]
_Folded = tuple[list[np.ndarray], float] | None


def fold_joint(
    embeddings: Sequence[Embedding], labels: list[str], weights: np.ndarray, seed: int
) -> _Folded:
    """One logistic regression (class-balanced, C = ``EMBEDDING_C``) on the embeddings' ``z``
    side by side, folded back over their bags as ``Embedding.folded`` folds one: for each
    embedding the coefficients ``table @ (a_k * scale_k)`` over its bag, and the intercept
    ``b - sum_k (a_k * scale_k) · mean_k``. ``None`` for one class."""
    z = np.hstack([e.z for e in embeddings])
    head = _fit_head(z, labels, weights, wordvec.EMBEDDING_C, seed)
    if isinstance(head, str):
        return None
    coefs, intercept, start = [], float(head.intercept_[0]), 0
    for e in embeddings:
        dims = e.z.shape[1]
        a = np.asarray(head.coef_[0][start : start + dims]) * e.scale
        coefs.append(e.table @ a)
        intercept -= float(a @ e.mean)
        start += dims
    return coefs, intercept


@dataclass(frozen=True)
class SplitRelevance:
    """A variant's relevance head: ``WeightedRelevance``'s inputs plus the title's and the
    summary's embeddings; :meth:`fit` returns one logistic regression over the unweighted stack
    of ``RELEVANCE_FIELDS`` and the two extra bag blocks."""

    variant: str
    base: WeightedRelevance
    title: Embedding
    summary: Embedding
    _embedded: dict[_Key, _Folded] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls,
        variant: str,
        blocks: dict[str, Any],
        block_weights: dict[str, float] = RELEVANCE_BLOCK_WEIGHTS,
        vectors: wordvec.WordVectors | None = None,
    ) -> SplitRelevance:
        base = WeightedRelevance.of(blocks, block_weights, vectors)
        table = base.embedding.table
        return cls(
            variant,
            base,
            Embedding.of(blocks["title_vectors"], table),
            Embedding.of(blocks["summary_vectors"], table),
        )

    def _extra(self, labels: list[str], weights: np.ndarray, seed: int) -> _Folded:
        key = (seed, "\0".join(labels).encode(), np.asarray(weights, dtype=float).tobytes())
        if key not in self._embedded:
            if self.variant == "S2":
                self._embedded[key] = fold_joint([self.title, self.summary], labels, weights, seed)
            else:  # S3: the summary's head alone; the title's bag gets no weight
                got = fold_joint([self.summary], labels, weights, seed)
                zero = np.zeros(self.title.table.shape[0])
                self._embedded[key] = None if got is None else ([zero, got[0][0]], got[1])
        return self._embedded[key]

    def fit(self, labels: list[str], weights: np.ndarray, c: float, seed: int) -> Any:
        """S3: the shipped head (``WeightedRelevance.fit``) with the summary head added. S2: the
        weighted sparse head alone (its block weights folded in, the ``word_vectors`` bag at 0)
        with the title-and-summary head added."""
        if self.variant == "S2":
            head = _fit_head(self.base.x, labels, weights, c, seed)
            if isinstance(head, str):
                return head
            head.coef_ = np.hstack(
                [head.coef_ * self.base.scale, np.zeros((1, self.base.embedding.table.shape[0]))]
            )
        else:
            head = self.base.fit(labels, weights, c, seed)
            if isinstance(head, str):
                return head
        extra = self._extra(labels, weights, seed)
        n = self.title.table.shape[0]
        bags = np.zeros((1, 2 * n))
        if extra is not None:
            bags[0, :n], bags[0, n:] = extra[0]
            head.intercept_ = head.intercept_ + extra[1]
        head.coef_ = np.hstack([head.coef_, bags])
        head.n_features_in_ = head.coef_.shape[1]
        return head


class _Builder:
    """Stands in for the ``WeightedRelevance`` class where ``curator`` code calls ``.of``."""

    def __init__(self, variant: str) -> None:
        self.variant = variant

    def of(
        self,
        blocks: dict[str, Any],
        block_weights: dict[str, float] = RELEVANCE_BLOCK_WEIGHTS,
        vectors: wordvec.WordVectors | None = None,
    ) -> SplitRelevance:
        return SplitRelevance.of(self.variant, blocks, block_weights, vectors)


def _build_vectorizers() -> dict[str, Any]:
    """The shipped vectorizers plus the two extra bags of table words."""
    vectorizers = _ORIGINAL_BUILD()
    vectors = wordvec.load()
    for name in EXTRA_FIELDS:
        vectorizers[name] = wordvec.vectorizer(vectors)
    return vectorizers


_ORIGINAL_BUILD = features.build_vectorizers


@contextmanager
def swapped(variant: str) -> Iterator[None]:
    """``variant`` in place of the shipped relevance head in ``features``, ``fit`` and
    ``select`` (what ``search_relevance_c``, ``fit_heads`` and ``score`` call), undone on
    exit. BASE changes nothing."""
    if variant not in VARIANTS:
        raise ValueError(variant)
    if variant == "BASE":
        yield
        return
    fields = (*features.RELEVANCE_FIELDS, *EXTRA_FIELDS)
    patches: list[tuple[Any, str, Any]] = [
        (features, "FIELDS", {**features.FIELDS, **EXTRA_FIELDS}),
        (features, "build_vectorizers", _build_vectorizers),
    ]
    for module in (fit_module, select):
        patches += [
            (module, "build_vectorizers", _build_vectorizers),
            (module, "RELEVANCE_FIELDS", fields),
            (module, "WeightedRelevance", _Builder(variant)),
        ]
    saved = [(module, name, getattr(module, name)) for module, name, _ in patches]
    try:
        for module, name, value in patches:
            setattr(module, name, value)
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def development_rows(training_dir: Path) -> list[TrainingRow]:
    rows = load_files(training_dir)
    dev_idx, _ = split_indices(rows)
    return [rows[i] for i in dev_idx]


def empty_counts(dev: Sequence[TrainingRow]) -> dict[str, int]:
    """How many rows have no summary, and no table word in their title / summary."""
    words = set(wordvec.load().words)
    analyse = wordvec.analyzer()
    prepared = [prepare(r.as_input()) for r in dev]
    return {
        "no summary": sum(not p.summary for p in prepared),
        "no table word in the summary": sum(
            not any(w in words for w in analyse(p.summary)) for p in prepared
        ),
        "no table word in the title": sum(
            not any(w in words for w in analyse(p.title)) for p in prepared
        ),
    }


def lanes(dev: Sequence[TrainingRow], variant: str, repeats: int, c: float) -> dict[str, Any]:
    """``benchmarks.lanes_oof``'s figures for ``variant``, per assignment."""
    y = np.array([r.relevant for r in dev])
    config = ModelConfig(folds=5, seed=0, c_relevance=c, c_relevance_grid=())
    got: dict[str, Any] = {"auc": [], "card_fpr": [], "card_digest_fpr": []}
    with swapped(variant):
        for k in range(repeats):
            s = select.search_relevance_c(dev, config, fold_seed=None if k == 0 else k).oof
            lane = choose_lanes(y, s)
            got["auc"].append(roc_auc(y, s) or 0.0)
            got["card_fpr"].append(lane.card_fpr)
            got["card_digest_fpr"].append(lane.card_digest_fpr)
            print(
                f"  {variant} folds {'default' if k == 0 else f'seed {k}'}: ROC-AUC "
                f"{got['auc'][-1]:.4f}  card FPR at 95% recall {lane.card_fpr:.3f}  "
                f"card+digest FPR at 99.5% {lane.card_digest_fpr:.3f}",
                flush=True,
            )
    return got


def verdict(base: dict[str, Any], other: dict[str, Any]) -> tuple[bool, str]:
    """The declared rule: mean card FPR at least 0.005 below BASE's, lower on at least 4 of 5
    assignments (all but one), mean ROC-AUC not lower."""
    fpr, base_fpr = np.array(other["card_fpr"]), np.array(base["card_fpr"])
    auc, base_auc = float(np.mean(other["auc"])), float(np.mean(base["auc"]))
    lower, need = int((fpr < base_fpr).sum()), max(len(fpr) - 1, 1)
    checks = {
        f"mean card FPR {fpr.mean():.4f} <= BASE {base_fpr.mean():.4f} - 0.005": bool(
            fpr.mean() <= base_fpr.mean() - 0.005
        ),
        f"lower on {lower}/{len(fpr)} assignments (need {need})": lower >= need,
        f"mean ROC-AUC {auc:.4f} >= BASE {base_auc:.4f}": auc >= base_auc,
    }
    return all(checks.values()), "; ".join(
        f"{k}: {'yes' if v else 'NO'}" for k, v in checks.items()
    )


def check(dev: Sequence[TrainingRow]) -> None:
    """For S2 and S3, on the first default fold: the folded head's decision on the held-out
    rows against the sparse head's plus the embedding heads' computed apart."""
    train_idx, test_idx = group_folds(dev, 5)[0]
    prepared = [prepare(r.as_input()) for r in dev]
    labels = ["yes" if r.relevant else "no" for r in dev]
    weights = np.array([r.weight for r in dev])
    y_tr, w_tr = [labels[i] for i in train_idx], weights[train_idx]
    for variant in ("S2", "S3"):
        with swapped(variant):
            vectorizers = _build_vectorizers()
            features.fit(vectorizers, [prepared[i] for i in train_idx])
            train = features.transform(vectorizers, [prepared[i] for i in train_idx])
            test = features.transform(vectorizers, [prepared[i] for i in test_idx])
            model = SplitRelevance.of(variant, train)
            head = model.fit(y_tr, w_tr, 30000.0, 0)
            folded = head.decision_function(
                features.stack(test, (*features.RELEVANCE_FIELDS, *EXTRA_FIELDS))
            )
        sparse = _fit_head(model.base.x, y_tr, w_tr, 30000.0, 0)
        x_te = features.stack(test, features.SPARSE_RELEVANCE_FIELDS)
        apart = sparse.decision_function(x_te.multiply(model.base.scale).tocsr())

        def z(emb: Embedding, bag: Any) -> np.ndarray:
            e = np.asarray(bag @ emb.table, dtype=np.float64)
            return np.asarray((e - emb.mean) * emb.scale)

        parts = [(model.title, test["title_vectors"]), (model.summary, test["summary_vectors"])]
        if variant == "S3":
            text = _fit_head(model.base.embedding.z, y_tr, w_tr, wordvec.EMBEDDING_C, 0)
            apart = apart + text.decision_function(z(model.base.embedding, test["word_vectors"]))
            parts = parts[1:]
        joint = _fit_head(np.hstack([e.z for e, _ in parts]), y_tr, w_tr, wordvec.EMBEDDING_C, 0)
        apart = apart + joint.decision_function(np.hstack([z(e, b) for e, b in parts]))
        print(
            f"{variant}: {len(test_idx)} held-out rows, largest |folded - apart| decision "
            f"{float(np.abs(folded - apart).max()):.2e}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    sub = parser.add_subparsers(dest="step", required=True)
    la = sub.add_parser("lanes")
    la.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    la.add_argument("--repeats", type=int, default=5)
    la.add_argument("--c", type=float, default=30000.0, help="the relevance head's C")
    la.add_argument("--json", type=Path, default=None)
    sub.add_parser("check")
    ne = sub.add_parser("nested")
    ne.add_argument("--variant", choices=VARIANTS, required=True)
    args, rest = parser.parse_known_args(argv)
    if args.step == "nested":
        from benchmarks.experiments import c_pick

        with swapped(args.variant):
            print(f"nested (c_pick BASE protocol) with the relevance head {args.variant}")
            c_pick.main(["--training-dir", str(args.training_dir), "--variants", "BASE", *rest])
        return
    if rest:
        parser.error(f"unrecognised arguments: {rest}")
    dev = development_rows(args.training_dir)
    if args.step == "check":
        check(dev)
        return
    y = np.array([r.relevant for r in dev])
    print(
        f"{len(dev)} development rows ({int(y.sum())} relevant); C {args.c:g}; {empty_counts(dev)}"
    )
    results: dict[str, Any] = {}
    for variant in ["BASE", *(v for v in args.variants if v != "BASE")]:
        start = time.perf_counter()
        results[variant] = lanes(dev, variant, args.repeats, args.c)
        results[variant]["seconds"] = round(time.perf_counter() - start, 1)
        if args.json is not None:
            args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print("\n| variant | card FPR per assignment | mean | lower | ROC-AUC per assignment | mean |")
    print("|---|---|---|---|---|---|")
    base = results["BASE"]
    for variant, got in results.items():
        lower = sum(f < b for f, b in zip(got["card_fpr"], base["card_fpr"], strict=True))
        print(
            f"| {variant} | {' '.join(f'{f:.3f}' for f in got['card_fpr'])} | "
            f"{np.mean(got['card_fpr']):.4f} | {'-' if variant == 'BASE' else f'{lower}/5'} | "
            f"{' '.join(f'{a:.4f}' for a in got['auc'])} | {np.mean(got['auc']):.4f} |"
        )
    for variant, got in results.items():
        print(
            f"{variant}: card+digest FPR {' '.join(f'{f:.3f}' for f in got['card_digest_fpr'])} "
            f"(mean {np.mean(got['card_digest_fpr']):.4f}); {got['seconds']:.0f} s"
        )
    for variant in results:
        if variant != "BASE":
            ok, text = verdict(base, results[variant])
            print(f"{variant}: {'WORTH ADOPTING' if ok else 'not worth adopting'} ({text})")


if __name__ == "__main__":
    main()
