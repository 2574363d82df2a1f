"""Step 1 of a batch run: the input opened, the options checked, the input cut into parts.

A part is rows ``start`` to ``stop`` of the input, whole chunks (``start`` a multiple of
the chunk size), read by whoever screens it: GeoParquet from the row groups holding it,
a GDAL layer from its ``start``-th feature, a CSV from the byte range of its records (found
by one scan of the file). A part read alone gives the chunks the whole read gives, so the
output does not depend on how the input was cut.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, OutputError
from .settings import ENGINES, Settings
from .sort import resolve_sort

__all__ = ["Part", "Source", "HandedChunk", "Run", "plan_run", "plan_parts", "presorted_parts", "read_part", "WHOLE"]


@dataclass(frozen=True)
class Part:
    """Rows ``start`` to ``stop`` (exclusive) of the input; for CSV also their bytes.
    ``stop`` None: the whole input, read in one pass (a run in this process)."""

    index: int
    start: int
    stop: int | None
    csv_bytes: tuple[int, int] | None = None
    #: a bucket of rows sorted before screening (:func:`geozones.batch.sort.sort_input`):
    #: ``(file, rows, key bits)``; ``start``/``stop`` then count rows in the sorted order
    bucket: tuple[str, int, int] | None = None


#: The whole input as one part.
WHOLE = Part(0, 0, None)


@dataclass(frozen=True)
class Source:
    """How a worker opens the input: what the run resolved (encoding, layer, whether the
    core reads the WKB), and the input's files as the run saw them (name, size, mtime_ns)."""

    path: str
    layer: str | None
    encoding: str | None
    wkt_column: str | None
    crs: Any
    chunk_size: int
    read_geometries: bool
    stamp: tuple[tuple[str, int, int], ...]

    def open(self):
        """The input as a :class:`geozones.io.TableSource`; one line when it is not the
        file the run planned (another size or time: workers need the same file)."""
        from ..io import TableSource

        if stamp(Path(self.path)) != self.stamp:
            raise InputError("dask_worker_input", path=self.path)
        src = TableSource(Path(self.path), layer=self.layer, encoding=self.encoding,
                          wkt_column=self.wkt_column, crs=self.crs, chunk_size=self.chunk_size)
        src.read_geometries = self.read_geometries
        return src


@dataclass(frozen=True)
class HandedChunk:
    """A chunk this process read (a PostGIS table's, through its one cursor), handed to a
    worker in place of a :class:`Source`: ``open()`` gives a source whose ``chunks()`` is
    this one chunk (the part is :data:`WHOLE`-like: ``stop`` None)."""

    attributes: Any
    geometries: Any
    raw: Any
    read_geometries: bool

    def open(self):
        """The chunk as a source of one chunk."""
        return self

    def chunks(self) -> Iterator:
        """The one chunk."""
        yield self.attributes, self.geometries, self.raw


def stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    """(file, size, mtime_ns) of ``path`` and the files it stands for (a shapefile's parts)."""
    from ..io import companions

    out = []
    for p in companions(path, existing_only=True):
        st = os.stat(p)
        out.append((p.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def plan_parts(src, n_workers: int, chunks_per_part: int | None = None) -> list[Part]:
    """The parts of ``src`` (a :class:`geozones.io.TableSource`): whole chunks, about four
    parts per worker (a slow part delays the end less), at least one chunk each. An input
    read whole (DXF, or a layer that cannot tell its rows) raises :class:`InputError`."""
    size = src.chunk_size
    if src.kind == "csv":
        from ..io import csv_record_offsets

        starts, n = csv_record_offsets(src.path, size)
    elif src.kind in ("parquet", "gdal") and src.n_rows is not None:
        n = src.n_rows
    else:   # a PostGIS table is read through one cursor, in this process
        raise InputError("dask_input_whole", path=src.shown,
                         what={"dxf": "DXF", "postgis": "PostGIS"}.get(src.kind, "this"))
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


def read_part(src, part: Part) -> Iterator:
    """The chunks ``(attributes, geometries, raw geometries, order)`` of ``part`` of
    ``src``: ``order`` None where the rows come in input order (a chunk's rows follow the
    previous chunk's), else ``(input positions, bounds)`` of rows sorted before screening
    (:func:`geozones.batch.sort.sorted_chunks`)."""
    if part.bucket is not None:
        from .sort import sorted_chunks

        yield from sorted_chunks(src, part.bucket, src.read_geometries)
        return
    chunks = src.chunks() if part.stop is None else src.chunks_in(part.start, part.stop, part.csv_bytes)
    for df, geoms, raw in chunks:
        yield df, geoms, raw, None


def presorted_parts(src, work: Path) -> list[Part] | None:
    """The parts of a run whose rows are sorted before screening: one per bucket of
    :func:`geozones.batch.sort.sort_input` (None: the input cannot be sorted first)."""
    from .sort import sort_input

    buckets = sort_input(src, work)
    if buckets is None:
        return None
    parts, start = [], 0
    for i, (f, rows, shift) in enumerate(buckets):
        parts.append(Part(i, start, start + rows, bucket=(str(f), rows, shift)))
        start += rows
    return parts


@dataclass
class Run:
    """Everything a run decided before screening: the input, the output, the chunk
    context every part is screened with, the summary so far, how it will be executed."""

    src: Any                      #: the input (:class:`geozones.io.TableSource`)
    ctx: Any                      #: :class:`geozones.screen.ChunkContext`
    out: Path | str               #: the output file, or a PostGIS table's URI
    driver: str
    out_layer: str
    sort: str                     #: the output's row order (:mod:`geozones.batch.sort`)
    summary: Any                  #: :class:`geozones.screen.ScreenSummary`
    settings: Settings
    overwrite: bool = False
    inputs: list = field(default_factory=list)
    long_path: Path | None = None
    fingerprint: Any = None
    gz_columns: tuple[str, ...] = ()

    @property
    def source(self) -> Source:
        """How a worker opens this run's input."""
        src = self.src
        return Source(str(Path(src.path).resolve()), src.layer, src.encoding, src.wkt_column,
                      src._given_crs, src.chunk_size, src.read_geometries, stamp(Path(src.path)))

    def sorts_first(self, executor) -> bool:
        """Whether the rows are sorted before screening (:mod:`geozones.batch.sort`): a
        Hilbert-sorted output of a GeoParquet input written back unchanged (no datum
        conversion), screened by ``executor`` (not None: in worker processes)."""
        return (executor is not None and self.sort == "hilbert" and self.src.kind == "parquet"
                and not self.ctx.datum)

    def in_process(self) -> bool:
        """Whether a local run screens in this process rather than in worker processes:
        one process allowed, fewer rows than pay for starting workers, an input read whole
        or of unknown length, or a ``--long`` table (written as the chunks come). (A PostGIS
        table is read here, through its one cursor, and its chunks handed to the workers:
        :class:`HandedChunk`.)"""
        s, src = self.settings, self.src
        return (s.processes < 2 or self.long_path is not None or src.kind not in ("parquet", "gdal", "postgis")
                or src.n_rows is None or src.n_rows < s.process_min_rows)


def plan_run(input_path, output_path, *, zones, opts, settings: Settings, layer: str | None = None,
             encoding: str | None = None, wkt_column: str | None = None, crs: str | None = None,
             overwrite: bool = False, inputs=(), replace_gz: bool = False, long_path=None,
             sort: str | None = None) -> Run:
    """Check the run's options against each other and the input, open the input, and
    decide the output's form (see :func:`geozones.screen.screen_file` for the rules)."""
    from ..core.coords import parse_crs
    from ..core.datums import datum_of
    from ..io import (
        LAYERED_DRIVERS,
        POSTGIS_DRIVER,
        InputFingerprint,
        TableSource,
        check_postgis_output,
        driver_for,
        is_wgs84_lonlat,
        refuse_same_files,
        shown_uri,
    )
    from ..screen import ChunkContext, ScreenSummary, column_names, output_columns

    inputs = [input_path, *inputs]
    network = zones.named
    if long_path is not None and not network:
        raise InputError("long_needs_stations")
    if long_path is not None and Path(long_path).suffix.lower() not in (".csv", ".parquet"):
        raise OutputError("output_format", path=str(long_path), choices=".csv, .parquet")
    refuse_same_files([output_path] + ([long_path] if long_path is not None else []), inputs)
    if network and opts.dem is not None:
        raise InputError("stations_dem")
    if long_path is not None and not opts.long_rows:
        opts = dataclasses.replace(opts, long_rows=True)
    fingerprint = InputFingerprint(input_path)
    src = TableSource(input_path, layer=layer, encoding=encoding, wkt_column=wkt_column,
                      crs=crs, chunk_size=settings.chunk_rows)
    driver = driver_for(output_path)
    out: Path | str = str(output_path) if driver == POSTGIS_DRIVER else Path(output_path)
    if driver == POSTGIS_DRIVER:   # reachable, and no table there unless --overwrite: before the work
        check_postgis_output(str(out), overwrite)
    if driver == "XLSX":   # no openpyxl, or more rows than a sheet holds: before the work
        from .._optional import require
        from ..io.xlsx import refuse_rows

        require("openpyxl")
        refuse_rows(src.n_rows, str(out))
    if driver == "ESRI Shapefile" and src.geometry_type in ("Unknown", "GeometryCollection"):
        raise OutputError("shapefile_mixed", path=str(out))  # declared mixed: before the work
    gz_columns = output_columns(zones, opts.sun, opts.approved_sun is not None)
    if opts.sun:   # the sun tables read (or computed) once, here, before any worker is forked
        from ..sunshine import sun_table

        for st in (zones.stations if zones.named else (zones.station,)):
            sun_table(st)
    names = column_names(src.columns, driver, (*gz_columns, *(("gz_ground_m",) if opts.dem is not None else ())),
                         replace_gz=replace_gz, wkt_column=src.wkt_column if driver == "CSV" and src.kind == "csv" else None)
    summary = ScreenSummary(encoding=f"{src.encoding} ({src.encoding_source})" if src.encoding_source else src.encoding,
                            output=shown_uri(str(out)) if driver == POSTGIS_DRIVER else str(out),
                            renamed=dict(names.renamed))
    if network:
        summary.stations, summary.sun_reach_m = len(zones), zones.sun_reach_m
        summary.long_output = None if long_path is None else str(long_path)
    datum = datum_of(src.crs)
    out_crs = parse_crs("EPSG:4326") if datum else src.crs
    summary.datum = datum
    summary.crs_assumed = bool(getattr(src, "crs_assumed", False)) or (
        crs is None and is_wgs84_lonlat(src.crs))
    if src.dxf_counts is not None:
        summary.dxf = src.dxf_counts.params()
        if opts.kind_field is None:   # each entity's kind is its layer's (io/dxf.py), as check says
            opts = dataclasses.replace(opts, kind_field="kind")
    out_layer = layer or src.layer_name or "screened"
    summary.layer = out_layer if driver in LAYERED_DRIVERS else None
    summary.geometry_type = src.geometry_type
    sort = resolve_sort(sort, driver, out)
    if settings.engine not in ENGINES:
        raise InputError("engine_unknown", engine=str(settings.engine), choices=", ".join(ENGINES))
    if settings.engine == "dask" and long_path is not None:
        raise InputError("dask_long")
    pilot = zones.pilots[0] if zones.pilots else None
    if pilot is not None:
        summary.pilot_low_rise_storeys = pilot.low_rise_storeys
        summary.pilot_low_rise_target = pilot.low_rise_share_target
    ctx = ChunkContext(zones=zones, opts=opts, crs=src.crs, out_crs=out_crs, driver=driver,
                       path=src.shown, datum=datum,
                       datum_check=summary.crs_assumed and opts.datum_check, names=names)
    # The core reads WKB into geometries only for the rows that need one (not the convex
    # rings it measures as coordinates, geozones.core.rings), when the writer takes the
    # input's WKB (every format but CSV: a shapefile's family is checked on the WKB
    # headers), the geometry type is declared, and nothing else needs every row as a
    # geometry (datum change, DEM, many stations; the datum check reads again only the
    # rows it samples).
    src.read_geometries = not (
        not network and driver != "CSV"
        and datum is None and opts.dem is None
        and src.kind in ("parquet", "gdal", "postgis") and src.geometry_type is not None)
    return Run(src=src, ctx=ctx, out=out, driver=driver, out_layer=out_layer, sort=sort,
               summary=summary, settings=settings, overwrite=overwrite, inputs=inputs,
               long_path=None if long_path is None else Path(long_path), fingerprint=fingerprint,
               gz_columns=gz_columns)
