"""Use every core on a local run (issue 13 item 7): screen chunks side by side, and overlap
screening with writing.

A large screen whose input is read as Arrow forks worker processes instead (:class:`WorkerPool`): screening
holds Python's GIL for most of its work, so threads gain little (1.1–1.25×). The workers
start as copies of this process (its imports, its station frame), take each chunk's Arrow
rows from an exchange file in memory (``/dev/shm``) and leave the screened table there
(:func:`put_table`, :func:`take_table`), while this process reads, sorts and writes.
``GEOZONES_PROCESSES=0`` keeps such a run on threads (as on systems without ``fork``).

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

import contextlib
import errno
import fcntl
import os
import queue
import shutil
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

__all__ = ["lean_arrow_pool", "lean_malloc", "ordered_map", "prefetch", "threads", "WorkerPool", "processes_available",
           "put_table", "take_table"]

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


def lean_malloc() -> None:
    """Have glibc's malloc serve arrays of up to 32 MB from its heap and keep up to 128 MB
    freed there, instead of mapping each large array afresh and unmapping it when freed:
    chunk after chunk, screening makes and drops arrays of the same sizes, and every fresh
    mapping is paid for page by page (1M GeoParquet rows: a third fewer page faults, about
    0.1 s less). Linux only; the ``screen`` command and its worker processes call it, a
    program using the library keeps its own settings."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 32 << 20)    # M_MMAP_THRESHOLD
        libc.mallopt(-1, 128 << 20)   # M_TRIM_THRESHOLD
    except (OSError, AttributeError):   # not glibc
        pass


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
        yield from _in_order(pool.submit, fn, items, workers, lambda f: f.result())


def _in_order(submit: Callable[..., Future], fn: Callable[[T], R], items: Iterable[T], limit: int,
              result: Callable[[Future], R]) -> Iterator[R]:
    """``fn(item)`` for each of ``items`` through ``submit`` (a pool's), the results (by
    ``result``) in the items' order, at most ``limit`` items in work at once; an error of
    ``items`` comes after the results of the items before it. Stopped early or failed,
    nothing more is started."""
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
                    yield result(pending.popleft())
                raise
            pending.append(submit(fn, item))
            if len(pending) >= limit:
                yield result(pending.popleft())
        while pending:
            yield result(pending.popleft())
    finally:
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


def processes_available() -> bool:
    """Whether chunks may be screened in forked worker processes (:class:`WorkerPool`): on
    Linux (elsewhere threads stay: Windows has no ``fork``, and macOS's system libraries are
    not safe to fork with threads running), unless ``GEOZONES_PROCESSES`` is 0/false/no."""
    return (sys.platform.startswith("linux")
            and os.environ.get("GEOZONES_PROCESSES", "1").lower() not in ("0", "false", "no"))


class WorkerPool:
    """``workers`` forked processes, each set up once by ``init(*args)`` (inherited, not
    pickled: forked from this process, they start with every module it imported and every
    station frame it built). Create it in the main thread, before other threads of ours
    start, and close it (a context manager). ``room``: the bytes of tables in flight at
    once, which /dev/shm must have free to hold them (else they go to ``spill``).

    A worker that dies (killed, out of memory) fails the run in one line (:func:`_result`)
    rather than leaving it waiting. Workers leave signals to this process (a terminal's
    Ctrl-C reaches them too: this process stops the run and them) and are killed by the
    system should this process die without closing the pool."""

    def __init__(self, workers: int, init: Callable[..., None], args: tuple = (),
                 spill: Path | None = None, room: int = 0) -> None:
        import multiprocessing
        import tempfile
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        #: where tables go between the processes (:func:`put_table`), removed with the pool:
        #: in memory (/dev/shm) where it has room, else ``spill`` (the output's folder, also
        #: where a table goes should /dev/shm fill up meanwhile)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"geozones-{os.getpid()}-", dir=_scratch_parent(spill, room)))
        self.spill = spill
        self._lock = _hold(self.scratch)
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                         initializer=_start_worker, initargs=(init, args))
        try:   # forked now, from this thread, before any thread of ours that feeds them starts
            _result(self._pool.submit(os.getpid))
        except BaseException:
            # a later fork failed: the workers forked already are stopped, not left behind
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.terminate()
                process.join()
            self.__exit__(None, None, None)
            raise

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``map(fn, items)`` in the workers (``fn`` a module-level function; items and
        results are pickled), results in the items' order, at most ``workers + 1`` items
        in work at once (items are drawn as results are taken). Errors come out as
        :func:`ordered_map`'s do."""
        yield from _in_order(self._pool.submit, fn, items, self.workers + 1, _result)

    def put(self, table) -> str:
        """:func:`put_table` into this pool's exchange folder (beside the output should it fill)."""
        return put_table(table, self.scratch, self.spill)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self._pool.shutdown(wait=True, cancel_futures=True)
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)
            os.close(self._lock)


