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
from .core.engine import assess_proposals
from .core.pilot import low_rise_share
from .core.proposals import Proposals
from .errors import InputError, OutputError
from .explain import row_messages
from .io import TableSource, atomic_output, driver_for, write_chunks

__all__ = ["COLUMNS", "SHAPEFILE_NAMES", "ScreenOptions", "ScreenSummary", "screen_chunk", "screen_file"]

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
    renamed: dict[str, str] = field(default_factory=dict)   # shapefile field names fitted
    protected_rows: int = 0        # rows inside the protection area (approval duty, Art. 14, 15.1)
    maybe_protected_rows: int = 0  # rows possibly inside it (prevailing wind unknown)

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
            "protected_rows": self.protected_rows, "maybe_protected_rows": self.maybe_protected_rows,
            "approval_notice": "Art. 14, 15.1" if self.protected_rows or self.maybe_protected_rows else None,
        }


def _column(df: pd.DataFrame, column: str | None, path: str) -> np.ndarray | None:
    """The raw values of ``column`` (None/NaN as None), or None when no column is named."""
    if column is None:
        return None
    if column not in df.columns:
        raise InputError("column_missing", path=path, column=column, columns=", ".join(map(str, df.columns)))
    col = df[column]
    values = col.astype(object).where(col.notna(), None).to_numpy()
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


def screen_file(input_path, output_path, *, zones: ZoneSet, opts: ScreenOptions,
                layer: str | None = None, encoding: str | None = None,
                wkt_column: str | None = None, crs: str | None = None,
                chunk_size: int = 25_000, overwrite: bool = False,
                progress: Callable[[int, int | None], None] | None = None) -> ScreenSummary:
    """Screen every row of ``input_path`` and write ``output_path`` (format by extension).

    The output is written to a temporary file and moved into place only when complete; the
    input is never modified. ``progress(done, total)`` is called after each chunk (total is
    None when the format cannot tell the row count in advance).
    """
    src = TableSource(input_path, layer=layer, encoding=encoding, wkt_column=wkt_column,
                      crs=crs, chunk_size=chunk_size)
    out = Path(output_path)
    if out.resolve() == Path(input_path).resolve():
        raise OutputError("output_is_input", path=str(out))
    driver = driver_for(out)
    summary = ScreenSummary(encoding=f"{src.encoding} ({src.encoding_source})" if src.encoding_source else src.encoding,
                            output=str(out))
    pilot = zones.pilots[0] if zones.pilots else None
    if pilot is not None:
        summary.pilot_low_rise_storeys = pilot.low_rise_storeys
        summary.pilot_low_rise_target = pilot.low_rise_share_target
    verdict_counts: dict[str, int] = {}
    status_counts: dict[str, int] = {}

    def chunks():
        for df, geoms, raw in src.chunks():
            gz, written, residential, floor_area = screen_chunk(df, geoms, raw, src.crs, zones,
                                                                opts, str(input_path))
            base = df.drop(columns=[c for c in df.columns if str(c) in SHAPEFILE_NAMES
                                    or str(c) in SHAPEFILE_NAMES.values()])
            cols = gz
            if driver == "ESRI Shapefile":
                cols = gz.rename(columns=SHAPEFILE_NAMES)
                for c in ("gz_msg", "gz_status", "gz_rules"):
                    cols[c] = cols[c].astype(str).str.slice(0, _DBF_TEXT_MAX)
            yield gpd.GeoDataFrame(pd.concat([base, cols], axis=1),
                                   geometry=gpd.GeoSeries(written, crs=src.crs), crs=src.crs)
            if summary.id_column is None and len(df.columns):
                summary.id_column = str(df.columns[0])
            ids = (df[summary.id_column].astype(str).to_numpy() if summary.id_column in df
                   else np.full(len(df), "", dtype=object))
            _accumulate(summary, gz, verdict_counts, status_counts, residential, floor_area,
                        pilot, ids, zones)
            if progress:
                progress(summary.rows, src.n_rows)

    with atomic_output(out, overwrite) as tmp:
        # Shapefile output is UTF-8 (Arrow text is UTF-8); names are fitted to 10 bytes.
        rows = write_chunks(tmp, driver, src.crs, chunks(), layer=layer or "screened",
                            renamed=summary.renamed)
        if rows != summary.rows or (src.n_rows is not None and rows != src.n_rows):
            raise OutputError("output_write", path=str(out),
                              why=f"{rows} rows written for {src.n_rows or summary.rows} read")
    summary.verdicts = verdict_counts
    summary.statuses = status_counts
    return summary


def write_report(summary: ScreenSummary, path: str | Path, overwrite: bool = False) -> None:
    """The run's summary as JSON (``.json``) or CSV (``.csv``: one row per metric), atomically."""
    import json

    path = Path(path)
    ext = path.suffix.lower()
    if ext not in (".json", ".csv"):
        raise OutputError("output_format", path=str(path), choices=".json, .csv")
    data = summary.to_dict()
    with atomic_output(path, overwrite) as tmp:
        if ext == ".json":
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            rows = [("rows", "", data["rows"])]
            rows += [("verdict", k, v) for k, v in data["verdicts"].items()]
            rows += [("status", k, v) for k, v in data["statuses"].items()]
            rows += [("worst_exceedance_m", f"row {w['row']} {w['id']}", w["exceedance_m"])
                     for w in data["worst_exceedances"]]
            rows += [("error", f"row {e['row']} {e['id']}", e["status"]) for e in data["errors"]]
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
