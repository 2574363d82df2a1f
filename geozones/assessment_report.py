"""The printable assessment of one proposal (``geozones report``): HTML for A4, or PDF.

What a planner attaches to an application: the project data and coordinates, the verdict, the
permitted height and exceedance, every rule that applies with the article's Chinese text and
its English translation, a map of the proposal in the zones, the obstruction (horizon) view
from the field with the proposal in it, the approval duty (Art. 14 and 15.1 of the Jiangxian
plan), the assumptions, the versions of the station and pilot data and of geozones, and the
date. All numbers come from :func:`geozones.check.check`; pictures are drawn with matplotlib
and embedded (base64 PNG), so the HTML file is self-contained.

The PDF is made from the same HTML by WeasyPrint (a maintained HTML/CSS-to-PDF library that
honours ``@page`` and needs only pango, which Debian has). A Chinese PDF needs a CJK font
(Debian: ``fonts-noto-cjk``); without one the PDF is refused rather than printed with empty
boxes.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import io as _io
import math
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import shapely

from .check import CheckResult, ZoneSet
from .errors import InputError, OutputError
from .io.serialise import html_text, markup_safe, script_json_text
from .text import KIND_NAMES, VERDICT_NAMES, consent_head, name, needs_cjk, t, zone_name
from .text import fmt as fmt_number

__all__ = ["report_html", "write_report", "safe_filename", "report_file_names", "check_reports_folder",
           "has_cjk_font", "sha256_file", "check_proposal"]

#: Colours of the verdicts (Okabe-Ito, as on the map).
_VERDICT_COLORS = {"pass": "#009E73", "review": "#E69F00", "fail": "#D55E00", "info": "#56B4E9"}

#: Art. 14 and 15.1 of 绛县国家基本气象站气象探测环境保护专项规划 (verbatim).
DUTY_ZH = (
    ("第十四条", "县自然资源局、县住房和城乡建设管理局、县发展和改革委员会、县行政审批服务管理局等有关部门, "
                "在审批可能影响已建气象站探测环境和设施的建设项目时, 应当事先征得有审批权限的气象主管部门书面同意。"
                "未经气象主管部门书面同意, 有关部门不得审批。"),
    ("第十五条 1", "本次规划确定的范围内用地在建设前必须将本次规划提出的探测环境要求作为项目立项、规划许可、"
                  "环境影响评价的依据之一。"),
)


def has_cjk_font() -> bool:
    """True when fontconfig knows a font with Chinese glyphs (what WeasyPrint uses)."""
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
        return bool(out.stdout.strip())
    return False


#: Bytes of a report name's stem at most (UTF-8): with a clash number and ``.html`` it stays
#: far within the 255 bytes a file name may have, whatever script the id is in.
STEM_BYTES = 200


def safe_filename(value: Any, fallback: str) -> str:
    """A file name stem from a row id: letters, digits (any script), ``-`` and ``_`` kept,
    at most 80 characters and :data:`STEM_BYTES` bytes (cut between characters, so an id of
    emoji or rare CJK characters, 4 bytes each, still fits); nothing that could climb
    directories (``.``, ``..``, ``/``); ``fallback`` when nothing is left. The id is read in
    Unicode's composed form (NFC), so an accent typed as a combining mark is kept."""
    text = unicodedata.normalize("NFC", str(value))
    text = re.sub(r"[^\w\-]+", "_", text, flags=re.UNICODE).strip("._")[:80]
    text = text.encode("utf-8", "ignore")[:STEM_BYTES].decode("utf-8", "ignore").strip("._")
    return text or fallback


def _name_key(name: str) -> str:
    """How Windows and macOS compare file names: letter case and Unicode normal form aside."""
    return unicodedata.normalize("NFC", name).casefold()


def report_file_names(idents: Iterable[Any], fallbacks: Iterable[str], taken: Iterable[str] = (),
                      fmt: str = "html") -> list[str]:
    """One file name per row for ``screen --reports``, from its id (:func:`safe_filename`),
    all different and none in ``taken``, compared as Windows and macOS compare names (letter
    case and Unicode normal form aside); none a Windows device name (``CON``, ``NUL`` …,
    :data:`WINDOWS_DEVICE_NAMES`). A name already used is numbered: ``B``, ``B_2``, ``B_3``.

    Parameters
    ----------
    idents : iterable
        The rows' ids, in order.
    fallbacks : iterable of str
        Per row, the stem when its id leaves nothing (``row7``).
    taken : iterable of str
        File names that must not be used (``index.html``, files already in the folder).
    fmt : str
        The extension, without the dot.

    Returns
    -------
    list of str
        The file names, in the rows' order.
    """
    from .io import WINDOWS_DEVICE_NAMES

    used = {_name_key(n) for n in taken}
    names = []
    for ident, fallback in zip(idents, fallbacks):
        base = safe_filename(ident, fallback)
        stem, k = base, 2
        while stem.upper() in WINDOWS_DEVICE_NAMES or _name_key(f"{stem}.{fmt}") in used:
            stem, k = f"{base}_{k}", k + 1
        used.add(_name_key(f"{stem}.{fmt}"))
        names.append(f"{stem}.{fmt}")
    return names


