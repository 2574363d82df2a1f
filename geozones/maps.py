"""HTML maps of the zones and screened parcels (folium).

One page: the permitted height as stepped colour bands, the observation field, the protection
range, the control belt, the general zone, the sunrise and sunset sectors, labelled
height-limit contours, the station with its facts, the pilot boundaries, the parcels coloured
by verdict (searchable), and draw-and-check. Click anywhere for the permitted height there, or
draw a proposal: both are computed in the page by ``static/geozones_eval.js`` from the station
file's rule rows (tested under node against the Python evaluator).

The page is self-contained by default: Leaflet (``django-js-lib-leaflet``, Leaflet 1.9.4, BSD)
and Leaflet.draw (the static files of ``django-leaflet``, Leaflet.draw 1.0.4, MIT) are inlined
with their images, and the page makes no request except basemap tiles; ``tiles="none"`` makes
it fully offline. ``cdn=True`` links both from jsDelivr instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template
from pyproj import CRS

from .check import ZoneSet
from .core.coords import from_frame
from .core.zones import ZONES
from .errors import InputError, first_line
from .io import atomic_output
from .io.serialise import html_text, page_text, script_json
from .text import KIND_NAMES, VERDICT_NAMES, article_label, consent_head, name, t, zone_name

__all__ = ["TILES", "build_map", "write_map", "read_parcels", "contour_lines"]

#: Basemap choices (``--tiles``); any other value containing ``{z}`` is a custom tile URL.
TILES: tuple[str, ...] = ("osm", "tianditu", "gaode", "none")
LEAFLET_CDN = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/"
LEAFLET_DRAW_CDN = "https://cdn.jsdelivr.net/npm/leaflet-draw@1.0.4/dist/"
#: Verdict colours from the Okabe-Ito palette (distinguishable with the common colour-vision
#: deficiencies); fail is also drawn with a heavy dark outline, review with a dashed one.
COLORS = {"pass": "#009E73", "review": "#E69F00", "fail": "#D55E00", "error": "#999999"}
ZONE_STYLE = {
    "body": ("#000000", 0.6), "protection": ("#c62828", 0.25), "control": ("#ef6c00", 0.12),
    "general": ("#1565c0", 0.06), "sunrise": ("#fbc02d", 0.10), "sunset": ("#8e24aa", 0.10),
}
#: Drawn proposals (draw-and-check) in a colour of their own: a magenta, dashed, far from every
#: verdict, zone, band and contour colour (tests/test_maps.py measures the distances).
DRAWN_STYLE = {"color": "#e6007e", "weight": 3, "dashArray": "6 4", "fillColor": "#e6007e", "fillOpacity": 0.15}
#: Review parcels' outline: a dark amber, dashed, that stands out against the light band fills.
REVIEW_OUTLINE = "#7a4a00"
#: Opacity of the permitted-height band fills. The bands are drawn opaque, each with an outline
#: of its own colour (so neighbouring bands leave no anti-aliased hairline between them), in a
#: pane of this opacity.
BAND_OPACITY = 0.35
#: Map panes and their z-index (Leaflet's overlayPane, 400, holds the zones, contours and
#: pilot areas): the bands under them, the parcels, drawings and station marker above.
PANES = {"bands": ("gzBands", 350), "zones": ("overlayPane", 400), "parcels": ("gzParcels", 450)}
#: Below this map width (px) the legend starts collapsed.
LEGEND_COLLAPSE_BELOW_PX = 700
_WGS84 = CRS.from_epsg(4326)



def _static(name_: str) -> str:
    return (resources.files("geozones") / "static" / name_).read_text(encoding="utf-8")


def _leaflet_files() -> tuple[str, str]:
    base = resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"
    css = _inline_css_images((base / "leaflet.css").read_text(encoding="utf-8"), base)
    return (base / "leaflet.js").read_text(encoding="utf-8"), css


def require_page_support(station) -> None:
    """Refuse a station with a rule the page cannot decide: one that reads what a drawn shape
    does not carry (a building use, a storey count, a pilot area: :func:`geozones.core.rules.reads`),
    rather than a page whose click-anywhere and draw-and-check answers would silently differ
    from ``geozones check``."""
    from .core.rules import LIMITS, WHERE, reads

    for r in station.rules:
        if reads(r):
            raise InputError("map_rule_unsupported", rule=r.id, where=r.where, limit=r.limit,
                             path=station.source_path or station.id,
                             known=", ".join(w for w in WHERE if w != "area") + " / "
                             + ", ".join(lim for lim in LIMITS if lim != "storeys"))


def page_config(zones: ZoneSet) -> dict[str, Any]:
    """What the page script (``static/geozones_eval.js``) needs to measure a drawn geometry
    and look its answer up: the station's position, field, zone distances, sun sectors, the
    rules' names and the compiled rule table (:func:`geozones.core.heightfield.page_table`:
    the page holds no rule logic). Distances in metres, angles in degrees."""
    from .core.heightfield import page_table
    from .core.kinds import KINDS

    station = zones.frame.station
    wind = station.prevailing_wind_from_deg
    return {
        "station_id": station.id,
        "station": {"lat": station.latitude_deg, "lon": station.longitude_deg},
        "field": {"half": station.field_size_m / 2, "rotation_deg": station.field_rotation_deg},
        "zones": {"protection": station.protection_m, "control": station.control_m,
                  "general": station.general_m, "general_upwind": station.general_upwind_m,
                  "upwind": wind is not None, "upwind_from": wind,
                  "upwind_half": station.upwind_sector_deg / 2},
        "tolerance": station.tolerance_m,
        "sun": [list(zones.frame.sun_azimuths[n]) for n in ("sunrise", "sunset")],
        "sun_radius": station.sun_sector_radius_m,
        "rules": [{"id": r.id, "article": r.article, "limit": r.limit} for r in station.rules],
        "table": page_table(station, KINDS),
    }


class _Map(folium.Map):
    """folium's Map with only Leaflet itself as a resource (no jQuery, Bootstrap, fonts)."""

    default_js = [("leaflet", LEAFLET_CDN + "leaflet.js")]
    default_css = [("leaflet_css", LEAFLET_CDN + "leaflet.css")]


