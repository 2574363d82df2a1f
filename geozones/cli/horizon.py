"""``geozones horizon``: the horizon obstruction diagram."""

from __future__ import annotations

import click

from ..core import numbers
from ..horizon import HORIZON_FORMS
from .options import (
    STDOUT,
    Command,
    InputPath,
    Number,
    OutputPath,
    dem_opt,
    field_elev_opt,
    h,
    lang_opt,
    ledger_effect_opt,
    overwrite_opt,
    proposal_options,
    station_opt,
)


@click.command(cls=Command, help=h("cmd_horizon"))
@click.option("--buildings", type=InputPath(exists=True), default=None,
              help=h("horizon_buildings"))
@click.option("--crs", default=None,
              help=h("horizon_crs"))
@click.option("--layer", default=None, help=h("horizon_layer"))
@click.option("--height-field", default=None,
              help=h("horizon_height_field"))
@dem_opt
@field_elev_opt
@click.option("--eye-height", type=Number(numbers.EYE_HEIGHT_M), default=0.0, show_default=True,
              help=h("horizon_eye_height"))
@click.option("--terrain-radius", type=Number(numbers.TERRAIN_RADIUS_M), default=5000.0, show_default=True,
              help=h("horizon_terrain_radius"))
@click.option("-o", "--output", required=True, type=OutputPath(),
              help=h("horizon_output"))
@click.option("--form", type=click.Choice(HORIZON_FORMS), default=HORIZON_FORMS[0], show_default=True,
              help=h("horizon_form"))
@click.option("--csv", "csv_path", type=OutputPath(stdout=True), default=None,
              help=h("horizon_csv"))
@station_opt
@proposal_options(footprint_required=False)
@ledger_effect_opt
@overwrite_opt
@lang_opt
def horizon(buildings, crs, layer, height_field, dem, field_elevation, eye_height, terrain_radius, output,
            form, csv_path, station, footprint, height, kind, use, floors, width, ledger, overwrite, lang):
    """``geozones horizon``; its help is the catalogue's ``help_cmd_horizon``."""
    from ..horizon import horizon_diagram, horizon_lines
    from .options import refuse_outputs, warn

    refuse_outputs(click.get_current_context(), [output, csv_path], [buildings, dem])
    proposal = None
    if footprint is not None:   # the proposal read and placed as check does, in its own colour
        proposal = _proposal_profile(footprint, height, kind, use, floors, width, crs, station, dem,
                                     field_elevation, eye_height, lang)
    obstacles = None
    if ledger is not None:
        from ..ledger import approved_obstacles

        obstacles = approved_obstacles(ledger, station)
    to_stdout = csv_path == STDOUT
    prof, notes = horizon_diagram(output, station, buildings=buildings, crs=crs, layer=layer,
                                  height_field=height_field, dem=dem,
                                  field_elevation=field_elevation, eye_height_m=eye_height,
                                  terrain_radius_m=terrain_radius, csv_path=None if to_stdout else csv_path,
                                  lang=lang, overwrite=overwrite, form=form, proposal=proposal, ledger=obstacles)
    for note in notes:
        warn(click.get_current_context(), note)
    if obstacles is not None:
        from ..text import t

        click.echo(t("hz_ledger", lang, ledger=ledger.shown, n=len(obstacles), station=station.id),
                   err=to_stdout)
    if to_stdout:   # the table on standard output, the words beside it on standard error
        from ..io.serialise import write_csv_frame

        click.echo(write_csv_frame(prof.to_frame()), nl=False)
    for line in horizon_lines(prof, output, lang):
        click.echo(line, err=to_stdout)
    if proposal is not None:   # the 5° rule is judged per obstacle: the proposal's own lines
        from ..text import t

        click.echo(t("hz_proposal_alone", lang), err=to_stdout)
        for line in horizon_lines(proposal, output, lang):
            click.echo("  " + line, err=to_stdout)


def _proposal_profile(footprint, height, kind, use, floors, width, crs, station, dem, field_elevation, eye_height,
                      lang):
    """The proposal's own horizon profile: the footprint read and placed as ``check`` reads it
    (its height with the DEM's ground under it when one is given; the terrain itself is drawn
    with the first profile)."""
    import numpy as np

    from ..assessment_report import check_proposal
    from ..check import ZoneSet
    from ..core.zones import StationFrame
    from ..errors import InputError
    from ..horizon import horizon_profile

    if height is None and floors is None:
        raise InputError("horizon_proposal_height")
    result, local, _wgs, _drawing = check_proposal(footprint, zones=ZoneSet(station), height=height, kind=kind,
                                                   use=use, floors=floors, crs=crs, dem=dem,
                                                   field_elevation=field_elevation, lang=lang, width=width)
    if result.height_m is None:
        raise InputError("horizon_proposal_height")
    return horizon_profile(StationFrame(station), np.array([local], dtype=object), np.array([result.height_m]),
                           eye_height_m=eye_height, labels=np.array(["proposal"]))


command = horizon