def check_reports_folder(directory: str | Path, overwrite: bool = False) -> Path:
    """Before any work: the reports folder must be a folder or new (exit 2 else), and without
    ``overwrite`` hold no ``index.html`` (a previous run's reports, or the user's page: exit 3);
    the reports themselves never take the name of a file already there
    (:func:`write_batch_reports`).

    Parameters
    ----------
    directory : str or Path
        The folder (``screen --reports``).
    overwrite : bool
        Replace an existing ``index.html`` and reports of the same names.

    Returns
    -------
    Path
        The folder.
    """
    from .io import check_output_path

    directory = Path(directory)
    check_output_path(directory, folder=True)
    index = directory / "index.html"
    check_output_path(index, probe=False)
    if not overwrite and os.path.lexists(index):
        raise OutputError("output_exists", path=str(index))
    return directory


def _number(value: Any) -> float | None:
    """A cell as a finite number ≥ 0; None when empty, text, negative or not finite (the
    screen made such a row an error already, or read it as missing)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return x if math.isfinite(x) and x >= 0 else None


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, in hex; ``—`` when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "—"


def _sha(path: str | Path) -> str:
    return sha256_file(path)[:12]


def _png(fig) -> str:
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _cjk_matplotlib(lang: str) -> bool:
    """Use a Chinese font in matplotlib when asked for and installed; False: draw in English."""
    if lang != "zh":
        return False
    from ._optional import require

    plt, font_manager = require("matplotlib.pyplot"), require("matplotlib.font_manager")

    from .horizon import CJK_FONTS

    installed = {f.name for f in font_manager.fontManager.ttflist}
    fonts = [f for f in CJK_FONTS if f in installed]
    if fonts:
        plt.rcParams["font.family"] = [fonts[0], "DejaVu Sans"]
    return bool(fonts)


def _map_figure(zones: ZoneSet, geom, verdict: str, lang: str) -> str:
    """The proposal in the zones, in metres from the field centre (x east, y north)."""
    from ._optional import figures
    from .maps import ZONE_STYLE

    with figures() as plt:
        zh = _cjk_matplotlib(lang)
        lab = (lambda key: t(key, "zh")) if zh else (lambda key: t(key, "en"))
        x0, y0, x1, y1 = geom.bounds
        reach = max(abs(x0), abs(x1), abs(y0), abs(y1)) * 1.25 + 60.0
        fig, ax = plt.subplots(figsize=(7.0, 6.2))
        for zone_id, poly in zones.frame.zone_polygons(max(reach * 1.5, 200.0)):
            color = ZONE_STYLE[zone_id][0]
            for part in getattr(poly, "geoms", [poly]):
                xs, ys = part.exterior.xy
                sector = zone_id in ("sunrise", "sunset")
                ax.fill(xs, ys, color=color, alpha=0.10 if sector else 0.0)
                ax.plot(xs, ys, color=color, lw=1.2, ls="--" if sector else "-",
                        label=zone_name(zones.station, zone_id, "zh" if zh else "en"))
        color = _VERDICT_COLORS.get(verdict, "#999999")
        for part in getattr(geom, "geoms", [geom]):
            if part.geom_type == "Polygon":
                xs, ys = part.exterior.xy
                ax.fill(xs, ys, color=color, alpha=0.7, ec="#000", lw=2.0)
            elif part.geom_type == "LineString":
                xs, ys = part.xy
                ax.plot(xs, ys, color=color, lw=3, path_effects=None)
            else:
                ax.plot(part.x, part.y, "o", color=color, mec="#000", ms=9)
        ax.plot([], [], "s", color=color, mec="#000", label=lab("rpt_proposal"))
        ax.plot(0, 0, "k+", ms=12)
        ax.set_aspect("equal")
        ax.set_xlim(-reach, reach)
        ax.set_ylim(-reach, reach)
        ax.set_xlabel(lab("rpt_axis_x"))
        ax.set_ylabel(lab("rpt_axis_y"))
        ax.grid(alpha=0.3)
        ax.annotate("N", xy=(0.95, 0.95), xytext=(0.95, 0.85), xycoords="axes fraction", ha="center",
                    arrowprops={"arrowstyle": "->", "lw": 1.5}, fontsize=12, fontweight="bold")
        handles, labels = ax.get_legend_handles_labels()
        seen = dict(zip(labels, handles))
        ax.legend(seen.values(), seen.keys(), loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        out = _png(fig)
        plt.close(fig)
        return out


def _horizon_figure(zones: ZoneSet, geom, top_m: float | None, lang: str, tmpdir: Path) -> tuple[str, list[str]]:
    """The obstruction diagram seen from the field with the proposal as the obstruction."""
    from .horizon import horizon_profile, plot_horizon

    top = np.array([np.nan if top_m is None else float(top_m)])
    profile = horizon_profile(zones.frame, np.array([geom], dtype=object), top, labels=np.array(["proposal"]))
    path = tmpdir / "horizon.png"
    notes = plot_horizon(profile, zones.frame, path, lang=lang, overwrite=True)
    data = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    return data, notes


_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #555; } }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei",
  "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.45; color: #111; max-width: 185mm; margin: auto; }
h1 { font-size: 17pt; margin: 0 0 2mm; } h2 { font-size: 12.5pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #bbb; padding: 1.2mm 2mm;
  vertical-align: top; text-align: left; } th { background: #f0f0f0; width: 34%; }
.verdict { display: inline-block; padding: 1mm 4mm; font-weight: bold; font-size: 14pt; border: 2px solid #000; }
.v-fail { background: #D55E00; color: #fff; border-width: 3px; } .v-review { background: #E69F00; border-style: dashed; }
.v-pass { background: #009E73; color: #fff; }
.quote { color: #222; } .tr { color: #555; font-style: italic; }
figure { margin: 3mm 0; page-break-inside: avoid; } figure img { max-width: 100%; }
figcaption { font-size: 9pt; color: #444; }
.small { font-size: 9pt; color: #444; } .coords { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; }
tr, li { page-break-inside: avoid; }
.warn { border: 2px solid #D55E00; padding: 2mm 3mm; margin: 2mm 0; page-break-inside: avoid; }
.warn p { margin: 0.6mm 0; } .warn p:first-child { font-weight: bold; }
"""


