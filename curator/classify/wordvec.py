"""Word vectors for the relevance head: what a word means, learnt elsewhere.

The table (``word_vectors.npz`` beside this module) holds, for about 23,000 English words, the
sentence embedding that all-MiniLM-L6-v2 (Apache-2.0) gives the word on its own, a static word
table distilled model2vec-style by ``scripts/build_word_vectors.py`` (the table's provenance is
in that script's docstring). Its vocabulary is the words of ``data/training`` and the model's
own whole-word tokens, so words no training row has used still carry a meaning.

An item's *embedding* is the mean of its words' vectors (title and summary, as
:data:`PATTERN` splits them): the ``word_vectors`` block, an l1-normalised bag of the table's
words, times the table. The relevance head adds a small logistic regression on that embedding
to the sparse head's decision (:class:`curator.classify.fit.WeightedRelevance`); as the mean is
linear in the bag of words, the sum folds into one linear head over the blocks, so scoring
needs neither the table nor any new code: the compiled scorer reads the ``word_vectors`` block
like any other. Only training loads the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from curator.errors import ModelError

#: The table shipped with the package.
TABLE = Path(__file__).with_name("word_vectors.npz")
#: A word, after lower-casing and folding accents to ASCII (a possessive or a contraction stays
#: one word: "children's").
PATTERN = r"[a-z0-9]+(?:'[a-z]+)?"
#: The embedding head's C (class-balanced logistic regression on the standardised embedding):
#: chosen with ``python -m benchmarks.lanes_oof`` on the development rows only (the model card).
EMBEDDING_C = 3.0


@dataclass(frozen=True)
class WordVectors:
    """A static word table: ``table[i]`` is the vector of ``words[i]`` (unit length)."""

    words: tuple[str, ...]
    table: np.ndarray

    @property
    def dims(self) -> int:
        return int(self.table.shape[1])


def _vectorizer(**kwargs: Any) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        lowercase=True, strip_accents="ascii", token_pattern=PATTERN, use_idf=False, **kwargs
    )


def analyzer() -> Any:
    """The function that splits a text into the table's words (``scripts/build_word_vectors.py``
    builds the vocabulary with it)."""
    return _vectorizer().build_analyzer()


def vectorizer(vectors: WordVectors) -> Any:
    """The ``word_vectors`` block: each text as the share of its table words that each word is
    (l1-normalised counts; a text with none of them is all zero)."""
    return _vectorizer(vocabulary={w: i for i, w in enumerate(vectors.words)}, norm="l1")


@lru_cache(maxsize=2)
def load(path: Path = TABLE) -> WordVectors:
    """The table at ``path``, checked (read once per process)."""
    if not path.is_file():
        raise ModelError(
            f"{path}: the word vectors the relevance head is trained with are missing; reinstall "
            "Pulse Curator, or rebuild them with scripts/build_word_vectors.py"
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            words = tuple(str(w) for w in data["words"])
            table = np.asarray(data["table"], dtype=np.float32)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{path}: not a word-vector table ({exc}); rebuild it") from exc
    if table.ndim != 2 or table.shape[0] != len(words) or len(set(words)) != len(words):
        raise ModelError(
            f"{path}: {len(words)} words but a table of shape {table.shape}; rebuild it"
        )
    return WordVectors(words, table)
