"""The human-readable report of a check: the same facts as ``--json``, with articles quoted."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .check import CheckResult
from .core.station import sun_angle_deg
from .text import KIND_NAMES, VERDICT_NAMES, consent_head, has_message, name, row_number, t, zone_name

__all__ = ["check_json", "format_check", "format_drawing_check", "datum_warning_lines"]


def check_json(result: Any) -> str:
    """The JSON text of a check (:class:`~geozones.check.CheckResult`, a drawing's or a station
    network's result): what ``geozones check --json`` prints and what the service's
    ``geozones-check`` process answers, from one place (the result's ``to_dict``).

    >>> from geozones.check import check
    >>> check_json(check("POINT (111.5745 35.5054)", height=10)).splitlines()[1]
    '  "verdict": "pass",'
    """
    import json

    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)


def _width(text: str) -> int:
    """Display width in a terminal: East Asian wide characters take two cells."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _m(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f} {t('unit_m', lang)}"


def format_check(result: CheckResult, lang: str = "en", station: Any = None) -> str:
    """A short plain-text report of one check (``station``: the station checked against,
    for its name and zone names)."""
    L = lambda key: t(key, lang)
    verdict = name(VERDICT_NAMES, result.verdict, lang).upper()
    title = station.name.get(lang) if station is not None else result.station
    lines = [*datum_warning_lines(result.datum_warning), t("report_title", lang, station=title), ""]
    rows = [
        (L("report_verdict"), verdict),
        (L("report_zone"), zone_name(station, result.zone, lang)),
        (L("report_distance"), _m(result.distance_m, lang)),
        (L("report_max_height"), _m(result.max_height_m, lang) if result.max_height_m is not None
         else L("report_unlimited")),
    ]
    if result.height_m is not None:
        rows.append((L("report_height"), f"{_m(result.height_m, lang)} ({name(KIND_NAMES, result.kind, lang)})"))
        rows.append((L("report_exceedance"), _m(result.exceedance_m, lang)))
    rows.append((L("report_sun"), L("report_yes") if result.in_sun_sector else L("report_no")))
    rows += sun_rows(result.sunshine, lang)
    width = max(_width(k) for k, _ in rows)
    lines += [f"  {k}{' ' * (width - _width(k))}  {v}" for k, v in rows]
    lines += ["", L("report_findings") + ":"]
    if not result.findings:
        lines.append("  " + L("report_no_rules"))
    for f in result.findings:
        mark = {"fail": "✗", "review": "!", "pass": "✓"}[f.severity]
        word = f" «{f.word}»" if f.word else ""
        lines.append(f"  {mark} [{name(VERDICT_NAMES, f.severity, lang)}] {f.rule} — {f.article}{word}")
        if f.quote_zh or f.quote:  # class defaults not confirmed from a text have no quote
            lines.append(f"      “{f.quote_zh or f.quote}”")
        if lang != "zh" and f.quote_en:
            lines.append(f"      “{f.quote_en}”")
        lines.append(f"      {f.message}")
        if f.reading:
            lines.append(f"      ({L('report_reading')}: {f.reading})")
    if result.pilot is not None:
        p = result.pilot
        if not p["inside"]:
            prov = f" ({L('report_pilot_provisional')})" if p.get("provisional_boundary") else ""
            lines += ["", f"{L('report_pilot')}: {L('report_pilot_outside')}{prov}"]
        else:
            storeys = "" if p["storeys"] is None else f", {p['storeys']:.0f} {L('report_storeys')}"
            lines += ["", f"{L('report_pilot')}: {p['name']} — "
                          f"{name(VERDICT_NAMES, p['verdict'], lang).upper()}{storeys}"]
            for f in p["findings"]:
                mark = {"fail": "✗", "review": "!", "pass": "✓", "info": "i"}[f["severity"]]
                lines.append(f"  {mark} [{name(VERDICT_NAMES, f['severity'], lang)}] {f['rule']} — {f['article']}")
                lines.append(f"      “{f.get('quote_zh') or f['quote']}”")
                if lang != "zh" and f.get("quote_en"):
                    lines.append(f"      “{f['quote_en']}”")
                lines.append(f"      {f['message']}")
                if f.get("reading"):
                    lines.append(f"      ({L('report_reading')}: {f['reading']})")
    if result.notices:
        lines += ["", L("report_notices") + ":"]
        lines += [f"  ! {n}" for n in result.notices]
    lines += ["", L("report_assumptions") + ":"]
    lines += [f"  - {a}" for a in result.assumptions]
    return "\n".join(lines)


def sun_rows(sunshine: Mapping[str, Any] | None, lang: str = "en") -> list[tuple[str, str]]:
    """The report's rows of the sun figures (``CheckResult.sunshine``): the minutes and hours
    hidden, then when; none without figures."""
    if not sunshine:
        return []
    head = t("report_sun_blocked", lang)
    led = sunshine.get("ledger")
    if sunshine["covers_recorder"]:
        rows = [(head, t("report_sun_covers", lang))]
    elif not sunshine["sun_blocked_min_per_year"]:
        rows = [(head, t("report_sun_none", lang))]
    else:
        rows = [(head, t("report_sun_blocked_value", lang, minutes=f"{sunshine['sun_blocked_min_per_year']:,}",
                         hours=f"{sunshine['sunshine_loss_h_per_year']:,.2f}")),
                ("", t("report_sun_when", lang, first=sunshine["first_date"], last=sunshine["last_date"],
                       days=sunshine["days"], earliest=sunshine["earliest_time"], latest=sunshine["latest_time"],
                       month_name=t("report_months", lang).split(",")[sunshine["worst_month"] - 1]))]
    if led:
        rows += [(t("report_sun_added", lang), t("report_sun_added_value", lang, minutes=f"{led['added_min']:,}",
                                                  hours=f"{led['added_loss_h']:,.2f}")),
                 (t("report_sun_cumulative", lang),
                  t("report_sun_cumulative_value", lang, minutes=f"{led['cumulative_min']:,}",
                    hours=f"{led['cumulative_loss_h']:,.2f}", before=f"{led['blocked_min_before']:,}",
                    before_h=f"{led['loss_h_before']:,.2f}")),
                 ("", t("report_sun_ledger", lang, n=led["approved_obstacles"], ledger=led["ledger"]))]
    return rows


def format_drawing_check(result, path: str, lang: str = "en", station: Any = None) -> str:
    """A drawing's plain-text report: one line per entity (index, layer, kind, verdict, distance,
    permitted height), the worst entity named, then its full check (:func:`format_check`)."""
    L = lambda key: t(key, lang)
    head = (L("drawing_index"), L("drawing_layer"), L("drawing_kind"), L("report_verdict"),
            L("report_distance"), L("report_max_height"))
    table = [head]
    for e in result.entities:
        if e.verdict == "error":
            table.append((str(e.index), e.layer, name(KIND_NAMES, e.kind, lang), "—",
                          t("drawing_error", lang, why=e.problem), ""))
            continue
        table.append((str(e.index), e.layer, name(KIND_NAMES, e.kind, lang),
                      name(VERDICT_NAMES, e.verdict, lang).upper(), _m(e.distance_m, lang),
                      _m(e.max_height_m, lang) if e.max_height_m is not None else L("report_unlimited")))
    widths = [max(_width(r[c]) for r in table) for c in range(len(head))]
    lines = [t("drawing_title", lang, path=path, n=len(result.entities)), ""]
    for r in table:
        cells = [f"{v}{' ' * (w - _width(v))}" for v, w in zip(r, widths)]
        lines.append(("  " + "  ".join(cells)).rstrip())
    w = result.worst_entity
    lines += ["", t("drawing_worst", lang, index=w.index, layer=w.layer, entity=w.entity, handle=w.handle,
                    verdict=name(VERDICT_NAMES, result.verdict, lang).upper()), ""]
    worst = format_check(result.result, lang, station)
    if result.assumptions:
        worst += "\n" + "\n".join(f"  - {a}" for a in result.assumptions)
    return "\n".join(lines) + "\n" + worst


def datum_warning_lines(warning: dict | None) -> list[str]:
    """The lines a likely coordinate mistake is said in, first (``CheckResult.datum_warning``),
    and a blank line; none without one."""
    if not warning:
        return []
    head, *rest = warning["message"]
    return [f"! {head}", *(f"  {line}" for line in rest), ""]


def format_summary(summary, lang: str = "en", network: Any = None) -> str:
    """The terminal summary of a screening run (``network``: the stations screened against, for
    the sun-sector angle the many-station note quotes)."""
    lines = [t("sum_rows", lang, n=f"{summary.rows:,}", out=summary.output)]
    if summary.encoding:
        lines.append(t("sum_encoding", lang, enc=summary.encoding))
    counts = "  ".join(f"{name(VERDICT_NAMES, v, lang)} {summary.verdicts.get(v, 0):,}"
                       for v in ("fail", "review", "pass", "error"))
    lines.append(t("sum_verdicts", lang, counts=counts))
    # what could make those counts wrong, said next: a likely coordinate mistake, no station
    # reaching any row
    if getattr(summary, "datum", None):
        lines.append(t("sum_datum", lang, datum=summary.datum))
    elif getattr(summary, "crs_assumed", False):
        changed = summary.datums_changing()
        lines.append(("! " if changed else "") + t("sum_crs_assumed", lang))
        for datum, c in changed.items():
            how = "" if c["method"] == "exact" else t(
                "sum_datum_sampled", lang, read=f"{c['rows_read']:,}", open=f"{c['rows_open']:,}",
                ev=f"{c['verdicts_error_95']:,}", eh=f"{c['permitted_heights_error_95']:,}")
            lines.append("! " + t("sum_datum_changes", lang, datum=datum, n=f"{c['verdicts']:,}",
                                  h=f"{c['permitted_heights']:,}", how=how))
    if "no_station_reached" in summary.warnings():
        lines.append("! " + t("sum_no_station_reached", lang, n=f"{summary.no_station_rows:,}"))
    who = (lambda ident: f" ({summary.id_column}={ident})") if summary.id_column else (lambda _i: "")
    if summary.worst:
        lines.append(t("sum_worst", lang))
        for exc, row, verdict, ident in sorted(summary.worst, reverse=True)[:5]:
            lines.append(f"  {t('sum_row', lang, row=row_number(row))}{who(ident)}: +{exc:,.2f} {t('unit_m', lang)} "
                         f"({name(VERDICT_NAMES, verdict, lang)})")
    if summary.error_rows:
        lines.append(t("sum_errors", lang, n=f"{summary.error_rows:,}"))
        shown = summary.errors[:5]
        for row, status, ident in shown:
            lines.append(f"  {t('sum_row', lang, row=row_number(row))}{who(ident)}: {status}")
        if summary.error_rows > len(shown):
            lines.append("  " + t("sum_more", lang, n=f"{summary.error_rows - len(shown):,}"))
    if getattr(summary, "dxf", None):
        lines.append(t("sum_dxf", lang, **summary.dxf))
    shiftless = getattr(summary, "no_datum_shift", None)
    if shiftless:
        lines.append(t("sum_no_datum_shift", lang, crs=shiftless["crs"], datum=shiftless["datum"]))
    if getattr(summary, "sort", None) == "hilbert":
        lines.append(t("sum_sorted", lang))
    # the approval notices (Art. 14, 15.1), each case on its own line
    for case, rows in (("inside", summary.protected_rows), ("maybe", summary.maybe_protected_rows)):
        if rows:
            lines.append(t("sum_consent", lang, head=consent_head(case, lang), n=f"{rows:,}"))
    if getattr(summary, "stations", None) is not None:
        lines.append(t("sum_stations", lang, n=f"{summary.stations:,}", pairs=f"{summary.station_pairs:,}",
                       none=f"{summary.no_station_rows:,}"))
        angle = None if network is None else sun_angle_deg(network.stations)
        if angle is not None:
            lines.append(t("assume_sun_reach", lang, km=f"{summary.sun_reach_m / 1000:g}", angle=f"{angle:g}",
                           h=f"{summary.sun_reach_m * math.tan(math.radians(angle)):,.0f}"))
        if summary.long_output:
            lines.append(t("sum_long", lang, path=summary.long_output))
    if summary.renamed:
        lines.append(t("sum_renamed_columns", lang, pairs=", ".join(f"{a} → {b}" for a, b in summary.renamed.items())))
    led = getattr(summary, "ledger", None) or {}
    for station, got in led.get("stations", {}).items():   # screen --ledger: what was counted
        lines.append(t("screen_ledger_note", lang, ledger=led["ledger"], station=station, n=got["approved_obstacles"],
                       minutes=f"{got['blocked_min']:,}"))
    share = summary.pilot_low_rise_share
    if share is not None:
        target = summary.pilot_low_rise_target or 0.0
        lines.append(t("sum_pilot", lang, share=f"{share:.1%}", storeys=summary.pilot_low_rise_storeys,
                       target=f"{target:.0%}", met=t("sum_met" if share >= target else "sum_not_met", lang)))
    return "\n".join(lines)


def format_stations_check(result, lang: str = "en", network: Any = None) -> str:
    """The plain-text report of ``check --stations``: the overall verdict, the governing
    station's full report, one line for each other station in reach, or "no station within
    N km" with the pilot area's part."""
    from .check import CheckResult

    L = lambda key: t(key, lang)
    by_id = {s.id: s for s in network.stations} if network is not None else {}
    verdict = name(VERDICT_NAMES, result.verdict, lang).upper()
    lines = [*datum_warning_lines(result.datum_warning), f"{L('report_verdict')}: {verdict}"]
    if result.governing is None:
        head = t("check_no_station", lang, km=f"{result.no_station_km:g}")
        lines.append(head)
        empty = CheckResult(verdict=result.verdict, zone="outside", distance_m=None, max_height_m=None,
                            height_m=None, exceedance_m=None, in_sun_sector=False, sun_distance_m=None,
                            kind="", station="", pilot=result.pilot,
                            assumptions=[a for a in result.assumptions if a != head])
        body = format_check(empty, lang, None).split("\n")
        # only the pilot part and the assumptions: no station's rows are quoted
        start = next((i for i, line in enumerate(body) if line.startswith(L("report_pilot"))), len(body))
        lines += [""] + body[start:]
        return "\n".join(lines)
    lines.append(t("check_governing", lang, station=result.station, stations=", ".join(result.stations)))
    gov = result.governing
    gov.pilot = result.pilot
    gov.assumptions = [*gov.assumptions, *[a for a in result.assumptions if a not in gov.assumptions]]
    lines += ["", format_check(replace(gov, datum_warning=None), lang, by_id.get(gov.station))]  # said first
    if result.others:
        lines += ["", L("report_stations") + ":"]
        for r in result.others:
            lines.append("  " + t("check_station_line", lang, station=r.station,
                                  verdict=name(VERDICT_NAMES, r.verdict, lang),
                                  zone=zone_name(by_id.get(r.station), r.zone, lang),
                                  d=f"{r.distance_m:,.2f}",
                                  max=_m(r.max_height_m, lang) if r.max_height_m is not None else L("report_unlimited")))
    return "\n".join(lines)


def column_titles(columns, ours: Mapping[str, str], lang: str = "en") -> dict[str, str]:
    """The header of each of our columns in a workbook (``screen -o x.xlsx``), by the name
    it is written under (``ours``: our name -> the output's, see
    :class:`geozones.io.OutputNames`): ``col_<name>`` of the catalogue; ``geometry`` too."""
    titles = {ours.get(c, c): t(f"col_{c}", lang) for c in columns if has_message(f"col_{c}")}
    titles["geometry"] = t("col_geometry", lang)
    return titles


def summary_sections(summary, zones: Any, crs: Any, crs_given: bool, lang: str = "en"):
    """A screening run's summary as the sheet of a workbook: ``(sheet title, sections)`` of
    :class:`geozones.io.xlsx.Section`: the verdict counts, the worst exceedances (the 10 of
    :class:`~geozones.screen.ScreenSummary`, rows counted from 1), the datum check's counts
    (:meth:`~geozones.screen.ScreenSummary.datum_report`) and the assumptions (coordinates,
    encoding, station, pilot areas)."""
    from .core.coords import crs_label, parse_crs
    from .io.xlsx import Section

    L = lambda key, **kw: t(key, lang, **kw)
    counts = Section(L("xlsx_verdicts"), (L("xlsx_verdict"), L("xlsx_rows_count")))
    counts.rows += [(name(VERDICT_NAMES, v, lang), summary.verdicts.get(v, 0)) for v in ("fail", "review", "pass", "error")]
    counts.rows += [(L("xlsx_all_rows"), summary.rows), (L("xlsx_error_rows"), summary.error_rows),
                    (L("xlsx_protected_rows"), summary.protected_rows),
                    (L("xlsx_maybe_protected_rows"), summary.maybe_protected_rows)]
    who = summary.id_column or "id"
    worst = Section(L("xlsx_worst"), (L("xlsx_row"), who, L("xlsx_exceedance"), L("xlsx_verdict")))
    worst.rows += [(row_number(row), ident, round(exc, 3), name(VERDICT_NAMES, verdict, lang))
                   for exc, row, verdict, ident in sorted(summary.worst, reverse=True)]
    label = crs_label(parse_crs(crs))
    if summary.datum:
        coords = L("sum_datum", datum=summary.datum)
    elif summary.crs_assumed:
        coords = L("sum_crs_assumed")
    else:
        coords = L("xlsx_crs_given" if crs_given else "xlsx_crs_declared", crs=label)
    stations = getattr(zones, "stations", None)
    station = (L("xlsx_stations", n=len(stations)) if zones.named and stations is not None
               else f"{zones.station.name.get(lang)} ({zones.station.id})")
    pilots = "; ".join(p.name.get(lang) for p in zones.pilots) or L("xlsx_none")
    notes = Section(L("xlsx_assumptions"))
    notes.rows += [(L("xlsx_crs"), coords), (L("xlsx_encoding"), summary.encoding or ""),
                   (L("xlsx_station"), station), (L("xlsx_pilot"), pilots), (L("xlsx_output"), summary.output)]
    sections = [counts, worst]
    report = summary.datum_report()
    if report:
        check = Section(L("xlsx_datum_check"), (L("xlsx_datum"), L("xlsx_datum_verdicts"), L("xlsx_datum_heights"),
                                                L("xlsx_datum_method"), L("xlsx_datum_read")))
        check.rows += [(datum, c["verdicts"], c["permitted_heights"],
                        L("xlsx_exact") if c["method"] == "exact"
                        else L("xlsx_sampled", ev=f"{c['verdicts_error_95']:,}", eh=f"{c['permitted_heights_error_95']:,}"),
                        f"{c['rows_read']:,} / {c['rows_open']:,}") for datum, c in report.items()]
        sections.append(check)
    return L("xlsx_sheet_summary"), [*sections, notes]
