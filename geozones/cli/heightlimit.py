"""``geozones heightlimit``: the permitted height as a GeoTIFF."""

from __future__ import annotations

import sys

import click

from ..core import numbers
from ..core.kinds import HEIGHT_KINDS
from ..heightlimit import MODES
from ..text import t
from .options import (
    Command,
    Number,
    OutputPath,
    _kind,
    dem_opt,
    field_elev_opt,
    h,
    lang_opt,
    max_cells_opt,
    overwrite_opt,
    station_opt,
    warn,
)


@click.command(cls=Command, help=h("cmd_heightlimit"))
@click.option("-o", "--output", required=True, type=OutputPath(), help=h("heightlimit_output"))
@click.option("--resolution", type=Number(min=0.1, max=10_000), default=5.0, show_default=True,
              help=h("heightlimit_resolution"))
@click.option("--extent", type=Number(numbers.EXTENT_M), default=3000.0, show_default=True,
              help=h("heightlimit_extent"))
@click.option("--crs", default=None, help=h("heightlimit_crs"))
@dem_opt
@click.option("--mode", type=click.Choice(MODES), default="field",
              show_default=True, help=h("heightlimit_mode"))
@click.option("--absolute", "absolute", is_flag=True, help=h("heightlimit_absolute"))
@field_elev_opt
@click.option("--kind", default="building", show_default=True, callback=_kind,
              help=h("heightlimit_kind", kinds=", ".join(sorted(HEIGHT_KINDS))))
@station_opt
@max_cells_opt
@overwrite_opt
@click.option("-q", "--quiet", is_flag=True, help=h("quiet"))
@lang_opt
def heightlimit(output, resolution, extent, crs, dem, mode, absolute, field_elevation, kind,
                station, max_cells, overwrite, quiet, lang):
    """``geozones heightlimit``; its help is the catalogue's ``help_cmd_heightlimit``."""
    from ..core.zones import StationFrame
    from ..heightlimit import write_heightlimit
    from ..terrain import dem_and_field
    from .options import refuse_outputs

    refuse_outputs(click.get_current_context(), [output], [dem])
    mode = "absolute" if absolute else mode
    if dem is not None and mode == "field":
        warn(click.get_current_context(), t("dem_ignored_field_mode", lang))
    dem_obj, z_field = dem_and_field(dem, station, field_elevation)
    show_bar = not quiet and sys.stderr.isatty()
    bar = click.progressbar(length=int(2 * extent / resolution + 0.999), label="heightlimit",
                            file=sys.stderr) if show_bar else None

    def progress(done, total):
        if bar is not None:
            bar.update(done - bar.pos)

    try:
        stats = write_heightlimit(output, StationFrame(station), resolution_m=resolution,
                                  extent_m=extent, crs=crs, dem=dem_obj, mode=mode,
                                  field_elevation_m=z_field, kind=kind, overwrite=overwrite,
                                  progress=progress, max_cells=max_cells)
    finally:
        if bar is not None:
            bar.render_finish()
    if not quiet:
        click.echo(t("heightlimit_summary", lang, path=output, size=stats["size"], res=f"{resolution:g}",
                     mode=mode, limited=f"{stats['limited']:,}", zero=f"{stats['zero']:,}",
                     lo=f"{stats['min']:.2f}", hi=f"{stats['max']:.2f}"))



command = heightlimit
