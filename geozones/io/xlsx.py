"""Excel workbooks (``.xlsx``): a table in the first sheet, and sheets of summary sections.

Excel has no geometry: it is written as WKT text in the last column. The rows are streamed
through openpyxl's write-only mode (one chunk in memory at a time); the header row is frozen
and carries an auto filter over the whole table, and the verdict column, when there is one,
is coloured by a conditional fill (:data:`VERDICT_FILLS`), so sorting and filtering keep
the colours. Excel's limits are kept: at most :data:`MAX_ROWS` rows under the header
(refused in one line, ``xlsx_rows``), at most :data:`MAX_CELL_CHARS` characters (UTF-16
code units, as Excel counts) in a cell (longer text is cut), no control characters the
format cannot hold (dropped), and text that begins with ``=`` stays text, never a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .._optional import require
from ..errors import OutputError
from .serialise import markup_safe

__all__ = ["MAX_ROWS", "MAX_CELL_CHARS", "VERDICT_FILLS", "Section", "Sheets", "write_xlsx", "refuse_rows"]

#: Rows a sheet holds under its header row (1,048,576 in all).
MAX_ROWS = 1_048_575
#: Characters a cell holds (UTF-16 code units).
MAX_CELL_CHARS = 32_767
#: Background colours of the verdict cells (fail red, review amber, pass green, error grey),
#: the light fills Excel's own "highlight cells" rules use.
VERDICT_FILLS: dict[str, str] = {"fail": "FFC7CE", "review": "FFEB9C", "pass": "C6EFCE", "error": "D9D9D9"}
#: Widest column set from its header [characters].
_MAX_WIDTH = 40
#: The largest integer written as a number: Excel holds 15 significant digits (a 19-digit
#: parcel id written as a number would come back rounded); larger ones are written as text.
MAX_EXACT_INT = 10**15 - 1


@dataclass
class Section:
    """A block of a summary sheet: a bold title, an optional bold header row, its rows."""

    title: str
    header: tuple[str, ...] = ()
    rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Sheets:
    """What a workbook shows beyond the rows: the first sheet's ``title``, the header of a
    column (``headers.get(column, column)``), and ``summary()``: the title and the
    :class:`Section` s of a second sheet, called once every row is written (a run's summary
    is complete only then); None: no second sheet."""

    title: str = "table"
    headers: Mapping[str, str] = field(default_factory=dict)
    summary: Callable[[], tuple[str, list[Section]]] | None = None


def refuse_rows(rows: int | None, path: str) -> None:
    """Refuse a table of more than :data:`MAX_ROWS` rows in one line (``xlsx_rows``),
    before any work where the input tells its rows."""
    if rows is not None and rows > MAX_ROWS:
        raise OutputError("xlsx_rows", path=path, rows=f"{rows:,}", limit=f"{MAX_ROWS:,}")


def write_xlsx(path: Path, chunks: Iterable, sheets: Sheets | None = None,
               verdict_column: str | None = "gz_verdict") -> int:
    """Write chunks (GeoDataFrames or Arrow tables with WKB ``geometry``,
    :func:`~geozones.io.arrow.as_table`) as the first sheet of a workbook at ``path``, and
    the summary sheet of ``sheets``; returns the rows written.

    The geometry is WKT, in the last column. A header that another column's already is
    (an input column called like one of ours in the chosen language) is followed by the
    column's own name: ``层数 (gz_storeys)``.
    """
    openpyxl = require("openpyxl")
    sheets = sheets or Sheets()
    wb = openpyxl.Workbook(write_only=True)
    try:
        return _fill(wb, path, chunks, sheets, verdict_column)
    except BaseException:
        _discard(wb)
        raise


def _fill(wb, path: Path, chunks: Iterable, sheets: Sheets, verdict_column: str | None) -> int:
    """Write the sheets of ``wb`` and save it at ``path``; the rows written."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from .arrow import as_table

    ws = wb.create_sheet(_sheet_title(sheets.title))
    bold = Font(bold=True)
    rows = 0
    names: list[str] = []
    for chunk in chunks:
        table = as_table(chunk)
        if not names:
            names = [c for c in table.column_names if c != "geometry"] + ["geometry"]
            shown = _titles(names, sheets.headers)
            for i, (name, title) in enumerate(zip(names, shown), start=1):
                # as wide as the title and the first chunk's first 200 values (display width)
                sample = table.column(name).slice(0, 200).to_pylist()
                wide = max([_width(title), *(_width(str(v)) for v in sample if v is not None)])
                ws.column_dimensions[get_column_letter(i)].width = min(_MAX_WIDTH, max(8, 2 + wide))
            ws.freeze_panes = "A2"
            # printed landscape, the header row on every page
            ws.page_setup.orientation = "landscape"
            ws.print_title_rows = "1:1"
            ws.append([_bold(_cell(ws, title), bold) for title in shown])
        rows += table.num_rows
        refuse_rows(rows, str(path.name))
        columns = [_cells(table.column(c), c == "geometry") for c in names]
        for values in zip(*columns):
            ws.append([_cell(ws, v) if isinstance(v, _Text) else v for v in values])
    if names:
        last = get_column_letter(len(names))
        ws.auto_filter.ref = f"A1:{last}{rows + 1}"
        if verdict_column in names and rows:
            col = get_column_letter(names.index(verdict_column) + 1)
            for verdict, colour in VERDICT_FILLS.items():
                ws.conditional_formatting.add(
                    f"{col}2:{col}{rows + 1}",
                    FormulaRule(formula=[f'${col}2="{verdict}"'],
                                fill=PatternFill(fill_type="solid", start_color=colour, end_color=colour)))
    if sheets.summary is not None:
        title, blocks = sheets.summary()
        summary = wb.create_sheet(_sheet_title(title))
        summary.column_dimensions["A"].width = _MAX_WIDTH
        for block in blocks:
            summary.append([_bold(_cell(summary, block.title), bold)])
            if block.header:
                summary.append([_bold(_cell(summary, h), bold) for h in block.header])
            for row in block.rows:
                summary.append([_cell(summary, v) if isinstance(v, str) else v for v in row])
            summary.append([])
    wb.save(str(path))
    return rows


