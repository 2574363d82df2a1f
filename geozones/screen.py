"""Batch screening: every row of a parcel file checked, the answer written beside it.

The table is read and written in chunks (bounded memory); each chunk goes through the same
core as ``geozones check`` (:func:`geozones.check.assess`), so a row's verdict equals what
``check`` says for it. Nothing is lost: rows in = rows out, in order, every input column
kept, and each row gets a ``gz_status``: ``ok``, ``repaired`` (invalid geometry repaired
with ``shapely.make_valid``), optionally followed by ``; height missing``, or
``error: <why>``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .check import ZoneSet
from .core.coords import parse_crs
from .core.engine import assess_proposals
from .core.pilot import low_rise_share
from .core.proposals import Proposals
from .errors import InputError, OutputError
from .explain import row_messages
from .i18n import t
from .io import TableSource, atomic_output, driver_for, write_chunks
from .safety import InputFingerprint, refuse_same_files

__all__ = ["COLUMNS", "SHAPEFILE_NAMES", "ScreenOptions", "ScreenSummary", "screen_chunk", "screen_file",
           "assess_frame", "ChunkContext", "screen_piece", "ENGINES", "SORTS", "EXTRA_COLUMNS"]

#: Columns added to every row, in order.
COLUMNS: tuple[str, ...] = (
    "gz_verdict", "gz_zone", "gz_distance_m", "gz_max_height_m", "gz_height_m",
    "gz_exceedance_m", "gz_in_pilot", "gz_storeys", "gz_rules", "gz_message", "gz_status",
)
#: Shapefile field names are at most 10 characters: the documented short names.
SHAPEFILE_NAMES: dict[str, str] = {
    "gz_ground_m": "gz_ground",
    "gz_verdict": "gz_verdict", "gz_zone": "gz_zone", "gz_distance_m": "gz_dist_m",
    "gz_max_height_m": "gz_maxh_m", "gz_height_m": "gz_h_m", "gz_exceedance_m": "gz_exc_m",
    "gz_in_pilot": "gz_pilot", "gz_storeys": "gz_storey", "gz_rules": "gz_rules",
    "gz_message": "gz_msg", "gz_status": "gz_status",
}
_DBF_TEXT_MAX = 254


@dataclass
class ScreenOptions:
    """How to read heights, kinds and uses from the table (see ``geozones screen --help``)."""

    height_field: str | None = None
    floors_field: str | None = None
    storey_height_m: float | None = None  #: None: the station file's (see ZoneSet.storey_height_m)
    default_height_m: float | None = None
    kind_field: str | None = None
    default_kind: str = "building"
    use_field: str | None = None
    default_use: str | None = None
    axis_order: str = "xy"
    lang: str = "en"
    width_field: str | None = None       #: column with line widths [m] (road, railway, river)
    dem: Any = None                      #: a :class:`geozones.terrain.DEM`, or None (flat)
    field_elevation_m: float | None = None  #: field elevation in the DEM's datum [m]
    #: When coordinates are read as WGS84 without --crs, also read them as GCJ-02 and BD-09
    #: and count the rows whose verdict would differ (costs two more evaluations per row).
    datum_check: bool = True


@dataclass
class ScreenSummary:
    """What a screening run did: counts, the worst exceedances, errors, pilot share."""

    rows: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    worst: list[tuple[float, int, str, str]] = field(default_factory=list)  # (exceedance, row, verdict, id)
    errors: list[tuple[int, str, str]] = field(default_factory=list)       # first errors (row, why, id)
    id_column: str | None = None
    error_rows: int = 0
    pilot_floor_area_m2: float = 0.0
    pilot_low_rise_area_m2: float = 0.0
    pilot_low_rise_target: float | None = None
    pilot_low_rise_storeys: int | None = None
    encoding: str | None = None
    output: str = ""
    layer: str | None = None             #: layer name written (the input's)
    geometry_type: str | None = None     #: geometry type the output layer declares
    datum: str | None = None             #: GCJ-02/BD-09 input converted to WGS84 for output
    dxf: dict[str, Any] | None = None    #: DXF input: polygons, lines, ignored entities
    crs_assumed: bool = False            #: no CRS given: read as WGS84 lon/lat
    datum_changes: dict[str, int] = field(default_factory=dict)  #: rows whose verdict differs per datum
    renamed: dict[str, str] = field(default_factory=dict)   # shapefile field names fitted
    protected_rows: int = 0        # rows inside the protection area (approval duty, Art. 14, 15.1)
    maybe_protected_rows: int = 0  # rows possibly inside it (prevailing wind unknown)
    sort: str | None = None        # GeoParquet output: row order (hilbert: gz_row gives the input's)

    def merge(self, part: ScreenSummary) -> None:
        """Add what a chunk's summary (rows numbered from 0 in the chunk) says to this run's,
        the chunk coming after the rows counted so far. Both engines build the run summary
        this way, chunk after chunk in input order, so their summaries are equal."""
        start = self.rows
        self.rows += part.rows
        if self.id_column is None:
            self.id_column = part.id_column
        for total, add in ((self.verdicts, part.verdicts), (self.statuses, part.statuses),
                           (self.datum_changes, part.datum_changes)):
            for k, v in add.items():
                total[k] = total.get(k, 0) + v
        for exc, row, verdict, ident in part.worst:
            item = (exc, start + row, verdict, ident)
            if len(self.worst) < 10:
                heapq.heappush(self.worst, item)
            else:
                heapq.heappushpop(self.worst, item)
        for row, status, ident in part.errors[: max(0, 20 - len(self.errors))]:
            self.errors.append((start + row, status, ident))
        self.error_rows += part.error_rows
        self.pilot_floor_area_m2 += part.pilot_floor_area_m2
        self.pilot_low_rise_area_m2 += part.pilot_low_rise_area_m2
        self.protected_rows += part.protected_rows
        self.maybe_protected_rows += part.maybe_protected_rows

    @property
    def pilot_low_rise_share(self) -> float | None:
        if self.pilot_floor_area_m2 <= 0:
            return None
        return self.pilot_low_rise_area_m2 / self.pilot_floor_area_m2

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "verdicts": self.verdicts, "statuses": self.statuses,
            "id_column": self.id_column,
            "worst_exceedances": [{"row": r, "id": i, "exceedance_m": round(e, 3), "verdict": v}
                                  for e, r, v, i in sorted(self.worst, reverse=True)],
            "error_rows": self.error_rows,
            "errors": [{"row": r, "id": i, "status": s} for r, s, i in self.errors],
            "pilot_residential_floor_area_m2": round(self.pilot_floor_area_m2, 1),
            "pilot_low_rise_share": None if self.pilot_low_rise_share is None
            else round(self.pilot_low_rise_share, 4),
            "pilot_low_rise_storeys": self.pilot_low_rise_storeys,
            "pilot_low_rise_target": self.pilot_low_rise_target,
            "encoding": self.encoding, "output": self.output, "renamed_fields": self.renamed,
            "layer": self.layer, "geometry_type": self.geometry_type, "datum": self.datum,
            "dxf": self.dxf, "crs_assumed": self.crs_assumed, "datum_changes": self.datum_changes,
            "protected_rows": self.protected_rows, "maybe_protected_rows": self.maybe_protected_rows,
            "approval_notice": "Art. 14, 15.1" if self.protected_rows or self.maybe_protected_rows else None,
            "sort": self.sort,
        }


def _column(df: pd.DataFrame, column: str | None, path: str) -> np.ndarray | None:
    """The raw values of ``column`` (None/NaN as None), or None when no column is named."""
    if column is None:
        return None
    if column not in df.columns:
        raise InputError("column_missing", path=path, column=column, columns=", ".join(map(str, df.columns)))
    col = df[column]
    values = col.astype(object).where(col.notna(), None).to_numpy(copy=True)
    if col.dtype == object:
        values[(col.astype(str).str.strip() == "").to_numpy()] = None
    return values


def screen_chunk(df: pd.DataFrame, geoms: np.ndarray, raw: np.ndarray, crs, zones: ZoneSet,
                 opts: ScreenOptions, path: str = "input"
                 ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The ``gz_*`` columns for one chunk (same row order), computed by the core.

    Returns ``(columns, geometry to write, residential, floor area)``: the geometry is the
    input's, or the repaired one where the input's could not be read at all; ``residential``
    marks the rows the pilot's residential rules concern, and ``floor area`` is footprint
    area × storeys in the station frame [m²].
    """
    kinds = _column(df, opts.kind_field, path)
    uses = _column(df, opts.use_field, path)
    if kinds is not None and opts.default_kind is not None:
        kinds = np.where(np.equal(kinds, None), opts.default_kind, kinds)
    if uses is not None and opts.default_use is not None:
        uses = np.where(np.equal(uses, None), opts.default_use, uses)
    p = Proposals.build(
        zones, geoms, raw=raw, crs=crs, axis_order=opts.axis_order,
        kind=opts.default_kind if kinds is None else kinds,
        use=opts.default_use if uses is None else uses,
        height_m=_column(df, opts.height_field, path), floors=_column(df, opts.floors_field, path),
        default_height_m=opts.default_height_m, storey_height_m=opts.storey_height_m,
        dem=opts.dem, field_elevation_m=opts.field_elevation_m,
        width_m=_column(df, opts.width_field, path))
    a = assess_proposals(zones, p)
    ok = a.ok
    written = np.asarray(geoms, dtype=object).copy()
    unreadable = np.equal(written, None) & p.repaired
    written[unreadable] = p.source_geoms[unreadable]  # unreadable input: write the repaired one
    status = np.where(p.repaired, "repaired", "ok").astype(object)
    below = ok & p.below_field  # top below the field ground: obstructs nothing
    status[below] = status[below] + "; " + t("status_below_field", opts.lang)
    no_height = ok & p.height_missing
    status[no_height] = status[no_height] + "; height missing"
    partial = ok & (p.dem_nodata_cells > 0)
    for i in np.flatnonzero(partial):
        status[i] += f"; DEM nodata {int(p.dem_nodata_cells[i])}/{int(p.dem_cells[i])} cells"
    status[~ok] = np.array(["error: " + p.problems[i].localized(opts.lang) for i in np.flatnonzero(~ok)],
                           dtype=object)
    verdict = np.where(ok, a.verdict, "error").astype(object)
    group, sets = a.flag_groups
    rules = np.array([",".join(r.id for r in rs) for rs in sets], dtype=object)[group]
    residential = ok & (p.kinds == "building") & (p.uses == "residential")
    storeys = a.storeys
    columns = pd.DataFrame({
        "gz_verdict": verdict,
        "gz_zone": a.zone,
        "gz_distance_m": np.round(np.where(ok, a.measurements.distance_m, np.nan), 3),
        "gz_max_height_m": np.round(np.where(ok, a.max_height_m, np.nan), 3),
        "gz_height_m": np.round(np.where(ok, p.effective_height_m, np.nan), 3),
        "gz_exceedance_m": np.round(np.where(ok, a.exceedance_m, np.nan), 3),
        "gz_in_pilot": ok & a.in_pilot,
        "gz_storeys": np.where(ok, storeys, np.nan),
        "gz_rules": rules,
        "gz_message": row_messages(a, verdict, opts.lang),
        "gz_status": status,
    })
    if opts.dem is not None:
        columns.insert(columns.columns.get_loc("gz_height_m") + 1, "gz_ground_m",
                       np.round(np.where(ok, p.ground_m, np.nan), 3))
    floor_area = shapely.area(p.geoms) * storeys
    return columns, written, residential, floor_area


