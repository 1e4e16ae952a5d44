"""Read an iterator's items in a thread, a few ahead of the caller: the database sends the next
batch of a long read while the caller writes the one it has (``curator decisions export`` on
PostgreSQL, where the client waits on the server for every batch otherwise)."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar

T = TypeVar("T")

#: How many items the reader may hold ready beyond the one the caller has.
DEPTH = 2


class _End:
    """The reader is done: it ran out of items, or failed with ``error``."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def read_ahead(items: Iterator[T], depth: int = DEPTH) -> Generator[T, None, None]:
    """``items`` in order, read by a worker thread up to ``depth`` ahead. The iterator runs and
    is closed in that thread only (so a cursor it holds is used by one thread); an error it
    raises is raised here, in its place; a caller that stops early (``close()``, an error while
    writing) stops the reader, which closes ``items``, before this returns. Memory holds at
    most ``depth`` + 1 items."""
    ready: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        end = _End()
        try:
            for item in items:
                if stop.is_set():
                    return
                ready.put(item)
        except BaseException as exc:  # handed to the caller, which raises it
            end = _End(exc)
        finally:
            close = getattr(items, "close", None)  # a generator's: its cursor is closed
            if close is not None:
                close()
        ready.put(end)

    reader = threading.Thread(target=read, name="curator-read-ahead", daemon=True)
    reader.start()
    try:
        while not isinstance(item := ready.get(), _End):
            yield item
        if item.error is not None:
            raise item.error
    finally:
        stop.set()
        while reader.is_alive():  # let a reader blocked on a full queue see the stop
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.05)
        reader.join()
