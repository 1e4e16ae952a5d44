"""The vectorizers' vocabularies in the ``.skops`` file as two arrays each, not as dicts.

skops writes a dict as JSON, one object per entry, and builds all of it in memory first: with
ten years of editors' decisions (about 150,000 terms) that cost ``curator train`` some 390 MB
at its peak, more than the fit itself (``benchmarks/RESULTS.md``). So the vectorizers are saved
without ``vocabulary_`` and each vocabulary beside them as its terms in index order: their UTF-8
bytes end to end (``uint8``) and where each ends (``int64``), which skops stores as ``.npy``
entries. Loading puts ``vocabulary_`` back. Files written before (model format 2) keep the dicts
inside the vectorizers and load as they are.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np

#: A vocabulary as saved: ``{"utf8": uint8 array, "ends": int64 array}``.
Packed = dict[str, np.ndarray]


def pack(vocabulary: Mapping[str, int]) -> Packed:
    """``{term: index}`` (indices 0..n-1, as a fitted vectorizer holds) as two arrays."""
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    if [vocabulary[t] for t in terms] != list(range(len(terms))):
        raise ValueError("a vocabulary's indices are not 0..n-1")
    encoded = [t.encode("utf-8") for t in terms]
    ends = np.cumsum([len(b) for b in encoded], dtype=np.int64)
    return {"utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), "ends": ends}


def unpack(packed: Mapping[str, np.ndarray]) -> dict[str, int]:
    """The ``{term: index}`` dict of :func:`pack`'s arrays."""
    data = np.asarray(packed["utf8"], dtype=np.uint8).tobytes()
    ends = [int(e) for e in np.asarray(packed["ends"], dtype=np.int64)]
    spans = list(zip([0, *ends[:-1]], ends, strict=False))  # empty when there are no terms
    if any(e < s for s, e in spans) or (ends and ends[-1] != len(data)):
        raise ValueError("a vocabulary's term ends do not fit its bytes")
    vocabulary = {data[s:e].decode("utf-8"): i for i, (s, e) in enumerate(spans)}
    if len(vocabulary) != len(ends):
        raise ValueError("a vocabulary holds a term twice")
    return vocabulary


def split(vectorizers: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Packed]]:
    """Copies of the fitted vectorizers without ``vocabulary_``, and the vocabularies packed
    (the vectorizers passed in are left as they are)."""
    stripped: dict[str, Any] = {}
    packed: dict[str, Packed] = {}
    for name, vectorizer in vectorizers.items():
        vocabulary = getattr(vectorizer, "vocabulary_", None)
        if vocabulary is None:
            stripped[name] = vectorizer
            continue
        shallow = copy.copy(vectorizer)
        del shallow.vocabulary_
        stripped[name] = shallow
        packed[name] = pack(vocabulary)
    return stripped, packed


def restore(vectorizers: Mapping[str, Any], packed: Mapping[str, Mapping[str, Any]]) -> None:
    """Put each packed vocabulary back into its vectorizer (in place)."""
    for name, arrays in packed.items():
        if name not in vectorizers:
            raise ValueError(f"a vocabulary for {name!r}, which is not a vectorizer of the model")
        vectorizers[name].vocabulary_ = unpack(arrays)
