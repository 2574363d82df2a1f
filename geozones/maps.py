"""HTML maps of the zones and screened parcels (folium).

One page: the observation field, the protection range, the control belt, the general zone,
the sunrise and sunset sectors, labelled height-limit contours, the station with its facts,
the pilot boundaries, and the parcels coloured by verdict. Click anywhere for the permitted
height there (computed in the page from the station file's rule rows; see
``static/geozones_map.js``).

``offline=True`` writes one self-contained file: Leaflet is inlined from the
``django-js-lib-leaflet`` package (Leaflet 1.9.4, BSD, no dependencies) and the page makes no
request except basemap tiles; ``tiles="none"`` makes it fully offline.
"""

from __future__ import annotations

import html
import json
import math
import os
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
from .i18n import VERDICT_NAMES, name, t, zone_name
from .io import atomic_output

__all__ = ["TILES", "build_map", "write_map", "read_parcels", "contour_lines"]

#: Basemap choices (``--tiles``); any other value containing ``{z}`` is a custom tile URL.
TILES: tuple[str, ...] = ("osm", "tianditu", "gaode", "none")
LEAFLET_CDN = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/"
COLORS = {"pass": "#2e7d32", "review": "#f9a825", "fail": "#c62828", "error": "#616161"}
ZONE_STYLE = {
    "body": ("#000000", 0.6), "protection": ("#c62828", 0.25), "control": ("#ef6c00", 0.12),
    "general": ("#1565c0", 0.06), "sunrise": ("#fbc02d", 0.10), "sunset": ("#8e24aa", 0.10),
}
_WGS84 = CRS.from_epsg(4326)



def _static(name_: str) -> str:
    return (resources.files("geozones") / "static" / name_).read_text(encoding="utf-8")


def _leaflet_files() -> tuple[str, str]:
    base = resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"
    return (base / "leaflet.js").read_text(encoding="utf-8"), (base / "leaflet.css").read_text(encoding="utf-8")


def _safe_json(value: Any) -> str:
    """JSON that can sit inside a <script> element: '<', '>' and '&' are written as \\u escapes,
    so no attribute value can close the element or open another."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _Map(folium.Map):
    """folium's Map with only Leaflet itself as a resource (no jQuery, Bootstrap, fonts)."""

    default_js = [("leaflet", LEAFLET_CDN + "leaflet.js")]
    default_css = [("leaflet_css", LEAFLET_CDN + "leaflet.css")]


def contour_lines(zones: ZoneSet, extent_m: float = 5000.0) -> list[tuple[float, Any, str]]:
    """Height-limit contours in the station frame: ``(height [m], line, where)``.

    Read from the station's rule rows for buildings: each ``ratio`` rule (H = D × ratio,
    Art. 12.3 ⑥ and 13 (1) at Jiangxian) gives contours every 10 m over the distances where it
    applies, outside the sun sectors (``where = "ratio"``); each ``angle`` rule of the sun
    sectors (H = D × tan angle, Art. 12.3 ⑦) gives contours inside the sectors every 10 m to
    100 m, then every 50 m to ``extent_m`` (``where = "sun"``). A station without such rows
    has no such contours.
    """
    frame, s = zones.frame, zones.frame.station
    sectors = shapely.union_all([frame.sun_sector(n, extent_m * 2) for n in ("sunrise", "sunset")])
    out: list[tuple[float, Any, str]] = []
    seen: set[tuple[float, str]] = set()
    for rule in s.rules:
        if "building" not in rule.kinds or rule.limit not in ("ratio", "angle"):
            continue
        if rule.where == "sun_sector":
            lo, hi = 0.0, extent_m
        elif rule.where == "band":
            lo, hi = rule.beyond_m or 0.0, rule.within_m
        elif rule.where == "general":
            lo, hi = s.control_m, s.general_m
        else:
            continue
        per_m = rule.ratio if rule.limit == "ratio" else math.tan(math.radians(rule.angle_deg))
        if rule.limit == "ratio":
            heights = np.arange(10.0, hi * per_m + 1e-9, 10.0)
        else:
            heights = np.concatenate([np.arange(10.0, min(100.0, hi * per_m) + 1e-9, 10.0),
                                      np.arange(150.0, hi * per_m + 1e-9, 50.0)])
        where = "sun" if rule.where == "sun_sector" else "ratio"
        for h in heights:
            d = h / per_m
            if not lo < d <= hi + 1e-9 or (float(h), where) in seen:
                continue
            ring = frame.band(d).exterior
            line = ring.intersection(sectors) if where == "sun" else ring.difference(sectors)
            if not line.is_empty:
                seen.add((float(h), where))
                out.append((float(h), line, where))
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
        key = tianditu_key or os.environ.get("TIANDITU_KEY")
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
        folium.TileLayer(tiles, attr=attribution or "custom tiles", name="basemap").add_to(m)


