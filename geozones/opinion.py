"""The review opinion (审查意见) of one proposal: the document a meteorological bureau files.

Where :mod:`geozones.assessment_report` is the supporting analysis, the opinion is the
bureau's answer: the project particulars (name, applicant, address, proposal and document
numbers, reviewer, date), one paragraph in the bureau's register derived from the verdict
(pass → 同意, review → 需补充论证, fail → 不同意), the articles that decide it quoted, the
remedy in numbers, the map and the horizon figure of the report, the SHA-256 of every input
file (by name, never a local path) and a signature and seal block (审查人, 审核人, 日期, 盖章).

The remedy is computed with :func:`geozones.check.check` itself, never a copy of a formula:
the height cut is the permitted height, confirmed to pass; the move is searched along the
direction away from the field centre (every :data:`MOVE_STEP_M` metres up to
:data:`MOVE_LIMIT_M`, then halved down to :data:`MOVE_TOLERANCE_M`) for the smallest distance
at which the verdict passes.

The opinion is written as HTML or PDF (through :func:`geozones.assessment_report.write_report`)
or as an editable Word file (``.docx``, python-docx, the ``docx`` extra), with the East Asian
font set on every style and run (宋体 body, 黑体 headings) so that WPS and Word show the
Chinese in the intended faces.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import shapely

from .check import CheckResult, ZoneSet
from .errors import InputError, OutputError
from .io.serialise import html_text, markup_safe
from .text import KIND_NAMES, article_label, name, t, zone_name

__all__ = ["PROJECT_FIELDS", "MOVE_LIMIT_M", "MOVE_STEP_M", "MOVE_TOLERANCE_M", "Remedy", "Opinion",
           "read_project", "find_remedy", "opinion_html", "write_opinion", "opinion_for"]

#: The project particulars an opinion carries, in the order shown (keys of ``--project``).
PROJECT_FIELDS: tuple[str, ...] = ("project", "applicant", "address", "proposal_no", "doc_no", "authority",
                                   "reviewer", "checker", "date")

#: How far the move search goes before it says no move passes. [m]
MOVE_LIMIT_M = 5000.0
#: The step of the move search's first pass. [m]
MOVE_STEP_M = 5.0
#: How close the move search comes to the smallest passing move. [m]
MOVE_TOLERANCE_M = 0.001

#: The opinion's word per verdict (message keys).
OPINION_WORDS = {"pass": "op_word_pass", "review": "op_word_review", "fail": "op_word_fail"}

#: The eight compass directions (message keys), from north clockwise.
_COMPASS = ("op_dir_n", "op_dir_ne", "op_dir_e", "op_dir_se", "op_dir_s", "op_dir_sw", "op_dir_w", "op_dir_nw")


def read_project(path: str | Path) -> dict[str, str]:
    """The project particulars from a small TOML file (``--project project.toml``).

    Keys are those of :data:`PROJECT_FIELDS` (``project = "…"``, ``applicant = "…"`` …),
    values text (a TOML date is read as its ISO form). An unknown key, a value that is not
    text or a file that is not TOML is refused in one line naming the file.

    Raises
    ------
    InputError
        As said above, or when the file cannot be read.
    """
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8-sig"))   # Notepad may lead with a BOM
    except OSError as exc:
        raise InputError("project_read", path=p.name, why=exc.strerror or str(exc)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError("project_read", path=p.name, why=str(exc).splitlines()[0]) from None
    out = {}
    for key, value in doc.items():
        if key not in PROJECT_FIELDS:
            raise InputError("project_key", path=p.name, name=key, choices=", ".join(PROJECT_FIELDS))
        if isinstance(value, (_dt.date, _dt.datetime)):
            value = value.isoformat()
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise InputError("project_value", path=p.name, name=key)
        out[key] = str(value)
    return out


def clean_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """The particulars as the documents can hold them (:func:`geozones.io.serialise.markup_safe`,
    the one rule for Word's XML and the HTML page alike: a character XML has no place for, a
    vertical tab pasted from Word among them, becomes U+FFFD), white space around stripped.

    >>> clean_fields({"project": " A\x0bB ", "applicant": "某公司"})
    {'project': 'A\ufffdB', 'applicant': '某公司'}
    """
    return {k: markup_safe(v).strip() for k, v in fields.items()}


@dataclass
class Remedy:
    """The smallest changes that make a proposal pass, found with :func:`geozones.check.check`.

    Attributes
    ----------
    height_m : float or None
        The height to lower the proposal to (the permitted height, or the given height less
        the exceedance with a terrain model); None when no height cut applies. [m]
    height_passes : bool
        Whether the proposal at ``height_m`` passes (another rule may still fail it).
    move_m : float or None
        The smallest move away from the field centre at which it passes; None when none
        within ``limit_m`` does. [m]
    azimuth_deg : float
        The direction of that move, clockwise from north. [deg]
    limit_m : float
        How far the move was searched. [m]
    """

    height_m: float | None
    height_passes: bool
    move_m: float | None
    azimuth_deg: float
    limit_m: float


def find_remedy(local: Any, result: CheckResult, zones: ZoneSet, check_args: Mapping[str, Any], *,
                height: float | None = None, limit_m: float = MOVE_LIMIT_M, step_m: float = MOVE_STEP_M,
                tolerance_m: float = MOVE_TOLERANCE_M) -> Remedy:
    """The height cut and the move that make ``local`` pass (:class:`Remedy`).

    Parameters
    ----------
    local : shapely geometry
        The proposal in the station's frame (metres, x east, y north of the field centre).
    result : CheckResult
        Its check.
    zones : ZoneSet
        What it was checked against.
    check_args : mapping
        The other keywords of that check (kind, use, floors, width, dem, field_elevation, lang).
    height : float, optional
        The height given (building height; with a DEM the ground comes on top). [m]
    limit_m, step_m, tolerance_m : float
        The move search's reach, first step and precision. [m]

    Returns
    -------
    Remedy
    """
    from .check import check

    args = dict(check_args)
    crs = zones.frame.crs

    def passes(geom: Any, h: float | None, **override: Any) -> bool:
        kw = {**args, **override}
        return check(geom, height=h, crs=crs, zones=zones, datum_hint=False, **kw).verdict == "pass"

    cut = None
    cut_passes = False
    if result.verdict != "pass" and result.exceedance_m and result.exceedance_m > 0:
        base = height if height is not None else result.height_m
        if base is not None:
            cut = max(base - result.exceedance_m, 0.0)
            cut_passes = passes(local, cut, floors=None)   # a lower building has fewer storeys too
    centre = shapely.centroid(local)
    dx, dy = (float(centre.x), float(centre.y)) if not centre.is_empty else (0.0, 0.0)
    r = math.hypot(dx, dy)
    ux, uy = (dx / r, dy / r) if r > 1e-9 else (0.0, 1.0)
    azimuth = math.degrees(math.atan2(ux, uy)) % 360.0
    move = None
    if result.verdict == "pass":
        move = 0.0
    else:
        def moved(d: float) -> bool:
            return passes(shapely.affinity.translate(local, ux * d, uy * d), height)

        lo = 0.0
        for d in np.arange(step_m, limit_m + step_m / 2, step_m):
            if moved(float(d)):
                hi = float(d)
                while hi - lo > tolerance_m:
                    mid = (lo + hi) / 2
                    lo, hi = (lo, mid) if moved(mid) else (mid, hi)
                shown = math.ceil(round(hi * 100, 6)) / 100   # shown with 2 decimals: never below hi
                move = shown if moved(shown) else hi
                break
            lo = float(d)
    return Remedy(height_m=cut, height_passes=cut_passes, move_m=move, azimuth_deg=azimuth, limit_m=limit_m)


def compass(azimuth_deg: float, lang: str = "en") -> str:
    """The nearest of the eight compass directions, in words.

    >>> compass(0.0, "zh"), compass(315.0, "zh"), compass(100.0)
    ('北', '西北', 'east')
    """
    return t(_COMPASS[int(((azimuth_deg % 360.0) + 22.5) // 45.0) % 8], lang)


@dataclass
class Opinion:
    """Everything an opinion shows (built by :func:`opinion_for`).

    Attributes
    ----------
    fields : dict
        The project particulars (:data:`PROJECT_FIELDS`).
    result : CheckResult
        The check of the proposal.
    remedy : Remedy
        The smallest height cut and move that pass.
    zones : ZoneSet
        What it was checked against.
    local : shapely geometry
        The proposal in the station's frame. [m]
    inputs : list of (str, str, str)
        Every input file: what it is, its name (no folder), its SHA-256.
    height : float or None
        The height given. [m]
    lang : str
        The language of the words.
    drawing : DrawingCheckResult or None
        The drawing's check when the proposal is a drawing (``result`` is its worst entity's).
    """

    fields: dict[str, str]
    result: CheckResult
    remedy: Remedy
    zones: ZoneSet
    local: Any
    inputs: list[tuple[str, str, str]] = field(default_factory=list)
    height: float | None = None
    lang: str = "en"
    drawing: Any = None

    def check_data(self) -> str:
        """The check's JSON the opinion carries (its page's element, its PDF's embedded file, its
        Word file's custom XML part): the drawing's for a drawing, which ``ledger add
        --from-report`` refuses as it refuses the drawing's ``check --json``."""
        from .report import check_json

        return check_json(self.drawing or self.result)

    def word(self) -> str:
        """同意 / 需补充论证 / 不同意 (agreed / further justification needed / not agreed)."""
        return t(OPINION_WORDS.get(self.result.verdict, "op_word_review"), self.lang)

    def articles(self) -> list[tuple[str, str, str]]:
        """The findings that decide the verdict (all of them when it passes): article label,
        the plan's words (Chinese original; in English with the translation after), the finding."""
        rules: dict[str, Any] = {r.id: r for r in self.zones.station.rules}
        for p in self.zones.pilots:
            rules.update({r.id: r for r in p.rules})
        findings: list[Any] = [*self.result.findings,
                               *(SimpleNamespace(**f) for f in (self.result.pilot or {}).get("findings", []))]
        worst = [f for f in findings if f.severity == self.result.verdict] or findings
        out = []
        for f in worst:
            rule = rules.get(f.rule)
            zh = getattr(rule, "quote_zh", "") or getattr(f, "quote_zh", "") or ""
            en = getattr(rule, "quote_en", "") or getattr(f, "quote_en", "") or ""
            quote = t("op_quote", self.lang, zh=zh, en=en) if zh and en else zh or en
            label = article_label(f.article, self.lang, getattr(rule, "article_zh", "") if rule else "")
            out.append((label, quote, f.message))
        return out

    def paragraph(self) -> str:
        """The opinion in the bureau's register, from the verdict and the numbers."""
        r, lang = self.result, self.lang
        T = lambda key, **kw: t(key, lang, **kw)
        project = self.fields.get("project") or T("op_this_project")
        where = T("op_where", address=self.fields["address"]) if self.fields.get("address") else ""
        station = self.zones.station.name.get(lang)
        parts = [T("op_facts", project=project, where=where, kind=name(KIND_NAMES, r.kind, lang), station=station,
                   distance=f"{r.distance_m:,.2f}", zone=zone_name(self.zones.station, r.zone, lang))]
        if r.height_m is not None and r.max_height_m is not None:
            parts.append(T("op_height", height=f"{r.height_m:,.2f}", limit=f"{r.max_height_m:,.2f}"))
        labels = T("op_list_sep").join(dict.fromkeys(a for a, _q, _m in self.articles()))
        parts.append(T(f"op_conclude_{r.verdict}" if r.verdict in OPINION_WORDS else "op_conclude_review",
                       articles=labels or "—"))
        remedy = self.remedy_text()
        if remedy:
            parts.append(remedy)
        return _sentences(parts)

    def remedy_text(self) -> str:
        """The remedy in numbers ("降低至 30.00 米以下，或向北移出 10.00 米以上"); empty on a pass."""
        if self.result.verdict == "pass":
            return ""
        rm, lang = self.remedy, self.lang
        T = lambda key, **kw: t(key, lang, **kw)
        ways, note = [], ""
        if rm.height_m is not None:
            ways.append(T("op_cut" if rm.height_passes else "op_cut_not_enough", height=f"{rm.height_m:,.2f}"))
        if rm.move_m is not None:
            ways.append(T("op_move", direction=compass(rm.azimuth_deg, lang), move=f"{rm.move_m:,.2f}"))
        else:
            note = T("op_no_move", direction=compass(rm.azimuth_deg, lang), limit=f"{rm.limit_m:,.0f}")
        text = T("op_remedy", ways=T("op_or").join(ways)) if ways else ""
        return _sentences([text, note])


