"""The untouched test publishers: a fixed set of publishers no modelling choice looks at.

A publisher is in the test split when the SHA-256 of :data:`SALT` followed by its grouping key
(:func:`curator.classify.features.publisher_group`: the normalised publisher name) falls in the
lowest :data:`TEST_PERCENT` of 100 buckets. The rule reads nothing but the name, so the set is
the same on every machine and every night, and a new row from a test publisher (a file row or an
editor's decision) joins the test split by itself.

Everything that is chosen from data (the relevance head's C, the decision threshold, the card
and digest points, and from now on any feature or vocabulary) is chosen on the other rows, the
development rows. ``curator eval`` and ``curator train`` then fit on the development rows and
report figures on the test rows; the model that ships is fitted on every row with the same
choices. On the shipped data (1,978 rows) the rule puts 309 rows of 127 publisher keys in the
test split (109 relevant: 34 adult social care and health, 31 children and young people, 44
criminal justice).

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from curator.classify.data import TrainingRow
from curator.classify.features import publisher_group

#: Never change these: a new salt or share would put rows that choices have seen into the test
#: split. (Chosen once, before any figure on the split was looked at.)
SALT = "pulse-curator test split 1:"
TEST_PERCENT = 18


def is_test_publisher(publisher: str) -> bool:
    """Whether rows of ``publisher`` belong to the untouched test split."""
    key = (SALT + publisher_group(publisher)).encode("utf-8")
    return int(hashlib.sha256(key).hexdigest()[:8], 16) % 100 < TEST_PERCENT


def split_indices(rows: Sequence[TrainingRow]) -> tuple[list[int], list[int]]:
    """Indices of the development rows and of the test rows. When the development rows alone
    could not be cross-validated (one class, or fewer than two publishers) there is no test
    split: every row is a development row."""
    dev: list[int] = []
    test: list[int] = []
    for i, row in enumerate(rows):
        (test if is_test_publisher(row.publisher) else dev).append(i)
    dev_rows = [rows[i] for i in dev]
    usable = (
        len({r.relevant for r in dev_rows}) == 2
        and len({publisher_group(r.publisher) for r in dev_rows}) >= 2
    )
    if not usable:
        return list(range(len(rows))), []
    return dev, test
