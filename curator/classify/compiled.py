"""Scikit-learn-free inference for a fitted model: the "compiled" model.

Loading scikit-learn costs ~100 MB of memory and ~2 s of imports, too much for the polling
process (issues 2 and 6). :func:`compile_heads` (run by ``save()``, where scikit-learn is loaded
anyway) reads the fitted vectorizers and logistic regressions into plain data: each vectorizer's
parameters, vocabulary, stop words and ``idf_``; each head's classes, ``coef_`` and
``intercept_``. :class:`CompiledModel` then reproduces, with the standard library and numpy only,
what scikit-learn 1.9 computes (``sklearn/feature_extraction/text.py``,
``sklearn/linear_model/_logistic.py``):

* analyzer: ``lower()`` then accent stripping (``unicode``: NFKD and drop combining characters,
  only for non-ASCII text; ``ascii``: NFKD then encode to ASCII ignoring errors); ``word``:
  ``re.findall(token_pattern)``, stop words removed, then n-grams joined by one space; ``char``
  and ``char_wb``: runs of two or more white-space characters become one space, then character
  n-grams (``char_wb``: inside each space-padded word, a short word counted once);
* counts of in-vocabulary terms (``binary``: set to 1), cast to the vectorizer's ``dtype``;
  ``sublinear_tf``: ``1 + log(tf)``; times ``idf_``; rows scaled to unit ``l2`` / ``l1`` norm
  (sums accumulated in double precision, as scikit-learn's Cython loop does);
* blocks placed side by side in the head's field order, then ``X @ coef_.T + intercept_``
  (summed in the same order as scipy's CSR product); two classes: ``expit`` of the decision,
  ``[1 - p, p]``; more: softmax of the decisions (shifted by the row maximum).

The file is one zip (``<stem>.npz``): ``spec.json`` (format, parameters, vocabularies, classes)
plus one ``.npy`` member per array, read with ``allow_pickle=False``. It is written
deterministically, so the same training data gives byte-identical files.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from curator.classify import ClassifyInput
from curator.classify.features import (
    FIELDS,
    LABEL_FIELDS,
    RELEVANCE_FIELDS,
    Prepared,
    prepare,
)

if TYPE_CHECKING:
    from curator.classify.model import Heads, Scores

#: Bump when the layout of the compiled file changes; another value is refused on load.
COMPILED_FORMAT = 1
SPEC_MEMBER = "spec.json"
ANALYZERS = frozenset({"word", "char", "char_wb"})
NORMS = frozenset({"l2", "l1"})
ACCENTS = frozenset({"unicode", "ascii"})
_FLOATS = frozenset({"float64", "float32"})
_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's _VectorizerMixin._white_spaces
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: reproducible files

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.int64]


class CompileError(ValueError):
    """A fitted object the compiler does not reproduce, or a malformed compiled file."""


# ------------------------------------------------------------------------------------------
# Analyzers (scikit-learn's, re-implemented)
# ------------------------------------------------------------------------------------------


def strip_accents_unicode(s: str) -> str:
    try:
        s.encode("ASCII", errors="strict")
        return s
    except UnicodeEncodeError:
        normalized = unicodedata.normalize("NFKD", s)
        return "".join([c for c in normalized if not unicodedata.combining(c)])


def strip_accents_ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ASCII", "ignore").decode("ASCII")


def word_ngrams(
    tokens: list[str], ngram_range: tuple[int, int], stop_words: frozenset[str] | None
) -> list[str]:
    if stop_words is not None:
        tokens = [w for w in tokens if w not in stop_words]
    min_n, max_n = ngram_range
    if max_n == 1:
        return tokens
    original = tokens
    if min_n == 1:
        tokens = list(original)
        min_n += 1
    else:
        tokens = []
    n_original = len(original)
    for n in range(min_n, min(max_n + 1, n_original + 1)):
        for i in range(n_original - n + 1):
            tokens.append(" ".join(original[i : i + n]))
    return tokens


def char_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    text = _WHITE_SPACES.sub(" ", text)
    text_len = len(text)
    min_n, max_n = ngram_range
    if min_n == 1:
        ngrams = list(text)
        min_n += 1
    else:
        ngrams = []
    for n in range(min_n, min(max_n + 1, text_len + 1)):
        for i in range(text_len - n + 1):
            ngrams.append(text[i : i + n])
    return ngrams


def char_wb_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    text = _WHITE_SPACES.sub(" ", text)
    min_n, max_n = ngram_range
    ngrams: list[str] = []
    for w in text.split():
        w = " " + w + " "
        w_len = len(w)
        for n in range(min_n, max_n + 1):
            offset = 0
            ngrams.append(w[offset : offset + n])
            while offset + n < w_len:
                offset += 1
                ngrams.append(w[offset : offset + n])
            if offset == 0:  # a short word (w_len < n) is counted once
                break
    return ngrams


# ------------------------------------------------------------------------------------------
# Blocks (one fitted vectorizer each) and heads
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One fitted vectorizer, as data. ``field`` is the :class:`Prepared` attribute it reads."""

    name: str
    field: str
    kind: str  # "tfidf" | "count"
    analyzer: str
    ngram_range: tuple[int, int]
    lowercase: bool
    strip_accents: str | None
    token_pattern: str | None
    stop_words: frozenset[str] | None
    binary: bool
    sublinear_tf: bool
    norm: str | None
    dtype: str
    terms: tuple[str, ...]  # vocabulary in column order
    idf: FloatArray | None

    def __post_init__(self) -> None:
        _check(self.kind in {"tfidf", "count"}, f"{self.name}: unknown kind {self.kind!r}")
        _check(self.analyzer in ANALYZERS, f"{self.name}: unsupported analyzer {self.analyzer!r}")
        lo, hi = self.ngram_range
        _check(1 <= lo <= hi, f"{self.name}: bad ngram_range {self.ngram_range}")
        _check(
            self.strip_accents is None or self.strip_accents in ACCENTS,
            f"{self.name}: unsupported strip_accents {self.strip_accents!r}",
        )
        _check(self.norm is None or self.norm in NORMS, f"{self.name}: bad norm {self.norm!r}")
        _check(
            self.analyzer != "word" or self.token_pattern is not None,
            f"{self.name}: a word analyzer needs a token_pattern",
        )
        _check(len(set(self.terms)) == len(self.terms), f"{self.name}: repeated vocabulary term")
        _check(np.dtype(self.dtype).kind in "fiu", f"{self.name}: bad dtype {self.dtype!r}")
        if self.kind == "tfidf":
            _check(self.dtype in _FLOATS, f"{self.name}: tf-idf dtype must be float")
        if self.idf is not None:
            _check(self.idf.dtype.kind == "f", f"{self.name}: idf is not floating point")
            _check(
                self.idf.shape == (len(self.terms),),
                f"{self.name}: idf has shape {self.idf.shape}, expected ({len(self.terms)},)",
            )

    @property
    def n_features(self) -> int:
        return len(self.terms)

    def analyzer_fn(self) -> Callable[[str], list[str]]:
        """The scikit-learn analyzer: preprocess, tokenize, n-grams."""
        lower = self.lowercase
        accents: Callable[[str], str] | None = {
            None: None,
            "unicode": strip_accents_unicode,
            "ascii": strip_accents_ascii,
        }[self.strip_accents]
        ngram_range = self.ngram_range

        def preprocess(doc: str) -> str:
            if lower:
                doc = doc.lower()
            if accents is not None:
                doc = accents(doc)
            return doc

        if self.analyzer == "word":
            findall = re.compile(str(self.token_pattern)).findall
            stop_words = self.stop_words
            return lambda doc: word_ngrams(findall(preprocess(doc)), ngram_range, stop_words)
        if self.analyzer == "char_wb":
            return lambda doc: char_wb_ngrams(preprocess(doc), ngram_range)
        return lambda doc: char_ngrams(preprocess(doc), ngram_range)


