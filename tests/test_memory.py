"""Freed heap memory goes back to the OS after a busy poll (``curator/memory.py``)."""

from __future__ import annotations

import platform

import pytest

from curator.memory import release_free_memory

glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="malloc_trim is glibc's",
)


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@glibc
def test_freed_heap_pages_are_returned() -> None:
    # 40 MB of 2 KB blocks (malloc's heap, not Python's small-object arenas), then one block
    # above them so that freeing them cannot simply shrink the heap's top
    blocks = [bytes(2048) + bytes([i % 256]) for i in range(20_000)]
    sentinel = bytes(2048) + b"top"
    del blocks
    before = _rss_mb()
    assert release_free_memory() is True
    after = _rss_mb()
    assert before - after > 20, (before, after)
    assert sentinel.endswith(b"top")
