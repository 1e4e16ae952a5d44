"""The compiled (scikit-learn-free) model reproduces scikit-learn's probabilities, is what
``load_classifier()`` predicts with, never imports scikit-learn, and fails clearly when damaged."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.classify import ClassifyInput, compiled_io, load_classifier
from curator.classify.compiled import CompiledModel, CompileError
from curator.classify.compiled_io import compile_heads
from curator.classify.data import TrainingRow, data_hash, load_files
from curator.classify.features import (
    FIELDS,
    LABEL_FIELDS,
    RELEVANCE_FIELDS,
    prepare,
    stack,
)
from curator.classify.model import (
    Classifier,
    Heads,
    ModelConfig,
    SklearnScorer,
    Thresholds,
    TrainResult,
    load,
    load_heads,
    read_sidecar,
    save,
)
from curator.errors import ModelError
from tests.conftest import REPO
from tests.support.fresh import modules_loaded_by

TRAINING = REPO / "data" / "training"
ODD_INPUTS = [
    ClassifyInput(title=""),
    ClassifyInput(title="Annual report", summary=""),
    ClassifyInput(title="   \t\n  ", summary="\u00a0\u2003"),
    ClassifyInput(title="Évaluation des données: café naïve", summary="Ærø Ñandú façade œuvre"),
    ClassifyInput(title="Adroddiad blynyddol: ŵyr, ŷd a gofal cymdeithasol yng Nghymru"),
    ClassifyInput(
        title="Care &amp; support <b>statutory</b> guidance",
        summary="<p>Local&nbsp;authorities <script>alert(1)</script>must &lt;act&gt;</p>",
    ),
    ClassifyInput(title="Report " * 5000, summary="word " * 20_000, url="https://a.example/" * 50),
    ClassifyInput(title="Rapport sur la protection de l'enfance", publisher="Ministère"),
    ClassifyInput(title="犯罪司法报告 — 儿童保护", summary="Отчёт о социальной помощи взрослым"),
    ClassifyInput(title="zzqxv blorptastic frumious", summary="vorpal snicker-snack xyzzy"),
    ClassifyInput(title="the and of to", summary="the and of to a an"),  # only stop words
    ClassifyInput(
        title="Prison inspection", url="https://www.gov.uk/government/publications/ünïcode-päth"
    ),
    ClassifyInput(title="Report", sector_hint="criminal_justice", document_type="Guidance"),
    ClassifyInput(title="ﬁnance ﬂow ① ½ Ⅻ ㎏", summary="ﬃ ligatures and compatibility forms"),
]


def _inputs(rows: Sequence[TrainingRow]) -> list[ClassifyInput]:
    return [r.as_input() for r in rows] + ODD_INPUTS


def _sklearn_proba(
    heads: Heads,
    inputs: Sequence[ClassifyInput],
    fields: dict[str, str] = FIELDS,
    head_fields: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, np.ndarray[Any, Any]]:
    """Every head's ``predict_proba``, computed with the scikit-learn objects."""
    head_fields = head_fields or {
        "relevance": RELEVANCE_FIELDS,
        "sector": LABEL_FIELDS,
        "category": LABEL_FIELDS,
    }
    prepared = [prepare(i) for i in inputs]
    blocks = {
        name: heads.vectorizers[name].transform([getattr(p, attr) for p in prepared])
        for name, attr in fields.items()
    }
    out = {}
    for name, head_fields_ in head_fields.items():
        head = getattr(heads, name)
        if not isinstance(head, str):
            out[name] = head.predict_proba(stack(blocks, head_fields_))
    return out


def _assert_parity(heads: Heads, model: CompiledModel, inputs: Sequence[ClassifyInput]) -> None:
    """The compiled model's probabilities are scikit-learn's, reading the blocks (fields, order)
    that the compiled model records."""
    fields = {b.name: b.field for b in model.blocks.values()}
    head_fields = {n: h.fields for n, h in model.heads.items() if not isinstance(h, str)}
    want = _sklearn_proba(heads, inputs, fields, head_fields)
    got = model.proba(inputs)
    assert set(got) == set(want)
    for name in want:
        assert got[name].shape == want[name].shape
        np.testing.assert_allclose(got[name], want[name], rtol=0, atol=1e-9, err_msg=name)


# --- parity on the committed model --------------------------------------------------------


@pytest.fixture(scope="module")
def committed() -> tuple[Heads, Classifier]:
    model_dir = REPO / "models"
    return load_heads(model_dir), load(model_dir)


def test_committed_model_matches_sklearn_on_every_training_row_and_odd_input(
    committed: tuple[Heads, Classifier],
) -> None:
    heads, classifier = committed
    assert isinstance(classifier.scorer, CompiledModel)
    rows = load_files(TRAINING)
    inputs = _inputs(rows)
    _assert_parity(heads, classifier.scorer, inputs)