def contour_lines(zones: ZoneSet, extent_m: float = 5000.0) -> list[tuple[float, Any, str]]:
    """Height-limit contours in the station frame: ``(height [m], line, where)``.

    Read from the building's permitted-height table (:meth:`StationFrame.height_table`,
    compiled from the rule rows by the one evaluator), where the rules surely apply: on every
    segment of D where the permitted height rises with D (H = D × ratio, Art. 12.3 ⑥ and
    13 (1) at Jiangxian; H = D × tan angle in the sun sectors, Art. 12.3 ⑦) a contour every
    10 m outside the sun sectors (``where = "ratio"``), and inside them every 10 m to 100 m,
    then every 50 m (``where = "sun"``), out to ``extent_m``. Each contour is the ring at that
    D, cut to the sectors of its class (sun sectors, upwind sector). A station whose rows
    set no such limit has no such contours.

    Parameters
    ----------
    zones : ZoneSet
        The station (its frame and rule rows).
    extent_m : float
        How far from the fence contours are drawn. [m]

    Returns
    -------
    list of (float, shapely geometry, str)
        ``(height [m], line in the station frame [m], where)``, ``where`` being
        ``"ratio"`` or ``"sun"``.
    """
    frame = zones.frame
    table = frame.height_table("building", surely=True)
    sun = shapely.union_all([frame.sun_sector(n, extent_m * 2) for n in ("sunrise", "sunset")])
    upwind = frame.upwind_sector
    bounds = [-math.inf, *table.breaks.tolist(), math.inf]
    classes = [(c_sun, c_up) for c_up in ((False, True) if table.uses_upwind else (False,))
               for c_sun in ((False, True) if table.uses_sun else (False,))]
    pieces: dict[tuple[float, str], list] = {}
    for ci, (c_sun, c_up) in enumerate(classes):
        where = "sun" if c_sun else "ratio"
        for j, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
            k, i = table.slope[ci, j], table.intercept[ci, j]
            if not k > 0:
                continue
            top = (min(hi, extent_m) * k + i)
            if where == "ratio":
                heights = np.arange(10.0, top + 1e-9, 10.0)
            else:
                heights = np.concatenate([np.arange(10.0, min(100.0, top) + 1e-9, 10.0), np.arange(150.0, top + 1e-9, 50.0)])
            for h in heights:
                d = (h - i) / k
                if not (max(lo, 0.0) < d <= min(hi, extent_m) + 1e-9):
                    continue
                line = frame.band(d).exterior
                line = line.intersection(sun) if c_sun else line.difference(sun)
                if upwind is not None and table.uses_upwind:
                    line = line.intersection(upwind) if c_up else line.difference(upwind)
                if not line.is_empty:
                    pieces.setdefault((float(h), where), []).append(line)
    out: list[tuple[float, Any, str]] = []
    for (h, where), lines in pieces.items():
        out.append((h, lines[0] if len(lines) == 1 else shapely.line_merge(shapely.union_all(lines)), where))
    return out


def _gcj_grid(bounds: tuple[float, float, float, float], step: float = 0.01) -> dict[str, Any]:
    """GCJ-02 minus WGS84 offsets on a grid (from coordTransform), for the page's inverse."""
    import coordTransform

    lon0, lat0, lon1, lat1 = bounds
    lons = np.arange(lon0 - step, lon1 + 2 * step, step)
    lats = np.arange(lat0 - step, lat1 + 2 * step, step)
    glon, glat = np.meshgrid(lons, lats)
    glon_g, glat_g = coordTransform.wgs84_to_gcj02(glon.ravel(), glat.ravel())
    d = np.column_stack([np.asarray(glon_g) - glon.ravel(), np.asarray(glat_g) - glat.ravel()])
    return {"lon0": float(lons[0]), "lat0": float(lats[0]), "step": step, "nx": len(lons),
            "ny": len(lats), "d": np.round(d, 9).tolist()}


class _Shift:
    """WGS84 → what the basemap expects (GCJ-02 for Gaode, unchanged otherwise)."""

    def __init__(self, gcj: bool) -> None:
        self.gcj = gcj

    def geoms(self, geoms: np.ndarray) -> np.ndarray:
        if not self.gcj:
            return geoms
        import coordTransform

        def fn(x, y):
            gx, gy = coordTransform.wgs84_to_gcj02(np.asarray(x), np.asarray(y))
            return np.asarray(gx, dtype=float), np.asarray(gy, dtype=float)

        return shapely.transform(geoms, lambda c: np.column_stack(fn(c[:, 0], c[:, 1])))


def _to_wgs(zones: ZoneSet, local_geoms: Sequence[Any]) -> np.ndarray:
    return from_frame(np.asarray(local_geoms, dtype=object), zones.frame.crs, _WGS84)


def _tiles(m: folium.Map, tiles: str, lang: str, tianditu_key: str | None, attribution: str | None) -> None:
    if tiles == "none":
        return
    if tiles == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=True).add_to(m)
    elif tiles == "tianditu":
        key = tianditu_key   # the command line takes it from TIANDITU_KEY too
        if not key:
            raise InputError("tianditu_key")
        for layer, label in (("vec", t("map_tianditu", lang)), ("cva", None)):
            url = ("https://t{s}.tianditu.gov.cn/" + layer + "_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                   "&VERSION=1.0.0&LAYER=" + layer + "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                   "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=" + key)
            folium.TileLayer(url, attr="© 天地图 Tianditu", name=label or "labels", subdomains="01234567",
                             overlay=label is None, control=label is not None, max_zoom=18).add_to(m)
    elif tiles == "gaode":
        folium.TileLayer("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
                         attr="© 高德 AutoNavi (GCJ-02)", name="高德 Gaode", subdomains="1234",
                         max_zoom=18).add_to(m)
    else:
        if "{z}" not in tiles or "{x}" not in tiles or "{y}" not in tiles:
            raise InputError("tiles_url", tiles=tiles, choices=", ".join(TILES))
        folium.TileLayer(tiles, attr=page_text(attribution or "custom tiles"), name="basemap").add_to(m)


def _parcels_geojson(gdf, shift: _Shift, simplify_m: float, network: Sequence[ZoneSet] = ()
                     ) -> tuple[dict[str, Any], np.ndarray, list[str]]:
    """The screened parcels as compact GeoJSON for the page (only what the popup shows), and
    the drawn geometries (lon/lat, as on the basemap) with their verdicts. ``network``: the
    stations, for each parcel's approval notice (``c``: "inside", "maybe" or "") from its
    governing station (the first without ``gz_station``)."""

    from .screen import consent_cases, full_names

    gdf = full_names(gdf)   # a screened shapefile's short names read as the full ones
    if "gz_verdict" not in gdf.columns:
        raise InputError("parcels_not_screened")
    wgs = gdf.to_crs(4326) if gdf.crs is not None else gdf
    geoms = np.asarray(wgs.geometry.values, dtype=object).copy()
    # a footprint with a NaN or infinite vertex (that row's error in the table) has nowhere
    # to be drawn, and GEOS refuses to simplify it
    from .core.geometry import nonfinite

    geoms[nonfinite(geoms)] = None
    if simplify_m > 0:
        geoms = shapely.simplify(geoms, simplify_m / 111_000.0, preserve_topology=True)
    geoms = shift.geoms(geoms)
    geoms = shapely.set_precision(geoms, 1e-6, mode="pointwise")  # ~0.1 m, enough for display
    label_col = next((c for c in gdf.columns if c not in ("geometry",) and not str(c).startswith("gz_")), None)

    def col(name_, default=None):
        return gdf[name_].to_numpy() if name_ in gdf.columns else np.full(len(gdf), default, dtype=object)

    def num(values):
        return [None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), 2)
                for v in values]

    props = {
        "n": [str(v) for v in (col(label_col, "") if label_col else np.arange(len(gdf)))],
        "v": [str(v) for v in col("gz_verdict", "")],
        "h": num(col("gz_height_m")),
        "mh": num(col("gz_max_height_m")),
        "ex": num(col("gz_exceedance_m")),
        "r": ["" if v is None else str(v) for v in col("gz_rules", "")],
        "s": ["" if v is None else str(v) for v in col("gz_status", "")],
    }
    if "gz_station" in gdf.columns:  # screened against several stations: the governing one
        props["st"] = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                       for v in col("gz_station", "")]
    if network and "gz_zone" in gdf.columns and "gz_distance_m" in gdf.columns:
        zone, dist = col("gz_zone"), np.asarray(num(col("gz_distance_m")), dtype=float)
        consent = np.full(len(gdf), "", dtype=object)
        for k, zs in enumerate(network):
            own = (np.asarray(props["st"], dtype=object) == zs.frame.station.id) if "st" in props else (
                np.full(len(gdf), k == 0))
            consent[own] = consent_cases(zone[own], dist[own], zs.frame.station)[:]
        props["c"] = consent.tolist()
    features, drawn, verdicts = [], [], []
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            continue
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(g),
                         "properties": {k: v[i] for k, v in props.items()}})
        drawn.append(g)
        verdicts.append(props["v"][i])
    return {"type": "FeatureCollection", "features": features}, np.array(drawn, dtype=object), verdicts