#: Columns of ours beyond :data:`COLUMNS`: the input row number of a sorted GeoParquet output.
EXTRA_COLUMNS: tuple[str, ...] = ("gz_row",)
#: How chunks are run: here, or on a dask.distributed cluster (geozones.distributed).
ENGINES: tuple[str, ...] = ("local", "dask")
#: Row orders of a GeoParquet output (``--sort``); other formats keep the input order.
SORTS: tuple[str, ...] = ("hilbert", "none")


@dataclass
class ChunkContext:
    """What every chunk of a run is screened with; picklable, so the dask engine's workers
    screen their chunks with the very same settings (see :func:`screen_piece`)."""

    zones: ZoneSet
    opts: ScreenOptions
    crs: Any                 #: the input's CRS (a DatumCRS for GCJ-02/BD-09)
    out_crs: Any             #: the output's
    driver: str              #: output driver (shapefile: short names, text cut to 254)
    path: str                #: the input, as named in messages
    datum: str | None = None     #: GCJ-02/BD-09 input: geometry converted to WGS84
    datum_check: bool = False    #: also read as GCJ-02 and BD-09, count changed verdicts


def screen_piece(ctx: ChunkContext, df: pd.DataFrame, geoms: np.ndarray, raw: np.ndarray
                 ) -> tuple[gpd.GeoDataFrame, ScreenSummary]:
    """One chunk screened: the output rows (input columns, then ours, then geometry) and the
    chunk's summary (rows numbered from 0; :meth:`ScreenSummary.merge` adds it to the run's).

    The one per-chunk function of both engines (local and dask), so they cannot drift.
    """
    gz, written, residential, floor_area = screen_chunk(df, geoms, raw, ctx.crs, ctx.zones,
                                                        ctx.opts, ctx.path)
    part = ScreenSummary()
    if ctx.datum_check:
        from .core.datums import DATUMS, DatumCRS

        for d in DATUMS:
            other = screen_chunk(df, geoms, raw, DatumCRS(d), ctx.zones, ctx.opts, ctx.path)[0]
            both = (gz["gz_verdict"] != "error") & (other["gz_verdict"] != "error")
            part.datum_changes[d] = int((both & (gz["gz_verdict"] != other["gz_verdict"])).sum())
    ours = set(SHAPEFILE_NAMES) | set(SHAPEFILE_NAMES.values()) | set(EXTRA_COLUMNS)
    base = df.drop(columns=[c for c in df.columns if str(c) in ours])
    cols = gz
    if ctx.driver == "ESRI Shapefile":
        cols = gz.rename(columns=SHAPEFILE_NAMES)
        for c in ("gz_msg", "gz_status", "gz_rules"):
            cols[c] = cols[c].astype(str).str.slice(0, _DBF_TEXT_MAX)
    if ctx.datum:  # the output is WGS84: GIS tools know no GCJ-02/BD-09
        from .core.datums import geoms_to_wgs84

        written_out = geoms_to_wgs84(written, ctx.crs, ctx.opts.axis_order == "yx")[0]
    else:
        written_out = written
    out = gpd.GeoDataFrame(pd.concat([base, cols], axis=1),
                           geometry=gpd.GeoSeries(written_out, crs=ctx.out_crs), crs=ctx.out_crs)
    if len(df.columns):
        part.id_column = str(df.columns[0])
    ids = (df[part.id_column].to_numpy() if part.id_column in df  # str() per row used
           else np.full(len(df), "", dtype=object))
    pilot = ctx.zones.pilots[0] if ctx.zones.pilots else None
    _accumulate(part, gz, part.verdicts, part.statuses, residential, floor_area, pilot, ids, ctx.zones)
    return out, part