def _titles(names: list[str], headers: Mapping[str, str]) -> list[str]:
    """The header of each column: ``headers``' title, followed by the column's own name
    where the title is another column's already."""
    taken = {c for c in names if c not in headers}
    out = []
    for c in names:
        title = headers.get(c, c)
        if c in headers and title in taken:
            title = f"{title} ({c})"
        taken.add(title)
        out.append(title)
    return out


class _Text(str):
    """Text Excel would read as something else (a formula: begins with ``=``; a number too
    long for its 15 digits): written as a text cell."""


def _discard(wb) -> None:
    """A workbook given up half written: each sheet's temporary file closed and removed
    (openpyxl's write-only sheets stream to files of their own until the save)."""
    import contextlib

    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        with contextlib.suppress(Exception):
            if not ws.closed:
                ws.close()
        with contextlib.suppress(Exception):
            writer.cleanup()


def _cell(ws, text: str):
    """A cell of ``ws`` holding ``text`` made safe (:func:`_text`), as text even when it
    begins with ``=`` (openpyxl would take it for a formula)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=_text(text))
    cell.data_type = "s"
    return cell


def _bold(cell, font):
    cell.font = font
    return cell


def _width(text: str) -> int:
    """Columns ``text`` takes (a CJK character two)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _sheet_title(title: str) -> str:
    """A sheet name Excel takes: at most 31 characters, none of ``[]:*?/\\``."""
    for ch in "[]:*?/\\":
        title = title.replace(ch, "_")
    return title[:31] or "sheet"


def _text(value: str) -> str:
    """``value`` as cell text: what XML cannot hold (control characters, U+FFFE, lone
    surrogates) as U+FFFD by :func:`~geozones.io.serialise.markup_safe`, the rule every document
    geozones writes follows; cut to :data:`MAX_CELL_CHARS` UTF-16 code units (never inside a
    surrogate pair); :class:`_Text` when it begins with ``=``."""
    value = markup_safe(value)
    if len(value) > MAX_CELL_CHARS // 2:
        units = value.encode("utf-16-le")
        if len(units) > 2 * MAX_CELL_CHARS:
            value = units[: 2 * MAX_CELL_CHARS].decode("utf-16-le", errors="ignore")
    return _Text(value) if value.startswith("=") else value


def _cells(column, wkb: bool) -> list:
    """An Arrow column as cell values: WKT for the WKB geometry, text made safe
    (:func:`_text`), NaN and infinities empty, times without a zone (Excel has none: UTC),
    anything else Excel cannot hold as its text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if wkb:
        geoms = shapely.from_wkb(np.asarray(column.to_pylist(), dtype=object))
        return [None if w is None else _text(w) for w in shapely.to_wkt(geoms, rounding_precision=-1).tolist()]
    if pa.types.is_floating(kind):
        column = pc.if_else(pc.is_finite(column), column, pa.scalar(None, kind))
    elif pa.types.is_timestamp(kind) and kind.tz is not None:
        column = column.cast(pa.timestamp(kind.unit))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return [v if v is None else _text(v) for v in column.to_pylist()]
    if pa.types.is_integer(kind):   # Excel keeps 15 digits: a longer id as its text, whole
        return [v if v is None or abs(v) <= MAX_EXACT_INT else _Text(str(v)) for v in column.to_pylist()]
    if (pa.types.is_floating(kind) or pa.types.is_boolean(kind)
            or pa.types.is_temporal(kind) or pa.types.is_decimal(kind) or pa.types.is_null(kind)):
        return column.to_pylist()
    return [v if v is None else _text(v.hex() if isinstance(v, bytes) else str(v)) for v in column.to_pylist()]
