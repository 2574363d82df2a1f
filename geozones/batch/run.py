"""Step 2 of a batch run: the parts screened on an executor, the chunks back in input order.

Any ``concurrent.futures`` executor runs the parts: a pool of worker processes forked from
this one (the default for a large input), or a dask ``Client``'s executor (``--engine
dask``: a LocalCluster, or the cluster at ``--scheduler``). Each worker opens the input
itself and reads only its part (:mod:`geozones.batch.plan`), screens it chunk by chunk with
:func:`geozones.screen.screen_piece` and writes each screened chunk, converted for the
output (an Arrow table, or CSV text), as a file of a folder inside the output's temporary
folder. This process reads those files in input order as they appear, while later parts
are still screened, and hands them to the writer; it adds the parts' summaries in the same
order (:meth:`geozones.screen.ScreenSummary.merge`). A small input (or one read whole, or a
``--long`` run) is screened here, chunk after chunk, with the same function. Whatever the
executor, the output and the summary are the same.

The chunk files go beside the output, not to ``/dev/shm``: on 300,000 rows and 2 cores
(bench_peers, best of 3) memory bought nothing (GeoPackage 2.16 s in /dev/shm, 1.97 s on
disk; GeoParquet 1.70 s and 1.68 s), and the page cache holds them either way.

Workers of a dask cluster must see the input and the output's folder at the same paths
(shared storage); a worker that finds a different input file (size or time) refuses it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from concurrent.futures import wait as wait_futures
from pathlib import Path
from typing import Any

from ..errors import GeozonesError, InputError, OutputError, first_line
from .plan import WHOLE, HandedChunk, Part, Run, Source, plan_parts, presorted_parts, read_part

__all__ = ["SCHEDULER_TIMEOUT_S", "WorkerError", "connect", "executor_for", "run_part",
           "screen_part", "screened_chunks", "use_arrow_pool"]

#: How long to try reaching a scheduler before saying it cannot be reached. [s]
SCHEDULER_TIMEOUT_S = 10.0
#: How often this process looks for a part's next chunk while the part runs. [s]
POLL_S = 0.002


class WorkerError(RuntimeError):
    """An unexpected error in a worker, by its type's name and first line (the error itself
    may not survive being sent to this process)."""


def use_arrow_pool(name: str | None) -> None:
    """Have Arrow allocate from the pool ``name`` (``"jemalloc"``) for the rest of this
    process and the workers forked from it, where the build has it; None: Arrow's default."""
    if not name:
        return
    import pyarrow as pa

    with contextlib.suppress(AttributeError, NotImplementedError, pa.ArrowException):
        pa.set_memory_pool(getattr(pa, f"{name}_memory_pool")())


def screen_part(ctx, src, part: Part) -> Iterator[tuple[Any, Any, Any]]:
    """``(output rows, chunk summary, sorted)`` for each chunk of ``part`` of ``src``, in
    order: the one per-part function of every executor, and of a run in this process.
    ``sorted`` is None, or for rows sorted before screening ``(input positions, bounds
    (n, 4) they were sorted by)``."""
    from ..screen import screen_piece

    for df, geoms, raw, order in read_part(src, part):
        piece, summary = screen_piece(ctx, df, geoms, raw, input_rows=None if order is None else order[0])
        yield piece, summary, order


def chunk_file(folder: str | Path, part: Part, j: int, csv: bool) -> Path:
    """Where a worker leaves chunk ``j`` of ``part`` (complete once it has this name)."""
    return Path(folder) / f"{part.index:06d}-{j:06d}.{'csv' if csv else 'arrow'}"


def run_part(ctx, source: Source | HandedChunk, part: Part, folder: str, csv_out: dict | None):
    """On a worker: screen ``part``, each chunk left in ``folder`` as soon as it is
    screened (:func:`chunk_file`: an Arrow file, or CSV text with ``csv_out``); returns
    ``(rows of each chunk, chunk summaries)``."""
    try:
        return _run_part(ctx, source, part, folder, csv_out)
    except GeozonesError:
        raise
    except Exception as exc:   # whatever it is, it reaches this process as it reads
        failure = f"{type(exc).__name__}: {first_line(exc)}"
    # raised out here, the error carries nothing of the first (a pickler that sends an
    # error's context too, as tblib's does once dask is imported, would choke on it)
    raise WorkerError(failure)


