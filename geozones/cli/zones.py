"""``geozones zones``: the zones as a GIS layer."""

from __future__ import annotations

import click

from ..core import numbers
from .options import (
    Command,
    Number,
    OutputPath,
    h,
    lang_opt,
    max_cells_opt,
    overwrite_opt,
    pilot_opt,
    station_opt,
)


@click.command(cls=Command, help=h("cmd_zones"))
@click.option("-o", "--output", required=True, type=OutputPath(),
              help=h("zones_output"))
@click.option("--crs", default="EPSG:4326", show_default=True, help=h("zones_crs"))
@click.option("--sector-radius", type=Number(numbers.SECTOR_RADIUS_M), default=5000.0, show_default=True,
              help=h("zones_sector_radius"))
@click.option("--steps", type=Number(numbers.STEP_M), default=None,
              help=h("zones_steps"))
@click.option("--extent", type=Number(numbers.EXTENT_M), default=3000.0, show_default=True,
              help=h("zones_extent"))
@click.option("--resolution", type=Number(min=0.5, max=10_000), default=5.0, show_default=True,
              help=h("zones_resolution"))
@max_cells_opt
@station_opt
@pilot_opt
@overwrite_opt
@lang_opt
def zones(output, crs, sector_radius, steps, extent, resolution, max_cells, station, pilots, overwrite, lang):
    """``geozones zones``; its help is the catalogue's ``help_cmd_zones``."""
    from pathlib import Path

    from ..core.zones import StationFrame
    from ..io import atomic_output, write_vector
    from ..layers import height_steps, zone_layer
    from ..styles import ZONE_COLOURS, add_qgis_style, colour_for, step_colours, steps_qml, write_kml, zones_qml
    from .options import known_inputs, refuse_outputs

    ctx = click.get_current_context()
    refuse_outputs(ctx, [output])

    frame = StationFrame(station)
    if steps:
        layer = height_steps(frame, steps, extent_m=extent, resolution_m=resolution, crs=crs, lang=lang,
                             max_cells=max_cells)
        name, qml = "height_steps", steps_qml(layer["to_m"], layer["name"])
        colours = step_colours(len(layer))
    else:
        layer = zone_layer(frame, crs=crs, lang=lang, sector_radius_m=sector_radius, pilots=pilots)
        name, qml = "zones", zones_qml(layer["zone"], layer["name"])
        colours = [colour_for(ZONE_COLOURS, z) for z in layer["zone"]]
    ext = Path(output).suffix.lower()
    if ext in (".kml", ".kmz"):
        with atomic_output(output, overwrite, known_inputs(ctx)) as tmp:
            write_kml(layer, tmp, colours, title=f"{station.name} {name}")
    else:
        with atomic_output(output, overwrite, known_inputs(ctx)) as tmp:
            write_vector(layer, tmp, overwrite=True, layer=name)
            if ext == ".gpkg":
                add_qgis_style(tmp, name, qml, f"geozones {name}")
    if steps:
        click.echo(f"{output}: {len(layer)} bands of {steps:g} m")
    else:
        click.echo(f"{output}: {len(layer)} zones ({', '.join(layer['zone'])})")



command = zones
