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
              help="report.html (self-contained, prints on A4) or report.pdf; opinion.docx writes the review "
                   "opinion as an editable Word file.")
@click.option("--opinion", is_flag=True,
              help="Write the review opinion (审查意见: 同意 / 需补充论证 / 不同意, the articles, the smallest height "
                   "cut and move that pass, signature block) instead of the assessment. Implied by .docx and by "
                   "any project particular.")
@click.option("--project", "project_file", type=click.Path(exists=True, dir_okay=False),
              help="A TOML file of project particulars (project, applicant, address, proposal_no, doc_no, "
                   "authority, reviewer, checker, date); the options below override it.")
@click.option("--project-name", help="Project name (项目名称).")
@click.option("--applicant", help="Applicant (建设单位).")
@click.option("--address", help="Location or address (建设地点).")
@click.option("--proposal-no", help="Proposal number (申报编号).")
@click.option("--doc-no", help="Document number of the opinion (文号).")
@click.option("--authority", help="The issuing authority, shown at the seal (审查机关).")
@click.option("--reviewer", help="Reviewer (审查人).")
@click.option("--checker", help="Checker (审核人).")
@click.option("--date", "opinion_date", help="Date of the opinion (default: today).")
@click.option("--overwrite/--no-overwrite", default=True, show_default=True, help="Replace an existing report.")
@lang_opt
def report(footprint, layer, height, kind, use, floors, width, crs, axis_order, station, pilots, dem, field_elevation,
           output, opinion, project_file, project_name, applicant, address, proposal_no, doc_no, authority,
           reviewer, checker, opinion_date, overwrite, lang):
    """Write the assessment of one proposal for its application: verdict, permitted height,
    articles (Chinese and English), map, obstruction view, approval duty, assumptions."""
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
                      field_elevation=field_elevation, lang=lang, overwrite=overwrite, width=width, layer=layer)
    click.echo(f"{output}: {size / 1e3:,.0f} kB")


command = report
