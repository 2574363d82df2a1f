"""Step 3 of a batch run: the screened chunks written, in the order they come, to the output.

Everything is written into temporary paths beside the outputs and moved into place only
when the whole run succeeded (:func:`geozones.io.atomic_output`), so a failure leaves the
outputs as they were. A PostGIS table is written in one transaction instead, committed only
then (:func:`geozones.io.postgis_output`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import OutputError
from .plan import Run

__all__ = ["output_files", "write_output", "LongWriter"]


@contextlib.contextmanager
def output_files(run: Run) -> Iterator[tuple[Any, LongWriter | None]]:
    """The output's temporary path (a PostGIS table's transaction) and the ``--long``
    table's writer (or None), moved into place (committed) when the ``with`` block ends
    without error."""
    from ..io import POSTGIS_DRIVER, atomic_output, postgis_output

    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(postgis_output(str(run.out), run.overwrite) if run.driver == POSTGIS_DRIVER
                                  else atomic_output(run.out, run.overwrite, run.inputs))
        long_writer = None
        if run.long_path is not None:
            long_writer = LongWriter(stack.enter_context(atomic_output(run.long_path, run.overwrite, run.inputs)))
        yield tmp, long_writer
        if long_writer is not None:
            long_writer.close()


def write_output(run: Run, tmp, chunks: Iterable) -> int:
    """Write ``chunks`` (in order) to ``tmp`` in the run's format and row order; check that
    every row read was written once and that the input did not change meanwhile."""
    from ..io import write_chunks

    src, driver, summary = run.src, run.driver, run.summary
    sheets = None
    if driver == "XLSX":   # a workbook: headers in the run's language, a summary sheet
        from ..io.xlsx import Sheets
        from ..report import column_titles, summary_sections
        from ..text import t

        ctx, lang = run.ctx, run.ctx.opts.lang
        sheets = Sheets(t("xlsx_sheet_table", lang), column_titles((*run.gz_columns, "gz_ground_m"), ctx.names.ours, lang),
                        lambda: summary_sections(summary, ctx.zones, ctx.crs, src._given_crs is not None, lang))
    rows = write_chunks(tmp, driver, run.ctx.out_crs, _or_empty(run, chunks), layer=run.out_layer,
                        renamed=summary.renamed, geometry_type=src.geometry_type,
                        wkt_column=src.wkt_column if src.kind == "csv" else None,
                        wkt_position=getattr(src, "wkt_position", None), sort=run.sort,
                        # the geometry written is the input's (WGS84 for GCJ-02/BD-09 input)
                        extent=None if run.ctx.datum else src.extent, expected_rows=src.n_rows,
                        sheets=sheets)
    if driver == "GPKG":  # opens styled in QGIS: colours by verdict
        from ..styles import add_qgis_style, verdict_qml

        add_qgis_style(tmp, run.out_layer, verdict_qml(src.geometry_type or "Polygon"), "geozones verdicts")
    if rows != summary.rows or (src.n_rows is not None and rows != src.n_rows):
        raise OutputError("output_write", path=run.summary.output,
                          why=f"{rows} rows written for {src.n_rows or summary.rows} read")
    run.fingerprint.check()   # an input rewritten meanwhile: fail, nothing written
    return rows


def _or_empty(run: Run, chunks: Iterable) -> Iterator:
    """``chunks``; none at all (an input without rows): one empty chunk with the input's
    columns and ours."""
    import geopandas as gpd

    from ..screen import column_types

    any_rows = False
    for chunk in chunks:
        any_rows = True
        yield chunk
    if not any_rows:
        names = run.ctx.names   # as the chunks would have been named
        base = pd.DataFrame({names.renamed.get(str(c), str(c)): pd.Series(dtype=object)
                             for c in run.src.columns if str(c) not in names.dropped})
        cols = pd.DataFrame({c: pd.Series(dtype=object if t is str else t)
                             for c, t in column_types(run.gz_columns).items()}).rename(columns=names.ours)
        out_crs = run.ctx.out_crs
        yield gpd.GeoDataFrame(pd.concat([base, cols], axis=1), geometry=gpd.GeoSeries([], crs=out_crs),
                               crs=out_crs)


class LongWriter:
    """The ``--long`` table, written chunk by chunk to a temporary path (CSV or Parquet)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.parquet = self.path.suffix.lower() == ".parquet"
        self._writer: Any = None
        self._rows = 0

    def write(self, long: pd.DataFrame, start: int) -> None:
        long = long.assign(gz_row=long["gz_row"].to_numpy(dtype=np.int64) + start)
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(long, schema=self._schema(), preserve_index=False)
            if self._writer is None:
                self._writer = pq.ParquetWriter(str(self.path), table.schema)
            self._writer.write_table(table)
        else:
            from ..io.serialise import write_csv_frame

            write_csv_frame(long, self.path, mode="a" if self._rows or self._writer else "w",
                            header=self._writer is None)
            self._writer = True
        self._rows += len(long)

    def _schema(self):
        import pyarrow as pa

        from ..screen import LONG_COLUMNS

        return pa.schema([(c, pa.int64() if c == "gz_row" else pa.float64() if c.endswith("_m") else pa.string())
                          for c in LONG_COLUMNS])

    def close(self) -> None:
        from ..screen import LONG_COLUMNS

        if self._writer is None:   # no rows: the header (CSV) or the schema (Parquet)
            self.write(pd.DataFrame({c: pd.Series(dtype="int64" if c == "gz_row" else float if c.endswith("_m")
                                                  else object) for c in LONG_COLUMNS}), 0)
        if self.parquet and self._writer is not None:
            self._writer.close()