#: The id of the report page's ``<script type="application/json">`` holding the check's JSON
#: (:func:`geozones.report.check_json`, what ``check --json`` prints), for ``geozones ledger add
#: --from-report`` and any program that files the page.
CHECK_DATA_ID = "geozones-check"
#: The name of the same JSON in a PDF report (an embedded file) and in a Word opinion (the file
#: name of its custom XML part, ``customXml/geozones-check.xml``, whose one element holds it).
CHECK_DATA_FILE = "geozones-check.json"
_CHECK_DATA_XML = "/customXml/geozones-check.xml"
_CHECK_DATA_NS = "https://geozones.invalid/check-json"


def check_data_element(data: str) -> str:
    """The ``<script type="application/json">`` element a report page (the assessment, the
    review opinion) carries: the check's JSON text ``data`` (:func:`geozones.report.check_json`),
    every ``<``, ``>`` and ``&`` a JSON escape (:func:`geozones.io.serialise.script_json_text`)
    so no field ends the element."""
    return f'<script type="application/json" id="{CHECK_DATA_ID}">{script_json_text(data)}</script>'


def check_data(page: str, shown: str) -> str:
    """The check's JSON text a report page carries (:data:`CHECK_DATA_ID`).

    Raises
    ------
    InputError
        The page holds none (not a geozones report, or one made before it carried the data).
    """
    m = re.search(r'<script type="application/json" id="' + CHECK_DATA_ID + r'">(.*?)</script>', page, re.S)
    if m is None:
        raise InputError("ledger_report_no_data", path=shown)
    return m.group(1)


def docx_check_data(document: Any, data: str) -> None:
    """Put the check's JSON ``data`` into a python-docx ``document`` as a custom XML part
    (``customXml/geozones-check.xml``, related from the document as Word relates its own), which
    Word keeps and does not show; :func:`report_check_data` reads it back."""
    from xml.sax.saxutils import escape

    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    blob = (f"<?xml version='1.0' encoding='UTF-8'?>\n<check xmlns=\"{_CHECK_DATA_NS}\">"
            f"{escape(markup_safe(data))}</check>").encode()
    part = Part(PackURI(_CHECK_DATA_XML), "application/xml", blob, document.part.package)
    document.part.relate_to(part, RT.CUSTOM_XML)


