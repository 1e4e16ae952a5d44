"""A compiled block's vocabulary (term → column) held in a few arrays instead of a dict.

As a ``dict[str, int]`` a vocabulary costs about 130 bytes a term: the term's ``str`` object,
the column's ``int`` object and the dict's slot. The bundled model's seven blocks hold some
63,000 terms, so their dicts were about 8 MB of the polling process, which loads the model for
its whole life (``benchmarks/RESULTS.md``, "Poll benchmark: the model's vocabularies as
arrays"). :class:`Vocabulary` keeps the same terms in about 33 bytes each: every term end to
end in one ``str`` (a byte a character while every term is ASCII, as the bundled model's are),
where each starts, and the terms' hashes sorted beside their columns.

A token is looked up by its hash (``np.searchsorted``) and then compared with the term of that
hash, character for character (equal length, and the term's text starts with the token), so a
token is found exactly when it is a term, as with the dict: two strings with one hash are
never mistaken for each other. Should two terms share a hash (with Python's 64-bit ``hash``,
about one chance in 10^10 for a vocabulary of 20,000 terms), it is looked up through a dict.

Hashes are those of this process (``str`` hashes are salted per process): a vocabulary pickled
into another process is built again from its terms there.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise, repeat
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

#: What terms and tokens are hashed with (a test replaces it with a weak hash, to make two
#: strings share one).
_hash = hash


class Vocabulary:
    """Terms in column order; :meth:`columns` finds tokens' columns, as ``dict.get`` would."""

    __slots__ = ("_columns", "_hashes", "_lookup", "_starts", "_text")

    def __init__(self, terms: Sequence[str]) -> None:
        n = len(terms)
        self._text = "".join(terms)
        self._starts = np.zeros(n + 1, dtype=np.int64)  # term i is _text[_starts[i]:_starts[i+1]]
        np.cumsum(np.fromiter(map(len, terms), dtype=np.int64, count=n), out=self._starts[1:])
        hashes = np.fromiter(map(_hash, terms), dtype=np.int64, count=n)
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]
        self._columns = order.astype(np.int64)
        self._lookup: dict[str, int] | None = None
        if n > 1 and bool(np.any(self._hashes[1:] == self._hashes[:-1])):
            # two terms with one hash, or one term twice
            self._lookup = {t: i for i, t in enumerate(terms)}
            if len(self._lookup) != n:
                raise ValueError("a vocabulary holds a term twice")

    def __len__(self) -> int:
        return len(self._starts) - 1

    def terms(self) -> list[str]:
        """The terms in column order."""
        return [self._text[s:e] for s, e in pairwise(self._starts.tolist())]

    def columns(self, tokens: Sequence[str]) -> IntArray:
        """The column of each token, -1 for a token that is not a term."""
        n = len(tokens)
        if self._lookup is not None:
            return np.fromiter(map(self._lookup.get, tokens, repeat(-1)), np.int64, count=n)
        found = np.full(n, -1, dtype=np.int64)
        if n == 0 or len(self) == 0:
            return found
        hashes = np.fromiter(map(_hash, tokens), dtype=np.int64, count=n)
        slot = np.searchsorted(self._hashes, hashes)
        np.minimum(slot, len(self._hashes) - 1, out=slot)
        column = self._columns[slot]
        start = self._starts[column]
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=n)
        # a term with the token's hash and its length: the token if it reads the same
        maybe = np.flatnonzero(
            (self._hashes[slot] == hashes) & (self._starts[column + 1] - start == lengths)
        )
        same = np.fromiter(
            map(
                self._text.startswith,
                map(tokens.__getitem__, maybe.tolist()),
                start[maybe].tolist(),
            ),
            dtype=bool,
            count=len(maybe),
        )
        hit = maybe[same]
        found[hit] = column[hit]
        return found

    # two blocks with equal vocabularies share their counts (CompiledModel._counts_of)
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return self._text == other._text and np.array_equal(self._starts, other._starts)

    def __hash__(self) -> int:
        return hash((self._text, len(self)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Vocabulary, (self.terms(),))

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} terms)"