@dataclass(frozen=True)
class LinearHead:
    """A fitted logistic regression: ``classes`` in scikit-learn's order, ``coef`` of shape
    (1 or n_classes, n_features), reading the blocks named in ``fields`` side by side."""

    classes: tuple[str, ...]
    fields: tuple[str, ...]
    coef: FloatArray
    intercept: FloatArray

    def __post_init__(self) -> None:
        k = 1 if len(self.classes) == 2 else len(self.classes)
        _check(len(self.classes) >= 2, "a linear head needs at least two classes")
        _check(len(self.fields) > 0, "a linear head must read at least one block")
        _check(
            self.coef.ndim == 2 and self.coef.shape[0] == k,
            f"coef has shape {self.coef.shape} for {len(self.classes)} classes",
        )
        _check(self.intercept.shape == (k,), f"intercept has shape {self.intercept.shape}")


Head = LinearHead | str  # a str: the only label seen in training (a constant head)


class CompiledModel:
    """Vectorizers and heads as plain arrays; :meth:`score` mirrors ``model.score``."""

    def __init__(self, blocks: Sequence[Block], heads: Mapping[str, Head]) -> None:
        self.blocks = {b.name: b for b in blocks}
        _check(len(self.blocks) == len(blocks), "repeated block name")
        _check(set(heads) == {"relevance", "sector", "category"}, f"heads {sorted(heads)}")
        self.heads = dict(heads)
        for name, head in self.heads.items():
            if isinstance(head, LinearHead):
                missing = [f for f in head.fields if f not in self.blocks]
                _check(not missing, f"head {name} reads unknown blocks {missing}")
                width = sum(self.blocks[f].n_features for f in head.fields)
                _check(
                    head.coef.shape[1] == width,
                    f"head {name} has {head.coef.shape[1]} weights for {width} features",
                )
        relevance = self.heads["relevance"]
        if isinstance(relevance, LinearHead):
            _check("yes" in relevance.classes, "the relevance head has no 'yes' class")
        self._analyzers = {b.name: b.analyzer_fn() for b in blocks}
        self._vocab = {b.name: {t: i for i, t in enumerate(b.terms)} for b in blocks}
        # Blocks that read the same field with the same analyzer get the same tokens, and with
        # the same vocabulary the same counts ("keywords" and "keyword_flags"): each block names
        # the first block it can borrow its tokens / counts from (itself when none).
        first_tokens: dict[tuple[object, ...], str] = {}
        first_counts: dict[tuple[object, ...], str] = {}
        self._tokens_of: dict[str, str] = {}
        self._counts_of: dict[str, str] = {}
        for b in blocks:
            analysis = _analysis_key(b)
            self._tokens_of[b.name] = first_tokens.setdefault(analysis, b.name)
            self._counts_of[b.name] = first_counts.setdefault((analysis, b.terms), b.name)

    # --- features ---------------------------------------------------------------------------

    def _tokens(self, name: str, docs: Sequence[str]) -> tuple[list[str], list[int]]:
        """Every document's terms, end to end, and how many each document has."""
        analyze = self._analyzers[name]
        tokens: list[str] = []
        lengths: list[int] = []
        for doc in docs:
            terms = analyze(doc)
            tokens.extend(terms)
            lengths.append(len(terms))
        return tokens, lengths

    def _counts(
        self, name: str, tokens: list[str], lengths: list[int]
    ) -> tuple[IntArray, IntArray, IntArray]:
        """(row ids, column ids, counts) of the in-vocabulary terms, in CSR order."""
        # column of every token (-1: not in the vocabulary), then counts per (row, column):
        # np.unique sorts the keys, which is CSR order (rows, then columns within a row)
        cols = np.fromiter(
            map(self._vocab[name].get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens)
        )
        rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        known = cols >= 0
        width = max(self.blocks[name].n_features, 1)
        keys, counts = np.unique(rows[known] * width + cols[known], return_counts=True)
        row_ids, col_ids = np.divmod(keys, width)
        return row_ids, col_ids, counts

    def _values(
        self, name: str, row_ids: IntArray, col_ids: IntArray, counts: IntArray, n: int
    ) -> FloatArray:
        """The block's values from the counts: binary, sublinear tf, idf, row norm."""
        block = self.blocks[name]
        data = counts.astype(block.dtype)
        if block.binary:
            data.fill(1)
        if block.kind == "tfidf":
            if block.sublinear_tf:
                np.log(data, out=data)
                data += 1.0
            if block.idf is not None:
                data *= block.idf[col_ids]
            if block.norm is not None:
                part = np.abs(data) if block.norm == "l1" else data * data
                sums = np.bincount(row_ids, weights=part, minlength=n)  # double
                if block.norm == "l2":
                    sums = np.sqrt(sums)
                sums[sums == 0.0] = 1.0
                data = (data.astype(np.float64) / sums[row_ids]).astype(block.dtype)
        return data

    def _block_rows(self, name: str, docs: Sequence[str]) -> tuple[IntArray, IntArray, FloatArray]:
        """(row ids, column ids, values) of one block, row by row, columns sorted in a row."""
        row_ids, col_ids, counts = self._counts(name, *self._tokens(name, docs))
        return row_ids, col_ids, self._values(name, row_ids, col_ids, counts, len(docs))

    def _blocks(
        self, names: Sequence[str], prepared: Sequence[Prepared]
    ) -> dict[str, tuple[IntArray, IntArray, FloatArray]]:
        """:meth:`_block_rows` of each block named, sharing tokens and counts between blocks
        that would compute the same ones."""
        tokens: dict[str, tuple[list[str], list[int]]] = {}
        counts: dict[str, tuple[IntArray, IntArray, IntArray]] = {}
        parts: dict[str, tuple[IntArray, IntArray, FloatArray]] = {}
        for name in names:
            source = self._counts_of[name]
            if source not in counts:
                reader = self._tokens_of[name]
                if reader not in tokens:
                    field = self.blocks[reader].field
                    tokens[reader] = self._tokens(reader, [getattr(p, field) for p in prepared])
                counts[source] = self._counts(name, *tokens[reader])
            row_ids, col_ids, n_terms = counts[source]
            values = self._values(name, row_ids, col_ids, n_terms, len(prepared))
            parts[name] = (row_ids, col_ids, values)
        return parts

    def _stacked(
        self, fields: Sequence[str], parts: Mapping[str, tuple[IntArray, IntArray, FloatArray]]
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.float64]]:
        """The blocks of ``fields`` side by side, as (rows, columns, values) in CSR order:
        row-major, blocks in field order, columns sorted within a block."""
        rows_l, cols_l, vals_l = [], [], []
        offset = 0
        for f in fields:
            r, c, v = parts[f]
            rows_l.append(r)
            cols_l.append(c + offset)
            vals_l.append(v.astype(np.float64))
            offset += self.blocks[f].n_features
        rows = np.concatenate(rows_l)
        order = np.argsort(rows, kind="stable")  # row-major, blocks in field order
        return rows[order], np.concatenate(cols_l)[order], np.concatenate(vals_l)[order]

    def _decision(
        self,
        head: LinearHead,
        stacked: tuple[IntArray, IntArray, npt.NDArray[np.float64]],
        n: int,
    ) -> npt.NDArray[np.float64]:
        rows, cols, vals = stacked
        coef = head.coef.astype(np.float64, copy=False)
        decision = np.empty((n, coef.shape[0]), dtype=np.float64)
        for k in range(coef.shape[0]):
            decision[:, k] = np.bincount(rows, weights=vals * coef[k, cols], minlength=n)
        decision += head.intercept
        return decision

    @staticmethod
    def _proba(decision: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if decision.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-decision[:, 0]))
            return np.stack([1.0 - p, p], axis=1)
        shifted: npt.NDArray[np.float64] = decision - decision.max(axis=1, keepdims=True)
        np.exp(shifted, out=shifted)
        shifted /= shifted.sum(axis=1, keepdims=True)
        return shifted

    def proba(self, inputs: Sequence[ClassifyInput]) -> dict[str, npt.NDArray[np.float64]]:
        """``predict_proba`` of every linear head (columns in the head's class order)."""
        prepared = [prepare(i) for i in inputs]
        linear = {name: h for name, h in self.heads.items() if isinstance(h, LinearHead)}
        needed = {f for h in linear.values() for f in h.fields}
        parts = self._blocks(sorted(needed), prepared)
        # heads reading the same blocks in the same order (sector and category) share them
        stacked = {h.fields: self._stacked(h.fields, parts) for h in linear.values()}
        return {
            name: self._proba(self._decision(head, stacked[head.fields], len(inputs)))
            for name, head in linear.items()
        }

    def score(self, inputs: Sequence[ClassifyInput]) -> Scores:
        """Raw scores for ``inputs`` (no thresholds applied), as ``model.score`` gives them."""
        from curator.classify.model import Scores

        n = len(inputs)
        proba = self.proba(inputs)
        rel = self.heads["relevance"]
        if isinstance(rel, LinearHead):
            relevance = proba["relevance"][:, rel.classes.index("yes")]
        else:
            relevance = np.full(n, 1.0 if rel == "yes" else 0.0)
        labels: dict[str, tuple[list[str], npt.NDArray[np.float64]]] = {}
        for name in ("sector", "category"):
            head = self.heads[name]
            if isinstance(head, str):
                labels[name] = ([head] * n, np.ones(n))
            else:
                best = proba[name].argmax(axis=1)
                labels[name] = ([head.classes[i] for i in best], proba[name][np.arange(n), best])
        return Scores(relevance, *labels["sector"], *labels["category"])


def _analysis_key(block: Block) -> tuple[object, ...]:
    """What decides a block's tokens: two blocks with equal keys analyse a document alike."""
    return (
        block.field,
        block.analyzer,
        block.ngram_range,
        block.lowercase,
        block.strip_accents,
        block.token_pattern,
        block.stop_words,
    )


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise CompileError(message)


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
        terms=tuple(terms),
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
    ``RELEVANCE_FIELDS``, sector and category ``LABEL_FIELDS``, as ``model.score`` does).
    """
    head_fields = head_fields or {
        "relevance": RELEVANCE_FIELDS,
        "sector": LABEL_FIELDS,
        "category": LABEL_FIELDS,
    }
    missing = [n for n in fields if n not in heads.vectorizers]
    _check(not missing, f"no fitted vectorizer for {missing}")
    blocks = [_compile_vectorizer(n, fields[n], heads.vectorizers[n]) for n in fields]
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
                "vocabulary": list(b.terms),
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
        terms=tuple(str(t) for t in b["vocabulary"]),
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