#: Above this many parcels, overview zooms show them as an image (drawn here) and the
#: vector parcels (with popups) appear from ``OVERVIEW_MAX_ZOOM`` up, where few are in view.
OVERVIEW_MIN_PARCELS = 20_000
OVERVIEW_MAX_ZOOM = 16
_VERDICT_ORDER = ("pass", "review", "fail", "error")


def _parcels_overview(geoms: np.ndarray, verdicts: Sequence[str], size_px: int = 2048) -> dict[str, Any]:
    """The parcels rasterised in Web Mercator as a PNG data URL, coloured by verdict (the
    worst verdict on top), with its lat/lon bounds for ``L.imageOverlay``."""
    import base64
    import io as _io

    from ._optional import require

    require("matplotlib").use("Agg")
    plt = require("matplotlib.pyplot")
    from rasterio.features import rasterize
    from rasterio.transform import from_bounds

    from .core.coords import transform_geoms

    codes = np.array([(_VERDICT_ORDER.index(v) + 1) if v in _VERDICT_ORDER else 4 for v in verdicts])
    merc = transform_geoms(geoms, _WGS84, CRS.from_epsg(3857), False)
    x0, y0, x1, y1 = shapely.total_bounds(merc)
    pad = 0.01 * max(x1 - x0, y1 - y0, 1.0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    scale = size_px / max(x1 - x0, y1 - y0)
    w, h = max(int((x1 - x0) * scale), 1), max(int((y1 - y0) * scale), 1)
    order = np.argsort(codes, kind="stable")  # later shapes overwrite: worst verdict on top
    img = rasterize(zip(merc[order], codes[order]), out_shape=(h, w),
                    transform=from_bounds(x0, y0, x1, y1, w, h), fill=0, all_touched=True, dtype="uint8")
    palette = np.zeros((5, 4))
    for k, v in enumerate(_VERDICT_ORDER, start=1):
        c = COLORS[v].lstrip("#")
        palette[k] = [int(c[i:i + 2], 16) / 255 for i in (0, 2, 4)] + [0.85]
    buf = _io.BytesIO()
    plt.imsave(buf, palette[img], format="png")
    sw = transform_geoms(np.array([shapely.Point(x0, y0), shapely.Point(x1, y1)], dtype=object),
                    CRS.from_epsg(3857), _WGS84, False)
    return {"url": "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"),
            "bounds": [[sw[0].y, sw[0].x], [sw[1].y, sw[1].x]], "min_zoom": OVERVIEW_MAX_ZOOM}


def height_bands(zones: ZoneSet, extent_m: float = 5000.0, step_m: float = 10.0, top_m: float = 200.0,
                 cell_m: float | None = None, kind: str = "building",
                 height_fn=None) -> list[tuple[float, float, Any]]:
    """The permitted height as stepped bands, in the station frame: ``(low, high, polygon)``.

    The permitted height of a point-sized ``kind`` is evaluated by the one rule engine
    (:func:`geozones.heightlimit.permitted_height_at`, so the stricter sun-sector limit wins
    where it applies) on a grid of ``cell_m`` cells (default ``extent_m / 500``) and grouped in
    ``step_m`` classes: ``(0, 0)`` is "nothing may be built", then ``(0, 10]``, ``(10, 20]``, …,
    and ``(top_m, inf)``; where no height rule applies there is no band. Band edges are
    accurate to a cell (a display layer: the click popup and ``geozones check`` are exact). [m]
    The bands tile the grid: they are simplified together (``shapely.coverage_simplify``), so
    neighbouring bands share their edges exactly, with neither gap nor overlap.
    ``height_fn(frame, x, y, kind)`` replaces the one-station permitted height (several
    stations: the lowest over them).
    """
    from rasterio.features import shapes
    from rasterio.transform import from_origin

    from .heightlimit import permitted_height_at

    cell = cell_m or extent_m / 500.0
    n = int(np.ceil(2 * extent_m / cell))
    centres = -extent_m + (np.arange(n) + 0.5) * cell
    x, y = np.meshgrid(centres, centres[::-1])
    h = (height_fn or permitted_height_at)(zones.frame, x, y, kind)
    cls = np.full(h.shape, -1, dtype=np.int32)
    ok = ~np.isnan(h)
    cls[ok] = np.where(h[ok] <= 0, 0, np.minimum(np.ceil(h[ok] / step_m), top_m / step_m + 1)).astype(np.int32)
    out = []
    transform = from_origin(-extent_m, extent_m, cell, cell)
    by_class: dict[int, list] = {}
    for geom, value in shapes(cls, mask=cls >= 0, transform=transform, connectivity=4):
        by_class.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    keys = sorted(by_class)
    # simplified as one coverage: neighbouring bands keep exactly the same edge (simplified
    # one by one, each band's edge moved its own way and left slivers between them)
    polys = shapely.coverage_simplify(np.array([shapely.union_all(by_class[k]) for k in keys], dtype=object),
                                      cell, simplify_boundary=True) if keys else []
    for k, poly in zip(keys, polys):
        lo = 0.0 if k == 0 else (k - 1) * step_m
        hi = 0.0 if k == 0 else (k * step_m if k * step_m <= top_m else math.inf)
        out.append((lo, hi, poly))
    return out


def _band_colors(n: int) -> list[str]:
    """``n`` steps of viridis (perceptually even, readable with colour-blindness), dark = low."""
    from ._optional import require

    matplotlib = require("matplotlib")
    cmap = matplotlib.colormaps["viridis"]
    return [matplotlib.colors.to_hex(cmap(i / max(n - 1, 1))) for i in range(n)]


