"""Overlap computing the next chunk with writing the last one (issue 13 item 7).

GDAL's writers and pyogrio's readers release the GIL while they work, and so do shapely's and
numpy's vectorised calls; running the chunk producer one step ahead in a worker thread lets
the second core screen chunk *k+1* while the first writes chunk *k*. Memory stays bounded by
the chunk: at most ``depth`` finished chunks wait in the queue.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["prefetch", "threads"]

from .core.fastframe import threads

T = TypeVar("T")
_DONE = object()


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