def _start_worker(init: Callable[..., None], args: tuple) -> None:
    """A forked worker's first act: terminal signals (Ctrl-C, hang-up) are left to the parent,
    which stops the run; SIGTERM ends the worker quietly; on Linux the system kills it should
    the parent die (no orphan waiting for work); then ``init(*args)``."""
    import signal

    for name in ("SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    lean_malloc()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    init(*args)


def _scratch_parent(spill: Path | None, room: int) -> Path | None:
    """/dev/shm when it exists and has ``room`` bytes free (after removing what runs killed
    before they could clean up left there), else ``spill``."""
    if not _SHM.is_dir():
        return spill
    for old in _SHM.glob("geozones-*-*"):
        # a run holds its folder's lock while it lives (whatever process namespace it runs
        # in): a folder whose lock can be taken was left by a run that was killed
        try:
            fd = os.open(old / _LOCK, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue
        finally:
            os.close(fd)
        shutil.rmtree(old, ignore_errors=True)
    try:
        free = shutil.disk_usage(_SHM).free
    except OSError:
        return spill
    return _SHM if free >= room else spill


_LOCK = ".lock"


def _hold(folder: Path) -> int:
    """Take the lock that tells other runs this folder is in use (released when the file
    descriptor is closed, or by the system when the process dies)."""
    fd = os.open(folder / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _result(future: Future):
    """A worker's result; a worker that died (killed, out of memory) is one clear error."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool as exc:
        from .errors import OutputError, first_line

        raise OutputError("worker_died", why=first_line(exc)) from None


_SHM = Path("/dev/shm")


def put_table(table, folder: Path, spill: Path | None = None) -> str:
    """Write an Arrow table (or batch) to a new Arrow IPC file in ``folder`` (only a slice's
    own rows), or in ``spill`` should ``folder`` be full; returns its path, for
    :func:`take_table` in another process."""
    import tempfile

    import pyarrow as pa

    path = ""
    for where in (folder, spill):
        if where is None:
            continue
        try:
            fd, path = tempfile.mkstemp(suffix=".arrow", dir=where)
            os.close(fd)
            with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write(table)
            return path
        except OSError as exc:   # full: the next folder, else say which one
            with contextlib.suppress(OSError):
                if path:
                    os.unlink(path)
            if spill is not None and where != spill and exc.errno in (errno.ENOSPC, None):
                continue
            from .errors import OutputError, first_line

            raise OutputError("output_write", path=str(where), why=first_line(exc)) from None
    raise AssertionError("no folder to write to")


def take_table(path: str):
    """The table :func:`put_table` wrote, memory-mapped; the file is removed (its pages
    stay readable through the map until the table is dropped)."""
    import pyarrow as pa

    with pa.memory_map(path) as source:
        table = pa.ipc.open_stream(source).read_all()
    os.unlink(path)
    return table