def test_committed_compiled_file_is_the_compilation_of_the_committed_skops(
    committed: tuple[Heads, Classifier], tmp_path: Path
) -> None:
    heads, classifier = committed
    model = classifier.scorer
    assert isinstance(model, CompiledModel)
    sidecar, _ = read_sidecar(REPO / "models")
    again = compile_heads(
        heads,
        fields={b.name: b.field for b in model.blocks.values()},
        head_fields={n: h.fields for n, h in model.heads.items() if not isinstance(h, str)},
    )
    compiled_io.write(again, tmp_path / "again.npz")
    assert hashlib.sha256((tmp_path / "again.npz").read_bytes()).hexdigest() == (
        sidecar.compiled_sha256
    )


# --- no scikit-learn when predicting --------------------------------------------------------


def test_load_classifier_and_predict_never_import_sklearn() -> None:
    loaded, printed = modules_loaded_by(
        "import pathlib\n"
        "from curator.classify import ClassifyInput, load_classifier\n"
        f"c = load_classifier(pathlib.Path({str(REPO / 'models')!r}))\n"
        "[p] = c.predict([ClassifyInput(title='Research and analysis: care', summary='x')])\n"
        "import curator.pipeline\n"
        "print(p.model_version == c.version)"
    )
    assert printed == "True"
    assert "curator" in loaded and not loaded & {"sklearn", "skops", "scipy"}


# --- generic: other vectorizer and head settings --------------------------------------------

GENERIC_FIELDS = {
    "title_chars": "title",
    "title_words": "title",
    "summary_words": "summary",
    "url_chars": "url",
    "keywords": "keywords",
}
GENERIC_HEAD_FIELDS: dict[str, Sequence[str]] = {
    "relevance": ("title_chars", "title_words", "summary_words", "url_chars"),
    "sector": tuple(GENERIC_FIELDS),
    "category": ("title_words", "keywords"),
}


def _generic_vectorizers() -> dict[str, Any]:
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    return {
        "title_chars": TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, strip_accents="unicode"
        ),
        "title_words": TfidfVectorizer(
            ngram_range=(1, 2), lowercase=False, stop_words=["the", "of", "and"], norm="l1"
        ),
        "summary_words": TfidfVectorizer(
            ngram_range=(2, 3),
            strip_accents="ascii",
            stop_words="english",
            binary=True,
            smooth_idf=False,
            norm=None,
        ),
        "url_chars": TfidfVectorizer(analyzer="char", ngram_range=(1, 3), use_idf=False),
        "keywords": CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True),
    }


def _fit_generic(rows: Sequence[TrainingRow]) -> Heads:
    from sklearn.linear_model import LogisticRegression

    prepared = [prepare(r.as_input()) for r in rows]
    vectorizers = _generic_vectorizers()
    blocks = {}
    for name, attr in GENERIC_FIELDS.items():
        blocks[name] = vectorizers[name].fit_transform([getattr(p, attr) for p in prepared])

    def head(fields: Sequence[str], labels: list[str], idx: list[int], **kw: Any) -> Any:
        return LogisticRegression(**kw).fit(stack(blocks, fields)[idx], np.array(labels))

    every = list(range(len(rows)))
    rel = [i for i, r in enumerate(rows) if r.relevant and r.sector and r.category]
    return Heads(
        vectorizers=vectorizers,
        relevance=head(
            GENERIC_HEAD_FIELDS["relevance"],
            ["yes" if r.relevant else "no" for r in rows],
            every,
            C=3.0,
        ),
        sector=head(
            GENERIC_HEAD_FIELDS["sector"],
            [str(rows[i].sector) for i in rel],
            rel,
            C=10.0,
            solver="newton-cg",
            class_weight="balanced",
        ),
        category=head(
            GENERIC_HEAD_FIELDS["category"],
            [str(rows[i].category) for i in rel],
            rel,
            C=0.5,
            fit_intercept=False,
        ),
    )


@pytest.fixture(scope="module")
def generic_heads() -> Heads:
    return _fit_generic(load_files(TRAINING)[::2])


def test_other_analyzers_norms_and_head_settings_are_reproduced(
    generic_heads: Heads, tmp_path: Path
) -> None:
    model = compile_heads(generic_heads, fields=GENERIC_FIELDS, head_fields=GENERIC_HEAD_FIELDS)
    assert {b.analyzer for b in model.blocks.values()} == {"word", "char", "char_wb"}
    inputs = _inputs(load_files(TRAINING)[1::2])
    _assert_parity(generic_heads, model, inputs)
    compiled_io.write(model, tmp_path / "m.npz")
    _assert_parity(generic_heads, compiled_io.read(tmp_path / "m.npz"), inputs)