def _parcels_geojson(gdf, shift: _Shift, simplify_m: float) -> tuple[dict[str, Any], np.ndarray, list[str]]:
    """The screened parcels as compact GeoJSON for the page (only what the popup shows), and
    the drawn geometries (lon/lat, as on the basemap) with their verdicts."""

    from .screen import SHAPEFILE_NAMES

    if "gz_verdict" not in gdf.columns:
        raise InputError("parcels_not_screened")
    # a screened shapefile carries the short names: read them as the full ones
    short = {v: k for k, v in SHAPEFILE_NAMES.items() if v != k and v in gdf.columns}
    gdf = gdf.rename(columns=short)
    wgs = gdf.to_crs(4326) if gdf.crs is not None else gdf
    geoms = np.asarray(wgs.geometry.values, dtype=object)
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

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
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


def build_map(zones: ZoneSet, parcels=None, *, lang: str = "en", tiles: str = "osm",
              offline: bool = False, tianditu_key: str | None = None,
              attribution: str | None = None, extent_m: float = 5000.0,
              simplify_m: float = 0.5, overview_min_parcels: int = OVERVIEW_MIN_PARCELS) -> folium.Map:
    """The map as a folium Map (see the module docstring)."""
    station = zones.frame.station
    shift = _Shift(tiles == "gaode")
    center = shift.geoms(np.array([shapely.Point(station.longitude_deg, station.latitude_deg)]))[0]
    m = _Map(location=[center.y, center.x], zoom_start=14, tiles=None, prefer_canvas=True,
             control_scale=True)
    title = t("map_title", lang, station=station.name.get(lang))
    m.get_root().header.add_child(Element(f"<title>{html.escape(title)}</title>"))
    if offline:
        js, css = _leaflet_files()
        m.default_js, m.default_css = [], []
        m.get_root().header.add_child(Element(f"<style>{css}</style>"))
        m.get_root().header.add_child(Element(f"<script>{js}</script>"))
    _tiles(m, tiles, lang, tianditu_key, attribution)

    # zone bands and sun sectors
    layer_names = {}
    for zone_id, poly in zones.frame.zone_polygons(extent_m):
        label = zone_name(station, zone_id, lang)
        layer_names[zone_id] = label
        color, opacity = ZONE_STYLE[zone_id]
        geom = shift.geoms(_to_wgs(zones, [poly]))[0]
        fg = folium.FeatureGroup(name=label, show=True)
        folium.GeoJson(shapely.geometry.mapping(geom), style_function=lambda _f, c=color, o=opacity: {
            "color": c, "weight": 1.5, "fillColor": c, "fillOpacity": o}, tooltip=html.escape(label),
            interactive=False).add_to(fg)
        fg.add_to(m)

    # contours with labels
    cfg = folium.FeatureGroup(name=t("map_contours", lang), show=True)
    for h, line, where in contour_lines(zones, extent_m):
        wgs = shift.geoms(_to_wgs(zones, [line]))[0]
        color = "#6a1b9a" if where == "sun" else "#37474f"
        folium.GeoJson(shapely.geometry.mapping(wgs), style_function=lambda _f, c=color: {
            "color": c, "weight": 1, "dashArray": "4 3"}, interactive=False).add_to(cfg)
        parts = list(getattr(wgs, "geoms", [wgs]))
        longest = max(parts, key=lambda g: g.length)
        pt = longest.interpolate(0.5, normalized=True)
        folium.Marker([pt.y, pt.x], icon=folium.DivIcon(
            html=f'<div class="gz-label" style="color:{color}">{h:.0f}</div>',
            icon_size=(30, 14), icon_anchor=(15, 7)), interactive=False).add_to(cfg)
    cfg.add_to(m)

    # station marker with its facts
    facts = [
        f"<b>{html.escape(station.name_zh)}</b>",
        html.escape(station.name),
        f"CMA {station.cma_id} · {station.latitude_deg:.4f} N {station.longitude_deg:.4f} E · {station.elevation_m:.0f} m",
        html.escape(t("assume_position", lang, lat=station.latitude_deg, lon=station.longitude_deg,
                      source=station.position_source.get(lang))) if station.position_is_default else "",
        html.escape(t("assume_no_wind", lang, general=f"{station.general_m:.0f}",
                      upwind=f"{station.general_upwind_m:.0f}")) if station.prevailing_wind_from_deg is None else "",
    ]
    # drawn by the page script (folium's Popup needs jQuery, which the page does not load)
    sfg = folium.FeatureGroup(name=t("map_station", lang), show=True)
    sfg.add_to(m)

    # pilot areas
    for pilot in zones.pilots:
        label = pilot.name.get(lang)
        if pilot.provisional:
            label += f" ({t('map_provisional', lang)})"
        geom = shift.geoms(np.array([pilot.boundary], dtype=object))[0]
        pfg = folium.FeatureGroup(name=html.escape(label), show=True)
        folium.GeoJson(shapely.geometry.mapping(geom), style_function=lambda _f: {
            "color": "#00695c", "weight": 2, "fillOpacity": 0.03, "dashArray": "8 4"},
            tooltip=html.escape(label), interactive=False).add_to(pfg)
        pfg.add_to(m)

    # parcels and the page script
    parcel_fg = folium.FeatureGroup(name=t("map_parcels", lang), show=True)
    parcel_fg.add_to(m)
    if parcels is not None:
        parcels_json, drawn, verdicts = _parcels_geojson(parcels, shift, simplify_m)
    else:
        parcels_json, drawn, verdicts = {"type": "FeatureCollection", "features": []}, np.array([], dtype=object), []
    articles = {r.id: r.article for r in station.rules}
    for p in zones.pilots:
        articles.update({r.id: r.article for r in p.rules})
    config = {
        "station": {"lat": station.latitude_deg, "lon": station.longitude_deg,
                    "shown": [center.y, center.x], "facts": "<br>".join(f for f in facts if f)},
        "field": {"half": station.field_size_m / 2, "rotation_deg": station.field_rotation_deg},
        "zones": {"protection": station.protection_m, "control": station.control_m,
                  "general": station.general_m, "general_upwind": station.general_upwind_m,
                  "upwind": None if station.prevailing_wind_from_deg is None else [
                      station.prevailing_wind_from_deg - station.upwind_sector_deg / 2,
                      station.prevailing_wind_from_deg + station.upwind_sector_deg / 2]},
        "tolerance": station.tolerance_m,
        "sun": [list(zones.frame.sun_azimuths[n]) for n in ("sunrise", "sunset")],
        "sun_radius": station.sun_sector_radius_m,
        "rules": [{"id": r.id, "kinds": sorted(r.kinds), "where": r.where, "beyond": r.beyond_m,
                   "within": r.within_m, "limit": r.limit, "ratio": r.ratio, "angle_deg": r.angle_deg,
                   "height_m": r.height_m, "severity": r.severity, "article": r.article}
                  for r in station.rules],
        "articles": articles,
        "colors": COLORS,
        "gcj": _gcj_grid(_bounds(zones, extent_m)) if shift.gcj else None,
        "overview": _parcels_overview(drawn, verdicts)
        if len(drawn) >= max(overview_min_parcels, 1) else None,
        "t": {
            "unit": t("unit_m", lang), "permitted": t("map_permitted", lang), "rule": t("map_rule", lang),
            "zone": t("map_zone", lang), "distance": t("map_distance", lang), "sun": t("map_sun", lang),
            "verdict": t("map_verdict", lang), "height": t("map_height", lang),
            "exceedance": t("map_exceedance", lang), "rules": t("map_rules", lang),
            "unlimited": t("report_unlimited", lang), "none": t("report_none", lang),
            "zones": {z: zone_name(station, z, lang) for z in ZONES},
            "verdicts": {v: name(VERDICT_NAMES, v, lang) for v in VERDICT_NAMES},
        },
    }
    m.get_root().html.add_child(Element(
        "<script>var GZ = " + _safe_json(config) + ";\nvar GZ_PARCELS = " + _safe_json(parcels_json)
        + ";</script>\n<script>" + _static("geozones_map.js") + "</script>"))
    init = MacroElement()
    init._template = Template(
        "{% macro script(this, kwargs) %}geozonesInit({{ this._parent.get_name() }}, "
        + parcel_fg.get_name() + ", " + sfg.get_name() + ");{% endmacro %}")
    m.add_child(init)
    folium.LayerControl(collapsed=False).add_to(m)
    _legend(m, station, lang)
    return m