def _band_label(lo: float, hi: float, lang: str) -> str:
    if hi == 0:
        return t("map_band_zero", lang)
    if math.isinf(hi):
        return f"> {lo:.0f}"
    return f"{lo:.0f}–{hi:.0f}"


def parcel_places(geoms: np.ndarray, verdicts: Sequence[str], zones: ZoneSet, lang: str,
                  gap_m: float = 10_000.0) -> list[dict[str, Any]]:
    """Where the parcels lie: groups of parcels less than about ``gap_m`` apart, largest first.

    Each group has its lat/lon ``bounds``, its counts and a ``label`` (the pilot area or the
    station it lies in, else its position). Many parcels are grouped through a coarse grid of
    their centres, so this stays fast for millions.
    """
    geoms = np.asarray(geoms, dtype=object)
    keep = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    geoms, verdicts = geoms[keep], np.asarray(verdicts, dtype=object)[keep]
    if not len(geoms):
        return []
    from .core.coords import transform_geoms

    cent = transform_geoms(shapely.point_on_surface(shapely.make_valid(geoms)), _WGS84, zones.frame.crs, False)
    xy = shapely.get_coordinates(cent)
    cells, inverse = np.unique(np.floor(xy / (gap_m / 2)).astype(np.int64), axis=0, return_inverse=True)
    blobs = shapely.union_all(shapely.buffer(shapely.points((cells + 0.5) * (gap_m / 2)), gap_m * 0.75))
    parts = list(getattr(blobs, "geoms", [blobs]))
    tree = shapely.STRtree(parts)
    cell_part = np.array([tree.query(shapely.Point((c + 0.5) * (gap_m / 2)), predicate="intersects")[0]
                          for c in cells])
    part = cell_part[inverse.ravel()]
    verdict = np.asarray(verdicts, dtype=object)
    groups: list[dict[str, Any]] = []
    for k in np.unique(part):
        members = part == k
        x0, y0, x1, y1 = shapely.total_bounds(geoms[members])
        cx, cy = np.mean(xy[members], axis=0)
        label = None
        for pilot, boundary in zip(zones.pilots, zones.pilot_boundaries):
            if shapely.distance(boundary, shapely.Point(cx, cy)) < gap_m:
                label = pilot.name.get(lang)
        if label is None and math.hypot(cx, cy) < zones.station.general_extent_m + gap_m:
            label = zones.station.name.get(lang)
        if label is None:
            label = f"{(y0 + y1) / 2:.3f}° N {(x0 + x1) / 2:.3f}° E"
        n = int(members.sum())
        counts = {v: int(np.sum(verdict[members] == v)) for v in ("fail", "review")}
        groups.append({"bounds": [[y0, x0], [y1, x1]], "n": n, **counts,
                       "label": t("map_place", lang, n=f"{n:,}", where=label, fail=counts["fail"],
                                  review=counts["review"])})
    groups.sort(key=lambda g: -int(g["n"]))
    return groups


def _inline_css_images(css: str, folder) -> str:
    """CSS with its ``url(images/…)`` references replaced by data URLs (one self-contained page)."""
    import base64

    def repl(m):
        name_ = m.group(2)
        data = (folder / name_).read_bytes()
        mime = "image/svg+xml" if name_.endswith(".svg") else "image/png"
        return f"url(data:{mime};base64,{base64.b64encode(data).decode('ascii')})"

    return re.sub(r"url\((['\"]?)(images/[^'\")]+)\1\)", repl, css)


def _draw_files() -> tuple[str, str]:
    """Leaflet.draw 1.0.4 (MIT) as shipped in the ``django-leaflet`` package (its static files
    only: nothing of Django is imported), with the CSS's sprite images inlined."""
    from importlib import metadata

    base = Path(str(metadata.distribution("django-leaflet").locate_file("leaflet/static/leaflet/draw")))
    js = (base / "leaflet.draw.js").read_text(encoding="utf-8")
    css = _inline_css_images((base / "leaflet.draw.css").read_text(encoding="utf-8"), base)
    return js, css


def _draw_local(lang: str) -> dict[str, Any]:
    """Leaflet.draw's texts (``L.drawLocal``) from the catalogue."""
    T = lambda key: t(key, lang)
    return {"draw": {
        "toolbar": {"actions": {"title": T("draw_cancel"), "text": T("draw_cancel")},
                    "finish": {"title": T("draw_finish"), "text": T("draw_finish")},
                    "undo": {"title": T("draw_undo"), "text": T("draw_undo")},
                    "buttons": {"polyline": T("draw_line"), "polygon": T("draw_polygon"),
                                "rectangle": T("draw_rectangle"), "circlemarker": T("draw_point")}},
        "handlers": {"circlemarker": {"tooltip": {"start": T("draw_tip_point")}},
                     "polygon": {"tooltip": {"start": T("draw_tip_start"), "cont": T("draw_tip_cont"),
                                             "end": T("draw_tip_close")}},
                     "polyline": {"error": T("draw_tip_cross"),
                                  "tooltip": {"start": T("draw_tip_start"), "cont": T("draw_tip_cont"),
                                              "end": T("draw_tip_end")}},
                     "rectangle": {"tooltip": {"start": T("draw_tip_rect")}},
                     "simpleshape": {"tooltip": {"end": T("draw_tip_release")}}}}}


_CSS = """
.gz-label{font:bold 11px sans-serif;text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap;
  transform:translate(-50%,-50%);pointer-events:none}
.gz-panel{background:#fff;padding:6px 8px;font:12px/1.45 sans-serif;border-radius:4px;
  box-shadow:0 1px 4px #0005;max-width:340px}
.gz-legend{max-height:calc(100vh - 120px);overflow:auto;max-width:20vw;box-sizing:border-box;
  white-space:normal;overflow-wrap:anywhere}
.gz-legend.gz-collapsed .gz-legend-body{display:none}
.gz-legend-toggle{font:bold 12px sans-serif;border:0;background:none;padding:0;cursor:pointer}
.gz-legend-toggle:after{content:" \\25BE"}.gz-collapsed .gz-legend-toggle:after{content:" \\25B8"}
.gz-key{display:flex;align-items:center;gap:6px;margin:1px 0}
.gz-key svg{flex:none}
.gz-scale{display:flex;margin:2px 0 0}.gz-scale span{flex:1;height:10px}
.gz-scale-ticks{display:flex;justify-content:space-between;font-size:10px;color:#333}
.gz-legend h4{margin:6px 0 2px;font-size:12px}
.gz-draw select,.gz-draw input{font:12px sans-serif}
.gz-panel-head{font:bold 12px sans-serif;margin-bottom:2px;border:0;background:none;padding:0;cursor:pointer}
.gz-toggle:after{content:" \\25BE"}.gz-collapsed .gz-toggle:after{content:" \\25B8"}
.gz-draw.gz-collapsed .gz-draw-body{display:none}
.gz-hint{color:#444;margin-bottom:3px}
.gz-verdict{display:inline-block;padding:1px 8px;margin:4px 0 2px;border-radius:3px;font-weight:bold;color:#000}
.gz-v-pass{background:#009E73;color:#fff}.gz-v-review{background:#E69F00;border:2px dashed #7a4a00}
.gz-v-fail{background:#D55E00;border:3px solid #000;color:#fff}
#gz-result ul,.gz-drawn ul{margin:2px 0;padding-left:16px;max-height:180px;overflow:auto}
.gz-quote{color:#333}.gz-quote-tr{color:#555;font-style:italic}
.gz-note{margin-top:4px;color:#8a4b00}
.gz-consent{margin-top:4px;padding:2px 4px;border-left:3px solid #8a4b00;font-weight:bold}
.gz-engine{margin-top:2px;padding:1px 4px;background:#0072B2;color:#fff;font-weight:bold;display:inline-block}
.gz-engine-failed{margin-top:2px;padding:2px 4px;border-left:3px solid #D55E00;color:#7a2a00}
.gz-engine-asking{color:#444;font-style:italic}
.gz-search input{width:180px}
.gz-places{margin-bottom:6px;padding-bottom:4px;border-bottom:1px solid #ccc}
.gz-places button{font-size:11px}
"""


