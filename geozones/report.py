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


def format_summary(summary, lang: str = "en") -> str:
    """The terminal summary of a screening run."""
    zh = lang == "zh"
    lines = [(f"已筛查 {summary.rows:,} 行 → {summary.output}" if zh
              else f"screened {summary.rows:,} rows → {summary.output}")]
    if summary.encoding:
        lines.append(("属性编码：" if zh else "attribute encoding: ") + str(summary.encoding))
    order = ["fail", "review", "pass", "error"]
    counts = "  ".join(f"{name(VERDICT_NAMES, v, lang)} {summary.verdicts.get(v, 0):,}" for v in order)
    lines.append(("结论：" if zh else "verdicts: ") + counts)
    if summary.worst:
        lines.append("超出最多的行：" if zh else "worst exceedances:")
        for exc, row, verdict, ident in sorted(summary.worst, reverse=True)[:5]:
            who = f" ({summary.id_column}={ident})" if summary.id_column else ""
            lines.append(f"  row {row}{who}: +{exc:,.2f} {t('unit_m', lang)} ({name(VERDICT_NAMES, verdict, lang)})")
    if summary.error_rows:
        lines.append((f"出错行：{summary.error_rows:,}" if zh else f"rows with errors: {summary.error_rows:,}"))
        for row, status, ident in summary.errors[:5]:
            who = f" ({summary.id_column}={ident})" if summary.id_column else ""
            lines.append(f"  row {row}{who}: {status}")
    if summary.renamed:
        pairs = ", ".join(f"{a} → {b}" for a, b in summary.renamed.items())
        lines.append(("为适应 shapefile 10 字节字段名而改名：" if zh else
                      "fields renamed to fit shapefile's 10-byte names: ") + pairs)
    share = summary.pilot_low_rise_share
    if share is not None:
        target = summary.pilot_low_rise_target or 0.0
        ok = share >= target
        if zh:
            lines.append(f"试点范围内住宅：{summary.pilot_low_rise_storeys} 层及以下建筑面积占 {share:.1%}"
                         f"（目标 ≥ {target:.0%}，{'达到' if ok else '未达到'}）")
        else:
            lines.append(f"pilot-area housing: {share:.1%} of floor area in buildings of "
                         f"≤ {summary.pilot_low_rise_storeys} storeys (target ≥ {target:.0%}: "
                         f"{'met' if ok else 'not met'})")
    return "\n".join(lines)