def screen_file(input_path, output_path, *, zones: ZoneSet, opts: ScreenOptions,
                layer: str | None = None, encoding: str | None = None,
                wkt_column: str | None = None, crs: str | None = None,
                chunk_size: int = 25_000, overwrite: bool = False,
                progress: Callable[[int, int | None], None] | None = None,
                inputs=(), replace_gz: bool = False, sort: str | None = None,
                engine: str = "local", workers: int | None = None,
                scheduler: str | None = None) -> ScreenSummary:
    """Screen every row of ``input_path`` and write ``output_path`` (format by extension).

    The output is written to a temporary file and moved into place only when complete; the
    input is never modified: an output that is the input (or one of ``inputs``: station,
    pilot boundary, DEM) is refused, and an input that changes while it is read fails the
    run with nothing written. ``progress(done, total)`` is called after each chunk (total is
    None when the format cannot tell the row count in advance).

    An input column named like one of ours (``gz_*``) is refused unless ``replace_gz``, so no
    user column is silently dropped; a screened file (all of our columns) is re-screened, its
    ``gz_*`` columns replaced. A file without
    rows gives an output with the input's columns and ours. A CSV output keeps a CSV input's
    WKT column name and position, at full precision.

    ``sort`` (GeoParquet output): ``"hilbert"`` (the default there) orders the rows along a
    Hilbert curve and adds ``gz_row``; ``"none"`` keeps the input order. ``engine="dask"``
    screens parts of the input on dask.distributed workers (a LocalCluster of ``workers``
    processes, or the cluster at ``scheduler``): same output, same summary
    (:mod:`geozones.distributed`).
    """
    inputs = [input_path, *inputs]
    refuse_same_files([output_path], inputs)
    fingerprint = InputFingerprint(input_path)
    src = TableSource(input_path, layer=layer, encoding=encoding, wkt_column=wkt_column,
                      crs=crs, chunk_size=chunk_size)
    out = Path(output_path)
    driver = driver_for(out)
    if driver == "ESRI Shapefile" and src.geometry_type in ("Unknown", "GeometryCollection"):
        raise OutputError("shapefile_mixed", path=str(out))  # declared mixed: before the work
    ours = set(SHAPEFILE_NAMES) | set(SHAPEFILE_NAMES.values()) | set(EXTRA_COLUMNS)
    clash = [str(c) for c in src.columns if str(c) in ours]
    names = {str(c) for c in src.columns}
    rescreen = set(COLUMNS) <= names or {SHAPEFILE_NAMES[c] for c in COLUMNS} <= names
    if clash and not (replace_gz or rescreen):  # a whole set of ours: a screened file, re-screened
        raise InputError("gz_clash", path=str(input_path), columns=", ".join(clash))
    summary = ScreenSummary(encoding=f"{src.encoding} ({src.encoding_source})" if src.encoding_source else src.encoding,
                            output=str(out))
    from .core.datums import datum_of

    datum = datum_of(src.crs)
    out_crs = parse_crs("EPSG:4326") if datum else src.crs
    summary.datum = datum
    from .io import is_wgs84_lonlat

    summary.crs_assumed = bool(getattr(src, "crs_assumed", False)) or (
        crs is None and is_wgs84_lonlat(src.crs))
    if src.dxf_counts is not None:
        summary.dxf = src.dxf_counts.params()
    out_layer = layer or src.layer_name or "screened"
    summary.layer = out_layer if driver in ("GPKG", "KML", "FlatGeobuf") else None
    summary.geometry_type = src.geometry_type
    if sort is None:
        sort = "hilbert" if driver == "Parquet" else "none"
    if sort not in SORTS or (sort != "none" and driver != "Parquet"):
        raise InputError("sort_parquet_only", sort=str(sort), path=str(out))
    if engine not in ENGINES:
        raise InputError("engine_unknown", engine=str(engine), choices=", ".join(ENGINES))
    pilot = zones.pilots[0] if zones.pilots else None
    if pilot is not None:
        summary.pilot_low_rise_storeys = pilot.low_rise_storeys
        summary.pilot_low_rise_target = pilot.low_rise_share_target
    ctx = ChunkContext(zones=zones, opts=opts, crs=src.crs, out_crs=out_crs, driver=driver,
                       path=str(input_path), datum=datum,
                       datum_check=summary.crs_assumed and opts.datum_check)

    def local_chunks():
        for df, geoms, raw in src.chunks():
            piece, part = screen_piece(ctx, df, geoms, raw)
            yield piece
            summary.merge(part)
            if progress:
                progress(summary.rows, src.n_rows)

    def or_empty(chunks):
        any_rows = False
        for chunk in chunks:
            any_rows = True
            yield chunk
        if not any_rows:  # no rows: still the input's columns and ours
            base = pd.DataFrame({c: pd.Series(dtype=object) for c in src.columns
                                 if str(c) not in ours})
            cols = pd.DataFrame({c: pd.Series(dtype=float if c.endswith("_m") or c == "gz_storeys"
                                              else bool if c == "gz_in_pilot" else object)
                                 for c in COLUMNS})
            if driver == "ESRI Shapefile":
                cols = cols.rename(columns=SHAPEFILE_NAMES)
            yield gpd.GeoDataFrame(pd.concat([base, cols], axis=1),
                                   geometry=gpd.GeoSeries([], crs=out_crs), crs=out_crs)

    with atomic_output(out, overwrite, inputs) as tmp:
        # Shapefile output is UTF-8 (Arrow text is UTF-8); names are fitted to 10 bytes.
        if engine == "dask":  # workers screen their own parts (geozones.distributed)
            from .distributed import dask_chunks

            chunks = dask_chunks(src, ctx, tmp.parent, summary, progress=progress,
                                 workers=workers, scheduler=scheduler, fingerprint=fingerprint)
        else:  # the next chunk is screened while GDAL writes this one (geozones.pipeline)
            from .pipeline import prefetch

            chunks = prefetch(local_chunks())
        rows = write_chunks(tmp, driver, out_crs, or_empty(chunks), layer=out_layer,
                            renamed=summary.renamed, geometry_type=src.geometry_type,
                            wkt_column=src.wkt_column if src.kind == "csv" else None,
                            wkt_position=getattr(src, "wkt_position", None), sort=sort)
        if driver == "GPKG":  # opens styled in QGIS: colours by verdict
            from .styles import add_qgis_style, verdict_qml

            add_qgis_style(tmp, out_layer, verdict_qml(src.geometry_type or "Polygon"),
                           "geozones verdicts")
        if rows != summary.rows or (src.n_rows is not None and rows != src.n_rows):
            raise OutputError("output_write", path=str(out),
                              why=f"{rows} rows written for {src.n_rows or summary.rows} read")
        fingerprint.check()   # an input rewritten meanwhile: fail, nothing written
    summary.sort = sort if driver == "Parquet" else None
    return summary