def _bounds(zones: ZoneSet, extent_m: float) -> tuple[float, float, float, float]:
    box = _to_wgs(zones, [shapely.box(-extent_m, -extent_m, extent_m, extent_m)])[0]
    x0, y0, x1, y1 = box.bounds
    for p in zones.pilots:
        px0, py0, px1, py1 = p.boundary.bounds
        x0, y0, x1, y1 = min(x0, px0), min(y0, py0), max(x1, px1), max(y1, py1)
    return x0, y0, x1, y1


def _legend(m: folium.Map, station, lang: str) -> None:
    rows = [f'<div><span style="background:{c};opacity:.8"></span>{html.escape(zone_name(station, z, lang))}</div>'
            for z, (c, _o) in ZONE_STYLE.items()]
    rows += [f'<div><span style="background:{c}"></span>{html.escape(t("map_parcels", lang))}: '
             f'{html.escape(name(VERDICT_NAMES, v, lang))}</div>' for v, c in COLORS.items()]
    css = ("<style>.gz-legend{position:absolute;bottom:24px;left:10px;z-index:1000;background:#fff;"
           "padding:6px 8px;font:12px sans-serif;border-radius:4px;box-shadow:0 1px 4px #0004}"
           ".gz-legend span{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:middle}"
           ".gz-label{font:bold 11px sans-serif;text-shadow:0 0 3px #fff}</style>")
    body = f'<div class="gz-legend" id="gz-legend">{"".join(rows)}<div>{html.escape(t("map_click", lang))}</div></div>'
    m.get_root().html.add_child(Element(css + body))


def read_parcels(path: str | Path, layer: str | None = None):
    """Screened parcels (the output of ``geozones screen``) from any format it writes."""
    import geopandas as gpd

    path = Path(path)
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path)
        kw = {"layer": layer} if layer and path.suffix.lower() == ".gpkg" else {}
        return gpd.read_file(path, engine="pyogrio", **kw)
    except Exception as exc:
        raise InputError("file_read", path=str(path), why=first_line(exc)) from None


def write_map(m: folium.Map, path: str | Path, overwrite: bool = True) -> int:
    """Write the map atomically; returns its size in bytes."""
    with atomic_output(path, overwrite) as tmp:
        m.save(str(tmp))
        size = tmp.stat().st_size
    return size
