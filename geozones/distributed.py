"""Screening on a dask.distributed cluster (``geozones screen --engine dask``).

The input is cut into parts of whole chunks (rows ``start``–``stop``, ``start`` a multiple
of the chunk size); each worker opens the input itself and reads only its part (GeoParquet:
the row groups holding it; GDAL formats: ``skip_features``/``max_features``; CSV: the byte
range of its records, found by one scan of the file), so no table is shipped from the
driver. It screens the part chunk by chunk with :func:`geozones.screen.screen_piece`, the
local engine's per-chunk function, and writes each chunk, converted for the output (an
Arrow table, or CSV text), into a folder inside the output's temporary folder. The driver
then writes those chunks, in input order, through the same writer as the local engine
(:func:`geozones.io.write_chunks`), and adds the chunks' summaries in the same order
(:meth:`geozones.screen.ScreenSummary.merge`): the output and the summary equal the local
engine's. Everything is under the output's temporary folder, so a failure leaves nothing.

Workers need geozones installed and must see the input and the output's folder at the same
paths as the driver (shared storage); a worker that finds a different input file (size or
modification time) refuses it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import GeozonesError, InputError, first_line

__all__ = ["Part", "plan_parts", "dask_chunks", "connect", "SCHEDULER_TIMEOUT_S"]

#: How long to try reaching a scheduler before saying it cannot be reached. [s]
SCHEDULER_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Part:
    """Rows ``start`` to ``stop`` (exclusive) of the input; for CSV also their bytes."""

    index: int
    start: int
    stop: int
    csv_bytes: tuple[int, int] | None = None


@dataclass(frozen=True)
class _Source:
    """How a worker opens the input: what the driver resolved (encoding, layer)."""

    path: str
    layer: str | None
    encoding: str | None
    wkt_column: str | None
    crs: Any
    chunk_size: int
    stamp: tuple[tuple[str, int, int], ...]  # (file, size, mtime_ns) of the input and its parts


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    from .io import companions

    out = []
    for p in companions(path, existing_only=True):
        st = os.stat(p)
        out.append((p.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def plan_parts(src, n_workers: int, chunks_per_part: int | None = None) -> list[Part]:
    """The parts of ``src`` (a :class:`geozones.io.TableSource`): whole chunks, about four
    parts per worker (a slow part delays the end less), at least one chunk each."""
    size = src.chunk_size
    if src.kind == "csv":
        from .io import csv_record_offsets

        starts, n = csv_record_offsets(src.path, size)
    elif src.kind in ("parquet", "gdal") and src.n_rows is not None:
        n = src.n_rows
    else:
        raise InputError("dask_input_whole", path=str(src.path),
                         what="DXF" if src.kind == "dxf" else "this")
    n_chunks = -(-n // size)
    if n_chunks == 0:
        return []
    per = chunks_per_part or max(1, -(-n_chunks // max(1, 4 * n_workers)))
    parts = []
    for i, c in enumerate(range(0, n_chunks, per)):
        start, stop = c * size, min((c + per) * size, n)
        csv_bytes = None
        if src.kind == "csv":
            end = starts[c + per] if c + per < len(starts) else os.path.getsize(src.path)
            csv_bytes = (starts[c], end)
        parts.append(Part(i, start, stop, csv_bytes))
    return parts


def _run_part(ctx, source: _Source, part: Part, folder: str, csv_out: dict | None):
    """On a worker: screen one part; returns ``(rows, chunk summaries, files)``."""
    import pyarrow as pa

    from .io import TableSource, csv_text, to_arrow
    from .screen import screen_piece

    path = Path(source.path)
    if _stamp(path) != source.stamp:
        raise InputError("dask_worker_input", path=source.path)
    src = TableSource(path, layer=source.layer, encoding=source.encoding,
                      wkt_column=source.wkt_column, crs=source.crs, chunk_size=source.chunk_size)
    summaries, files, rows = [], [], 0
    csv_file = Path(folder) / f"{part.index:06d}.csv"
    for j, (df, geoms, raw) in enumerate(src.chunks_in(part.start, part.stop, part.csv_bytes)):
        piece, summary = screen_piece(ctx, df, geoms, raw)
        summaries.append(summary)
        rows += len(piece)
        if csv_out is not None:
            text = csv_text(piece, csv_out["wkt_column"], csv_out["wkt_position"],
                            header=part.index == 0 and j == 0)
            with open(csv_file, "a" if j else "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        else:
            name = Path(folder) / f"{part.index:06d}-{j:06d}.arrow"
            # GeoParquet: the covering column computed here, not by the driver
            table = to_arrow(piece, bbox=ctx.driver == "Parquet")
            with pa.OSFile(str(name), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            files.append(str(name))
    if csv_out is not None and rows:
        files.append(str(csv_file))
    return rows, summaries, files


def connect(workers: int | None = None, scheduler: str | None = None):
    """A dask.distributed client: to the scheduler at ``scheduler`` (``tcp://host:8786``), or
    to a new LocalCluster of ``workers`` single-threaded worker processes (default: one per
    core). Returns ``(client, cluster or None)``; one-line errors when dask is missing or the
    scheduler cannot be reached."""
    from ._optional import require

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


def dask_chunks(src, ctx, folder: Path, summary, *, progress: Callable[[int, int | None], None] | None = None,
                workers: int | None = None, scheduler: str | None = None, fingerprint=None,
                client=None) -> Iterator:
    """Screen ``src`` on dask and yield its output chunks in input order (Arrow tables, or
    :class:`geozones.io.RenderedCsv` for CSV output) for :func:`geozones.io.write_chunks`;
    the chunks' summaries are merged into ``summary`` first. Part files live in a folder
    inside ``folder`` (the output's temporary folder), removed as they are written out.
    ``client``: an existing dask client (tests); else :func:`connect`."""
    from .io import RenderedCsv

    own = client is None
    cluster = None
    if own:
        client, cluster = connect(workers, scheduler)
    work = Path(tempfile.mkdtemp(prefix=".parts-", dir=folder))
    try:
        n_workers = len(client.scheduler_info().get("workers", {})) or 1
        parts = plan_parts(src, n_workers)
        source = _Source(str(Path(src.path).resolve()), src.layer, src.encoding, src.wkt_column,
                         src._given_crs, src.chunk_size, _stamp(Path(src.path)))
        csv_out = ({"wkt_column": src.wkt_column if src.kind == "csv" else None,
                    "wkt_position": getattr(src, "wkt_position", None)}
                   if ctx.driver == "CSV" else None)
        total = src.n_rows if src.n_rows is not None else (parts[-1].stop if parts else 0)
        # parts are written out in input order as soon as each is done, while later ones run
        for rows, summaries, files in _in_order(client, ctx, source, parts, str(work), csv_out,
                                                progress, total):
            for s in summaries:
                summary.merge(s)
            for f in files:
                yield RenderedCsv(Path(f), rows) if csv_out is not None else _read_table(f)
                Path(f).unlink()
        if fingerprint is not None:
            fingerprint.check()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if own:
            client.close()
            if cluster is not None:
                cluster.close()


def _read_table(path: str):
    import pyarrow as pa

    with pa.OSFile(path, "rb") as source:
        return pa.ipc.open_file(source).read_all()


def _in_order(client, ctx, source: _Source, parts: list[Part], folder: str, csv_out, progress, total):
    """Submit every part; yield their results in input order, each as soon as it and those
    before it are done. Progress (rows of the finished parts) is reported as parts finish;
    the first failure anywhere cancels the rest and is raised (a GeozonesError as it is)."""
    from dask.distributed import wait

    if not parts:
        return
    ctx_future = client.scatter(ctx, broadcast=True)
    tag = uuid.uuid4().hex  # a run's own task names
    futures = [client.submit(_run_part, ctx_future, source, p, folder, csv_out, pure=False,
                             key=f"geozones-part-{p.index}-{tag}") for p in parts]
    reported = -1
    finished: set[int] = set()
    try:
        for i, future in enumerate(futures):
            while True:
                failed = [k for k, f in enumerate(futures) if k not in finished and f.status == "error"]
                if failed:
                    _raise(futures[failed[0]], parts[failed[0]], source)
                finished |= {k for k, f in enumerate(futures) if f.status == "finished"}
                done = sum(parts[k].stop - parts[k].start for k in finished)
                if progress and done != reported:
                    progress(done, total)
                    reported = done
                if future.status == "finished":
                    break
                if future.status != "pending":  # cancelled or lost (a worker died)
                    _raise(future, parts[i], source)
                with contextlib.suppress(TimeoutError):
                    wait([future], timeout=0.2)
            yield future.result()
            future.release()
    except BaseException:
        client.cancel(futures)
        raise


def _raise(future, part: Part, source: _Source):
    try:
        future.result()
    except GeozonesError:
        raise
    except Exception as exc:
        raise InputError("dask_worker_failed", path=source.path, start=part.start, stop=part.stop,
                         why=first_line(exc) or type(exc).__name__) from None
    raise InputError("dask_worker_failed", path=source.path, start=part.start, stop=part.stop, why="?")
