"""``geozones report``: the printable assessment of one proposal (HTML or PDF)."""

from __future__ import annotations

import click

from ..kinds import KINDS
from .options import _kind, _use, axis_opt, crs_opt, dem_opt, field_elev_opt, lang_opt, pilot_opt, station_opt


@click.command()
@click.option("--footprint", required=True,
              help="The proposal: WKT, or the path of a GeoJSON/GPKG/Shapefile/KML file.")
@click.option("--height", type=float, default=None,
              help="Height of the top above the observation-field ground [m].")
@click.option("--kind", default="building", show_default=True, callback=_kind,
              help="Kind of proposal: " + ", ".join(KINDS) + " (Chinese names accepted).")
@click.option("--use", default=None, callback=_use, help="Building use for pilot-area rules.")
@click.option("--floors", type=click.IntRange(min=1), default=None, help="Storeys (pilot-area rules).")
@click.option("--width", type=click.FloatRange(min=0), default=None,
              help="Width of a line (road/railway subgrade, river) [m]: measured from its edges.")
@crs_opt
@axis_opt
@station_opt
@pilot_opt
@dem_opt
@field_elev_opt
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="report.html (self-contained, prints on A4) or report.pdf.")
@click.option("--overwrite/--no-overwrite", default=True, show_default=True, help="Replace an existing report.")
@lang_opt
def report(footprint, height, kind, use, floors, width, crs, axis_order, station, pilots, dem, field_elevation,
           output, overwrite, lang):
    """Write the assessment of one proposal for its application: verdict, permitted height,
    articles (Chinese and English), map, obstruction view, approval duty, assumptions."""
    from pathlib import Path

    from ..assessment_report import report_for
    from ..check import ZoneSet
    from .options import refuse_outputs

    footprint_file = footprint if len(footprint) < 4096 and Path(footprint).exists() else None
    refuse_outputs(click.get_current_context(), [output], [footprint_file, dem])

    size = report_for(footprint, output, zones=ZoneSet(station, pilots), height=height, kind=kind, use=use,
                      floors=floors, crs=crs, axis_order=axis_order, dem=dem,
                      field_elevation=field_elevation, lang=lang, overwrite=overwrite, width=width)
    click.echo(f"{output}: {size / 1e3:,.0f} kB")


command = report