def report_check_data(path: str | Path) -> str:
    """The check's JSON text a report written by ``geozones report`` carries: the page's
    element in HTML (:func:`check_data`), the embedded file :data:`CHECK_DATA_FILE` in a PDF
    (read with pypdf), the custom XML part in a Word opinion (:func:`docx_check_data`).

    Raises
    ------
    InputError
        The file is missing or unreadable, or holds no check data.
    """
    from .errors import GeozonesError, first_line

    shown, suffix = str(path), Path(path).suffix.lower()
    if not Path(path).is_file():   # python-docx says "package not found" for a missing file
        raise InputError("input_missing", path=shown)
    try:
        if suffix == ".pdf":
            from ._optional import require

            reader = require("pypdf").PdfReader(str(path))
            found = reader.attachments.get(CHECK_DATA_FILE)
            if not found:
                raise InputError("ledger_report_no_data", path=shown)
            return found[0].decode("utf-8")
        if suffix == ".docx":
            from ._optional import require

            docx = require("docx")   # its parser (lxml) resolves no entities
            for part in docx.Document(str(path)).part.package.iter_parts():
                if str(part.partname).startswith("/customXml/"):
                    root = docx.oxml.parse_xml(part.blob)
                    if root.tag == f"{{{_CHECK_DATA_NS}}}check":
                        return root.text or ""
            raise InputError("ledger_report_no_data", path=shown)
        return check_data(Path(path).read_text(encoding="utf-8-sig"), shown)
    except GeozonesError:   # no data; pypdf or python-docx not installed
        raise
    except Exception as exc:   # a damaged PDF, zip or page: pypdf, python-docx and lxml raise their own
        raise InputError("ledger_report_bad", path=shown, why=first_line(exc)) from None


