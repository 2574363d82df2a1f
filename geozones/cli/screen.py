"""``geozones screen``: a whole parcel file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..batch.settings import DEFAULT_CHUNK_ROWS, ENGINES
from ..batch.sort import SORTS
from ..core import numbers
from .map import write_map
from .options import (
    STDOUT,
    GroupedCommand,
    InputPath,
    Number,
    OutputPath,
    _kind,
    _use,
    axis_opt,
    crs_opt,
    dem_opt,
    field_elev_opt,
    h,
    lang_opt,
    ledger_effect_opt,
    ledger_where_it_applies,
    overwrite_opt,
    pilot_opt,
    station_choice,
    station_opt,
    stations_opt,
    storey_opt,
    sun_reach_opt,
    warn,
)


@click.command(cls=GroupedCommand, help=h("cmd_screen"))
@click.argument("input_path", metavar="INPUT", type=InputPath())
@click.option("-o", "--output", required=True, type=OutputPath(),
              help=h("screen_output"))
@click.option("--layer", default=None,
              help=h("screen_layer"))
@click.option("--encoding", default=None,
              help=h("screen_encoding"))
@click.option("--wkt-column", default=None, help=h("screen_wkt_column"))
@crs_opt
@axis_opt
@click.option("--height-field", default=None, help=h("screen_height_field"))
@click.option("--floors-field", default=None, help=h("screen_floors_field"))
@storey_opt
@click.option("--default-height", type=Number(numbers.HEIGHT_M), default=None,
              help=h("screen_default_height"))
@click.option("--kind-field", default=None, help=h("screen_kind_field"))
@click.option("--default-kind", default="building", show_default=True, callback=_kind,
              help=h("screen_default_kind"))
@click.option("--width-field", default=None,
              help=h("screen_width_field"))
@click.option("--use-field", default=None, help=h("screen_use_field"))
@click.option("--default-use", default=None, callback=_use, help=h("screen_default_use"))
@station_opt
@stations_opt
@sun_reach_opt
@click.option("--long", "long_path", type=OutputPath(), default=None,
              help=h("screen_long"))
@pilot_opt
@dem_opt
@field_elev_opt
@click.option("--report", "report_path", type=OutputPath(stdout=True), default=None,
              help=h("screen_report"))
@click.option("--chunk-size", type=Number(numbers.CHUNK_ROWS), default=DEFAULT_CHUNK_ROWS, show_default=True,
              help=h("screen_chunk_size"))
@click.option("-q", "--quiet", is_flag=True, help=h("screen_quiet"))
@click.option("--map", "map_path", type=OutputPath(), default=None,
              help=h("screen_map"))
@click.option("--fail-on", "fail_on", type=click.Choice(("error", "fail", "review")), multiple=True,
              help=h("screen_fail_on"))
@click.option("--replace-gz", is_flag=True,
              help=h("screen_replace_gz"))
@click.option("--reports", "reports_dir", type=OutputPath(folder=True), default=None,
              help=h("screen_reports"))
@click.option("--no-datum-check", is_flag=True,
              help=h("screen_no_datum_check"))
@click.option("--sun/--no-sun", default=True, show_default=True,
              help=h("screen_sun"))
@ledger_effect_opt
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
              help=h("screen_engine"))
@click.option("--workers", type=Number(numbers.WORKERS), default=None,
              help=h("screen_workers"))
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help=h("screen_scheduler"))
@click.option("--sort", type=click.Choice(SORTS), default=None,
              help=h("screen_sort"))
@overwrite_opt
@lang_opt
def screen(input_path, output, layer, encoding, wkt_column, crs, axis_order, height_field,
           floors_field, storey_height, default_height, kind_field, default_kind, width_field,
           use_field, default_use, station, stations, sun_reach, long_path, pilots, dem, field_elevation,
           report_path, chunk_size, quiet, map_path, reports_dir, fail_on, replace_gz, no_datum_check,
           sun, ledger, engine, workers, scheduler, sort,
           overwrite, lang):
    """``geozones screen``; its help is the catalogue's ``help_cmd_screen``."""
    import os

    from ..batch.settings import Settings
    from ..check import ZoneSet
    from ..report import format_summary
    from ..screen import ScreenOptions, screen_file, write_report
    from ..terrain import dem_and_field
    from .options import known_inputs, refuse_outputs

    ctx = click.get_current_context()
    station_choice(ctx, stations)
    if stations is None and long_path is not None:
        from ..errors import InputError

        raise InputError("long_needs_stations")
    if stations is not None:
        from ..errors import InputError

        for given, option in ((dem, "--dem"), (map_path, "--map"), (reports_dir, "--reports")):
            if given is not None:
                raise InputError("stations_dem" if option == "--dem" else "stations_option", option=option)
    ledger = ledger_where_it_applies(ctx, ledger, sun, "ledger_needs_sun")
    if engine != "dask" and (workers or scheduler):
        from ..errors import InputError

        raise InputError("dask_options_need_engine")
    refuse_outputs(ctx, [output, report_path, map_path, long_path], [input_path, dem])
    from ..io import driver_for

    if driver_for(output) == "XLSX":   # --map and --reports read the output back as a layer
        for given, option in ((map_path, "--map"), (reports_dir, "--reports")):
            if given is not None:
                from ..errors import InputError

                raise InputError("xlsx_reads_back", option=option)
    inputs = [*known_inputs(ctx), input_path, dem]
    if reports_dir:   # before any work: no index.html of an earlier run replaced without --overwrite
        from ..assessment_report import check_reports_folder

        check_reports_folder(reports_dir, overwrite)
    quiet_text = quiet or report_path == STDOUT   # then the JSON summary is all standard output carries
    if report_path and report_path != STDOUT and Path(report_path).exists() and not overwrite:
        from ..errors import OutputError

        raise OutputError("output_exists", path=report_path)
    opts = ScreenOptions(
        height_field=height_field, floors_field=floors_field, storey_height_m=storey_height,
        default_height_m=default_height, kind_field=kind_field, default_kind=default_kind,
        use_field=use_field, default_use=default_use, axis_order=axis_order, lang=lang,
        datum_check=not no_datum_check,
        width_field=width_field, sun=sun,
    )
    opts.dem, opts.field_elevation_m = dem_and_field(dem, station, field_elevation)
    # how the run uses the machine: the options, and the environment read here, at the edge
    settings = Settings.from_environ(os.environ, chunk_rows=chunk_size, engine=engine, workers=workers,
                                     scheduler=scheduler)
    show_bar = not quiet and sys.stderr.isatty()
    bar = None

    def progress(done: int, total: int | None) -> None:
        nonlocal bar
        if not show_bar:
            return
        if bar is None:
            bar = click.progressbar(length=total or 0, label="screening", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        if stations is not None:
            from ..check import StationNetwork

            zones: ZoneSet | StationNetwork = StationNetwork(stations, pilots, storey_height_m=storey_height,
                                                                  sun_reach_m=sun_reach)
        else:
            zones = ZoneSet(station, pilots, storey_height_m=storey_height)
        if ledger is not None:   # the approved obstacles' minutes: once per run, before the rows
            from ..sunshine import approved_sun_minutes

            opts.approved_sun = {st.id: approved_sun_minutes(ledger, st)
                                 for st in (zones.stations if zones.named else (zones.station,))}
        summary = screen_file(input_path, output, zones=zones, opts=opts,
                              layer=layer, encoding=encoding, wkt_column=wkt_column, crs=crs,
                              overwrite=overwrite, progress=progress,
                              inputs=inputs, replace_gz=replace_gz, long_path=long_path, sort=sort,
                              settings=settings)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if report_path == STDOUT:
        from ..screen import report_json

        click.echo(report_json(summary))
    elif report_path:
        write_report(summary, report_path, overwrite=overwrite, inputs=inputs)
    if not quiet_text:
        click.echo(format_summary(summary, lang, zones))
    if reports_dir:
        from ..assessment_report import write_batch_reports
        from ..text import t

        n, problems = write_batch_reports(output, reports_dir, zones=ZoneSet(station, pilots, storey_height_m=storey_height),
                                          opts=opts,
                                          id_column=summary.id_column,
                                          layer=summary.layer,
                                          lang=lang, overwrite=overwrite, renamed=summary.renamed)
        if not quiet_text:
            click.echo(t("rpt_written", lang, n=n, dir=reports_dir))
        for ident, why in problems:
            warn(click.get_current_context(), f"{ident}: {why}")
    if map_path:
        write_map(ZoneSet(station, pilots), output, map_path, lang=lang, tiles="osm",
                   quiet=quiet_text, overwrite=overwrite, layer=summary.layer,
                   inputs=inputs)
    _exit_code(ctx, summary, fail_on, lang)


def _exit_code(ctx: click.Context, summary, fail_on, lang: str) -> None:
    """Exit 4 when a row has an outcome named by --fail-on; 5 when every row is an error
    (the output is written either way); else 0."""
    from ..text import t

    prefix = t("word_error", lang)
    counts = {**summary.verdicts, "error": summary.error_rows}
    for outcome in ("error", "fail", "review"):
        if outcome in fail_on and counts.get(outcome, 0):
            click.echo(f"{prefix}: " + t("fail_on", lang, n=f"{counts[outcome]:,}", rows=f"{summary.rows:,}",
                                        outcome=outcome), err=True)
            ctx.exit(4)
    if summary.rows and summary.error_rows == summary.rows:
        why = str(summary.errors[0][1]).removeprefix("error: ") if summary.errors else "?"
        click.echo(f"{prefix}: " + t("all_errors", lang, rows=f"{summary.rows:,}", why=why), err=True)
        ctx.exit(5)



command = screen
