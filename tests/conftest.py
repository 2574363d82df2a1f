"""Shared fixtures and geometries for the tests.

All test data is made here or in the tests (no files are shipped for them). Proposals are
placed in the station frame (metres, x east, y north, origin at the field
centre) so that their distance D to the 25 m field's fence is known by construction:
a point at (0, 12.5 + D) is D metres north of the fence; north (azimuth 0°) is outside both
sun sectors, east (azimuth 90°) is inside the sunrise sector.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon

from geozones.check import assess_local
from geozones.core.coords import from_frame
from geozones.core.kinds import normalize_kinds
from geozones.core.zones import StationFrame
from geozones.station import load_station
from geozones.text import findings

#: The test session's cache folder (the sun table of geozones.sunshine is computed once per
#: session there, never read from or written to the user's cache); loaded at start-up for the
#: docstring examples of geozones/ too (tests/ is one of the test paths).
_CACHE: list[str] = []


def pytest_configure(config):
    from geozones.sunshine import CACHE_ENV, use_cache_dir

    _CACHE.append(tempfile.mkdtemp(prefix="geozones-test-cache-"))
    use_cache_dir(_CACHE[-1])
    os.environ[CACHE_ENV] = _CACHE[-1]      # the command line reads it (in a subprocess too)


def pytest_unconfigure(config):
    for folder in _CACHE:
        shutil.rmtree(folder, ignore_errors=True)


HALF = 12.5          # half the 25 m field [m]
TAN5 = math.tan(math.radians(5.0))


@pytest.fixture(scope="session")
def station():
    return load_station()


@pytest.fixture(scope="session")
def frame(station):
    return StationFrame(station)


def north(d: float) -> Point:
    """A point ``d`` metres north of the fence."""
    return Point(0.0, HALF + d)


def east(d: float) -> Point:
    """A point ``d`` metres east of the fence (in the sunrise sector)."""
    return Point(HALF + d, 0.0)


def square_north(d: float, size: float = 10.0) -> Polygon:
    """A ``size`` m square footprint whose south edge is ``d`` m north of the fence."""
    y0 = HALF + d
    return shapely.box(-size / 2, y0, size / 2, y0 + size)


def at_azimuth(az_deg: float, r: float) -> Point:
    """A point at azimuth ``az_deg`` (clockwise from north), ``r`` m from the field centre."""
    a = math.radians(az_deg)
    return Point(r * math.sin(a), r * math.cos(a))


def run(frame, geoms, kind="building", height=np.nan):
    """Assess local geometries; returns the Assessment."""
    geoms = np.atleast_1d(np.asarray(geoms, dtype=object))
    n = len(geoms)
    kinds = normalize_kinds(np.broadcast_to(np.asarray(kind, dtype=object), (n,)))
    heights = np.broadcast_to(np.asarray(height, dtype=float), (n,)).copy()
    return assess_local(frame, geoms, kinds, heights)


def one(frame, geom, kind="building", height=np.nan):
    """Verdict, zone, max height and flagged rules for one local geometry."""
    a = run(frame, [geom], kind, height)
    mh = a.max_height_m[0]
    return {
        "verdict": a.verdict[0],
        "zone": a.zone[0],
        "distance": a.measurements.distance_m[0],
        "max_height": None if np.isnan(mh) else mh,
        "rules": a.flagged_rules(0),
        "applied": [f.rule for f in findings(a, 0)],
        "sun": bool(a.measurements.in_sun_sector[0]),
    }


def to_wgs84(frame, geom):
    """A local geometry in EPSG:4326 (lon, lat)."""
    from pyproj import CRS

    return from_frame(np.array([geom], dtype=object), frame.crs, CRS.from_epsg(4326))[0]


def read_output(path, **kw):
    """A vector file as geopandas reads it, asking for the data layer by name when the file
    also holds tables (our GeoPackage output carries QGIS's ``layer_styles``), as the package
    itself does (:func:`geozones.io.require_one_layer`): no "more than one layer" warning."""
    import geopandas as gpd

    from geozones.io import require_one_layer

    layer = require_one_layer(path, kw.pop("layer", None))
    return gpd.read_file(path, **({"layer": layer} if layer else {}), **kw)


def imported_stations(folder, table: str):
    """``geozones stations import`` of the CSV text ``table`` (written to ``folder/t.csv``)
    into ``folder/st``, through the command; returns that folder."""
    from click.testing import CliRunner

    from geozones.cli import main

    (folder / "t.csv").write_text(table, encoding="utf-8")
    res = CliRunner().invoke(main, ["stations", "import", str(folder / "t.csv"), "-o", str(folder / "st")])
    assert res.exit_code == 0, res.output
    return folder / "st"


def number_paths(doc, path=()):
    """The key paths of every number in a parsed TOML document (``("rules", 3, "ratio")``)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from number_paths(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from number_paths(v, (*path, i))
    elif isinstance(doc, int | float) and not isinstance(doc, bool):
        yield path


def with_value(doc, path, value):
    """A deep copy of ``doc`` with the value at ``path`` replaced."""
    import copy

    out = copy.deepcopy(doc)
    node = out
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return out


def toml_text(doc) -> str:
    """A parsed TOML document written back (tables as ``[name]``, everything below them
    inline; ``nan`` and ``inf`` as TOML spells them): enough for the test files here."""
    import json

    def key(k):
        return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and not math.isfinite(v):
            return "nan" if v != v else ("inf" if v > 0 else "-inf")
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return "{" + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + "}"

    top = [f"{key(k)} = {value(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    tables = [f"[{key(k)}]\n" + "\n".join(f"{key(kk)} = {value(vv)}" for kk, vv in v.items())
              for k, v in doc.items() if isinstance(v, dict)]
    return "\n".join(top) + "\n\n" + "\n\n".join(tables) + "\n"


def station_file_at(folder, lon: float, lat: float, ident: str = "moved"):
    """The shipped station file with the field centre moved to ``lon``, ``lat`` [deg] and the
    id ``ident``, written into ``folder`` (made if needed); returns its path."""
    import re
    from pathlib import Path

    from geozones.station import default_station_path

    text = default_station_path().read_text(encoding="utf-8")
    text = re.sub(r"(?m)^longitude_deg = .*$", f"longitude_deg = {lon!r}", text)
    text = re.sub(r"(?m)^latitude_deg = .*$", f"latitude_deg = {lat!r}", text)
    text = re.sub(r'(?m)^id = "jiangxian"$', f'id = "{ident}"', text)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ident}.toml"
    path.write_text(text, encoding="utf-8")
    return path


#: Two small squares about 700 m north-east of the field, in WGS84: in the control belt,
#: outside the sun sectors, so a height H passes while H <= D / 10 (D over 700 m).
TWO_SQUARES = [shapely.box(111.574, 35.510, 111.5745, 35.5105), shapely.box(111.576, 35.512, 111.5765, 35.5125)]
TABLE_FORMATS = {"gpkg": "GPKG", "shp": "ESRI Shapefile", "geojson": "GeoJSON", "fgb": "FlatGeobuf",
                 "parquet": None, "csv": None}


def write_table(path, columns: dict, geoms=TWO_SQUARES):
    """A file of ``geoms`` (WGS84) whose attribute columns are exactly ``columns`` (name ->
    values, in order), whatever their names (``geometry``, ``GZ_VERDICT`` …): GDAL formats
    through GDAL's Arrow writer (the geometry column named apart), GeoParquet with its
    primary column named apart (``geom``, or ``the_shape`` when an attribute is ``geom``),
    CSV with the WKT first in ``wkt``. Raises where the format cannot hold such a column (a
    GeoPackage attribute ``fid``)."""
    import csv
    import json
    from pathlib import Path

    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyogrio

    path = Path(path)
    ext = path.suffix[1:]
    if ext == "csv":
        with open(path, "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["wkt", *columns])
            for i, g in enumerate(geoms):
                out.writerow([g.wkt, *[columns[c][i] for c in columns]])
        return path
    hidden = "\x01shape"
    table = pa.table({**{c: pa.array(v, type=None if len(v) else pa.string()) for c, v in columns.items()},
                      hidden: pa.array(shapely.to_wkb(geoms), pa.binary())})
    if ext == "parquet":
        primary = "the_shape" if any(c.lower() == "geom" for c in columns) else "geom"
        table = table.rename_columns([*columns, primary])
        geo = {"version": "1.0.0", "primary_column": primary,
               "columns": {primary: {"encoding": "WKB", "geometry_types": ["Polygon"], "crs": "OGC:CRS84"}}}
        pq.write_table(table.replace_schema_metadata({b"geo": json.dumps(geo).encode()}), path)
        return path
    pyogrio.write_arrow(table, path, driver=TABLE_FORMATS[ext], geometry_name=hidden, geometry_type="Polygon",
                        crs="EPSG:4326")
    return path


def read_table(path):
    """A file as written (any format of :data:`TABLE_FORMATS`), every column as stored."""
    from pathlib import Path

    import geopandas as gpd
    import pandas as pd

    path = Path(path)
    if path.suffix == ".parquet":
        return gpd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    return read_output(path)
