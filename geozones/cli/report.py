"""``geozones report``: the printable assessment of one proposal (HTML or PDF), or its review
opinion (审查意见: ``--opinion`` or ``-o opinion.docx``, with the project particulars)."""

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
    h,
    lang_opt,
    ledger_effect_opt,
    pilot_opt,
    proposal_opts,
    station_opt,
)


@click.command(cls=Command, help=h("cmd_report"))
@proposal_opts
@footprint_layer_opt
@crs_opt
@axis_opt
@station_opt
@pilot_opt
@dem_opt
@field_elev_opt
@click.option("-o", "--output", required=True, type=OutputPath(),
              help=h("report_output"))
@click.option("--opinion", is_flag=True,
              help=h("report_opinion"))
@click.option("--project", "project_file", type=click.Path(exists=True, dir_okay=False),
              help=h("report_project"))
@click.option("--project-name", help=h("report_project_name"))
@click.option("--applicant", help=h("report_applicant"))
@click.option("--address", help=h("report_address"))
@click.option("--proposal-no", help=h("report_proposal_no"))
@click.option("--doc-no", help=h("report_doc_no"))
@click.option("--authority", help=h("report_authority"))
@click.option("--reviewer", help=h("report_reviewer"))
@click.option("--checker", help=h("report_checker"))
@click.option("--date", "opinion_date", help=h("report_date"))
@click.option("--overwrite/--no-overwrite", default=True, show_default=True, help=h("report_overwrite"))
@ledger_effect_opt
@lang_opt
def report(footprint, layer, height, kind, use, floors, width, crs, axis_order, station, pilots, dem, field_elevation,
           output, opinion, project_file, project_name, applicant, address, proposal_no, doc_no, authority,
           reviewer, checker, opinion_date, overwrite, ledger, lang):
    """``geozones report``; its help is the catalogue's ``help_cmd_report``."""
    from pathlib import Path

    from ..assessment_report import report_for
    from ..check import ZoneSet
    from .options import refuse_outputs

    footprint_file = footprint if len(footprint) < 4096 and Path(footprint).exists() else None
    refuse_outputs(click.get_current_context(), [output], [footprint_file, dem])

    given = {"project": project_name, "applicant": applicant, "address": address, "proposal_no": proposal_no,
             "doc_no": doc_no, "authority": authority, "reviewer": reviewer, "checker": checker, "date": opinion_date}
    if opinion or project_file or any(v is not None for v in given.values()) or Path(output).suffix.lower() == ".docx":
        from ..opinion import opinion_for, read_project

        fields = read_project(project_file) if project_file else {}
        fields.update({k: v for k, v in given.items() if v is not None})
        size = opinion_for(footprint, output, zones=ZoneSet(station, pilots), fields=fields, height=height, kind=kind,
                           use=use, floors=floors, crs=crs, axis_order=axis_order, dem=dem,
                           field_elevation=field_elevation, lang=lang, overwrite=overwrite, width=width, layer=layer)
        click.echo(f"{output}: {size / 1e3:,.0f} kB")
        return
    size = report_for(footprint, output, zones=ZoneSet(station, pilots), height=height, kind=kind, use=use,
                      floors=floors, crs=crs, axis_order=axis_order, dem=dem,
                      field_elevation=field_elevation, lang=lang, overwrite=overwrite, width=width, layer=layer,
                      ledger=ledger)
    click.echo(f"{output}: {size / 1e3:,.0f} kB")


command = report