def _sentences(parts: Sequence[str]) -> str:
    """Sentences joined by a space, none after a full-width stop (。): Chinese runs on.

    >>> _sentences(["甲。", "乙。"]), _sentences(["A.", "", "B."])
    ('甲。乙。', 'A. B.')
    """
    return re.sub(r"(?<=[。；])\s+", "", " ".join(p for p in parts if p))


def input_files(zones: ZoneSet, files: Sequence[tuple[str, Any]], lang: str = "en") -> list[tuple[str, str, str]]:
    """Every input file as (what, file name, SHA-256): the given ``files`` ((what, path); a
    None path left out), the station file, each pilot file and its boundary file. Only the
    file name is shown, never the folder (a local path says nothing to the reader)."""
    from .assessment_report import sha256_file

    rows = [(what, p) for what, p in files if p]
    rows.append((t("rpt_station_file", lang), zones.station.source_path))
    for p in zones.pilots:
        rows.append((t("op_pilot_file", lang, name=p.name.get(lang)), p.source_path))
        rows.append((t("op_pilot_boundary", lang, name=p.name.get(lang)), p.boundary_path))
    return [(what, Path(str(path)).name, sha256_file(path)) for what, path in rows if path]


_OP_CSS = """
h1 { text-align: center; font-size: 18pt; } .docno { text-align: center; }
h1, h2, h3 { page-break-after: avoid; break-after: avoid; }
table, figure, .sign, .opinion, .block { break-inside: avoid; page-break-inside: avoid; }
.opinion { font-size: 11.5pt; text-indent: 2em; } .word { font-weight: bold; font-size: 14pt; }
.sign td { height: 12mm; } .seal { height: 30mm; text-align: right; vertical-align: bottom; color: #888; }
figure { text-align: center; margin: 0; } img.fig { max-height: 88mm; max-width: 100%; }
table.figs { width: 100%; table-layout: fixed; border-collapse: collapse; }
table.figs td { border: 0; padding: 0 2mm 0 0; vertical-align: top; width: 50%; }
table.figs h2 { font-size: 11pt; } table.figs img.fig { max-height: 82mm; width: 100%; object-fit: contain; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; word-break: break-all; }
"""


