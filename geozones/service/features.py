"""The service's collections (OGC API – Features): the zones and the stepped height limits, as
a pygeoapi feature provider plugin.

The layers are those of ``geozones zones`` (:func:`geozones.layers.zone_layer`,
:func:`geozones.layers.height_steps`), made once per server process and kept, in WGS84
(longitude first), for every station served (``--stations``). ``?datum=gcj02`` gives the same features in GCJ-02, for overlay on Gaode
tiles, through :func:`geozones.core.coords.transform_geoms` (the one datum transformation).
Each zone band carries the permitted height at its edges, from the one evaluator
(:func:`geozones.heightlimit.permitted_height_at`): ``height_min_m`` to ``height_max_m``.
"""

from __future__ import annotations

import json
import math
import threading
from typing import Any

from pygeoapi.provider.base import BaseProvider, ProviderInvalidQueryError, ProviderItemNotFoundError

from .context import current

__all__ = ["ZonesProvider", "HeightStepsProvider", "DATUM_PARAMETER", "collection_layer"]

#: The query parameter choosing the coordinates' datum: ``wgs84`` (default) or ``gcj02``.
DATUM_PARAMETER = "datum"
_DATUMS = {"wgs84": None, "gcj02": "GCJ-02", "gcj-02": "GCJ-02"}

_CACHE: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
_LOCK = threading.Lock()
#: ``height_steps`` of the heightsteps collection: 10 m bands over 3 km each side, 10 m cells.
STEP_M, EXTENT_M, RESOLUTION_M = 10.0, 3000.0, 10.0


def _edge_heights(frame, polygon) -> tuple[float | None, float | None]:
    """The lowest and highest permitted height for a building on ``polygon``'s rings (station
    frame), from :func:`geozones.heightlimit.permitted_height_at`: inside a band the limits
    grow with the distance from the fence, so the extremes lie on its edges (taken 0.5 m
    inside, where the band's own rules hold). [m]"""
    import numpy as np
    import shapely

    from ..heightlimit import permitted_height_at

    xy = shapely.get_coordinates(shapely.segmentize(polygon.buffer(-0.5).boundary, 10.0))
    h = permitted_height_at(frame, xy[:, 0], xy[:, 1], "building")
    h = h[np.isfinite(h)]
    if not h.size:
        return None, None
    return round(float(h.min()), 3), round(float(h.max()), 3)


def _stations():
    """The stations served: every one of ``--stations``, else the one station."""
    settings = current()
    net = settings.network
    return [settings.zones.station] if net is None else list(net.stations)


def _concat(layers):
    import pandas as pd

    return layers[0] if len(layers) == 1 else pd.concat(layers, ignore_index=True)


def _zones(lang: str):
    """Each station's zones (``station`` names it), the pilot areas once."""
    from ..core.zones import StationFrame
    from ..layers import zone_layer

    layers = []
    for k, station in enumerate(_stations()):
        frame = StationFrame(station)
        layer = zone_layer(frame, lang=lang, pilots=current().zones.pilots if k == 0 else ())
        heights = dict((z, _edge_heights(frame, g)) for z, g in frame.zone_polygons())
        layer["height_min_m"] = [heights.get(z, (None, None))[0] for z in layer["zone"]]
        layer["height_max_m"] = [heights.get(z, (None, None))[1] for z in layer["zone"]]
        layers.append(layer)
    return _concat(layers)


def _steps(lang: str):
    from ..core.zones import StationFrame
    from ..layers import height_steps

    return _concat([height_steps(StationFrame(station), STEP_M, extent_m=EXTENT_M, resolution_m=RESOLUTION_M,
                                 lang=lang) for station in _stations()])