def report_html(result: CheckResult, geometry, zones: ZoneSet, *, lang: str = "en",
                inputs: dict[str, Any] | None = None, today: _dt.date | None = None,
                drawing: Any = None) -> str:
    """The assessment as one self-contained HTML page (A4 print CSS).

    ``geometry`` is the proposal in WGS84 (lon/lat) as checked; ``inputs`` holds what the
    user gave (footprint text, CRS, kind, height, floors, use, DEM) for the project table.
    ``drawing`` (a :class:`geozones.drawing.DrawingCheckResult`): the page lists every entity
    of the drawing with its verdict, and ``result``/``geometry`` are its worst entity's.
    """
    import tempfile

    from pyproj import CRS

    from . import __version__
    from .core.coords import from_frame, to_frame, transform_geoms  # noqa: F401  (to_frame: the one input path)
    from .report import check_json, sun_rows

    e = html_text
    T = lambda key, **kw: t(key, lang, **kw)
    inputs = inputs or {}
    station = zones.station
    today = today or _dt.datetime.now(_dt.UTC).date()
    wgs = geometry
    local = transform_geoms(np.array([wgs], dtype=object), CRS.from_epsg(4326), zones.frame.crs, False)[0]
    st_name = station.name.get(lang)

    def m(v):
        return "—" if v is None else f"{v:,.2f} {T('unit_m')}"

    coords = shapely.get_coordinates(wgs)
    coord_rows = "".join(f"<tr><td>{i + 1}</td><td>{x:.6f}</td><td>{y:.6f}</td></tr>"
                         for i, (x, y) in enumerate(coords[:40]))
    more = f"<p class='small'>… {len(coords) - 40} {e(T('rpt_more_vertices'))}</p>" if len(coords) > 40 else ""
    size = (f"{local.area:,.1f} m²" if local.geom_type.endswith("Polygon")
            else f"{local.length:,.1f} m" if "Line" in local.geom_type else "—")
    project = [
        (T("rpt_footprint"), e(str(inputs.get("footprint", ""))[:200])),
        (T("rpt_crs"), e(str(inputs.get("crs") or result.crs))),
        (T("word_kind"), e(name(KIND_NAMES, result.kind, lang))),
        (T("report_height"), e(m(inputs.get("height")))),
        (T("rpt_height_used"), e(m(result.height_m))),
        (T("word_floors"), e(str(inputs.get("floors") or "—"))),
        (T("word_use"), e(str(inputs.get("use") or "—"))),
        (T("rpt_size"), e(size)),
        (T("rpt_geometry"), e(local.geom_type)),
    ]
    if inputs.get("width") is not None:
        project.append((T("rpt_width"), e(m(inputs["width"]))))
    if inputs.get("dem"):
        project.append(("DEM", e(str(inputs["dem"]))))
    verdict_name = name(VERDICT_NAMES, result.verdict, lang)
    answer = [
        (T("report_verdict"), f"<span class='verdict v-{e(result.verdict)}'>{e(verdict_name)}</span>"),
        (T("report_max_height"), e(m(result.max_height_m) if result.max_height_m is not None else T("report_unlimited"))),
        (T("report_exceedance"), e(m(result.exceedance_m))),
        (T("report_zone"), e(zone_name(station, result.zone, lang))),
        (T("report_distance"), e(m(result.distance_m))),
        (T("report_sun"), e(T("report_yes") if result.in_sun_sector else T("report_no"))
         + (f" ({e(m(result.sun_distance_m))})" if result.sun_distance_m is not None else "")),
        *((k, e(v)) for k, v in sun_rows(result.sunshine, lang)),
    ]
    entities = "" if drawing is None else _entities_html(drawing, lang)
    rules = {r.id: r for r in station.rules}
    for p in zones.pilots:
        rules.update({r.id: r for r in p.rules})
    findings: list[Any] = [*result.findings, *(SimpleNamespace(**f) for f in (result.pilot or {}).get("findings", []))]
    rule_rows = []
    for f in findings:
        rule = rules.get(f.rule)
        zh_q = getattr(rule, "quote_zh", "") if rule else ""
        en_q = getattr(rule, "quote_en", "") if rule else ""
        reading = rule.reading.get(lang) if rule is not None and hasattr(rule, "reading") else ""
        text = (f"<div class='quote'>“{e(zh_q)}”</div><div class='tr'>{e(en_q)}</div>" if zh_q
                else f"<div class='tr'>{e(reading)}</div>")  # class defaults without a quote
        rule_rows.append(
            f"<tr><td><span class='verdict v-{e(f.severity)}' style='font-size:9pt;padding:0 2mm'>"
            f"{e(name(VERDICT_NAMES, f.severity, lang))}</span><br>{e(f.rule)}<br>{e(f.article)}</td>"
            f"<td>{text}<div>{e(f.message)}</div></td></tr>")
    rules_html = (f"<table><tr><th style='width:24%'>{e(T('rpt_rule'))}</th><th>{e(T('rpt_text'))}</th></tr>"
                  + "".join(rule_rows) + "</table>") if rule_rows else f"<p>{e(T('report_no_rules'))}</p>"
    with tempfile.TemporaryDirectory() as tmp:
        map_png = _map_figure(zones, local, result.verdict, lang)
        hz_png, hz_notes = _horizon_figure(zones, local, result.height_m, lang, Path(tmp))
    duty = "".join(f"<p><b>{e(a)}</b> <span class='quote'>{e(text)}</span></p>" for a, text in DUTY_ZH)
    duty += f"<p class='tr'>{e(T('rpt_duty_en'))}</p>" if lang != "zh" else ""
    # the approval notice's case (inside: written consent; maybe upwind: ask the authority)
    if result.consent:
        duty += f"<p class='consent consent-{e(result.consent)}'><b>{e(consent_head(result.consent, lang))}</b></p>"
    if result.consent == "maybe":
        duty += f"<p>{e(T('rpt_duty_maybe', d=fmt_number(result.distance_m or 0.0), upwind=fmt_number(station.general_upwind_m)))}</p>"
    if result.consent == "inside" or result.in_sun_sector:
        duty += f"<p>{e(T('rpt_duty_inside'))}</p>"
    elif not result.consent:
        duty += f"<p>{e(T('rpt_duty_outside'))}</p>"
    assumptions = list(result.assumptions) + hz_notes
    if not _cjk_matplotlib(lang) and needs_cjk(lang):
        assumptions.append(t("hz_no_cjk_font", lang))
    versions = [
        ("geozones", e(__version__)),
        (T("rpt_station_file"), e(f"{station.source_path or station.id} · sha256 {_sha(station.source_path)}")),
    ]
    for p in zones.pilots:
        src, boundary = p.source_path, p.boundary_path
        versions.append((T("report_pilot"), e(f"{p.name.get(lang)} · {Path(src).name if src else '—'} · "
                                              f"sha256 {_sha(src) if src else '—'} · {p.boundary_source} · "
                                              f"sha256 {_sha(boundary) if boundary else '—'}")))
    versions.append((T("rpt_date"), e(today.isoformat())))

    def table(rows: Sequence[tuple[str, str]]) -> str:
        return "<table>" + "".join(f"<tr><th>{e(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"

    title = T("rpt_title", station=st_name)
    # a likely coordinate mistake, said before anything else (check's datum_warning)
    warning = ("<div class='warn' role='alert'>" + "".join(f"<p>{e(line)}</p>" for line in
                                                       result.datum_warning["message"]) + "</div>"
               if result.datum_warning else "")
    pilot = ""
    if result.pilot and result.pilot.get("inside"):
        pilot = (f"<p>{e(T('report_pilot'))}: {e(result.pilot['name'])} — "
                 f"{e(name(VERDICT_NAMES, result.pilot['verdict'], lang))}</p>")
    return f"""<!DOCTYPE html>
<html lang="{t('html_lang', lang)}"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{_CSS}</style>{check_data_element(check_json(drawing or result))}</head><body>
<h1>{e(title)}</h1>
<p class="small">{e(T('rpt_subtitle'))} · {e(today.isoformat())}</p>{warning}
<h2>1. {e(T('rpt_project'))}</h2>{table(project)}
<details open><summary class="small">{e(T('rpt_coords'))}</summary>
<table class="coords"><tr><th>#</th><th>{e(T('rpt_lon'))}</th><th>{e(T('rpt_lat'))}</th></tr>{coord_rows}</table>{more}</details>
<h2>2. {e(T('rpt_result'))}</h2>{entities}{table(answer)}{pilot}
<h2>3. {e(T('report_findings'))}</h2>{rules_html}
<h2>4. {e(T('rpt_map'))}</h2>
<figure><img alt="{e(T('rpt_map'))}" src="{map_png}"><figcaption>{e(T('rpt_map_caption'))}</figcaption></figure>
<h2>5. {e(T('rpt_horizon'))}</h2>
<figure><img alt="{e(T('rpt_horizon'))}" src="{hz_png}" style="max-width:70%"><figcaption>{e(T('rpt_horizon_caption'))}</figcaption></figure>
<h2>6. {e(T('rpt_duty'))}</h2>{duty}
<h2>7. {e(T('report_assumptions'))}</h2><ul>{''.join(f'<li>{e(a)}</li>' for a in assumptions)}</ul>
<h2>8. {e(T('rpt_versions'))}</h2>{table(versions)}
</body></html>
"""


def _entities_html(drawing: Any, lang: str) -> str:
    """The table of a drawing's entities (one row each: layer, kind, verdict, distance,
    permitted height), the worst marked, with the note that the sections after are its."""
    e = html_text
    T = lambda key, **kw: t(key, lang, **kw)

    def m(v):
        return "—" if v is None else f"{v:,.2f} {T('unit_m')}"

    head = "".join(f"<th>{e(T(k))}</th>" for k in ("drawing_index", "drawing_layer", "drawing_entity", "drawing_kind",
                                                    "report_verdict", "report_distance", "report_max_height"))
    rows = []
    for x in drawing.entities:
        mark = " style='font-weight:bold'" if x.index == drawing.worst else ""
        verdict = (e(T("drawing_error", why=x.problem)) if x.verdict == "error" else
                   f"<span class='verdict v-{e(x.verdict)}' style='font-size:9pt;padding:0 2mm'>"
                   f"{e(name(VERDICT_NAMES, x.verdict, lang))}</span>")
        limit = T("report_unlimited") if x.max_height_m is None and x.verdict != "error" else m(x.max_height_m)
        rows.append(f"<tr{mark}><td>{x.index}</td><td>{e(x.layer)}</td><td>{e(x.entity)} {e(x.handle)}</td>"
                    f"<td>{e(name(KIND_NAMES, x.kind, lang))}</td><td>{verdict}</td><td>{e(m(x.distance_m))}</td>"
                    f"<td>{e(limit)}</td></tr>")
    return (f"<h3>{e(T('rpt_entities'))}</h3><table class='entities'><tr>{head}</tr>{''.join(rows)}</table>"
            f"<p class='small'>{e(T('rpt_entities_note', index=drawing.worst))}</p>")


#: The formats of the printable report, by suffix (the review opinion adds ``.docx``,
#: :func:`geozones.opinion.write_opinion`).
REPORT_SUFFIXES = (".html", ".htm", ".pdf")


def write_report(page: str, path: str | Path, *, lang: str = "en", overwrite: bool = True,
                 data: str | None = None) -> int:
    """Write the report as HTML or (by the ``.pdf`` suffix) PDF, atomically; returns bytes.
    ``data``: the check's JSON (:func:`geozones.report.check_json`), which a PDF carries as the
    embedded file :data:`CHECK_DATA_FILE` (the page carries it in its own element)."""
    from .io import atomic_output

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise OutputError("output_format", path=str(path), choices=".html, .pdf (.docx: the review opinion)")
    if suffix == ".pdf" and needs_cjk(lang) and not has_cjk_font():
        raise OutputError("report_no_cjk_font", path=str(path))
    with atomic_output(path, overwrite) as tmp:
        if suffix == ".pdf":
            from ._optional import require

            weasyprint = require("weasyprint")
            files = [] if data is None else [weasyprint.Attachment(
                string=data, name=CHECK_DATA_FILE, description="geozones check --json")]
            weasyprint.HTML(string=page).write_pdf(str(tmp), attachments=files)
        else:
            tmp.write_text(page, encoding="utf-8")
        size = tmp.stat().st_size
    return size


def check_proposal(footprint, *, zones: ZoneSet, height: float | None = None, kind: str = "building",
                   use: str | None = None, floors: int | None = None, crs: Any = None, axis_order: str = "xy",
                   dem: Any = None, field_elevation: str = "dem", lang: str = "en", width: float | None = None,
                   layer: str | None = None, ledger: Any = None) -> tuple[CheckResult, Any, Any, Any]:
    """Read and check the one proposal of a report or an opinion: ``footprint`` is WKT, a
    vector file's path (``layer``: its layer), a drawing (each entity checked, the worst
    taken) or a shapely geometry in ``crs``; ``ledger``: the station's ledger, for the sun
    minutes the proposal adds to its approved obstacles' (:func:`geozones.check.check`).

    Returns
    -------
    (CheckResult, local geometry, WGS84 geometry, drawing or None)
        The check, the proposal in the station's frame [m] and in lon/lat [deg], and the
        :class:`geozones.drawing.DrawingCheckResult` of a drawing.
    """
    from .check import DEFAULT_CRS, check, frame_and_lonlat
    from .io import is_drawing, is_wgs84_lonlat, read_drawing, read_footprint

    drawing = None
    if isinstance(footprint, str) and is_drawing(footprint):   # each entity its own proposal
        from .drawing import check_drawing, drawing_notes

        gdf, geom_crs, notes = read_drawing(footprint, crs, layer=layer)
        drawing = check_drawing(gdf, crs=geom_crs, zones=zones, kind=kind, height=height, axis_order=axis_order,
                                use=use, floors=floors, width=width, dem=dem, field_elevation=field_elevation,
                                lang=lang, extra_assumptions=drawing_notes(notes, kind, height, lang))
        result = drawing.result
        result.assumptions += drawing.assumptions
        geom = gdf.geometry.values[drawing.worst - 1]
    elif isinstance(footprint, str):
        geom, geom_crs, notes = read_footprint(footprint, crs, layer=layer)
    else:
        geom, geom_crs, notes = footprint, crs or DEFAULT_CRS, []
    if drawing is None:
        # no --crs and WGS84 lon/lat numbers: say first if a web-map datum changes the answer
        hint = crs is None and is_wgs84_lonlat(geom_crs)
        result = check(geom, height=height, kind=kind, crs=geom_crs, zones=zones, axis_order=axis_order,
                       use=use, floors=floors, dem=dem, field_elevation=field_elevation, lang=lang,
                       extra_assumptions=[t(k, lang, **p) for k, p in notes], width=width, datum_hint=hint,
                       ledger=ledger)
    local, wgs = frame_and_lonlat(geom, geom_crs, zones, axis_order)
    return result, local, wgs, drawing


def report_for(footprint, output: str | Path, *, zones: ZoneSet, height: float | None = None,
               kind: str = "building", use: str | None = None, floors: int | None = None,
               crs: Any = None, axis_order: str = "xy", dem: Any = None, field_elevation: str = "dem",
               lang: str = "en", overwrite: bool = True, label: str | None = None,
               width: float | None = None, layer: str | None = None, ledger: Any = None) -> int:
    """Check one proposal and write its report (``geozones report``); returns bytes written.

    ``footprint`` is WKT, a vector file's path (``layer``: its layer, for a file of
    several), or a shapely geometry in ``crs``; ``ledger``: the station's ledger (the sun rows
    then say what the proposal adds to its approved obstacles, and the cumulative total).
    """
    result, _local, wgs, drawing = check_proposal(
        footprint, zones=zones, height=height, kind=kind, use=use, floors=floors, crs=crs, axis_order=axis_order,
        dem=dem, field_elevation=field_elevation, lang=lang, width=width, layer=layer, ledger=ledger)
    text = label if label is not None else (footprint if isinstance(footprint, str) else footprint.wkt)
    page = report_html(result, wgs, zones, lang=lang, inputs={
        "footprint": text, "crs": result.crs, "height": height, "floors": floors, "use": use, "width": width,
        "dem": dem if isinstance(dem, (str, Path)) else getattr(dem, "path", None)}, drawing=drawing)
    from .report import check_json

    return write_report(page, output, lang=lang, overwrite=overwrite, data=check_json(drawing or result))


def write_batch_reports(screened_path: str | Path, directory: str | Path, *, zones: ZoneSet, opts,
                        id_column: str | None, layer: str | None = None, lang: str = "en",
                        fmt: str = "html", overwrite: bool = False,
                        renamed: Mapping[str, str] | None = None) -> tuple[int, list[tuple[str, str]]]:
    """``screen --reports DIR``: one report per screened row that fails or needs review, named
    by the row's id (``id_column``; :func:`report_file_names`: made safe for file names,
    numbered on a clash, never a Windows device name nor ``index``), plus ``index.html``
    linking them. Without ``overwrite`` no file already in the folder is replaced: a report
    whose name is taken is numbered instead, and an ``index.html`` there stops the run
    (:func:`check_reports_folder`). Empty or text cells in the height, storeys and width
    columns count as missing (the screen made a row with a bad one an error). A row whose
    report cannot be made is listed in the index with the reason; it does not stop the
    others. ``renamed``: the screened file's field names fitted to a shapefile's 10 bytes
    (``{input name: written name}``), read back under the input's. Returns ``(reports
    written, problems)``.
    """
    import pandas as pd

    from .core.kinds import normalize_kind, normalize_use
    from .errors import GeozonesError
    from .io import atomic_output
    from .maps import read_parcels
    from .screen import full_names

    directory = check_reports_folder(directory, overwrite)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from .io import os_reason

        raise OutputError("output_write", path=str(directory), why=os_reason(exc)) from None
    gdf = full_names(read_parcels(screened_path, layer))
    # the user's fields under the names the run gave them (a shapefile's 10 bytes): back to
    # the input's names, which the options (--height-field …) give
    back = {new: old for old, new in (renamed or {}).items()
            if new != old and new in gdf.columns and old not in gdf.columns and old != gdf.geometry.name}
    gdf = gdf.rename(columns=back)
    rows = gdf[gdf["gz_verdict"].isin(["fail", "review"])]
    crs = gdf.crs.to_string() if gdf.crs is not None else None
    storey_m = opts.storey_height_m if opts.storey_height_m is not None else zones.storey_height_m

    def value(row, column):
        if not column or column not in row.index:
            return None
        v = row[column]
        try:
            missing = v is None or bool(pd.isna(v))
        except (TypeError, ValueError):   # not a scalar
            missing = False
        return None if missing else v

    # names in the folder are kept: taken (a folder, FIFO … at a name is kept even with overwrite)
    taken = {"index.html"}
    with os.scandir(directory) as entries:
        for entry in entries:
            if not overwrite or not entry.is_file():
                taken.add(entry.name)
    idents = [str(v) if (v := value(row, id_column)) is not None else str(idx) for idx, row in rows.iterrows()]
    fnames = report_file_names(idents, [f"row{idx}" for idx in rows.index], taken, fmt)
    entries_, problems = [], []
    for (idx, row), ident, fname in zip(rows.iterrows(), idents, fnames):
        exceedance = _number(row.get("gz_exceedance_m"))
        try:
            h = _number(value(row, opts.height_field))
            floors_n = _number(value(row, opts.floors_field))
            floors = int(floors_n) if floors_n is not None and floors_n >= 1 and floors_n == int(floors_n) else None
            if h is None and floors is not None and storey_m is not None:
                h = floors * storey_m
            if h is None:
                h = opts.default_height_m
            kind = normalize_kind(str(value(row, opts.kind_field))) if value(row, opts.kind_field) else None
            width = _number(value(row, getattr(opts, "width_field", None)))
            use = value(row, opts.use_field)
            use = normalize_use(str(use)) if use is not None else opts.default_use
            report_for(row.geometry, directory / fname, zones=zones, height=h,
                       kind=kind or opts.default_kind, use=use, floors=floors,
                       crs=crs, axis_order=opts.axis_order,
                       dem=getattr(opts.dem, "path", None), lang=lang, overwrite=overwrite, label=f"{id_column}={ident}",
                       width=width)
            entries_.append((ident, str(row["gz_verdict"]), exceedance, fname, ""))
        except GeozonesError as exc:
            problems.append((ident, exc.localized(lang)))
            entries_.append((ident, str(row["gz_verdict"]), exceedance, "", exc.localized(lang)))
    e = html_text
    def link(ident: str, f: str) -> str:
        return f'<a href="{e(f)}">{e(ident)}</a>' if f else e(ident)

    body = "".join(
        f"<tr><td>{link(ident, f)}</td>"
        f"<td class='v-{e(v)}'>{e(name(VERDICT_NAMES, v, lang))}</td>"
        f"<td>{'' if ex is None else f'{ex:,.2f}'}</td>"
        f"<td>{e(why)}</td></tr>" for ident, v, ex, f, why in entries_)
    title = t("rpt_index_title", lang)
    index = (f"<!DOCTYPE html><html lang=\"{t('html_lang', lang)}\"><head><meta charset=\"utf-8\">"
             f"<title>{e(title)}</title><style>{_CSS}</style></head><body><h1>{e(title)}</h1>"
             f"<p class='small'>{e(str(screened_path))} · {e(_dt.date.today().isoformat())}</p>"
             f"<table><tr><th>{e(id_column or 'row')}</th><th>{e(t('report_verdict', lang))}</th>"
             f"<th>{e(t('report_exceedance', lang))} [{e(t('unit_m', lang))}]</th><th></th></tr>{body}</table>"
             "</body></html>")
    with atomic_output(directory / "index.html", overwrite) as tmp:
        tmp.write_text(index, encoding="utf-8")
    return len(entries_) - len(problems), problems