def _swatch(kind: str, **style: Any) -> str:
    """A small SVG key for the legend: a filled box, a line, or a dot."""
    color = style.get("color", "#000")
    dash = f' stroke-dasharray="{style["dash"]}"' if style.get("dash") else ""
    if kind == "line":
        body = f'<line x1="1" y1="8" x2="23" y2="8" stroke="{color}" stroke-width="{style.get("weight", 2)}"{dash}/>'
    elif kind == "dot":
        body = f'<circle cx="12" cy="8" r="5" fill="{color}"/>'
    else:
        body = (f'<rect x="2" y="2" width="20" height="12" fill="{style.get("fill", color)}" '
                f'fill-opacity="{style.get("opacity", 0.6)}" stroke="{color}" '
                f'stroke-width="{style.get("weight", 1)}"{dash}/>')
    return f'<svg width="24" height="16" aria-hidden="true">{body}</svg>'


def _legend_html(lang: str, bands: list[tuple[float, float, Any]], colors: list[str], pilots: Sequence[Any],
                 has_parcels: bool, station: Any = None) -> str:
    """The legend: a key for every layer (zones named as the station names them); every text
    escaped here."""
    e = html_text
    out = []
    if bands:
        ticks = [b for b in bands if b[1] == 0 or (b[0] % 50 == 0)]
        out.append(f"<h4>{e(t('map_bands', lang))}</h4>")
        out.append('<div class="gz-scale">' + "".join(
            f'<span style="background:{c}" title="{e(_band_label(lo, hi, lang))} {e(t("unit_m", lang))}"></span>'
            for (lo, hi, _g), c in zip(bands, colors)) + "</div>")
        first, last = bands[0], bands[-1]
        out.append(f'<div class="gz-scale-ticks"><span>{e(_band_label(first[0], first[1], lang))}</span>'
                   + "".join(f"<span>{lo:.0f}</span>" for lo, hi, _g in ticks if hi != 0 and lo > 0)
                   + f'<span>{e(_band_label(last[0], last[1], lang))} {e(t("unit_m", lang))}</span></div>')
        out.append(f'<div class="gz-key">{e(t("map_bands_none", lang))}</div>')
    out.append(f"<h4>{e(t('map_zones', lang))}</h4>")
    for z, (c, _o) in ZONE_STYLE.items():
        style = ({"dash": "6 4", "fill": c, "opacity": 0.25} if z in ("sunrise", "sunset") else {"fill": "none"})
        out.append(f'<div class="gz-key">{_swatch("box", color=c, weight=2, **style)}{e(zone_name(station, z, lang))}</div>')
    out.append(f'<div class="gz-key">{_swatch("line", color="#37474f", weight=1.5, dash="4 3")}'
               f'{e(t("map_contours_ratio", lang))}</div>')
    out.append(f'<div class="gz-key">{_swatch("line", color="#6a1b9a", weight=1.5, dash="4 3")}'
               f'{e(t("map_contours_sun", lang))}</div>')
    out.append(f'<div class="gz-key">{_swatch("dot", color="#000")}{e(t("map_station", lang))}</div>')
    for p in pilots:
        label = p.name.get(lang)
        if p.provisional:
            label += f" ({t('map_provisional', lang)})"
        out.append(f'<div class="gz-key">{_swatch("line", color="#00695c", weight=2, dash="8 4")}{e(label)}</div>')
    if has_parcels:
        out.append(f"<h4>{e(t('map_parcels', lang))}</h4>")
        for v, c in COLORS.items():
            st = {"fail": {"color": "#000", "weight": 2.5},
                  "review": {"color": REVIEW_OUTLINE, "weight": 2.5, "dash": "4 3"}}.get(v, {"color": c})
            out.append(f'<div class="gz-key">{_swatch("box", fill=c, opacity=0.7, **st)}'
                       f'{e(name(VERDICT_NAMES, v, lang))}</div>')
    drawn_key = _swatch("box", color=DRAWN_STYLE["color"], weight=2, dash="6 4", fill=DRAWN_STYLE["fillColor"],
                        opacity=0.3)
    out.append(f'<div class="gz-key">{drawn_key}{e(t("map_drawn", lang))}</div>')
    out.append(f'<div class="gz-hint">{e(t("map_click", lang))}</div>')
    return "".join(out)


def _station_facts(station: Any, lang: str) -> str:
    """The station marker's popup: names, CMA number, position and the stated assumptions
    (HTML-escaped here; only <b> and <br> are markup)."""
    cma = f"CMA {station.cma_id} · " if station.cma_id is not None else ""
    facts = [
        f"<b>{html_text(station.name_zh)}</b>",
        html_text(station.name.en),
        f"{cma}{station.latitude_deg:.4f} N {station.longitude_deg:.4f} E · {station.elevation_m:.0f} m",
        html_text(t("assume_position", lang, lat=station.latitude_deg, lon=station.longitude_deg,
                      source=station.position_source.get(lang))) if station.position_is_default else "",
        html_text(t("assume_no_wind", lang, general=f"{station.general_m:.0f}",
                      upwind=f"{station.general_upwind_m:.0f}")) if station.prevailing_wind_from_deg is None
        and station.general_upwind_m > station.general_m else "",
        html_text(t("assume_unconfirmed", lang)) if any(not r.confirmed for r in station.rules) else "",
    ]
    return "<br>".join(f for f in facts if f)


def _quotes(station: Any, lang: str) -> dict[str, list[str]]:
    """Each rule's own words, and in English maps their translation; a rule without a quote
    (a class default not confirmed from a text) shows its reading instead."""
    return {r.id: [r.quote_zh, r.quote_en if lang != "zh" else ""] if r.quote_zh
            else [r.reading.get(lang), ""] for r in station.rules}