def _features(layer, datum: str | None) -> list[dict[str, Any]]:
    import numpy as np
    import shapely

    from ..core.coords import parse_crs, transform_geoms

    geoms = np.asarray(layer.geometry.values, dtype=object)
    if datum is not None:
        geoms = transform_geoms(geoms, parse_crs("EPSG:4326"), parse_crs(datum))
    frame = layer.drop(columns="geometry")
    out = []
    for i, (row, geom) in enumerate(zip(frame.to_dict("records"), geoms)):
        props = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        out.append({"type": "Feature", "id": i, "properties": props,
                    "geometry": json.loads(shapely.to_geojson(geom))})
    return out


def collection_layer(name: str, datum: str | None = None, lang: str = "en") -> list[dict[str, Any]]:
    """The features of collection ``name`` (``zones`` or ``heightsteps``) in WGS84 or
    ``datum`` (``GCJ-02``), made once and kept."""
    key = (f"{name}:{lang}", datum)
    with _LOCK:
        if key not in _CACHE:
            layer = _zones(lang) if name == "zones" else _steps(lang)
            _CACHE[key] = _features(layer, datum)
        return _CACHE[key]


class _LayerProvider(BaseProvider):
    """A geozones layer as a pygeoapi feature provider (read-only, in memory)."""

    collection = "zones"
    _FIELDS: dict[str, dict[str, str]] = {}

    def __init__(self, provider_def: dict) -> None:
        super().__init__(provider_def)
        self.include_extra_query_parameters = True   # ?datum=gcj02 reaches query()

    def get_fields(self) -> dict[str, dict[str, str]]:
        return self._FIELDS

    def _datum(self, properties) -> str | None:
        given = dict(properties or []).get(DATUM_PARAMETER, "wgs84")
        if str(given).lower() not in _DATUMS:
            raise ProviderInvalidQueryError(user_msg=f"{DATUM_PARAMETER}={given}: use wgs84 or gcj02")
        return _DATUMS[str(given).lower()]

    def query(self, offset=0, limit=10, resulttype="results", bbox=None, datetime_=None, properties=None,
              sortby=None, select_properties=None, skip_geometry=False, q=None, language=None, **kwargs):
        datum = self._datum(properties)
        lang = "zh" if language is not None and str(getattr(language, "language", language)).startswith("zh") else "en"
        features = collection_layer(self.collection, datum, lang)
        wanted = [(k, v) for k, v in (properties or []) if k != DATUM_PARAMETER]
        chosen = [f for f in features if all(str(f["properties"].get(k)) == v for k, v in wanted)]
        page = [] if resulttype == "hits" else chosen[offset:offset + limit]
        if skip_geometry:
            page = [{**f, "geometry": None} for f in page]
        return {"type": "FeatureCollection", "features": page, "numberMatched": len(chosen),
                "numberReturned": len(page)}

    def get(self, identifier, **kwargs):
        features = collection_layer(self.collection)
        try:
            return features[int(identifier)]
        except (ValueError, IndexError):
            raise ProviderItemNotFoundError(user_msg=f"no item {identifier}") from None


class ZonesProvider(_LayerProvider):
    """``/collections/zones``: the zone bands, sun sectors and pilot areas
    (:func:`geozones.layers.zone_layer`), each band with its permitted height."""

    collection = "zones"
    _FIELDS = {"zone": {"type": "string"}, "name": {"type": "string"}, "name_zh": {"type": "string"},
               "from_m": {"type": "number"}, "to_m": {"type": "number"}, "article": {"type": "string"},
               "station": {"type": "string"}, "provisory": {"type": "boolean"},
               "height_min_m": {"type": "number"}, "height_max_m": {"type": "number"}}


class HeightStepsProvider(_LayerProvider):
    """``/collections/heightsteps``: the permitted height in 10 m bands
    (:func:`geozones.layers.height_steps`)."""

    collection = "heightsteps"
    _FIELDS = {"from_m": {"type": "number"}, "to_m": {"type": "number"}, "name": {"type": "string"},
               "name_zh": {"type": "string"}, "station": {"type": "string"}}
