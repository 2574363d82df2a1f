"""``geozones report``: the printable assessment of one proposal (HTML or PDF)."""

from __future__ import annotations

import click

from .options import (
    Command,
    OutputPath,
    axis_opt,
    crs_opt,
    dem_opt,
    field_elev_opt,
    footprint_layer_opt,
    lang_opt,
    pilot_opt,
    proposal_opts,
    station_opt,
)


@click.command(cls=Command)
@proposal_opts
@footprint_layer_opt
@crs_opt
@axis_opt
@station_opt
@pilot_opt
@dem_opt
@field_elev_opt
@click.option("-o", "--output", required=True, type=OutputPath(),
              help="report.html (self-contained, prints on A4) or report.pdf.")
@click.option("--overwrite/--no-overwrite", default=True, show_default=True, help="Replace an existing report.")
@lang_opt
def report(footprint, layer, height, kind, use, floors, width, crs, axis_order, station, pilots, dem, field_elevation,
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
                      field_elevation=field_elevation, lang=lang, overwrite=overwrite, width=width, layer=layer)
    click.echo(f"{output}: {size / 1e3:,.0f} kB")


command = report
