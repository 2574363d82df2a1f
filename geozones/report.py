"""The human-readable report of a check: the same facts as ``--json``, with articles quoted."""

from __future__ import annotations

import unicodedata

from .check import CheckResult
from .i18n import KIND_NAMES, VERDICT_NAMES, ZONE_NAMES, name, t

__all__ = ["format_check"]


def _width(text: str) -> int:
    """Display width in a terminal: East Asian wide characters take two cells."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _m(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f} {t('unit_m', lang)}"


def format_check(result: CheckResult, lang: str = "en", station_name: str = "") -> str:
    """A short plain-text report of one check."""
    L = lambda key: t(key, lang)  # noqa: E731
    verdict = name(VERDICT_NAMES, result.verdict, lang).upper()
    lines = [t("report_title", lang, station=station_name or result.station), ""]
    rows = [
        (L("report_verdict"), verdict),
        (L("report_zone"), name(ZONE_NAMES, result.zone, lang)),
        (L("report_distance"), _m(result.distance_m, lang)),
        (L("report_max_height"), _m(result.max_height_m, lang) if result.max_height_m is not None
         else L("report_unlimited")),
    ]
    if result.height_m is not None:
        rows.append((L("report_height"), f"{_m(result.height_m, lang)} ({name(KIND_NAMES, result.kind, lang)})"))
        rows.append((L("report_exceedance"), _m(result.exceedance_m, lang)))
    rows.append((L("report_sun"), L("report_yes") if result.in_sun_sector else L("report_no")))
    width = max(_width(k) for k, _ in rows)
    lines += [f"  {k}{' ' * (width - _width(k))}  {v}" for k, v in rows]
    lines += ["", L("report_findings") + ":"]
    if not result.findings:
        lines.append("  " + L("report_no_rules"))
    for f in result.findings:
        mark = {"fail": "✗", "review": "!", "pass": "✓"}[f.severity]
        lines.append(f"  {mark} [{name(VERDICT_NAMES, f.severity, lang)}] {f.rule} — {f.article}")
        lines.append(f"      “{f.quote}”")
        lines.append(f"      {f.message}")
    if result.pilot is not None:
        p = result.pilot
        if not p["inside"]:
            lines += ["", f"{L('report_pilot')}: {L('report_pilot_outside')}"]
        else:
            storeys = "" if p["storeys"] is None else f", {p['storeys']:.0f} {L('report_storeys')}"
            lines += ["", f"{L('report_pilot')}: {p['name']} — "
                          f"{name(VERDICT_NAMES, p['verdict'], lang).upper()}{storeys}"]
            for f in p["findings"]:
                mark = {"fail": "✗", "review": "!", "pass": "✓", "info": "i"}[f["severity"]]
                lines.append(f"  {mark} [{name(VERDICT_NAMES, f['severity'], lang)}] {f['rule']} — {f['article']}")
                lines.append(f"      “{f['quote']}”")
                lines.append(f"      {f['message']}")
    lines += ["", L("report_assumptions") + ":"]
    lines += [f"  - {a}" for a in result.assumptions]
    return "\n".join(lines)