def opinion_html(op: Opinion, *, today: _dt.date | None = None) -> str:
    """The opinion as one self-contained HTML page (A4 print CSS; headings kept with what
    follows, tables, figures and the signature block never split across pages)."""
    import tempfile

    from .assessment_report import _CSS, _horizon_figure, _map_figure, check_data_element

    e, lang = html_text, op.lang
    T = lambda key, **kw: t(key, lang, **kw)
    r = op.result
    date = op.fields.get("date") or (today or _dt.date.today()).isoformat()
    rows = "".join(f"<tr><th>{e(T('op_field_' + k))}</th><td>{e(op.fields.get(k, '') or '—')}</td></tr>"
                   for k in PROJECT_FIELDS if k not in ("reviewer", "checker", "date", "doc_no"))
    arts = "".join(f"<tr><th>{e(a)}</th><td><div class='quote'>“{e(q)}”</div><div class='small'>{e(m)}</div></td></tr>"
                   for a, q, m in op.articles())
    arts_html = f"<table>{arts}</table>" if arts else f"<p>{e(T('report_no_rules'))}</p>"
    with tempfile.TemporaryDirectory() as tmp:
        map_png = _map_figure(op.zones, op.local, r.verdict, lang)
        hz_png, _notes = _horizon_figure(op.zones, op.local, r.height_m, lang, Path(tmp))
    hashes = "".join(f"<tr><td>{e(w)}</td><td>{e(n)}</td><td class='hash'>{e(h)}</td></tr>"
                     for w, n, h in op.inputs)
    sign = (f"<table class='sign'><tr><th>{e(T('op_field_reviewer'))}</th><td>{e(op.fields.get('reviewer', ''))}</td>"
            f"<th>{e(T('op_field_checker'))}</th><td>{e(op.fields.get('checker', ''))}</td></tr>"
            f"<tr><th>{e(T('op_field_date'))}</th><td>{e(date)}</td><th>{e(T('op_seal'))}</th>"
            f"<td class='seal'>{e(op.fields.get('authority', ''))}</td></tr></table>")
    title = T("op_title")
    return f"""<!DOCTYPE html>
<html lang="{t('html_lang', lang)}"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{_CSS}{_OP_CSS}</style>{check_data_element(op.check_data())}</head><body>
<h1>{e(title)}</h1>
<p class="docno">{e(T("op_doc_no_line", doc_no=op.fields.get("doc_no", "") or "—"))}</p>
<h2>1. {e(T('rpt_project'))}</h2><table>{rows}</table>
<h2>2. {e(T('op_opinion'))}</h2>
<div class="block"><p class="word">{e(op.word())}</p><p class="opinion">{e(op.paragraph())}</p></div>
<h2>3. {e(T('op_articles'))}</h2>{arts_html}
<table class="figs"><tr>
<td><h2>4. {e(T('rpt_map'))}</h2><figure><img alt="{e(T('rpt_map'))}" src="{map_png}" class="fig"></figure></td>
<td><h2>5. {e(T('rpt_horizon'))}</h2><figure><img alt="{e(T('rpt_horizon'))}" src="{hz_png}" class="fig"></figure></td></tr></table>
<h2>6. {e(T('op_inputs'))}</h2><table><tr><th></th><th>{e(T('op_file'))}</th><th>SHA-256</th></tr>{hashes}</table>
<h2>7. {e(T('op_sign'))}</h2>{sign}
</body></html>
"""