def _network_bands(network: Sequence[ZoneSet], extent_m: float,
                   top_m: float = 200.0) -> list[list[tuple[float, float, Any]]]:
    """Each station's permitted-height bands in its own frame, the height at every cell being
    the lowest over the stations whose limits can reach it, so overlapping stations show the
    governing limit.

    Another station counts only within the distance where one of its limits can fall to the
    top band ``top_m`` or below (its farthest zone or distance rule, and ``top_m / tan angle``
    for its sun-sector rule: 2286 m at 5°); farther out its limits are all above ``top_m``
    and it is left out of this display layer (clicks and draw-and-check are exact). [m]
    """
    from pyproj import Transformer

    from .core.network import reach_m
    from .heightlimit import permitted_height_at

    def reach_of(st: Any) -> float:   # the reach screen --stations uses, for a top_m-high object
        return float(reach_m(st, np.array([top_m]), sun_reach=0.0)[0]) + st.field_size_m

    out = []
    for k, zs in enumerate(network):
        others = []
        for j, other in enumerate(network):
            if j == k:
                continue
            fwd = Transformer.from_crs(zs.frame.crs, other.frame.crs, always_xy=True)
            x, y = fwd.transform(0.0, 0.0)
            reach = reach_of(other.frame.station)
            if math.hypot(x, y) <= reach + extent_m * math.sqrt(2):
                others.append((other, fwd, reach))

        def height(frame, x, y, kind, _others=others):
            h = permitted_height_at(frame, x, y, kind)
            for other, fwd, reach in _others:
                ox, oy = fwd.transform(x, y)
                near = np.hypot(ox, oy) <= reach
                if near.any():
                    h[near] = np.fmin(h[near], permitted_height_at(other.frame, ox[near], oy[near], kind))
            return h

        out.append(height_bands(zs, extent_m, top_m=top_m, height_fn=height))
    return out


def _voronoi_cells(network: Sequence[ZoneSet]) -> list[Any] | None:
    """Lon/lat cells of the stations (every place goes to the nearest station, in degrees:
    only to keep overlapping band layers from being drawn twice); None for one station or
    stations at one position."""
    pts = [shapely.Point(z.frame.station.longitude_deg, z.frame.station.latitude_deg) for z in network]
    if len(pts) < 2 or len({(p.x, p.y) for p in pts}) < len(pts):
        return None
    cells = list(shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=shapely.box(-180, -90, 180, 90)).geoms)
    return [next(c for c in cells if c.covers(p)) for p in pts]


