"""``geozones horizon``: the horizon obstruction diagram."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from .options import (
    dem_opt,
    field_elev_opt,
    lang_opt,
    overwrite_opt,
    station_opt,
)


@click.command()
@click.option("--buildings", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Footprints with heights (any vector format and CRS; DXF with --crs).")
@click.option("--crs", default=None,
              help="CRS of --buildings when the file has none (DXF), or GCJ-02/BD-09 for a WGS84 "
                   "file whose numbers come from Gaode/Tencent/Baidu maps.")
@click.option("--layer", default=None, help="Layer of --buildings (GeoPackage layer, DXF CAD layer).")
@click.option("--height-field", default=None,
              help="Height column [m] (default: gz_height_m, height, HEIGHT or 高度, if present).")
@dem_opt
@field_elev_opt
@click.option("--eye-height", type=float, default=0.0, show_default=True,
              help="Viewpoint height above the field ground [m].")
@click.option("--terrain-radius", type=click.FloatRange(min=10), default=5000.0, show_default=True,
              help="How far to look for terrain obstruction [m].")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The diagram (.png or .svg).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the profile as CSV (one row per degree).")
@station_opt
@overwrite_opt
@lang_opt
def horizon(buildings, crs, layer, height_field, dem, field_elevation, eye_height, terrain_radius, output,
            csv_path, station, overwrite, lang):
    """Draw the horizon obstruction diagram (地平圈障碍物遮蔽图) and list azimuths over 5°."""
    import numpy as np

    from ..errors import OutputError
    from ..horizon import horizon_profile, plot_horizon, read_buildings
    from ..io import atomic_output
    from ..terrain import DEM
    from ..terrain import field_elevation as field_z
    from ..zones import StationFrame

    from .options import refuse_outputs

    refuse_outputs(click.get_current_context(), [output, csv_path], [buildings, dem])
    if Path(output).suffix.lower() not in (".png", ".svg"):
        raise OutputError("output_format", path=output, choices=".png, .svg")
    if buildings is None and dem is None:
        raise InputError("horizon_nothing")
    frame = StationFrame(station)
    dem_obj = DEM(dem) if dem else None
    z_field = field_z(station, dem_obj, field_elevation)[0] if dem_obj else None
    geoms, tops, labels = np.array([], dtype=object), np.array([]), None
    if buildings:
        geoms, tops, labels = read_buildings(buildings, frame, height_field, dem_obj, z_field,
                                             crs=crs, layer=layer)
    prof = horizon_profile(frame, geoms, tops, dem=dem_obj, field_elevation_m=z_field,
                           eye_height_m=eye_height, terrain_radius_m=terrain_radius, labels=labels)
    for note in plot_horizon(prof, frame, output, lang=lang, overwrite=overwrite):
        click.echo(("警告" if lang == "zh" else "warning") + ": " + note, err=True)
    if csv_path:
        with atomic_output(csv_path, overwrite) as tmp:
            prof.to_frame().to_csv(tmp, index=False, encoding="utf-8")
    from ..i18n import t

    over = prof.azimuth_deg[prof.exceeds & prof.in_sun_sector]
    other = prof.azimuth_deg[prof.exceeds & ~prof.in_sun_sector]
    degrees = lambda az: ", ".join(f"{a}°" for a in az)  # noqa: E731
    click.echo(t("hz_highest", lang, out=output, deg=f"{prof.elevation_deg.max():.2f}"))
    click.echo(t("hz_sun", lang, limit=f"{prof.limit_deg:g}",
                 list=degrees(over) if over.size else t("report_none", lang)))
    if other.size:
        click.echo(t("hz_other", lang, limit=f"{prof.limit_deg:g}", list=degrees(other)))
    # The plan measures D from the fence (as check does): list what breaks the rule that way.
    fence = prof.azimuth_deg[prof.breaks_sun_rule]
    click.echo(t("hz_fence_sun", lang, list=degrees(fence) if fence.size else t("report_none", lang)))



command = horizon