def _docx_font(run_or_style: Any, east_asian: str, latin: str = "Times New Roman") -> None:
    """Set a run's or style's fonts: Latin and the East Asian one (w:rFonts w:eastAsia), which
    python-docx does not set by itself and without which WPS and Word fall back to a default."""
    from ._optional import require

    qn = require("docx.oxml.ns").qn
    run_or_style.font.name = latin
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)


#: The East Asian fonts of the Word opinion: body and headings.
DOCX_BODY_FONT = "宋体"
DOCX_HEADING_FONT = "黑体"


def write_docx(op: Opinion, path: Path, *, today: _dt.date | None = None) -> None:
    """Write the opinion as a Word file at ``path`` (python-docx)."""
    import base64
    import io as _io
    import tempfile

    from ._optional import require
    from .assessment_report import _horizon_figure, _map_figure, docx_check_data

    docx = require("docx")
    shared = require("docx.shared")
    lang, r = op.lang, op.result
    T = lambda key, **kw: t(key, lang, **kw)
    doc = docx.Document()
    _docx_font(doc.styles["Normal"], DOCX_BODY_FONT)
    doc.styles["Normal"].font.size = shared.Pt(11)
    for style in ("Title", "Heading 1", "Heading 2"):
        _docx_font(doc.styles[style], DOCX_HEADING_FONT, "Arial")
        doc.styles[style].paragraph_format.keep_with_next = True

    def para(text: str, style: str | None = None, bold: bool = False) -> Any:
        p = doc.add_paragraph(style=style)
        run = p.add_run(text)
        run.bold = bold
        _docx_font(run, DOCX_HEADING_FONT if style in ("Title", "Heading 1") else DOCX_BODY_FONT)
        return p

    def heading(text: str) -> None:
        h = doc.add_heading(level=1)
        _docx_font(h.add_run(text), DOCX_HEADING_FONT, "Arial")

    def table(rows: Sequence[Sequence[str]]) -> None:
        tab = doc.add_table(rows=0, cols=len(rows[0]))
        tab.style = "Table Grid"
        for row in rows:
            cells = tab.add_row().cells
            for cell, text in zip(cells, row):
                cell.text = ""
                _docx_font(cell.paragraphs[0].add_run(text), DOCX_BODY_FONT)

    date = op.fields.get("date") or (today or _dt.date.today()).isoformat()
    title = doc.add_heading(level=0)
    _docx_font(title.add_run(T("op_title")), DOCX_HEADING_FONT, "Arial")
    para(T("op_doc_no_line", doc_no=op.fields.get("doc_no", "") or "—"))
    heading(f"1. {T('rpt_project')}")
    table([(T("op_field_" + k), op.fields.get(k, "") or "—") for k in PROJECT_FIELDS
           if k not in ("reviewer", "checker", "date", "doc_no")])
    heading(f"2. {T('op_opinion')}")
    para(op.word(), bold=True)
    para(op.paragraph())
    heading(f"3. {T('op_articles')}")
    arts = op.articles()
    if arts:
        table([(a, f"“{q}”\n{m}") for a, q, m in arts])
    else:
        para(T("report_no_rules"))
    with tempfile.TemporaryDirectory() as tmp:
        figures = [(T("rpt_map"), _map_figure(op.zones, op.local, r.verdict, lang), 14.0),
                   (T("rpt_horizon"), _horizon_figure(op.zones, op.local, r.height_m, lang, Path(tmp))[0], 10.0)]
    for i, (caption, data, width_cm) in enumerate(figures, start=4):
        heading(f"{i}. {caption}")
        png = base64.b64decode(data.split(",", 1)[1])
        doc.add_picture(_io.BytesIO(png), width=shared.Cm(width_cm))
    heading(f"6. {T('op_inputs')}")
    table([("", T("op_file"), "SHA-256"), *op.inputs])
    heading(f"7. {T('op_sign')}")
    table([(T("op_field_reviewer"), op.fields.get("reviewer", ""), T("op_field_checker"), op.fields.get("checker", "")),
           (T("op_field_date"), date, T("op_seal"), op.fields.get("authority", ""))])
    doc.core_properties.title = T("op_title")
    doc.core_properties.subject = op.fields.get("project", "")
    docx_check_data(doc, op.check_data())   # for ledger add --from-report, as the HTML page's element
    doc.save(str(path))