def test_float32_vectorizers_are_reproduced_to_float32_precision() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = load_files(TRAINING)[::4]
    prepared = [prepare(r.as_input()) for r in rows]
    vec = TfidfVectorizer(dtype=np.float32, sublinear_tf=True)
    x = vec.fit_transform([p.title for p in prepared])
    assert vec.idf_.dtype == np.float32
    lr = LogisticRegression().fit(x, np.array(["yes" if r.relevant else "no" for r in rows]))
    heads = Heads({"t": vec}, lr, "children_young_people", "reports")
    model = compile_heads(
        heads,
        fields={"t": "title"},
        head_fields={"relevance": ("t",), "sector": (), "category": ()},
    )
    inputs = _inputs(rows)
    got = model.proba(inputs)["relevance"]
    want = lr.predict_proba(vec.transform([prepare(i).title for i in inputs]))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    scores = model.score(inputs)
    assert scores.sector_labels == ["children_young_people"] * len(inputs)
    assert np.all(scores.category_confidence == 1.0)


ANALYZER_SETTINGS: list[dict[str, Any]] = [
    {},
    {"ngram_range": (1, 3), "strip_accents": "unicode", "stop_words": "english"},
    {"lowercase": False, "strip_accents": "ascii", "token_pattern": r"(?u)\b(\w)\w*\b"},
    {"analyzer": "char_wb", "ngram_range": (1, 5)},
    {"analyzer": "char_wb", "ngram_range": (3, 3), "strip_accents": "unicode"},
    {"analyzer": "char", "ngram_range": (2, 4), "lowercase": False},
]


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_analyzers_match_sklearn_on_any_text(text: str) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    for params in ANALYZER_SETTINGS:
        vec = CountVectorizer(**params)
        vec.vocabulary_ = {"x": 0}
        block = compiled_io._compile_vectorizer("b", "title", vec)
        assert block.analyzer_fn()(text) == vec.build_analyzer()(text), params


# --- save / load cycle with other vectorizers, and damaged files ----------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TrainResult]:
    """A model trained with char_wb and word 1–2-gram vectorizers, saved like ``curator train``."""
    import curator.classify.features as features_module
    import curator.classify.fit as model_module

    rows = load_files(TRAINING)[::3]
    with pytest.MonkeyPatch.context() as mp:
        build = features_module.build_vectorizers

        def vectorizers(*args: object, **kwargs: object) -> dict[str, Any]:
            from sklearn.feature_extraction.text import TfidfVectorizer

            return {
                **build(*args, **kwargs),
                "title_words": TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True
                ),
                "summary_words": TfidfVectorizer(ngram_range=(1, 2), strip_accents="unicode"),
            }

        mp.setattr(model_module, "build_vectorizers", vectorizers)
        heads = model_module.fit_heads(rows, ModelConfig())
    classifier = Classifier(
        SklearnScorer(heads), Thresholds(0.5, 0.4, 0.6), "2026-01-01T09:00Z-cafe0001"
    )
    result = TrainResult(
        classifier,
        heads,
        list(rows),
        np.zeros(len(rows)),
        np.zeros(len(rows)),
        ModelConfig(),
        data_hash(rows),
        datetime(2026, 1, 1, 9, 0, tzinfo=UTC),
    )
    out = tmp_path_factory.mktemp("models")
    save(result, out)
    return out, result


def test_saved_model_predicts_with_the_compiled_model_like_sklearn(
    saved: tuple[Path, TrainResult],
) -> None:
    model_dir, result = saved
    sidecar, _ = read_sidecar(model_dir)
    assert sidecar.compiled_format == compiled_io.COMPILED_FORMAT
    classifier = load_classifier(model_dir)
    assert isinstance(classifier.scorer, CompiledModel)
    heads = result.heads
    assert isinstance(heads, Heads)
    assert classifier.scorer.blocks["title_words"].analyzer == "char_wb"
    inputs = _inputs(result.rows)
    _assert_parity(heads, classifier.scorer, inputs)
    assert classifier.predict(inputs) == result.classifier.predict(inputs)
    assert load(model_dir, use_sklearn=True).predict(inputs) == classifier.predict(inputs)


def test_compile_refuses_what_it_cannot_reproduce(saved: tuple[Path, TrainResult]) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    _, result = saved
    heads = result.heads
    assert isinstance(heads, Heads)
    custom = TfidfVectorizer(tokenizer=str.split, token_pattern=None).fit(["a b", "b c"])
    with pytest.raises(CompileError, match="title_words: custom"):
        compile_heads(Heads({**heads.vectorizers, "title_words": custom}, *_heads_rest(heads)))
    with pytest.raises(CompileError, match="cannot compile a dict"):
        compile_heads(Heads(heads.vectorizers, {"not": "a model"}, heads.sector, heads.category))