def write_report(summary: ScreenSummary, path: str | Path, overwrite: bool = False,
                 inputs=()) -> None:
    """The run's summary as JSON (``.json``) or CSV (``.csv``: one row per metric), atomically."""
    import json

    path = Path(path)
    ext = path.suffix.lower()
    if ext not in (".json", ".csv"):
        raise OutputError("output_format", path=str(path), choices=".json, .csv")
    data = summary.to_dict()
    with atomic_output(path, overwrite, inputs) as tmp:
        if ext == ".json":
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            rows = [("rows", "", data["rows"])]
            rows += [("verdict", k, v) for k, v in data["verdicts"].items()]
            rows += [("status", k, v) for k, v in data["statuses"].items()]
            rows += [("worst_exceedance_m", f"row {w['row']} {w['id']}", w["exceedance_m"])
                     for w in data["worst_exceedances"]]
            rows += [("error", f"row {e['row']} {e['id']}", e["status"]) for e in data["errors"]]
            rows += [("renamed_field", old, new) for old, new in (data["renamed_fields"] or {}).items()]
            rows += [("pilot_residential_floor_area_m2", "", data["pilot_residential_floor_area_m2"]),
                     ("pilot_low_rise_share", f"<= {data['pilot_low_rise_storeys']} storeys", data["pilot_low_rise_share"]),
                     ("pilot_low_rise_target", "", data["pilot_low_rise_target"]),
                     ("protected_rows", "approval: Art. 14, 15.1", data["protected_rows"]),
                     ("maybe_protected_rows", "wind unknown", data["maybe_protected_rows"])]
            pd.DataFrame(rows, columns=["metric", "key", "value"]).to_csv(tmp, index=False, encoding="utf-8")