def write_opinion(op: Opinion, path: str | Path, *, overwrite: bool = True, today: _dt.date | None = None) -> int:
    """Write the opinion as HTML, PDF or (``.docx``) Word, atomically; returns bytes written."""
    from .assessment_report import REPORT_SUFFIXES, write_report
    from .io import atomic_output

    path = Path(path)
    if path.suffix.lower() not in (*REPORT_SUFFIXES, ".docx"):
        raise OutputError("output_format", path=str(path), choices=", ".join((*REPORT_SUFFIXES, ".docx")))
    if path.suffix.lower() != ".docx":
        return write_report(opinion_html(op, today=today), path, lang=op.lang, overwrite=overwrite,
                            data=op.check_data())
    with atomic_output(path, overwrite) as tmp:
        write_docx(op, tmp, today=today)
        size = tmp.stat().st_size
    return size


def opinion_for(footprint: Any, output: str | Path, *, zones: ZoneSet, fields: Mapping[str, str] | None = None,
                height: float | None = None, kind: str = "building", use: str | None = None,
                floors: int | None = None, crs: Any = None, axis_order: str = "xy", dem: Any = None,
                field_elevation: str = "dem", lang: str = "en", overwrite: bool = True,
                width: float | None = None, layer: str | None = None, today: _dt.date | None = None) -> int:
    """Check one proposal and write its review opinion (``geozones report --opinion`` or
    ``-o opinion.docx``); returns bytes written. ``footprint`` as
    :func:`geozones.assessment_report.check_proposal` (a drawing: its worst entity)."""
    from .assessment_report import check_proposal

    result, local, _wgs, drawing = check_proposal(
        footprint, zones=zones, height=height, kind=kind, use=use, floors=floors, crs=crs, axis_order=axis_order,
        dem=dem, field_elevation=field_elevation, lang=lang, width=width, layer=layer)
    args = {"kind": result.kind, "use": use, "floors": floors, "width": width, "dem": dem,
            "field_elevation": field_elevation, "lang": lang, "axis_order": "xy"}
    remedy = find_remedy(local, result, zones, args, height=height)
    footprint_file = footprint if isinstance(footprint, str) and len(footprint) < 4096 and Path(footprint).exists() \
        else None
    dem_file = dem if isinstance(dem, (str, Path)) else getattr(dem, "path", None)
    inputs = input_files(zones, [(t("rpt_footprint", lang), footprint_file), ("DEM", dem_file)], lang)
    op = Opinion(fields=clean_fields(fields or {}), result=result, remedy=remedy, zones=zones, local=local,
                 inputs=inputs, height=height, lang=lang, drawing=drawing)
    return write_opinion(op, output, overwrite=overwrite, today=today)