def _heads_rest(heads: Heads) -> tuple[Any, Any, Any]:
    return heads.relevance, heads.sector, heads.category


def _copy_model(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for p in src.iterdir():
        (dst / p.name).write_bytes(p.read_bytes())
    return dst


def _edit_sidecar(model_dir: Path, **changes: object) -> None:
    stem = (model_dir / "current").read_text().strip()
    path = model_dir / f"{stem}.json"
    sidecar = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            sidecar.pop(key, None)
        else:
            sidecar[key] = value
    path.write_text(json.dumps(sidecar), encoding="utf-8")


def _compiled_path(model_dir: Path) -> Path:
    sidecar, _ = read_sidecar(model_dir)
    return model_dir / str(sidecar.compiled_file)


def _rehash(model_dir: Path) -> None:
    path = _compiled_path(model_dir)
    _edit_sidecar(model_dir, compiled_sha256=hashlib.sha256(path.read_bytes()).hexdigest())


def test_missing_compiled_file_is_a_clear_error(
    saved: tuple[Path, TrainResult], tmp_path: Path
) -> None:
    broken = _copy_model(saved[0], tmp_path / "m")
    path = _compiled_path(broken)
    path.unlink()
    with pytest.raises(ModelError, match=rf"no model at .*{path.name} is missing.*curator train"):
        load_classifier(broken)


def test_damaged_compiled_file_is_a_clear_error(
    saved: tuple[Path, TrainResult], tmp_path: Path
) -> None:
    broken = _copy_model(saved[0], tmp_path / "m")
    path = _compiled_path(broken)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ModelError, match=r"no model at .*corrupt: its hash does not match"):
        load_classifier(broken)
    _rehash(broken)  # a truncated file that matches its hash: still refused, with the reason
    with pytest.raises(ModelError, match=rf"{path.name} could not be read: .*curator train"):
        load_classifier(broken)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda spec: spec.update(format=99), r"compiled format 99, expected 1"),
        (lambda spec: spec["blocks"][0].update(analyzer="callable"), "unsupported analyzer"),
        (lambda spec: spec["blocks"][-1]["vocabulary"].pop(), "weights for"),
        (lambda spec: spec["heads"].pop("sector"), r"heads \['category', 'relevance'\]"),
        (lambda spec: spec["heads"]["relevance"].pop("fields"), "malformed spec"),
    ],
)
def test_compiled_file_with_a_bad_spec_is_refused(
    saved: tuple[Path, TrainResult], tmp_path: Path, edit: Any, message: str
) -> None:
    broken = _copy_model(saved[0], tmp_path / "m")
    path = _compiled_path(broken)
    with zipfile.ZipFile(path) as zf:
        members = {m: zf.read(m) for m in zf.namelist()}
    spec = json.loads(members[compiled_io.SPEC_MEMBER])
    edit(spec)
    members[compiled_io.SPEC_MEMBER] = json.dumps(spec).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for m, data in members.items():
            zf.writestr(m, data)
    _rehash(broken)
    with pytest.raises(ModelError, match=rf"could not be read: .*{message}"):
        load_classifier(broken)


def test_sidecar_without_compiled_model_or_of_another_compiled_format_is_refused(
    saved: tuple[Path, TrainResult], tmp_path: Path
) -> None:
    old = _copy_model(saved[0], tmp_path / "a")
    _edit_sidecar(old, compiled_file=None)
    with pytest.raises(ModelError, match=r"names no compiled model file.*curator train"):
        load_classifier(old)
    other = _copy_model(saved[0], tmp_path / "b")
    _edit_sidecar(other, compiled_format=7)
    with pytest.raises(ModelError, match=r"compiled model .* format 7 .*run `curator train`"):
        load_classifier(other)


def test_arrays_that_would_need_pickle_are_refused(
    saved: tuple[Path, TrainResult], tmp_path: Path
) -> None:
    broken = _copy_model(saved[0], tmp_path / "m")
    path = _compiled_path(broken)
    with zipfile.ZipFile(path) as zf:
        members = {m: zf.read(m) for m in zf.namelist()}
    coef = next(m for m in members if m.startswith("coef."))
    import io

    buf = io.BytesIO()
    np.save(buf, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    members[coef] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for m, data in members.items():
            zf.writestr(m, data)
    _rehash(broken)
    with pytest.raises(ModelError, match="could not be read: bad array"):
        load_classifier(broken)


def test_compiled_files_are_reproducible(saved: tuple[Path, TrainResult], tmp_path: Path) -> None:
    model_dir, result = saved
    heads = result.heads
    assert isinstance(heads, Heads)
    compiled_io.write(compile_heads(heads), tmp_path / "again.npz")
    assert (tmp_path / "again.npz").read_bytes() == _compiled_path(model_dir).read_bytes()
