"""``geozones map``: an HTML map of the zones and parcels."""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from .options import (
    Command,
    InputPath,
    OutputPath,
    h,
    lang_opt,
    pilot_opt,
    station_opt,
)


def write_map(zones, parcels_path, out, *, lang, tiles, cdn=False, quiet, overwrite,
               tianditu_key=None, attribution=None, layer=None, max_parcels=None, offline=None,
               inputs=(), more=()):
    """Build and write a map; ``offline`` is the old name of the default (ignored)."""
    from ..errors import OutputError
    from ..io import check_output_folder
    from ..maps import build_map, read_parcels, write_map
    from .options import known_inputs, refuse_outputs

    ctx = click.get_current_context()
    inputs = [*known_inputs(ctx), *inputs, parcels_path]
    refuse_outputs(ctx, [out], inputs)
    if Path(out).exists() and not overwrite:
        raise OutputError("output_exists", path=str(out))
    check_output_folder(out)  # before reading and drawing, not after
    parcels = None if parcels_path is None else read_parcels(parcels_path, layer)
    m = build_map(zones, parcels, lang=lang, tiles=tiles, cdn=cdn,
                  tianditu_key=tianditu_key, attribution=attribution, more=more)
    size = write_map(m, out, overwrite=overwrite, inputs=inputs)
    if not quiet:
        n = 0 if parcels is None else len(parcels)
        click.echo(f"{out}: {size / 1e6:.1f} MB, {n:,} parcels" + (", Leaflet from the CDN" if cdn else ", self-contained"))


@click.command("map", cls=Command, help=h("cmd_map"))
@click.option("-o", "--output", required=True, type=OutputPath(), help=h("map_output"))
@click.option("--parcels", type=InputPath(exists=True), default=None,
              help=h("map_parcels"))
@click.option("--tiles", default="osm", show_default=True,
              help=h("map_tiles", tile="{z}/{x}/{y}"))
@click.option("--tianditu-key", default=None, envvar="TIANDITU_KEY", show_envvar=True,
              help=h("map_tianditu_key"))
@click.option("--attribution", default=None, help=h("map_attribution"))
@click.option("--cdn", is_flag=True,
              help=h("map_cdn"))
@click.option("--offline", is_flag=True, hidden=True,
              help=h("map_offline"))
@click.option("--layer", default=None, help=h("map_layer"))
@station_opt
@click.option("--stations", "stations_dir", type=click.Path(exists=True), default=None,
              help=h("map_stations"))
@pilot_opt
@click.option("-q", "--quiet", is_flag=True, help=h("quiet"))
@click.option("--overwrite/--no-overwrite", default=True, show_default=True,
              help=h("map_overwrite"))
@lang_opt
def map_command(output, parcels, tiles, tianditu_key, attribution, cdn, offline, layer, station,
                stations_dir, pilots, quiet, overwrite, lang):
    """``geozones map``; its help is the catalogue's ``help_cmd_map``."""
    from ..check import ZoneSet

    more: list = []
    inputs: list = []
    if stations_dir is not None:
        from ..errors import InputError
        from ..station import load_stations

        if click.get_current_context().params.get("station") is not None and \
                click.get_current_context().get_parameter_source("station") is not ParameterSource.DEFAULT:
            raise InputError("map_stations_opt_conflict")
        network = load_stations(stations_dir)
        station, more = network[0], [ZoneSet(s, pilots=()) for s in network[1:]]
        inputs = [s.source_path for s in network]
    write_map(ZoneSet(station, pilots), parcels, output, lang=lang, tiles=tiles, cdn=cdn,
               quiet=quiet, overwrite=overwrite, tianditu_key=tianditu_key, attribution=attribution,
               layer=layer, inputs=inputs, more=more)



command = map_command
