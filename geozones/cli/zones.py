"""``geozones zones``: the zones as a GIS layer."""

from __future__ import annotations

import click

from .options import (
    lang_opt,
    overwrite_opt,
    pilot_opt,
    station_opt,
)


@click.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file; the format follows the extension (.gpkg, .geojson, .kml, .shp, .fgb).")
@click.option("--crs", default="EPSG:4326", show_default=True, help="CRS of the output.")
@click.option("--sector-radius", type=click.FloatRange(min=1.0), default=5000.0, show_default=True,
              help="Radius to draw the sun sectors to [m] (the rule itself has no distance limit).")
@station_opt
@pilot_opt
@overwrite_opt
@lang_opt
def zones(output, crs, sector_radius, station, pilots, overwrite, lang):
    """Write the station's zones, sun sectors and the pilot areas as a GIS layer."""
    from ..core.zones import StationFrame
    from ..io import write_vector
    from ..layers import zone_layer

    layer = zone_layer(StationFrame(station), crs=crs, lang=lang, sector_radius_m=sector_radius,
                       pilots=pilots)
    write_vector(layer, output, overwrite=overwrite, layer="zones")
    click.echo(f"{output}: {len(layer)} zones ({', '.join(layer['zone'])})")



command = zones