def build_map(zones: ZoneSet, parcels=None, *, lang: str = "en", tiles: str = "osm",
              cdn: bool = False, offline: bool | None = None, tianditu_key: str | None = None,
              attribution: str | None = None, extent_m: float = 5000.0,
              simplify_m: float = 0.5, overview_min_parcels: int = OVERVIEW_MIN_PARCELS,
              more: Sequence[ZoneSet] = (), service: dict[str, str] | None = None) -> folium.Map:
    """The map as a folium Map (see the module docstring).

    The page is self-contained by default: Leaflet and Leaflet.draw are inlined from installed
    packages. ``cdn=True`` links them from jsDelivr instead (a smaller file that needs the
    internet). ``offline`` is the old name of the default and is ignored.

    ``more`` adds further stations (``geozones map --stations DIR``): every station's zones,
    sun sectors, contours and marker are drawn, the permitted-height bands show the lowest
    limit over the stations, and click-anywhere and draw-and-check evaluate every station in
    its own frame, the worst verdict and the lowest permitted height governing. The pilot
    areas are those of ``zones``.

    Parameters
    ----------
    zones : ZoneSet
        The station and pilot areas drawn (zones of Art. 11-13, sun sectors of Art. 12.3 ⑦).
    parcels : GeoDataFrame, optional
        Screened parcels (:func:`read_parcels`), drawn by verdict.
    lang : {"en", "zh"}
        Language of the page.
    tiles : str
        Basemap, one of :data:`TILES` (``--tiles``).
    cdn : bool
        Link Leaflet from jsDelivr instead of inlining it.
    offline : bool, optional
        The old name of the default; ignored.
    tianditu_key : str, optional
        Key for Tianditu tiles.
    attribution : str, optional
        Attribution text of the basemap.
    extent_m : float
        How far from the fence bands and contours are drawn. [m]
    simplify_m : float
        Tolerance to which parcel outlines are simplified for the page. [m]
    overview_min_parcels : int
        From this many parcels, parcels are drawn as an overview layer.
    more : sequence of ZoneSet
        Further stations.
    service : dict, optional
        The page is served by ``geozones serve``: the addresses its script may call
        (``{"check": ".../processes/geozones-check/execution"}``), put in the page's data as
        ``GZ.service``: draw-and-check then asks that process (the Python engine) and falls
        back to the page's own evaluator, saying so, when it cannot answer. None (a static
        file, the default): ``GZ.service`` is null and draw-and-check evaluates in the page.

    Returns
    -------
    folium.Map
        The map; :func:`write_map` saves it.
    """
    network = (zones, *more)
    multi = len(network) > 1
    for zs in network:
        require_page_support(zs.frame.station)
    station = zones.frame.station
    shift = _Shift(tiles == "gaode")
    center = shift.geoms(np.array([shapely.Point(station.longitude_deg, station.latitude_deg)]))[0]
    m = _Map(location=[center.y, center.x], zoom_start=14, tiles=None, prefer_canvas=True,
             control_scale=True)
    title = t("map_title", lang, station=t("map_stations_title", lang, n=len(network)) if multi
              else station.name.get(lang))
    root: Any = m.get_root()  # folium's Figure (typed as its base Element)
    root.header.add_child(Element(f'<title>{page_text(title)}</title><meta name="description" content="{page_text(title)}">'))
    if cdn:
        m.default_js = _Map.default_js + [("leaflet_draw", LEAFLET_DRAW_CDN + "leaflet.draw.js")]
        m.default_css = _Map.default_css + [("leaflet_draw_css", LEAFLET_DRAW_CDN + "leaflet.draw.css")]
    else:
        js, css = _leaflet_files()
        djs, dcss = _draw_files()
        m.default_js, m.default_css = [], []
        root.header.add_child(Element(f"<style>{css}</style><style>{dcss}</style>"))
        root.header.add_child(Element(f"<script>{js}</script><script>{djs}</script>"))
    root.header.add_child(Element(f"<style>{_CSS}</style>"))
    root.header.add_child(Element(f"<style>.leaflet-{PANES['bands'][0]}-pane{{opacity:{BAND_OPACITY}}}</style>"))
    _tiles(m, tiles, lang, tianditu_key, attribution)
    folium.map.CustomPane(PANES["bands"][0], z_index=PANES["bands"][1], pointer_events=False).add_to(m)
    folium.map.CustomPane(PANES["parcels"][0], z_index=PANES["parcels"][1], pointer_events=True).add_to(m)

    def prefixed(zs: ZoneSet, label: str) -> str:  # several stations: say whose layer it is
        return f"{zs.frame.station.name.get(lang)} — {label}" if multi else label

    # permitted height as stepped bands (drawn under everything else)
    if multi:
        per_station = _network_bands(network, extent_m)
        classes = {(lo, hi): g for b in per_station for lo, hi, g in b}
        bands = [(lo, hi, classes[(lo, hi)]) for lo, hi in sorted(classes)]
        cells = _voronoi_cells(network)
    else:
        per_station = [height_bands(zones, extent_m)]
        bands, cells = per_station[0], None
    band_colors = _band_colors(len(bands))
    color_of = {(lo, hi): c for (lo, hi, _g), c in zip(bands, band_colors)}
    bfg = folium.FeatureGroup(name=t("map_bands", lang), show=True)
    for k, (zs, own) in enumerate(zip(network, per_station)):
        for lo, hi, poly in own:
            geom = _to_wgs(zs, [poly])[0]
            if cells is not None:
                geom = shapely.intersection(geom, cells[k])
                if geom.is_empty:
                    continue
            geom = shift.geoms(np.array([geom], dtype=object))[0]
            color = color_of[(lo, hi)]
            label = f"{t('map_permitted', lang)}: {_band_label(lo, hi, lang)} {t('unit_m', lang)}"
            # opaque, outlined in its own colour, in a translucent pane: no hairline between bands
            folium.GeoJson(shapely.geometry.mapping(geom), style_function=lambda _f, c=color: {
                "stroke": True, "color": c, "weight": 1, "opacity": 1, "fillColor": c, "fillOpacity": 1},
                interactive=False, pane=PANES["bands"][0], tooltip=page_text(label)).add_to(bfg)
    bfg.add_to(m)

    # zone bands and sun sectors: outlines (the height bands carry the fill)
    for zs in network:
        st = zs.frame.station
        for zone_id, poly in zs.frame.zone_polygons(extent_m):
            if poly.is_empty:  # e.g. no general zone beyond the height-limit reach (class defaults)
                continue
            label = prefixed(zs, zone_name(st, zone_id, lang))
            color, _opacity = ZONE_STYLE[zone_id]
            sector = zone_id in ("sunrise", "sunset")
            geom = shift.geoms(_to_wgs(zs, [poly]))[0]
            fg = folium.FeatureGroup(name=page_text(label), show=True)
            folium.GeoJson(shapely.geometry.mapping(geom), style_function=lambda _f, c=color, s=sector: {
                "color": c, "weight": 2, "fill": s, "fillColor": c, "fillOpacity": 0.08,
                "dashArray": "6 4" if s else None}, interactive=False).add_to(fg)
            fg.add_to(m)

    # contours; their labels are placed by the page so that none overlap at any zoom
    cfg = folium.FeatureGroup(name=t("map_contours", lang), show=True)
    labels: list[dict[str, Any]] = []
    for zs in network:
        for h, line, where in contour_lines(zs, extent_m):
            wgs = shift.geoms(_to_wgs(zs, [line]))[0]
            color = "#6a1b9a" if where == "sun" else "#37474f"
            folium.GeoJson(shapely.geometry.mapping(wgs), style_function=lambda _f, c=color: {
                "color": c, "weight": 1, "dashArray": "4 3"}, interactive=False).add_to(cfg)
            parts = sorted(getattr(wgs, "geoms", [wgs]), key=lambda g: -g.length)
            at = [parts[0].interpolate(f, normalized=True) for f in (0.5, 0.3, 0.7, 0.15, 0.85)]
            at += [p.interpolate(0.5, normalized=True) for p in parts[1:3]]
            labels.append({"h": f"{h:.0f}", "color": color, "round": h % 50 == 0, "at": [[p.y, p.x] for p in at]})
    labels.sort(key=lambda lab: (not lab["round"], float(lab["h"])))
    cfg.add_to(m)

    # station marker with its facts (drawn by the page script)
    sfg = folium.FeatureGroup(name=t("map_station", lang), show=True)
    sfg.add_to(m)

    # pilot areas
    pilots_info = []
    for pilot in zones.pilots:
        label = pilot.name.get(lang)
        if pilot.provisional:
            label += f" ({t('map_provisional', lang)})"
        geom = shift.geoms(np.array([pilot.boundary], dtype=object))[0]
        pfg = folium.FeatureGroup(name=page_text(label), show=True)
        folium.GeoJson(shapely.geometry.mapping(geom), style_function=lambda _f: {
            "color": "#00695c", "weight": 2, "fillOpacity": 0.03, "dashArray": "8 4"},
            tooltip=page_text(label), interactive=False).add_to(pfg)
        pfg.add_to(m)
        pilots_info.append({"id": pilot.id, "bbox": list(pilot.boundary.bounds)})

    # parcels, drawings and the page script
    parcel_fg = folium.FeatureGroup(name=t("map_parcels", lang), show=True)
    parcel_fg.add_to(m)
    drawn_fg = folium.FeatureGroup(name=t("map_drawn", lang), show=True)
    drawn_fg.add_to(m)
    if parcels is not None:
        parcels_json, drawn, verdicts = _parcels_geojson(parcels, shift, simplify_m, network)
    else:
        parcels_json, drawn, verdicts = {"type": "FeatureCollection", "features": []}, np.array([], dtype=object), []
    articles: dict[str, str] = {}   # as the plan's reader writes them: 第十二条 … in Chinese
    for zs in reversed(network):  # the first station's article wins where rule ids repeat
        articles.update({r.id: article_label(r.article, lang, r.article_zh) for r in zs.frame.station.rules})
    for p in zones.pilots:
        articles.update({r.id: article_label(r.article, lang, r.article_zh) for r in p.rules})
    boxes = [shift.geoms(_to_wgs(zs, [zs.frame.band(min(zs.frame.station.general_m, extent_m))]))[0].bounds
             for zs in network]
    view_box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    config = page_config(zones)
    config["station"].update({"shown": [center.y, center.x], "facts": _station_facts(station, lang)})
    if multi:
        network_cfg = []
        for zs in network:
            st = zs.frame.station
            c = page_config(zs)
            shown = shift.geoms(np.array([shapely.Point(st.longitude_deg, st.latitude_deg)]))[0]
            c["station"].update({"shown": [shown.y, shown.x], "facts": _station_facts(st, lang)})
            c.update({"name": st.name.get(lang), "quotes": _quotes(st, lang),
                      "zone_names": {z: zone_name(st, z, lang) for z in ZONES}})
            network_cfg.append(c)
        config["network"] = network_cfg
    gcj_box = [_bounds(zs, extent_m) for zs in network]
    config.update({
        "station_id": station.id,
        "articles": articles,
        "quotes": _quotes(station, lang),
        "colors": COLORS,
        "review_outline": REVIEW_OUTLINE,
        "drawn_style": DRAWN_STYLE,
        "panes": {k: {"name": n, "z": z} for k, (n, z) in PANES.items()},
        "legend_collapse_below": LEGEND_COLLAPSE_BELOW_PX,
        "gcj": _gcj_grid((min(b[0] for b in gcj_box), min(b[1] for b in gcj_box), max(b[2] for b in gcj_box),
                          max(b[3] for b in gcj_box))) if shift.gcj else None,
        "overview": _parcels_overview(drawn, verdicts)
        if len(drawn) >= max(overview_min_parcels, 1) else None,
        "labels": labels,
        "groups": parcel_places(drawn, verdicts, zones, lang),
        "view": [[view_box[1], view_box[0]], [view_box[3], view_box[2]]],
        "pilots": pilots_info,
        "legend": _legend_html(lang, bands, band_colors, zones.pilots, parcels is not None,
                               None if multi else station)
        + (f'<div class="gz-note">{html_text(t("map_stations_note", lang))}</div>' if multi else ""),
        "draw_local": _draw_local(lang),
        "service": service,
        "lang": lang,
        "t": {
            "unit": t("unit_m", lang), "permitted": t("map_permitted", lang), "rule": t("map_rule", lang),
            "zone": t("map_zone", lang), "distance": t("map_distance", lang), "sun": t("map_sun", lang),
            "verdict": t("map_verdict", lang), "height": t("map_height", lang),
            "exceedance": t("map_exceedance", lang), "rules": t("map_rules", lang),
            "unlimited": t("report_unlimited", lang), "none": t("report_none", lang),
            "no_rules": t("report_no_rules", lang), "kind": t("word_kind", lang),
            "legend": t("map_legend", lang), "search": t("map_search", lang), "not_found": t("map_not_found", lang),
            "places": t("map_places", lang), "show": t("map_show", lang),
            "draw_title": t("map_draw_title", lang), "draw_hint": t("map_draw_hint", lang),
            "export": t("map_export", lang), "clear": t("map_clear", lang), "pilot_note": t("map_pilot_note", lang),
            "zoom_in": t("map_zoom_in", lang), "zoom_out": t("map_zoom_out", lang),
            # the service's answer (a served page): filled in by the page
            "engine": t("map_engine", lang), "engine_asking": t("map_engine_asking", lang),
            "engine_failed": t("map_engine_failed", lang, detail="{detail}"),
            "engine_unreachable": t("map_engine_unreachable", lang), "notices": t("report_notices", lang),
            "sun_blocked": t("report_sun_blocked", lang), "sun_none": t("report_sun_none", lang),
            "sun_covers": t("report_sun_covers", lang),
            "sun_blocked_value": t("report_sun_blocked_value", lang, minutes="{minutes}", hours="{hours}"),
            "sun_when": t("report_sun_when", lang, first="{first}", last="{last}", days="{days}",
                          earliest="{earliest}", latest="{latest}", month="{month}"),
            "zones": {z: zone_name(station, z, lang) for z in ZONES},
            "verdicts": {v: name(VERDICT_NAMES, v, lang) for v in VERDICT_NAMES},
            "kinds": {k: name(KIND_NAMES, k, lang) for k in KIND_NAMES},
            "station_governing": t("map_station_governing", lang),
            "stations_in_reach": t("map_stations_in_reach", lang),
            "no_station": t("map_no_station", lang, name="{name}", km="{km}"),  # filled in by the page
            # the approval notices (Art. 14, 15.1); the page fills in the station's upwind reach
            "consent": {"inside": consent_head("inside", lang),
                        "maybe": t("consent_maybe_row", lang, head=consent_head("maybe", lang), upwind="{upwind}")},
        },
    })
    root.html.add_child(Element(
        "<script>var GZ = " + script_json(config) + ";\nvar GZ_PARCELS = " + script_json(parcels_json)
        + ";</script>\n<script>" + _static("geozones_eval.js") + "</script>\n<script>"
        + _static("geozones_map.js") + "</script>"))
    init = MacroElement()
    init._template = Template(
        "{% macro script(this, kwargs) %}geozonesInit({{ this._parent.get_name() }}, "
        + ", ".join(g.get_name() for g in (parcel_fg, sfg, cfg, drawn_fg)) + ");{% endmacro %}")
    m.add_child(init)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def _bounds(zones: ZoneSet, extent_m: float) -> tuple[float, float, float, float]:
    box = _to_wgs(zones, [shapely.box(-extent_m, -extent_m, extent_m, extent_m)])[0]
    x0, y0, x1, y1 = box.bounds
    for p in zones.pilots:
        px0, py0, px1, py1 = p.boundary.bounds
        x0, y0, x1, y1 = min(x0, px0), min(y0, py0), max(x1, px1), max(y1, py1)
    return x0, y0, x1, y1


