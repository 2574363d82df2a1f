"""``geozones check``: one proposal."""

from __future__ import annotations

import json

import click

from ..core.kinds import KINDS
from ..errors import InputError
from .options import (
    _kind,
    _use,
    axis_opt,
    crs_opt,
    dem_opt,
    field_elev_opt,
    lang_opt,
    pilot_opt,
    station_opt,
    storey_opt,
)


@click.command()
@click.option("--footprint", required=True,
              help="The proposal: WKT, or the path of a GeoJSON/GPKG/Shapefile/KML/DXF file "
                   "(DXF needs --crs).")
@click.option("--layer", default=None, help="Layer of --footprint to read (a GeoPackage layer, a CAD layer of a DXF).")
@click.option("--height", type=float, default=None,
              help="Height of the top above the observation-field ground [m].")
@click.option("--kind", default="building", show_default=True, callback=_kind,
              help="Kind of proposal: " + ", ".join(KINDS) + " (Chinese and common names accepted, "
                   "e.g. 基站, 铁塔, 烟囱, 锅炉房, 加油站, 果园; see README 'Kinds and names').")
@click.option("--use", default=None, callback=_use,
              help="Building use for pilot-area rules: residential, public, other (住宅/公共…). "
                   "Default: residential for buildings, stated in the output.")
@click.option("--floors", type=click.IntRange(min=1), default=None,
              help="Storeys (pilot-area rules); default: height ÷ storey height, rounded.")
@click.option("--width", type=click.FloatRange(min=0), default=None,
              help="Width of a line proposal [m] (road/railway subgrade, river): measured from its "
                   "edges, half the width either side. Without it a line is measured as drawn.")
@crs_opt
@axis_opt
@station_opt
@pilot_opt
@dem_opt
@field_elev_opt
@storey_opt
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@lang_opt
def check(footprint, layer, height, kind, use, floors, width, crs, axis_order, station, pilots, dem,
          field_elevation, storey_height, as_json, lang):
    """Check one proposal: verdict, zone, distance, permitted height, articles.

    Exit code 0 whatever the verdict (read it from the output); 2 for bad input.
    """
    from ..check import ZoneSet
    from ..check import check as run_check
    from ..footprint import is_wgs84_lonlat, is_wkt_text, read_wkt_footprint
    from ..i18n import t
    from ..report import format_check

    if height is not None and not (height >= 0 and height != float("inf")):
        raise InputError("height_invalid", value=height)
    if is_wkt_text(footprint):  # no pandas/GDAL for WKT: the command starts in a blink
        geom, geom_crs, notes = read_wkt_footprint(footprint, crs)
    else:
        from ..io import read_footprint

        geom, geom_crs, notes = read_footprint(footprint, crs, layer=layer)
    defaulted = any(k == "assume_crs_default" for k, _ in notes)
    notes = [(k, p) for k, p in notes if k != "assume_crs_default"]  # check() says it
    result = run_check(
        geom, height=height, kind=kind, crs=None if defaulted else geom_crs,
        datum_hint=crs is None and (defaulted or is_wgs84_lonlat(geom_crs)),
        zones=ZoneSet(station, pilots, storey_height_m=storey_height),
        axis_order=axis_order, use=use, floors=floors, dem=dem, field_elevation=field_elevation,
        lang=lang, extra_assumptions=[t(k, lang, **p) for k, p in notes], width=width,
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_check(result, lang, station))

command = check
