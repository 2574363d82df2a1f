"""``geozones check``: one proposal."""

from __future__ import annotations

import click

from ..errors import InputError
from .options import (
    Command,
    axis_opt,
    crs_opt,
    dem_opt,
    field_elev_opt,
    footprint_layer_opt,
    h,
    lang_opt,
    ledger_effect_opt,
    ledger_where_it_applies,
    pilot_opt,
    proposal_opts,
    station_choice,
    station_opt,
    stations_opt,
    storey_opt,
    sun_reach_opt,
)


@click.command(cls=Command, help=h("cmd_check"))
@proposal_opts
@footprint_layer_opt
@crs_opt
@axis_opt
@station_opt
@stations_opt
@sun_reach_opt
@pilot_opt
@dem_opt
@field_elev_opt
@storey_opt
@click.option("--json", "as_json", is_flag=True, help=h("check_json"))
@ledger_effect_opt
@lang_opt
def check(footprint, layer, height, kind, use, floors, width, crs, axis_order, station, stations, sun_reach,
          pilots, dem, field_elevation, storey_height, as_json, ledger, lang):
    """``geozones check``; its help is the catalogue's ``help_cmd_check``."""
    from ..check import ZoneSet, check_read
    from ..io import is_wkt_text, read_wkt_footprint
    from ..report import check_json, format_check

    if is_wkt_text(footprint):  # no pandas/GDAL for WKT: the command starts in a blink
        geom, geom_crs, notes = read_wkt_footprint(footprint, crs)
    elif _is_drawing(footprint):   # a drawing is several proposals: one line per entity
        ledger_where_it_applies(click.get_current_context(), ledger, False, "ledger_one_station", option=footprint)
        if stations is not None:
            raise InputError("drawing_stations", path=footprint)
        _check_drawing(footprint, layer, height, kind, use, floors, width, crs, axis_order, station, pilots,
                       dem, field_elevation, storey_height, as_json, lang)
        return
    else:
        from ..io import read_footprint

        geom, geom_crs, notes = read_footprint(footprint, crs, layer=layer)
    if stations is not None:
        ledger_where_it_applies(click.get_current_context(), ledger, False, "ledger_one_station", option="--stations")
        _check_stations(geom, geom_crs, notes, stations, sun_reach, pilots, height, kind, use,
                        floors, width, crs, axis_order, dem, storey_height, as_json, lang)
        return
    result = check_read(
        geom, geom_crs, notes, crs_given=crs is not None, height=height, kind=kind,
        zones=ZoneSet(station, pilots, storey_height_m=storey_height),
        axis_order=axis_order, use=use, floors=floors, dem=dem, field_elevation=field_elevation,
        lang=lang, width=width, ledger=ledger,
    )
    if as_json:
        click.echo(check_json(result))
    else:
        click.echo(format_check(result, lang, station))


def _is_drawing(footprint: str) -> bool:
    from ..io import is_drawing

    return is_drawing(footprint)


def _check_drawing(path, layer, height, kind, use, floors, width, crs, axis_order, station, pilots, dem,
                   field_elevation, storey_height, as_json, lang) -> None:
    """``check drawing.dxf``: each entity its own proposal, one line each, and the worst."""
    from ..check import ZoneSet
    from ..drawing import check_drawing, drawing_notes
    from ..io import read_drawing
    from ..report import check_json, format_drawing_check

    gdf, geom_crs, notes = read_drawing(path, crs, layer=layer)
    result = check_drawing(gdf, crs=geom_crs, zones=ZoneSet(station, pilots, storey_height_m=storey_height),
                           kind=kind, height=height, axis_order=axis_order, use=use, floors=floors, width=width,
                           dem=dem, field_elevation=field_elevation, lang=lang,
                           extra_assumptions=drawing_notes(notes, kind, height, lang))
    if as_json:
        click.echo(check_json(result))
    else:
        click.echo(format_drawing_check(result, path, lang, station))


def _check_stations(geom, geom_crs, notes, stations, sun_reach, pilots, height, kind, use, floors,
                    width, crs, axis_order, dem, storey_height, as_json, lang) -> None:
    """``check --stations``: the proposal against every station in reach."""
    from ..check import StationNetwork, check_read
    from ..report import check_json, format_stations_check

    station_choice(click.get_current_context(), stations)
    if dem is not None:
        raise InputError("stations_dem")
    net = StationNetwork(stations, pilots, storey_height_m=storey_height, sun_reach_m=sun_reach)
    result = check_read(geom, geom_crs, notes, crs_given=crs is not None, network=net, height=height, kind=kind,
                        axis_order=axis_order, use=use, floors=floors, lang=lang, width=width)
    if as_json:
        click.echo(check_json(result))
    else:
        click.echo(format_stations_check(result, lang, net))


command = check
