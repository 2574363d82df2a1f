"""The zones as GIS layers (GeoDataFrames), for export and maps."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from .core.coords import parse_crs
from .core.zones import StationFrame
from .i18n import zone_name

__all__ = ["zone_layer"]


def zone_layer(frame: StationFrame, crs="EPSG:4326", lang: str = "en",
               sector_radius_m: float = 5000.0, pilots=()) -> gpd.GeoDataFrame:
    """One feature per zone band, per sun sector and per pilot area, in ``crs``.

    Columns: ``zone`` (id), ``name`` (in ``lang``), ``name_zh``, ``from_m``/``to_m`` (distance
    band from the fence [m]; sectors: 0 to ``sector_radius_m`` from the field centre),
    ``article`` (the station file's ``[zones.articles]``), ``station``. Sectors overlap the bands; the bands do not overlap each other.
    Pilot areas (zone ``pilot:<id>``) carry their own names and ``provisory`` (the boundary is
    provisional; 9 letters, so shapefiles keep the name).
    """
    s = frame.station
    bounds = {**s.zone_bounds_m, "sunrise": (0.0, sector_radius_m), "sunset": (0.0, sector_radius_m)}
    polys = frame.zone_polygons(sector_radius_m)
    rows = [
        {
            "zone": z, "name": zone_name(s, z, lang), "name_zh": zone_name(s, z, "zh"),
            "from_m": bounds[z][0], "to_m": bounds[z][1], "article": s.zone_articles.get(z, ""),
            "station": s.id,
        }
        for z, _ in polys
    ]
    gdf = gpd.GeoDataFrame(rows, geometry=[g for _, g in polys], crs=frame.crs).to_crs(4326)
    gdf["provisory"] = False
    if pilots:
        extra = gpd.GeoDataFrame([
            {"zone": f"pilot:{p.id}", "name": p.name.get(lang), "name_zh": p.name.zh,
             "from_m": None, "to_m": None, "article": p.source, "station": "", "provisory": p.provisional}
            for p in pilots], geometry=[p.boundary for p in pilots], crs=4326)
        gdf = gpd.GeoDataFrame(pd.concat([gdf, extra], ignore_index=True), crs=4326)
    return gdf.to_crs(parse_crs(crs))
