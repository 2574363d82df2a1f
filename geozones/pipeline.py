"""Use every core on a local run (issue 13 item 7): screen chunks side by side, and overlap
screening with writing.

shapely's and numpy's vectorised measurements release the GIL while they work (building
geometry objects, now mostly avoided (:mod:`geozones.core.rings`), making the row messages
and their Arrow text, pandas' bookkeeping and pyogrio 0.13's ``write_arrow`` do not: they
bound what the second core buys, 1.1–1.2× on 1M rows): :func:`ordered_map` screens up to one chunk per thread at once (the
zone geometries are prepared per thread, :mod:`geozones.core.prepared`), and
:func:`prefetch` runs that producer ahead in a worker thread, so the cores screen chunks
*k+1*, *k+2* while chunk *k* is written. Memory stays bounded by the chunk: at most
``workers`` chunks in work and ``depth`` finished ones waiting.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["lean_arrow_pool", "ordered_map", "prefetch", "threads"]

from .core.fastframe import threads

T = TypeVar("T")
R = TypeVar("R")
_DONE = object()


def lean_arrow_pool() -> None:
    """Have Arrow allocate from its jemalloc pool (Linux wheels carry it) unless
    ``ARROW_DEFAULT_MEMORY_POOL`` already chooses: jemalloc gives freed chunk buffers back
    where the default mimalloc keeps them, so a screen's memory stays nearer one chunk's
    (1M GeoParquet rows, sorted output: peak 426-446 MB instead of 500-512 MB, same speed). Arrow
    reads the setting once, when it is first imported: the ``screen`` command calls this
    before importing it; in a process that already imported pyarrow it does nothing."""
    if "pyarrow" not in sys.modules and sys.platform.startswith("linux"):
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``map(fn, items)`` on ``workers`` threads, results in the items' order, at most
    ``workers`` items in work at once (items are drawn as results are taken). An exception
    raised by ``fn`` is re-raised when its result's turn comes, and one raised by ``items``
    after the results of the items before it: errors come out in the order of the input, as
    with ``map``. One thread (``workers`` < 2) is the plain ``map``."""
    if workers < 2:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="geozones-screen") as pool:
        pending: deque[Future] = deque()
        source = iter(items)
        try:
            while True:
                try:
                    item = next(source)
                except StopIteration:
                    break
                except BaseException:  # the reader failed: the items read before come first
                    while pending:
                        yield pending.popleft().result()
                    raise
                pending.append(pool.submit(fn, item))
                if len(pending) >= workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # stopped early or failed: nothing more is started
            for f in pending:
                f.cancel()


def prefetch(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` in order, produced in a worker thread up to ``depth`` items ahead.

    An exception raised by the producer is re-raised here, at the point in the sequence where
    it happened. When the consumer stops early (an error while writing, or ``close()``), the
    producer is told to stop after the item it is making.
    """
    if threads() < 2:
        yield from items
        return
    q: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
        except BaseException as exc:  # handed to the consumer, re-raised there
            put((_DONE, exc))
            return
        put((_DONE, None))

    worker = threading.Thread(target=produce, name="geozones-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, exc = q.get()
            if item is _DONE:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        worker.join()
