"""Pilot areas (a boundary and the building rules that apply inside it), as data.

The shipped pilot is Pinglu's county-town green low-carbon pilot area (平陆, "Pingtu" on the
design card): ``data/pilots/pinglu.toml`` with its PROVISIONAL boundary
``data/pilots/pinglu.geojson`` (21.13 km², Pinglu plan §1 (4)). Rules inside it concern
residential buildings by storeys (§2 (3), (8)); outside the area none of them apply.

A further pilot area is a new ``data/pilots/<id>.toml`` with its boundary file.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .core.numbers import STOREY_HEIGHT_M, Bounds
from .core.pilot import PilotArea, geodesic_area_km2, low_rise_share, storeys_from_height, with_boundary
from .core.rules import Rule, parse_rule
from .core.text import Text
from .errors import InputError, StationFileError, first_line
from .station import read_toml

__all__ = [
    "PilotRule", "PilotArea", "load_pilot", "load_pilots", "read_boundary",
    "boundary_warnings", "geodesic_area_km2", "storeys_from_height", "low_rise_share",
    "with_boundary", "PILOT_SCHEMA",
]

PILOT_SCHEMA = "geozones.pilot/1"
#: The fields a pilot file may have (anything else is reported as unknown).
PILOT_TOP_KEYS = frozenset({"schema", "pilot", "rules"})
PILOT_KEYS = frozenset({"id", "name", "name_zh", "boundary", "area_km2", "area_warn_fraction",
                        "reference_lonlat", "reference_name", "storey_height_m", "low_rise_storeys",
                        "low_rise_share_target", "source"})
#: A pilot rule is a rule row like the station's (``where = "area"``, ``limit = "storeys"``),
#: read by the one parser, :func:`geozones.core.rules.parse_rule`.
PilotRule = Rule


def read_boundary(path: str | Path, crs: Any = None) -> tuple[BaseGeometry, str]:
    """Read a boundary file (any vector format, any CRS; DXF with ``crs``) as a valid WGS84
    lon/lat polygon. ``crs`` (``--pilot-boundary-crs``) is needed when the file has none, and
    may name GCJ-02/BD-09 for a WGS84 file traced on a Chinese web map.

    Raises :class:`InputError` naming the problem.

    Parameters
    ----------
    path : str or Path
        The boundary file.
    crs : str or CRS, optional
        Its CRS when the file declares none (or GCJ-02/BD-09).

    Returns
    -------
    polygon : shapely geometry
        The boundary, WGS84 longitude/latitude. [deg]
    description : str
        Where it came from, for messages.
    """
    from .core.datums import geoms_to_wgs84
    from .io.formats import existing_input

    path = existing_input(path, missing="boundary_missing")
    plain = _plain_geojson(path) if crs is None else None
    if crs is None and plain is None and path.suffix.lower() != ".dxf":
        import pyogrio

        try:
            if pyogrio.read_info(path)["crs"] is None:
                raise InputError("boundary_no_crs", path=str(path))
        except InputError:
            raise
        except Exception as exc:
            raise InputError("file_read", path=str(path), why=first_line(exc)) from None
    if plain is not None:  # RFC 7946 GeoJSON: WGS84 lon/lat, read without GDAL and pandas
        geoms = plain[~(shapely.is_missing(plain) | shapely.is_empty(plain))]
        file_crs = None
    else:
        from .io import read_vector

        gdf, file_crs, _notes = read_vector(path, crs)
        present = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
        geoms = np.asarray(gdf.geometry.values, dtype=object)[present]
    if not len(geoms):
        raise InputError("file_no_features", path=str(path))
    types = set(shapely.get_type_id(geoms))
    if not types <= {3, 6}:  # Polygon, MultiPolygon
        raise InputError("boundary_not_polygon", path=str(path))
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        raise InputError("boundary_invalid", path=str(path),
                         why=shapely.is_valid_reason(geoms[bad][0]))
    from .core.coords import parse_crs, transform_geoms

    if file_crs is None:
        wgs = geoms
    else:
        geoms, file_crs = geoms_to_wgs84(geoms, file_crs)
        wgs = transform_geoms(geoms, file_crs, parse_crs("EPSG:4326"), False)
    boundary = shapely.union_all(wgs)
    return boundary, str(path)


def _plain_geojson(path: Path) -> np.ndarray | None:
    """The geometries of a GeoJSON FeatureCollection in WGS84 lon/lat (no ``crs`` member, or
    CRS84/EPSG:4326), read with json and shapely (issue 13: ``geozones check`` need not import
    pandas and GDAL to read the shipped boundary); None for anything else (GDAL reads it)."""
    import json

    if path.suffix.lower() not in (".geojson", ".json"):
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        return None
    crs = doc.get("crs")
    if crs is not None:
        name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else ""
        if not any(k in name.upper() for k in ("CRS84", "EPSG::4326", "EPSG:4326")):
            return None
    feats = doc.get("features")
    if not isinstance(feats, list):
        return None
    try:
        texts = [json.dumps(f.get("geometry")) if f.get("geometry") else None for f in feats]
        return np.asarray(shapely.from_geojson(texts), dtype=object).reshape(-1)
    except Exception:
        return None


def boundary_warnings(pilot: PilotArea) -> list[tuple[str, dict[str, Any]]]:
    """Warnings about a boundary: area off by more than the tolerance; GCJ-02 look.

    GCJ-02 test: the reference point is where the boundary is expected to be centred (the
    county seat). When the offset from it to the boundary's centroid matches the local
    WGS84→GCJ-02 shift (coordTransform) to within half the shift's length, the boundary was
    probably copied from a Chinese web map and needs converting to WGS84. A boundary centred
    far (more than a few hundred metres) from the reference point cannot be judged this way.

    Parameters
    ----------
    pilot : PilotArea
        The pilot area, its boundary in WGS84 longitude/latitude.

    Returns
    -------
    list of (str, dict)
        ``(message key, its values)`` of each warning (``boundary_area``, ``boundary_gcj``);
        the catalogue (:mod:`geozones.text`) words them.
    """
    import coordTransform

    out: list[tuple[str, dict[str, Any]]] = []
    area = geodesic_area_km2(pilot.boundary)
    if abs(area / pilot.area_km2 - 1.0) > pilot.area_warn_fraction:
        out.append(("boundary_area", {"path": pilot.boundary_source, "area": f"{area:.2f}",
                                      "expected": f"{pilot.area_km2:.2f}",
                                      "tol": f"{pilot.area_warn_fraction:.0%}"}))
    lon, lat = pilot.reference_lonlat
    glon, glat = coordTransform.wgs84_to_gcj02(lon, lat)
    c = pilot.boundary.centroid
    # offsets as local east/north metres (small distances: a flat approximation is enough)
    m_lat = 111_320.0
    m_lon = m_lat * np.cos(np.radians(lat))
    offset = np.array([(c.x - lon) * m_lon, (c.y - lat) * m_lat])
    shift_v = np.array([(glon - lon) * m_lon, (glat - lat) * m_lat])
    shift = float(np.hypot(*shift_v))
    if np.hypot(*(offset - shift_v)) < 0.5 * shift:
        out.append(("boundary_gcj", {"path": pilot.boundary_source, "shift": f"{shift:,.0f}",
                                     "ref": pilot.reference_name}))
    return out


def load_pilot(path: str | Path, boundary: str | Path | None = None, boundary_crs: Any = None) -> PilotArea:
    """Read a pilot file; ``boundary`` (in ``boundary_crs`` if given) replaces the boundary it names.

    Parameters
    ----------
    path : str or Path
        The pilot file (``data/pilots/*.toml``: its area, storey and height rules, articles).
    boundary : str or Path, optional
        A boundary file (any vector format) to use instead of the one the pilot file names.
    boundary_crs : str or CRS, optional
        The CRS of ``boundary`` when the file has none (GCJ-02/BD-09 allowed).

    Returns
    -------
    PilotArea
        The pilot area with its rules.
    """
    path = Path(path)
    doc = read_toml(path, "pilot")
    p = str(path)
    if doc.get("schema") != PILOT_SCHEMA:
        raise StationFileError("pilot_field", path=p, field="schema", expected=f'"{PILOT_SCHEMA}"')
    t = doc.get("pilot")
    if not isinstance(t, dict):
        raise StationFileError("pilot_field", path=p, field="[pilot]", expected="a table")
    for table, section, known in (("", doc, PILOT_TOP_KEYS), ("[pilot].", t, PILOT_KEYS)):
        for key in section:
            if key not in known:
                raise StationFileError("pilot_unknown_key", path=p, field=table + key,
                                       known=", ".join(sorted(known)))

    def num(key: str, high: float | None = None, bounds: Bounds | None = None) -> float:
        bounds = bounds or Bounds(0.0, high, min_open=True)   # every number of [pilot] is > 0
        v = bounds.number(t.get(key))
        if v is None:
            raise StationFileError("pilot_field", path=p, field=f"[pilot].{key}", expected=bounds.expected())
        return v

    def text(key: str) -> str:
        v = t.get(key)
        if not isinstance(v, str):
            raise StationFileError("pilot_field", path=p, field=f"[pilot].{key}", expected="text")
        return v

    ref = t.get("reference_lonlat")
    if not (isinstance(ref, list) and len(ref) == 2 and Bounds(-180.0, 180.0).problem(ref[0]) is None
            and Bounds(-90.0, 90.0).problem(ref[1]) is None):
        raise StationFileError("pilot_field", path=p, field="[pilot].reference_lonlat",
                               expected="[longitude, latitude] in WGS84 degrees")
    rows = doc.get("rules")
    if not isinstance(rows, list) or not rows:
        raise StationFileError("pilot_field", path=p, field="[[rules]]", expected="at least one rule row")
    if boundary is None:
        # a pilot file names a file beside it: the path may not leave the pilot file's folder
        boundary_path = (path.parent / text("boundary")).resolve()
        if not boundary_path.is_relative_to(path.parent.resolve()):
            raise StationFileError("pilot_path_escape", path=p, boundary=text("boundary"))
    else:
        boundary_path = Path(boundary)
    poly, desc = read_boundary(boundary_path, boundary_crs if boundary is not None else None)
    if boundary is None:
        desc = f"data/pilots/{boundary_path.name}"
    provisional = boundary is None and _provisional(boundary_path)
    pid = text("id")
    return PilotArea(
        id=pid, name=Text(text("name"), text("name_zh")), boundary=poly,
        boundary_source=desc, provisional=provisional, area_km2=num("area_km2"),
        area_warn_fraction=num("area_warn_fraction", high=1.0),
        reference_lonlat=(float(ref[0]), float(ref[1])),
        reference_name=text("reference_name"), storey_height_m=num("storey_height_m", bounds=STOREY_HEIGHT_M),
        low_rise_storeys=int(num("low_rise_storeys", bounds=Bounds(1, integer=True))),
        low_rise_share_target=num("low_rise_share_target", high=1.0),
        rules=tuple(parse_rule(r, i, area=pid, path=p) for i, r in enumerate(rows)),
        source=str(t.get("source", "")),
        source_path=str(path), boundary_path=str(boundary_path),
    )


def _provisional(path: Path) -> bool:
    import json

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return bool(doc["features"][0]["properties"].get("provisional", False))
    except (ValueError, KeyError, IndexError, OSError):
        return False


def shipped_pilot_paths() -> list[Path]:
    """Every pilot file shipped in ``data/pilots``."""
    folder = Path(str(resources.files("geozones.data") / "pilots"))
    return sorted(folder.glob("*.toml"))


def load_pilots(boundary: str | Path | None = None, paths: Sequence[str | Path] | None = None,
                boundary_crs: Any = None) -> tuple[PilotArea, ...]:
    """The shipped pilot areas (or those in ``paths``); ``boundary`` replaces the boundary of
    the first one (Pinglu, the only one shipped).

    Parameters
    ----------
    boundary : str or Path, optional
        A boundary file for the first pilot area.
    paths : sequence of str or Path, optional
        Pilot files; default: the shipped ones (``data/pilots/*.toml``).
    boundary_crs : str or CRS, optional
        The CRS of ``boundary`` when the file has none.

    Returns
    -------
    tuple of PilotArea
        The pilot areas, in the order of ``paths``.
    """
    files = [Path(p) for p in paths] if paths is not None else shipped_pilot_paths()
    return tuple(load_pilot(f, boundary if i == 0 else None, boundary_crs if i == 0 else None)
                 for i, f in enumerate(files))
