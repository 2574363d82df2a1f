"""``geozones serve``: the checks as an OGC API service (:mod:`geozones.service`)."""

from __future__ import annotations

import click

from ..service.context import KEEP_JOBS, MAX_BODY_BYTES, MAX_JOBS, MAX_VERTICES
from .options import (
    Command,
    Number,
    OutputPath,
    h,
    lang_opt,
    pilot_opt,
    station_choice,
    station_opt,
    stations_opt,
    storey_opt,
    sun_reach_opt,
)


@click.command(cls=Command, help=h("cmd_serve"))
@click.option("--host", default="127.0.0.1", show_default=True, help=h("serve_host"))
@click.option("--port", type=Number(min=1, max=65535, integer=True), default=5000, show_default=True,
              help=h("serve_port"))
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False), default=None, help=h("serve_data_dir"))
@click.option("--token", default=None, envvar="GEOZONES_TOKEN", show_envvar=True, help=h("serve_token"))
@click.option("--max-body", type=Number(min=1024, max=1_000_000_000, integer=True), default=MAX_BODY_BYTES,
              show_default=True, help=h("serve_max_body"))
@click.option("--max-jobs", type=Number(min=1, max=64, integer=True), default=MAX_JOBS, show_default=True,
              help=h("serve_max_jobs"))
@click.option("--max-vertices", type=Number(min=4, max=10_000_000, integer=True), default=MAX_VERTICES,
              show_default=True, help=h("serve_max_vertices"))
@click.option("--keep-jobs", type=Number(min=0, max=100_000, integer=True), default=KEEP_JOBS, show_default=True,
              help=h("serve_keep_jobs"))
@click.option("--threads", type=Number(min=1, max=64, integer=True), default=8, show_default=True,
              help=h("serve_threads"))
@click.option("--state-dir", type=OutputPath(folder=True), default=None, help=h("serve_state_dir"))
@station_opt
@stations_opt
@sun_reach_opt
@pilot_opt
@storey_opt
@lang_opt
def serve(host, port, data_dir, token, max_body, max_jobs, max_vertices, keep_jobs, threads, state_dir, station,
          stations, sun_reach, pilots, storey_height, lang):
    """``geozones serve``; its help is the catalogue's ``help_cmd_serve``."""
    import os
    import tempfile
    from pathlib import Path

    from ..check import StationNetwork, ZoneSet
    from ..service import ServiceSettings
    from ..service.app import run
    from ..service.context import is_loopback
    from ..text import t

    station_choice(click.get_current_context(), stations)
    zones = ZoneSet(station if stations is None else stations[0], pilots, storey_height_m=storey_height)
    network = None if stations is None else StationNetwork(stations, pilots, storey_height_m=storey_height,
                                                           sun_reach_m=sun_reach)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    settings = ServiceSettings(
        zones=zones, network=network, data_dir=None if data_dir is None else Path(data_dir),
        state_dir=Path(state_dir) if state_dir else Path(tempfile.mkdtemp(prefix="geozones-serve-")),
        token=token or None, max_body_bytes=max_body, max_jobs=max_jobs, max_vertices=max_vertices,
        keep_jobs=keep_jobs, lang=lang, url=url)
    if settings.token is None and not is_loopback(host):
        click.echo(t("service_open_warning", lang, host=host), err=True)
    click.echo(t("service_started", lang, url=url), err=True)
    run(settings, os.environ, host, port, threads=threads)   # pygeoapi reads its configuration from there


command = serve
