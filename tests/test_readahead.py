"""``curator.store.readahead.read_ahead``: the items in order, errors in their place, a bounded
lead, and a reader that stops (and closes its source) when the caller does."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from curator.store.readahead import read_ahead


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "curator-read-ahead"]


def test_every_item_in_order() -> None:
    assert list(read_ahead(iter(range(1000)), depth=2)) == list(range(1000))
    assert list(read_ahead(iter([]))) == []
    assert _readers() == []


def test_an_error_is_raised_in_its_place() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("the server went away")

    got: list[int] = []
    with pytest.raises(ValueError, match="went away"):
        for item in read_ahead(items()):
            got.append(item)
    assert got == [1, 2]
    assert _readers() == []


def test_the_reader_runs_at_most_depth_ahead() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(50):
            produced.append(i)
            yield i

    for consumed, item in enumerate(read_ahead(items(), depth=3), start=1):
        time.sleep(0.002)  # a slow writer: the reader would run far ahead if it could
        # the one handed over, up to 3 waiting, and one the reader holds while it waits
        assert len(produced) - consumed <= 3 + 1, (item, len(produced))


def test_stopping_early_stops_the_reader_and_closes_its_source() -> None:
    closed = threading.Event()
    in_reader: list[str] = []

    def items() -> Iterator[int]:
        try:
            yield from range(1_000_000)
        finally:
            in_reader.append(threading.current_thread().name)  # the cursor is closed there
            closed.set()

    it = read_ahead(items(), depth=2)
    assert [next(it) for _ in range(5)] == [0, 1, 2, 3, 4]
    it.close()  # the caller stops (the export's writer failed, or the consumer is done)
    assert closed.wait(5)
    assert in_reader == ["curator-read-ahead"]
    assert _readers() == []
