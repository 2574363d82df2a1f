"""``geozones ledger``: the station's ledger of decided obstacles (``add``, ``list``,
``remove``, ``export``); the rules are :mod:`geozones.ledger`'s, the storage
:mod:`geozones.io.ledger`'s."""

from __future__ import annotations

import json

import click

from ..errors import InputError
from .options import (
    Command,
    Group,
    Number,
    OutputPath,
    axis_opt,
    crs_opt,
    dem_opt,
    field_elev_opt,
    footprint_layer_opt,
    group_lang_opt,
    h,
    lang_opt,
    ledger_opt,
    overwrite_opt,
    pilot_opt,
    proposal_options,
    station_opt,
)

_DECISIONS = ("approved", "refused", "pending")   # geozones.ledger.DECISIONS (a test holds them equal)
#: An entry id or a row number: a whole number from 1.
_ID = Number(min=1, integer=True)


@click.group("ledger", cls=Group, help=h("cmd_ledger"))
@group_lang_opt
def ledger() -> None:
    """``geozones ledger``; its help is the catalogue's ``help_cmd_ledger``."""


@ledger.command("add", cls=Command, help=h("cmd_ledger_add"))
@ledger_opt
@proposal_options(footprint_required=False)
@footprint_layer_opt
@crs_opt
@axis_opt
@station_opt
@pilot_opt
@dem_opt
@field_elev_opt
@click.option("--from-json", "from_json", default=None, help=h("ledger_from_json"))
@click.option("--from-report", "from_report", default=None, help=h("ledger_from_report"))
@click.option("--from-screen", "from_screen", default=None, help=h("ledger_from_screen"))
@click.option("--row", type=_ID, default=None, help=h("ledger_row"))
@click.option("--decision", type=click.Choice(_DECISIONS), required=True, help=h("ledger_decision"))
@click.option("--date", "decision_date", default=None, help=h("ledger_date"))
@click.option("--doc-no", default=None, help=h("ledger_doc_no"))
@click.option("--by", "recorded_by", default=None, help=h("ledger_by"))
@click.option("--note", default=None, help=h("ledger_note"))
@click.option("--supersedes", type=_ID, default=None, help=h("ledger_supersedes"))
@lang_opt
def add(ledger, footprint, height, kind, use, floors, width, layer, crs, axis_order, station, pilots, dem,
        field_elevation, from_json, from_report, from_screen, row, decision, decision_date, doc_no, recorded_by, note,
        supersedes, lang):
    """``geozones ledger add``; its help is the catalogue's ``help_cmd_ledger_add``."""
    import datetime

    from .. import ledger as L
    from ..check import ZoneSet
    from ..text import t

    if sum(x is not None for x in (footprint, from_json, from_report, from_screen)) != 1 or (row is None) != (from_screen is None):
        raise InputError("ledger_source")
    if footprint is None and height is not None:   # the JSON's or the row's H is the one its figures are of
        raise InputError("ledger_height_source")
    decided = dict(decision_date=L.parse_date(decision_date) or datetime.date.today().isoformat(), doc_no=doc_no,
                   recorded_by=recorded_by or "", note=note, supersedes=supersedes)
    if footprint is not None:
        entry = L.entry_from_proposal(footprint, station, decision=decision, zones=ZoneSet(station, pilots),
                                      height=height, kind=kind, use=use, floors=floors, crs=crs,
                                      axis_order=axis_order, dem=dem, field_elevation=field_elevation, width=width,
                                      layer=layer, **decided)
    elif from_json is not None:
        entry = L.entry_from_json(from_json, station, decision=decision, floors=floors, use=use, **decided)
    elif from_report is not None:
        entry = L.entry_from_report(from_report, station, decision=decision, floors=floors, use=use, **decided)
    else:
        entry = L.entry_from_screen(from_screen, row, station, decision=decision, kind=kind, layer=layer, use=use,
                                    **decided)
    added = L.add_entry(ledger, entry)
    click.echo(t("ledger_added", lang, path=ledger.shown, id=added.id, decision=t(f"ledger_decision_{decision}", lang),
                 station=station.id))


@ledger.command("list", cls=Command, help=h("cmd_ledger_list"))
@ledger_opt
@station_opt
@click.option("--history", is_flag=True, help=h("ledger_history"))
@click.option("--json", "as_json", is_flag=True, help=h("ledger_json"))
@lang_opt
def list_command(ledger, station, history, as_json, lang):
    """``geozones ledger list``; its help is the catalogue's ``help_cmd_ledger_list``."""
    from .. import ledger as L
    from ..text import t

    entries = L.read_ledger(ledger, station.id)
    if not history:
        entries = L.current(entries)
    if as_json:
        click.echo(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2))
    elif not entries:
        click.echo(t("ledger_none", lang, station=station.id, path=ledger.shown))
    else:
        click.echo(L.format_ledger(entries, lang, station))


@ledger.command("remove", cls=Command, help=h("cmd_ledger_remove"))
@click.argument("entry_id", type=_ID)
@ledger_opt
@station_opt
@click.option("--reason", required=True, help=h("ledger_reason"))
@click.option("--by", "recorded_by", default=None, help=h("ledger_by"))
@click.option("--date", "decision_date", default=None, help=h("ledger_date"))
@click.option("--doc-no", default=None, help=h("ledger_doc_no"))
@lang_opt
def remove(entry_id, ledger, station, reason, recorded_by, decision_date, doc_no, lang):
    """``geozones ledger remove``; its help is the catalogue's ``help_cmd_ledger_remove``."""
    from .. import ledger as L
    from ..text import t

    tomb = L.remove_entry(ledger, station.id, entry_id, reason, by=recorded_by, date=decision_date, doc_no=doc_no)
    click.echo(t("ledger_removed", lang, path=ledger.shown, id=entry_id, tomb=tomb.id))


@ledger.command("export", cls=Command, help=h("cmd_ledger_export"))
@ledger_opt
@station_opt
@click.option("-o", "--output", required=True, type=OutputPath(), help=h("ledger_output"))
@click.option("--history", is_flag=True, help=h("ledger_history"))
@overwrite_opt
@lang_opt
def export(ledger, station, output, history, overwrite, lang):
    """``geozones ledger export``; its help is the catalogue's ``help_cmd_ledger_export``."""
    from .. import ledger as L
    from ..io.formats import is_table_uri
    from ..text import t
    from .options import refuse_outputs

    refuse_outputs(click.get_current_context(), [output])
    if ledger.postgis and is_table_uri(output):
        from ..io.postgis import same_table, shown_uri

        if same_table(output, ledger.location):
            raise InputError("output_is_input", path=shown_uri(output), input=ledger.shown)
    n = L.export_ledger(ledger, station.id, output, history=history, overwrite=overwrite)
    click.echo(t("ledger_exported", lang, path=output, n=n))


command = ledger