def _run_part(ctx, source: Source | HandedChunk, part: Part, folder: str, csv_out: dict | None):
    import pyarrow as pa

    from ..io import csv_text, to_arrow

    src = source.open()
    rows, summaries = [], []
    for j, (piece, summary, order) in enumerate(screen_part(ctx, src, part)):
        final = chunk_file(folder, part, j, csv_out is not None)
        name = final.with_suffix(".tmp")
        if csv_out is not None:
            text = csv_text(piece, csv_out["wkt_column"], csv_out["wkt_position"],
                            header=part.index == 0 and j == 0)
            name.write_bytes(text.encode("utf-8"))
        else:   # GeoParquet: the covering column computed here, not by the writer
            table = to_arrow(piece, bbox=ctx.driver == "Parquet")
            if order is not None:
                table = _numbered(table, order[0], order[1], ctx.path)
            with pa.OSFile(str(name), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        os.replace(name, final)
        rows.append(len(piece))
        summaries.append(summary)
    return rows, summaries


def _numbered(table, rows, bounds, path: str):
    """A screened chunk of rows sorted before screening, with ``gz_row`` (each row's input
    position): the writer writes the chunks as they come (:mod:`geozones.batch.sort`).
    The covering written must be the bounds the rows were sorted by; should it not be, the
    run stops rather than write a file out of order."""
    import numpy as np
    import pyarrow as pa

    from ..io import BBOX_HINT, bounds_of

    if not np.array_equal(bounds_of(table.column(BBOX_HINT).combine_chunks()), bounds, equal_nan=True):
        raise OutputError("sort_mismatch", path=path)
    return table.append_column("gz_row", pa.array(np.asarray(rows, dtype=np.int64)))


def connect(workers: int | None = None, scheduler: str | None = None):
    """A dask.distributed client: to the scheduler at ``scheduler`` (``tcp://host:8786``), or
    to a new LocalCluster of ``workers`` single-threaded worker processes (default: one per
    core). Returns ``(client, cluster or None)``; one-line errors when dask is missing or the
    scheduler cannot be reached."""
    from .._optional import require

    dd = require("dask.distributed")
    Client, LocalCluster = dd.Client, dd.LocalCluster
    import logging

    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError("dask_scheduler", address=scheduler, why=first_line(exc) or type(exc).__name__) from None
        if not client.scheduler_info().get("workers"):
            client.close()
            raise InputError("dask_no_workers", address=scheduler)
        return client, None
    cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                           processes=True, dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


@contextlib.contextmanager
def executor_for(run: Run) -> Iterator[tuple[Executor | None, int]]:
    """``(executor, its workers)`` for ``run``: a dask client's executor (``engine="dask"``),
    a pool of processes forked from this one, or ``(None, 1)``: screened in this process
    (:meth:`Run.in_process`, or a system that will not fork)."""
    settings = run.settings
    if settings.engine == "dask":
        client, cluster = connect(settings.workers, settings.scheduler)
        try:
            yield client.get_executor(pure=False), len(client.scheduler_info().get("workers", {})) or 1
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    pool = None if run.in_process() else _process_pool(run, settings.processes)
    if pool is None:
        yield None, 1
        return
    try:
        yield pool, settings.processes
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _process_pool(run: Run, processes: int):
    """``processes`` worker processes, forked now (before any thread of ours starts) from
    this process, with its imports and the projection into the station frame already built;
    None when the system will not fork (no memory or processes left: this process screens)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from ..core.coords import parse_crs, prepare

    if not run.ctx.zones.named:   # one station (a network's frames are built where used)
        crs = parse_crs(run.ctx.crs)
        prepare(crs, run.ctx.zones.frame.crs)
        if run.ctx.datum_check:   # the datum check projects cell centres back from the frame
            prepare(run.ctx.zones.frame.crs, crs)
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context(method),
                               initializer=_start_worker)
    try:
        pool.submit(os.getpid).result()   # forked here and now, from this thread
    except OSError:
        pool.shutdown(wait=False, cancel_futures=True)
        return None
    return pool


def _start_worker() -> None:
    """A worker's first act: terminal signals (Ctrl-C, hang-up) are left to this process,
    which stops the run and its workers; SIGTERM ends the worker quietly; should this
    process be killed, the system kills the worker too (:mod:`geozones.batch.lifeline`)."""
    import signal

    from .lifeline import die_with_parent

    die_with_parent()

    for name in ("SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def screened_chunks(run: Run, executor: Executor | None, n_workers: int, folder: Path,
                    long_writer=None, progress: Callable[[int, int | None], None] | None = None) -> Iterator:
    """The screened chunks of ``run`` in input order, for :func:`geozones.io.write_chunks`:
    GeoDataFrames from a run in this process, else Arrow tables (or
    :class:`geozones.io.RenderedCsv`) read from the files the workers leave in a folder
    inside ``folder``. The chunks' summaries are merged into ``run.summary`` in the same
    order; ``progress(rows done, rows in all)`` after each."""
    summary, src = run.summary, run.src
    if executor is None:
        for piece, part, _ in screen_part(run.ctx, src, WHOLE):
            if long_writer is not None:
                long_writer.write(part.long, summary.rows)
            yield piece
            summary.merge(part)
            if progress:
                progress(summary.rows, src.n_rows)
        return
    csv_out = ({"wkt_column": src.wkt_column if src.kind == "csv" else None,
                "wkt_position": getattr(src, "wkt_position", None)} if run.driver == "CSV" else None)
    work = Path(tempfile.mkdtemp(prefix=".parts-", dir=folder))
    futures: list[Future] = []
    parts: list[Part] = []
    try:
        if src.kind == "postgis":   # read here, through the table's one cursor; chunks handed out
            submitted: Iterator[tuple[Part, Future]] = _handed_out(run, executor, n_workers, work, csv_out, parts, futures)
            total = src.n_rows
        else:
            parts += (presorted_parts(src, work / "sort") if run.sorts_first(executor) else None) or plan_parts(src, n_workers)
            total = src.n_rows if src.n_rows is not None else (parts[-1].stop if parts else 0)
            futures += [executor.submit(run_part, run.ctx, run.source, p, str(work), csv_out) for p in parts]
            submitted = zip(parts, futures)
        for k, (part, future) in enumerate(submitted):
            j = 0
            while csv_out is None and not future.done():   # chunks taken as they appear
                name = chunk_file(work, part, j, False)
                if name.exists():
                    yield _take_table(name)
                    j += 1
                    continue
                _fail_fast(futures[k:], parts[k:], run)
                wait_futures([future], timeout=POLL_S)
            rows, summaries = _result(future, part, run)
            for i in range(j, len(rows)):
                name = chunk_file(work, part, i, csv_out is not None)
                if csv_out is not None:
                    from ..io import RenderedCsv

                    yield RenderedCsv(name, rows[i])
                    name.unlink()
                else:
                    yield _take_table(name)
            for s in summaries:
                summary.merge(s)
            if progress:
                progress(summary.rows, total)
    finally:
        for f in futures:
            f.cancel()
        import shutil

        shutil.rmtree(work, ignore_errors=True)


def _handed_out(run: Run, executor: Executor, n_workers: int, work: Path, csv_out: dict | None,
                parts: list[Part], futures: list[Future]) -> Iterator[tuple[Part, Future]]:
    """``(part, future)`` in input order for an input this process reads (a PostGIS table):
    each chunk read is handed to a worker as a part of its own (:class:`HandedChunk`), at most
    two per worker ahead of the one written (the memory of a few chunks); ``parts`` and
    ``futures`` grow as they are submitted."""
    src, done, start = run.src, 0, 0
    for k, (df, geoms, raw) in enumerate(src.chunks()):
        part = Part(k, start, None)
        start += len(df)
        futures.append(executor.submit(run_part, run.ctx, HandedChunk(df, geoms, raw, src.read_geometries),
                                       part, str(work), csv_out))
        parts.append(part)
        while len(parts) - done > 2 * n_workers:
            yield parts[done], futures[done]
            done += 1
    while done < len(parts):
        yield parts[done], futures[done]
        done += 1


def _take_table(path: Path):
    """The Arrow table a worker left at ``path``, memory-mapped; the file is removed (its
    pages stay readable through the map until the table is dropped)."""
    import pyarrow as pa

    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    path.unlink()
    return table


def _fail_fast(futures: list[Future], parts: list[Part], run: Run) -> None:
    """Raise the first failure among parts still to come (the run stops at once)."""
    for future, part in zip(futures, parts):
        if future.done() and not future.cancelled() and future.exception() is not None:
            _result(future, part, run)


def _result(future: Future, part: Part, run: Run):
    """A part's result; its failure as one clear error: a GeozonesError as it is, a local
    worker that died (killed, out of memory) as ``worker_died``, a dask worker's failure
    naming the part's rows."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except GeozonesError:
        raise
    except BrokenProcessPool as exc:
        raise OutputError("worker_died", why=first_line(exc)) from None
    except Exception as exc:
        if run.settings.engine != "dask":
            raise
        from ..text import row_number

        raise InputError("dask_worker_failed", path=run.ctx.path, start=row_number(part.start),
                         stop="…" if part.stop is None else part.stop,   # stop, exclusive from 0, is the last from 1
                         why=first_line(exc) or type(exc).__name__) from None
