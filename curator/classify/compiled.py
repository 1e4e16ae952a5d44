"""Scikit-learn-free inference for a fitted model: the "compiled" model.

Loading scikit-learn costs ~170 MB of memory and seconds of imports, too much for the polling
process and its 200 MB target. :func:`~curator.classify.compiled_io.compile_heads` (run by
``save()``, where scikit-learn is loaded anyway) reads the fitted vectorizers and logistic
regressions into plain data: each vectorizer's parameters, vocabulary, stop words and ``idf_``;
each head's classes, ``coef_`` and ``intercept_``. :class:`CompiledModel` then reproduces, with
the standard library and numpy only, what scikit-learn 1.9 computes
(``sklearn/feature_extraction/text.py``, ``sklearn/linear_model/_logistic.py``):

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

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from curator.classify.analyzers import (
    char_ngrams,
    char_wb_ngrams,
    strip_accents_ascii,
    strip_accents_unicode,
    word_ngrams,
)
from curator.classify.features import Prepared, prepare
from curator.classify.types import ClassifyInput, Scores
from curator.classify.vocabulary import Vocabulary

ANALYZERS = frozenset({"word", "char", "char_wb"})
NORMS = frozenset({"l2", "l1"})
ACCENTS = frozenset({"unicode", "ascii"})
_FLOATS = frozenset({"float64", "float32"})

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.int64]


class CompileError(ValueError):
    """A fitted object the compiler does not reproduce, or a malformed compiled file."""


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
    vocabulary: Vocabulary  # the terms in column order
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
        _check(np.dtype(self.dtype).kind in "fiu", f"{self.name}: bad dtype {self.dtype!r}")
        if self.kind == "tfidf":
            _check(self.dtype in _FLOATS, f"{self.name}: tf-idf dtype must be float")
        if self.idf is not None:
            _check(self.idf.dtype.kind == "f", f"{self.name}: idf is not floating point")
            _check(
                self.idf.shape == (self.n_features,),
                f"{self.name}: idf has shape {self.idf.shape}, expected ({self.n_features},)",
            )

    @property
    def n_features(self) -> int:
        return len(self.vocabulary)

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
            self._counts_of[b.name] = first_counts.setdefault((analysis, b.vocabulary), b.name)

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
        cols = self.blocks[name].vocabulary.columns(tokens)
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