def read_parcels(path: str | Path, layer: str | None = None):
    """Screened parcels (the output of ``geozones screen``) from any format it writes.

    Parameters
    ----------
    path : str or Path
        The screened file (GeoParquet, GeoPackage, GeoJSON, shapefile …), or a PostGIS
        table's URI (``postgresql://…?table=SCHEMA.TABLE``).
    layer : str, optional
        Its layer, for a file of several.

    Returns
    -------
    GeoDataFrame
        The parcels with their ``gz_*`` columns, in the file's CRS.
    """
    import geopandas as gpd

    from .io import is_table_uri, require_input

    if is_table_uri(path):   # a PostGIS table (screen -o postgresql://… --map)
        from .io.postgis import read_table

        return read_table(str(path))[0]
    path = Path(path)
    require_input(path)
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path)
        from .io import require_one_layer
        from .io.vector import check_shapefile_parts, sniff_shapefile_encoding

        check_shapefile_parts(path)
        layer = require_one_layer(path, layer or None)
        kw = {"layer": layer} if layer and path.suffix.lower() == ".gpkg" else {}
        if path.suffix.lower() == ".shp":   # a .cpg of 936, or none: read as screen reads it
            kw["encoding"] = sniff_shapefile_encoding(path)[0]
        return gpd.read_file(path, engine="pyogrio", **kw)
    except InputError:
        raise
    except Exception as exc:
        raise InputError("file_read", path=str(path), why=first_line(exc)) from None


def write_map(m: folium.Map, path: str | Path, overwrite: bool = True, inputs=()) -> int:
    """Write the map atomically (never onto one of ``inputs``); returns its size in bytes.

    Parameters
    ----------
    m : folium.Map
        The map (:func:`build_map`).
    path : str or Path
        The HTML file to write.
    overwrite : bool
        Replace an existing file.
    inputs : iterable of path
        Files the output must not be (the parcels, the station file …).

    Returns
    -------
    int
        Size of the written file. [bytes]
    """
    with atomic_output(path, overwrite, inputs) as tmp:
        m.save(str(tmp))
        size = tmp.stat().st_size
    return size