def _accumulate(summary: ScreenSummary, gz: pd.DataFrame, verdicts: dict, statuses: dict,
                residential: np.ndarray, floor_area: np.ndarray, pilot, ids: np.ndarray,
                zones: ZoneSet) -> None:
    start = summary.rows
    summary.rows += len(gz)
    for k, v in gz["gz_verdict"].value_counts().items():
        verdicts[k] = verdicts.get(k, 0) + int(v)
    st = gz["gz_status"].str.replace(r"^error: .*", "error", regex=True)
    for k, v in st.value_counts().items():
        statuses[k] = statuses.get(k, 0) + int(v)
    exc = gz["gz_exceedance_m"].to_numpy(dtype=float)
    for i in np.flatnonzero(exc > 0):
        item = (float(exc[i]), start + int(i), str(gz["gz_verdict"].iloc[i]), str(ids[i]))
        if len(summary.worst) < 10:
            heapq.heappush(summary.worst, item)
        else:
            heapq.heappushpop(summary.worst, item)
    zone = gz["gz_zone"].to_numpy(dtype=object)
    summary.protected_rows += int(np.isin(zone, ["body", "protection", "control", "general"]).sum())
    st_ = zones.station
    if st_.prevailing_wind_from_deg is None and st_.general_upwind_m > st_.general_m:
        d = gz["gz_distance_m"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            summary.maybe_protected_rows += int(((zone == "outside")
                                                 & (d <= st_.general_upwind_m + st_.tolerance_m)).sum())
    err = np.flatnonzero(gz["gz_status"].str.startswith("error").to_numpy())
    summary.error_rows += len(err)
    for i in err[: max(0, 20 - len(summary.errors))]:
        summary.errors.append((start + int(i), gz["gz_status"].iloc[i], str(ids[i])))
    if pilot is not None:
        res = (residential & gz["gz_in_pilot"].to_numpy(dtype=bool)
               & ~np.isnan(gz["gz_storeys"].to_numpy(dtype=float)))
        if res.any():
            storeys = gz["gz_storeys"].to_numpy(dtype=float)[res]
            share, total = low_rise_share(floor_area[res], storeys, pilot.low_rise_storeys)
            summary.pilot_floor_area_m2 += total
            if share is not None:
                summary.pilot_low_rise_area_m2 += share * total


def assess_frame(gdf, *, height_field: str | None = None, floors_field: str | None = None,
                 kind_field: str | None = None, use_field: str | None = None,
                 kind: str = "building", use: str | None = None, height: float | None = None,
                 storey_height_m: float | None = None, crs: Any = None, axis_order: str = "xy",
                 station=None, zones: ZoneSet | None = None, lang: str = "en", height_m: Any = None):
    """A GeoDataFrame checked row by row: the input's columns, index and CRS plus the ``gz_*``
    columns ``geozones screen`` writes (the same function, :func:`screen_chunk`, computes them).

    Parameters
    ----------
    gdf : GeoDataFrame
        Proposals in any CRS (its own; ``crs="GCJ-02"``/``"BD-09"`` for WGS84 numbers copied
        from Gaode/Tencent/Baidu maps; ``crs=`` for a frame without one).
    height_field, floors_field, kind_field, use_field : str, optional
        Columns with height above the field ground [m], storeys, kind, use (as ``screen``).
    kind, use, height : defaults for rows without a value (height [m]: none by default;
        ``height_m=`` is the deprecated spelling).
    storey_height_m : storey height for ``floors_field`` (default: the station file's). [m]
    lang : language of ``gz_message`` and ``gz_status``.

    Row data never raises: a bad value gives that row ``gz_verdict = "error"`` and a
    ``gz_status`` saying why. An unknown column or default raises :class:`InputError`.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> gdf = gpd.GeoDataFrame({"h": [10.0]}, geometry=[shapely.Point(111.5745, 35.5054)], crs=4326)
    >>> assess_frame(gdf, height_field="h")[["h", "gz_verdict", "gz_zone"]]
          h gz_verdict  gz_zone
    0  10.0       pass  control
    """
    from .check import _UNSET, _deprecated, _geometry_input
    from .core.kinds import KINDS, USES, normalize_use

    height = _deprecated("height", "height_m", height, _UNSET if height_m is None else height_m)
    from .core.kinds import normalize_kind as _nk

    default_kind = _nk(kind) if kind is not None else "building"
    if default_kind is None:
        raise InputError("kind_unknown", kind=str(kind), choices=", ".join(KINDS))
    default_use = normalize_use(use) if use is not None else None
    if use is not None and default_use is None:
        raise InputError("use_unknown", use=str(use), choices=", ".join(USES))
    geoms, src_crs = _geometry_input(gdf, crs, "GeoDataFrame")
    if src_crs is None:
        raise InputError("frame_no_crs", what="GeoDataFrame")
    src_crs = parse_crs(src_crs)
    zones = zones or ZoneSet(station)
    opts = ScreenOptions(height_field=height_field, floors_field=floors_field,
                         storey_height_m=storey_height_m, default_height_m=height,
                         kind_field=kind_field, default_kind=default_kind, use_field=use_field,
                         default_use=default_use, axis_order=axis_order, lang=lang)
    geom_name = gdf.geometry.name
    attrs = pd.DataFrame(gdf.drop(columns=geom_name)).reset_index(drop=True)
    gz, _written, _res, _area = screen_chunk(attrs, np.asarray(geoms, dtype=object),
                                      np.asarray(geoms, dtype=object), src_crs, zones, opts,
                                      "GeoDataFrame")
    out = gdf.copy()
    for col in gz.columns:
        out[col] = gz[col].to_numpy()
    return out
