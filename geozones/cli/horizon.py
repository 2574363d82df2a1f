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
              help="Footprints with heights (any vector format and CRS).")
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
def horizon(buildings, height_field, dem, field_elevation, eye_height, terrain_radius, output,
            csv_path, station, overwrite, lang):
    """Draw the horizon obstruction diagram (地平圈障碍物遮蔽图) and list azimuths over 5°."""
    import numpy as np

    from ..core.zones import StationFrame
    from ..errors import OutputError
    from ..horizon import horizon_profile, plot_horizon, read_buildings
    from ..i18n import t
    from ..io import atomic_output
    from ..terrain import dem_and_field
    from .options import warn

    if Path(output).suffix.lower() not in (".png", ".svg"):
        raise OutputError("output_format", path=output, choices=".png, .svg")
    if buildings is None and dem is None:
        raise InputError("horizon_nothing")
    frame = StationFrame(station)
    dem_obj, z_field = dem_and_field(dem, station, field_elevation)
    geoms, tops, labels = np.array([], dtype=object), np.array([]), None
    if buildings:
        geoms, tops, labels = read_buildings(buildings, frame, height_field, dem_obj, z_field)
    prof = horizon_profile(frame, geoms, tops, dem=dem_obj, field_elevation_m=z_field,
                           eye_height_m=eye_height, terrain_radius_m=terrain_radius, labels=labels)
    for note in plot_horizon(prof, frame, output, lang=lang, overwrite=overwrite):
        warn(click.get_current_context(), note)
    if csv_path:
        with atomic_output(csv_path, overwrite) as tmp:
            prof.to_frame().to_csv(tmp, index=False, encoding="utf-8")
    over = prof.azimuth_deg[prof.exceeds & prof.in_sun_sector]
    other = prof.azimuth_deg[prof.exceeds & ~prof.in_sun_sector]
    degrees = lambda az: ", ".join(f"{a}°" for a in az)
    click.echo(t("hz_highest", lang, out=output, deg=f"{prof.elevation_deg.max():.2f}"))
    if prof.limit_deg is not None:
        click.echo(t("hz_sun", lang, limit=f"{prof.limit_deg:g}", article=prof.article,
                     list=degrees(over) if over.size else t("report_none", lang)))
    if other.size:
        click.echo(t("hz_other", lang, limit=f"{prof.limit_deg:g}", list=degrees(other)))



command = horizon
