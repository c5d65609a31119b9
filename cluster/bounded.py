"""Bounded concurrency: a thread pool fed from a stream that may be a million items long."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def bounded_map(pool: Executor, fn: Callable[[T], R], items: Iterable[T], limit: int) -> Iterator[R]:
    """``pool.map`` that keeps at most ``limit`` calls queued, results in input order (``items``
    may be a lazy generator; it is drawn from only as results are taken)."""
    q: deque = deque()
    for it in items:
        q.append(pool.submit(fn, it))
        if len(q) >= limit:
            yield q.popleft().result()
    while q:
        yield q.popleft().result()
