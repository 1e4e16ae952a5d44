"""The compiled model's file, and compiling a fitted scikit-learn model into it.

:func:`compile_heads` (run by ``save()``, where scikit-learn is loaded anyway) reads the fitted
vectorizers and logistic regressions into plain data (:mod:`curator.classify.compiled`). The file
is one zip (``<stem>.npz``): ``spec.json`` (format, parameters, vocabularies, classes) plus one
``.npy`` member per array, read with ``allow_pickle=False``. It is written deterministically, so
the same training data gives byte-identical files.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from curator.classify.compiled import (
    ACCENTS,
    Block,
    CompiledModel,
    CompileError,
    Head,
    LinearHead,
    _check,
)
from curator.classify.features import FIELDS, LABEL_FIELDS, RELEVANCE_FIELDS, category_fields
from curator.classify.types import Heads
from curator.classify.vocabulary import Vocabulary

#: Bump when the layout of the compiled file changes; another value is refused on load.
COMPILED_FORMAT = 1
SPEC_MEMBER = "spec.json"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: reproducible files


# ------------------------------------------------------------------------------------------
# Compile (needs the fitted scikit-learn objects; scikit-learn itself is never imported here)
# ------------------------------------------------------------------------------------------


def _compile_vectorizer(name: str, field: str, vec: Any) -> Block:
    kind = {"TfidfVectorizer": "tfidf", "CountVectorizer": "count"}.get(type(vec).__name__)
    _check(kind is not None, f"{name}: cannot compile a {type(vec).__name__}")
    _check(
        getattr(vec, "input", "content") == "content"
        and vec.preprocessor is None
        and vec.tokenizer is None
        and isinstance(vec.analyzer, str),
        f"{name}: custom input/preprocessor/tokenizer/analyzer callables cannot be compiled",
    )
    _check(
        vec.strip_accents is None or vec.strip_accents in ACCENTS,
        f"{name}: strip_accents={vec.strip_accents!r} cannot be compiled",
    )
    vocabulary: dict[str, int] = {str(t): int(i) for t, i in vec.vocabulary_.items()}
    terms = [""] * len(vocabulary)
    for t, i in vocabulary.items():
        terms[i] = t
    _check(sorted(vocabulary.values()) == list(range(len(terms))), f"{name}: bad vocabulary_")
    stop = vec.get_stop_words() if vec.analyzer == "word" else None
    use_idf = kind == "tfidf" and bool(vec.use_idf)
    return Block(
        name=name,
        field=field,
        kind=str(kind),
        analyzer=str(vec.analyzer),
        ngram_range=(int(vec.ngram_range[0]), int(vec.ngram_range[1])),
        lowercase=bool(vec.lowercase),
        strip_accents=vec.strip_accents or None,
        token_pattern=None if vec.analyzer != "word" else str(vec.token_pattern),
        stop_words=None if stop is None else frozenset(str(w) for w in stop),
        binary=bool(vec.binary),
        sublinear_tf=kind == "tfidf" and bool(vec.sublinear_tf),
        norm=vec.norm if kind == "tfidf" else None,
        dtype=np.dtype(vec.dtype).name,
        vocabulary=Vocabulary(terms),
        idf=np.array(vec.idf_, copy=True) if use_idf else None,
    )


def _compile_head(name: str, head: Any, fields: Sequence[str]) -> Head:
    if isinstance(head, str):
        return head
    _check(
        type(head).__name__ == "LogisticRegression",
        f"head {name}: cannot compile a {type(head).__name__}",
    )
    return LinearHead(
        classes=tuple(str(c) for c in head.classes_),
        fields=tuple(fields),
        coef=np.array(head.coef_, copy=True),
        intercept=np.array(head.intercept_, copy=True).reshape(-1),
    )


def compile_heads(
    heads: Heads,
    *,
    fields: Mapping[str, str] = FIELDS,
    head_fields: Mapping[str, Sequence[str]] | None = None,
) -> CompiledModel:
    """The fitted ``heads`` as a :class:`CompiledModel`; :class:`CompileError` names what cannot
    be reproduced (a custom analyzer, another estimator type, …).

    ``fields`` maps each vectorizer to the :class:`Prepared` attribute it reads; ``head_fields``
    names the vectorizers each head reads side by side, in order (default: relevance reads
    ``RELEVANCE_FIELDS``, sector ``LABEL_FIELDS``, category ``CATEGORY_FIELDS`` when it was fitted
    with the embedding folded in and ``LABEL_FIELDS`` otherwise, as ``model.score`` does).
    """
    missing = [n for n in fields if n not in heads.vectorizers]
    _check(not missing, f"no fitted vectorizer for {missing}")
    blocks = [_compile_vectorizer(n, fields[n], heads.vectorizers[n]) for n in fields]
    if head_fields is None:
        width = sum(b.n_features for b in blocks if b.name in LABEL_FIELDS)
        head_fields = {
            "relevance": RELEVANCE_FIELDS,
            "sector": LABEL_FIELDS,
            "category": category_fields(heads.category, width),
        }
    return CompiledModel(
        blocks,
        {
            name: _compile_head(name, getattr(heads, name), head_fields.get(name, ()))
            for name in ("relevance", "sector", "category")
        },
    )


# ------------------------------------------------------------------------------------------
# Persistence
# ------------------------------------------------------------------------------------------


def _spec(model: CompiledModel) -> tuple[dict[str, Any], dict[str, np.ndarray[Any, Any]]]:
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    blocks = []
    for b in model.blocks.values():
        if b.idf is not None:
            arrays[f"idf.{b.name}"] = b.idf
        blocks.append(
            {
                "name": b.name,
                "field": b.field,
                "kind": b.kind,
                "analyzer": b.analyzer,
                "ngram_range": list(b.ngram_range),
                "lowercase": b.lowercase,
                "strip_accents": b.strip_accents,
                "token_pattern": b.token_pattern,
                "stop_words": None if b.stop_words is None else sorted(b.stop_words),
                "binary": b.binary,
                "sublinear_tf": b.sublinear_tf,
                "norm": b.norm,
                "dtype": b.dtype,
                "use_idf": b.idf is not None,
                "vocabulary": b.vocabulary.terms(),
            }
        )
    heads: dict[str, Any] = {}
    for name, head in model.heads.items():
        if isinstance(head, str):
            heads[name] = {"kind": "constant", "label": head}
        else:
            heads[name] = {
                "kind": "logistic",
                "classes": list(head.classes),
                "fields": list(head.fields),
            }
            arrays[f"coef.{name}"] = head.coef
            arrays[f"intercept.{name}"] = head.intercept
    return {"format": COMPILED_FORMAT, "blocks": blocks, "heads": heads}, arrays


def write(model: CompiledModel, path: Path) -> None:
    """Write ``model`` to ``path`` (a zip: ``spec.json`` + ``.npy`` arrays), deterministically."""
    spec, arrays = _spec(model)
    with zipfile.ZipFile(path, "w") as zf:

        def put(member: str, data: bytes) -> None:
            info = zipfile.ZipInfo(member, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)

        put(SPEC_MEMBER, json.dumps(spec, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            put(f"{name}.npy", buf.getvalue())


def read(path: Path) -> CompiledModel:
    """Read a file written by :func:`write`. ``OSError`` if it cannot be opened;
    :class:`CompileError` (with the reason) if it is not a valid compiled model."""
    try:
        with zipfile.ZipFile(path) as zf:
            spec = json.loads(zf.read(SPEC_MEMBER).decode("utf-8"))
            arrays = {
                m[: -len(".npy")]: np.lib.format.read_array(
                    io.BytesIO(zf.read(m)), allow_pickle=False
                )
                for m in zf.namelist()
                if m.endswith(".npy")
            }
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CompileError(f"not a compiled model ({exc})") from exc
    except ValueError as exc:  # a damaged .npy member, or one that would need pickle
        raise CompileError(f"bad array ({exc})") from exc
    if not isinstance(spec, dict) or spec.get("format") != COMPILED_FORMAT:
        found = spec.get("format") if isinstance(spec, dict) else None
        raise CompileError(f"compiled format {found!r}, expected {COMPILED_FORMAT}")
    try:
        blocks = [_block_from_spec(b, arrays) for b in spec["blocks"]]
        heads = {name: _head_from_spec(name, h, arrays) for name, h in spec["heads"].items()}
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, CompileError):
            raise
        raise CompileError(f"malformed spec ({type(exc).__name__}: {exc})") from exc
    return CompiledModel(blocks, heads)


def _block_from_spec(b: dict[str, Any], arrays: Mapping[str, np.ndarray[Any, Any]]) -> Block:
    lo, hi = b["ngram_range"]
    stop = b["stop_words"]
    return Block(
        name=str(b["name"]),
        field=str(b["field"]),
        kind=str(b["kind"]),
        analyzer=str(b["analyzer"]),
        ngram_range=(int(lo), int(hi)),
        lowercase=bool(b["lowercase"]),
        strip_accents=b["strip_accents"],
        token_pattern=b["token_pattern"],
        stop_words=None if stop is None else frozenset(str(w) for w in stop),
        binary=bool(b["binary"]),
        sublinear_tf=bool(b["sublinear_tf"]),
        norm=b["norm"],
        dtype=str(b["dtype"]),
        vocabulary=Vocabulary([str(t) for t in b["vocabulary"]]),
        idf=arrays[f"idf.{b['name']}"] if b["use_idf"] else None,
    )


def _head_from_spec(
    name: str, h: dict[str, Any], arrays: Mapping[str, np.ndarray[Any, Any]]
) -> Head:
    if h["kind"] == "constant":
        return str(h["label"])
    _check(h["kind"] == "logistic", f"head {name}: unknown kind {h['kind']!r}")
    coef = arrays[f"coef.{name}"]
    intercept = arrays[f"intercept.{name}"]
    _check(coef.dtype.kind == "f" and intercept.dtype.kind == "f", f"head {name}: not floats")
    return LinearHead(
        classes=tuple(str(c) for c in h["classes"]),
        fields=tuple(str(f) for f in h["fields"]),
        coef=coef,
        intercept=intercept,
    )


#: The names :mod:`curator.classify.persist` reads them by.
write_compiled = write
read_compiled = read
