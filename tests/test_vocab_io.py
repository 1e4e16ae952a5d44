"""The vectorizers' vocabularies are saved as arrays (``curator.classify.vocab_io``): a saved
model's ``.skops`` file holds no vocabulary dict, loads back to the same vocabularies and scores,
and a file of the format before (dicts inside the vectorizers) still loads."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

from curator.classify import vocab_io
from curator.classify.data import load_files
from curator.classify.fit import score
from curator.classify.model import ModelConfig, load_heads, read_sidecar, save, train
from curator.classify.persist import skops_payload
from curator.classify.types import ClassifyInput, Heads
from curator.errors import ModelError
from tests.conftest import REPO

INPUTS = [
    ClassifyInput(title="Children's social care: evaluation", summary="An evaluation."),
    ClassifyInput(title="Vacancy: finance assistant", summary="Apply online by 3 May."),
    ClassifyInput(title="Adroddiad ar ofal — café naïve", url="https://x.example/a/b-c"),
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Heads]:
    out = tmp_path_factory.mktemp("models")
    result = train(load_files(REPO / "data" / "training")[::4], ModelConfig(folds=3))
    save(result, out, {"training_counts": {}})
    return out, result.heads


def test_pack_and_unpack_give_the_vocabulary_back() -> None:
    vocabulary = {"care": 2, "children's": 0, "naïve café": 3, "犯罪": 1, "": 4}
    packed = vocab_io.pack(vocabulary)
    assert packed["utf8"].dtype == np.uint8 and packed["ends"].dtype == np.int64
    assert vocab_io.unpack(packed) == vocabulary
    assert vocab_io.unpack(vocab_io.pack({})) == {}
    with pytest.raises(ValueError, match=r"not 0\.\.n-1"):
        vocab_io.pack({"a": 0, "b": 2})
    with pytest.raises(ValueError, match="do not fit"):
        vocab_io.unpack({"utf8": packed["utf8"][:-1], "ends": packed["ends"]})


def test_a_saved_model_holds_arrays_and_loads_the_same(saved: tuple[Path, Heads]) -> None:
    model_dir, heads = saved
    sidecar, skops_path = read_sidecar(model_dir)
    assert sidecar.to_json()["format_version"] == 3
    with zipfile.ZipFile(skops_path) as z:
        schema = z.read("schema.json").decode("utf-8")
    assert '"vocabulary_"' not in schema  # the dicts skops would write entry by entry
    loaded = load_heads(model_dir)
    for name, vectorizer in heads.vectorizers.items():
        assert loaded.vectorizers[name].vocabulary_ == vectorizer.vocabulary_
    assert hasattr(heads.vectorizers["title_words"], "vocabulary_")
    before, after = score(heads, INPUTS), score(loaded, INPUTS)
    assert np.array_equal(before.relevance, after.relevance)
    assert before.sector_labels == after.sector_labels
    assert before.category_labels == after.category_labels


def _rewrite(model_dir: Path, dst: Path, payload: dict[str, object], **sidecar: object) -> Path:
    """A copy of the model at ``model_dir`` in ``dst`` whose ``.skops`` file holds ``payload``."""
    dst.mkdir()
    for p in model_dir.iterdir():
        (dst / p.name).write_bytes(p.read_bytes())
    stem = (dst / "current").read_text().strip()
    skops_path = dst / f"{stem}.skops"
    sio.dump(payload, skops_path)
    path = dst / f"{stem}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(sidecar, skops_sha256=hashlib.sha256(skops_path.read_bytes()).hexdigest())
    path.write_text(json.dumps(data), encoding="utf-8")
    return dst


def test_a_model_of_the_format_before_still_loads(
    saved: tuple[Path, Heads], tmp_path: Path
) -> None:
    model_dir, heads = saved
    loaded = load_heads(model_dir)
    payload = skops_payload(loaded)  # format 2: the vocabularies inside the vectorizers
    payload["vectorizers"] = loaded.vectorizers
    del payload["vocabularies"]
    again = load_heads(_rewrite(model_dir, tmp_path / "m", payload, format_version=2))
    assert np.array_equal(score(again, INPUTS).relevance, score(heads, INPUTS).relevance)


def test_a_damaged_vocabulary_is_a_clear_error(saved: tuple[Path, Heads], tmp_path: Path) -> None:
    model_dir, _ = saved
    payload = skops_payload(load_heads(model_dir))
    payload["vocabularies"]["title_words"] = {  # not UTF-8
        "utf8": np.array([0xFF, 0xFE], dtype=np.uint8),
        "ends": np.array([2], dtype=np.int64),
    }
    bad = _rewrite(model_dir, tmp_path / "m", payload)
    with pytest.raises(ModelError, match=r"damaged vocabulary.*curator train"):
        load_heads(bad)
