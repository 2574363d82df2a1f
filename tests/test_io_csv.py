"""CSV with WKT geometry (geozones.io.csv): chunks equal a plain pandas + shapely read; the
encoding falls back to GB18030; a part of the records read by its bytes; the one WKT reader;
written CSV read back by pandas as written; malformed rows and files (a row's fault is its row's
error, a file's is refused)."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geozones.errors import InputError
from geozones.io import csv_record_offsets, open_reader, read_wkt, write_chunks

ROWS = [("a", "POINT (111.5 35.5)"), ("b", ""), ("北", "POLYGON ((0 0, 1 0, 1 1, 0 0))"),
        ("d", "not wkt"), ("e", "LINESTRING (0 0, 2 2)")]


def _csv(path, encoding="utf-8"):
    pd.DataFrame(ROWS, columns=["id", "wkt"]).to_csv(path, index=False, encoding=encoding)
    return path


def test_chunks_equal_a_plain_pandas_read(tmp_path):
    path = _csv(tmp_path / "t.csv")
    src = open_reader(path, wkt_column="wkt", chunk_size=2)
    parts = list(src.chunks())
    assert [len(p[0]) for p in parts] == [2, 2, 1]
    plain = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(pd.concat([p[0] for p in parts])["id"]) == list(plain["id"])
    raw = np.concatenate([p[2] for p in parts])
    geoms = np.concatenate([p[1] for p in parts])
    assert list(raw) == [None if t == "" else t for t in plain["wkt"]]   # an empty cell: no value
    expect = shapely.from_wkt(np.where(plain["wkt"] == "", None, plain["wkt"]), on_invalid="ignore")
    assert [None if g is None else g.wkt for g in geoms] == [None if g is None else g.wkt for g in expect]
    assert src.crs_assumed and src.crs.to_epsg() == 4326 and src.wkt_position == 1


def test_gb18030_when_utf8_fails_on_the_header(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame(ROWS, columns=["编号", "wkt"]).to_csv(path, index=False, encoding="gb18030")
    src = open_reader(path, wkt_column="wkt")
    assert (src.encoding, src.encoding_source) == ("GB18030", "decodes as GB18030")
    assert list(next(src.chunks())[0]["编号"]) == list(pd.read_csv(path, encoding="gb18030")["编号"])[:len(ROWS)]


def test_the_wkt_column_is_required(tmp_path):
    path = _csv(tmp_path / "t.csv")
    with pytest.raises(InputError):
        open_reader(path)
    with pytest.raises(InputError, match="geom"):
        open_reader(path, wkt_column="geom")


def test_one_wkt_reader_curves_linearised_or_left():
    arc = "CIRCULARSTRING (0 0, 1 1, 2 0)"
    left = read_wkt(np.array([arc, None, "POINT (1 2)"], dtype=object))
    assert left[0] is None and left[1] is None and left[2].equals(shapely.Point(1, 2))
    line = read_wkt([arc], curves=True)[0]
    # the arc through (0 0), (1 1), (2 0) is the upper half of the unit circle about (1, 0)
    xy = np.asarray(line.coords)
    assert np.allclose(np.hypot(xy[:, 0] - 1, xy[:, 1]), 1.0) and (xy[:, 1] >= 0).all()
    assert tuple(xy[0]) == (0.0, 0.0) and tuple(xy[-1]) == (2.0, 0.0) and len(xy) > 3


def test_csv_record_offsets_skip_quoted_newlines(tmp_path):
    # header 4 bytes; records: 'x,"a\nb"\n' (8 bytes, a newline inside quotes), 'y,"c""\n"\n'
    # (9 bytes: a doubled quote, then a quoted newline), 'z,d' (no final newline)
    path = tmp_path / "t.csv"
    path.write_bytes(b'k,v\nx,"a\nb"\ny,"c""\n"\nz,d')
    assert csv_record_offsets(path, 1) == ([4, 12, 21], 3)
    assert csv_record_offsets(path, 2) == ([4, 21], 3)
    assert csv_record_offsets(path, 1, block=3) == ([4, 12, 21], 3)  # quotes carried across blocks
    path.write_bytes(b"k,v\n")
    assert csv_record_offsets(path, 1) == ([], 0)


def test_csv_part_reads_only_its_records(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b'id,wkt\n1,"POINT (1 2)"\n2,"POINT (3 4)"\n3,"POINT (5 6)"\n')
    src = open_reader(path, wkt_column="wkt", chunk_size=1)
    starts, n = csv_record_offsets(path, 1)
    chunks = list(src.chunks_in(1, 3, (starts[1], path.stat().st_size)))
    assert [list(df["id"]) for df, _g, _r in chunks] == [["2"], ["3"]]
    assert [g[0].x for _df, g, _r in chunks] == [3.0, 5.0]


def test_written_csv_reads_back_at_full_precision(tmp_path):
    x = 111.57449321987654
    gdf = gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=[shapely.Point(x, 35.5), None, shapely.Point(0.1, 0.2)],
                           crs=4326)
    out = tmp_path / "o.csv"
    rows = write_chunks(out, "CSV", gdf.crs, iter([gdf.iloc[:2], gdf.iloc[2:]]), wkt_column="wkt", wkt_position=0)
    back = pd.read_csv(out, keep_default_na=False)
    assert rows == 3 and list(back.columns) == ["wkt", "id"] and list(back["id"]) == [1, 2, 3]
    geoms = shapely.from_wkt(np.where(back["wkt"] == "", None, back["wkt"]))
    assert geoms[0].x == x and geoms[1] is None and geoms[2].equals(shapely.Point(0.1, 0.2))


def test_written_csv_keeps_hostile_text_and_formulas_exactly(tmp_path):
    """Issue 23 item 1: text cells go through the csv module's quoting (a line break, CR, a
    quote, the delimiter, NUL stay inside their cell) and are written as they are: a cell that
    starts with = + - @ is not changed (the decision in geozones/io/serialise.py and
    docs/exit-codes.md), so the csv module reads back every cell exactly."""
    import csv

    from geometries import HOSTILE_TEXT

    texts = [t for t, _m in HOSTILE_TEXT.values()] + ["+86 10 1234", "-12", "@SUM(A1:A2)", "a,b;c\td"]
    gdf = gpd.GeoDataFrame({"name": texts}, geometry=[shapely.Point(111.5, 35.5)] * len(texts), crs=4326)
    out = tmp_path / "h.csv"
    assert write_chunks(out, "CSV", gdf.crs, iter([gdf.iloc[:3], gdf.iloc[3:]])) == len(texts)
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["name", "geometry"]
    assert [r[0] for r in rows[1:]] == texts
    assert {r[1] for r in rows[1:]} == {"POINT (111.5 35.5)"}


# --- malformed tables (issue 23, item 9): a row's fault is that row's, a file's is refused --

P = "POINT (111.575 35.51)"


def _faults(src):
    """Per row read: (its fields but the WKT, the WKT read, the fault's message or None)."""
    from geozones.io import ROW_FAULT

    out = []
    for df, _geoms, raw in src.chunks():
        fault = df.pop(ROW_FAULT).tolist() if ROW_FAULT in df.columns else [None] * len(df)
        for i in range(len(df)):
            out.append((df.iloc[i].tolist(), raw[i], None if fault[i] is None else str(fault[i])))
    return out


def test_rows_with_too_many_or_too_few_fields_are_their_rows_errors(tmp_path):
    # line 3 has an unquoted comma (4 fields), line 5 lacks two (1 field), line 6 is blank
    # (skipped); every other row is read as it is, in order, and no row is dropped
    path = tmp_path / "t.csv"
    path.write_text(f'id,h,wkt\na,1,"{P}"\nb,2,"{P}",x\nc,3,"{P}"\nd\n\ne,5,"{P}"\n', encoding="utf-8")
    rows = _faults(open_reader(path, wkt_column="wkt", chunk_size=2))
    assert [r[0] for r in rows] == [["a", "1"], ["b", "2"], ["c", "3"], ["d", ""], ["e", "5"]]
    assert [r[1] for r in rows] == [P, None, P, None, P]
    assert [r[2] for r in rows] == [None, "line 3 has 4 fields, the header 3: quote text that holds a comma", None,
                                    "line 5 has 1 fields, the header 3: quote text that holds a comma", None]


def test_a_part_names_the_lines_of_the_file(tmp_path):
    # a part read by its bytes (a dask worker's) numbers its lines as the file does
    path = tmp_path / "t.csv"
    body = "".join(f'r{i},{i},"{P}"\n' for i in range(6))
    path.write_text("id,h,wkt\n" + body + f'bad,"{P}"\n', encoding="utf-8")
    starts, n = csv_record_offsets(path, 4)
    assert n == 7
    src = open_reader(path, wkt_column="wkt", chunk_size=4)
    part = list(src.chunks_in(4, 7, (starts[1], path.stat().st_size)))
    from geozones.io import ROW_FAULT

    df = pd.concat([c[0] for c in part])
    assert list(df["id"]) == ["r4", "r5", "bad"]
    assert [None if f is None else str(f) for f in df[ROW_FAULT]][2].startswith("line 8 has 2 fields")


def test_header_naming_a_column_twice_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(f'id,h,h,wkt\na,1,2,"{P}"\n', encoding="utf-8")
    with pytest.raises(InputError, match="the column name 'h' appears 2 times in the header"):
        open_reader(path, wkt_column="wkt")


def test_a_quote_never_closed_is_refused_naming_its_line(tmp_path):
    # the quote opened on line 3 runs to the end of the file: every later row would be one
    # field of it, so the file is refused; a quote closed on a later line is a field with
    # line breaks, read
    path = tmp_path / "t.csv"
    path.write_text(f'id,h,wkt\na,1,"{P}"\nb,2,"{P}\nc,3,x\n', encoding="utf-8")
    src = open_reader(path, wkt_column="wkt")
    with pytest.raises(InputError, match="line 3: a quote opened here is never closed"):
        list(src.chunks())
    path.write_text(f'id,h,wkt\na,"1\n2",{P}\nb,2,"{P}"\n', encoding="utf-8")
    assert [r[0] for r in _faults(open_reader(path, wkt_column="wkt"))] == [["a", "1\n2"], ["b", "2"]]


def test_undecodable_bytes_are_their_rows_errors(tmp_path):
    # a UTF-8 file (its header says so: 名称 in UTF-8) with one line in GBK: neither encoding
    # reads the whole file; that line is its row's error, its text shown with U+FFFD
    path = tmp_path / "t.csv"
    path.write_bytes("名称,wkt\n北,".encode() + P.encode() + b"\n" + "南".encode("gbk") + b"," + P.encode()
                     + "\n东,".encode() + P.encode() + b"\n")
    src = open_reader(path, wkt_column="wkt")
    assert src.encoding == "utf-8"
    rows = _faults(src)
    assert [r[0][0] for r in rows] == ["北", "\ufffd", "东"]   # one U+FFFD for the bytes not read
    assert [r[2] for r in rows] == [None, "line 3 holds bytes that are not utf-8 (shown as �); name the file's "
                                    "encoding with --encoding", None]
    # a file in GBK with an ASCII header: every line decodes as GB18030, read so
    path.write_bytes(b"name,wkt\n" + "北".encode("gbk") + b"," + P.encode() + b"\n")
    src = open_reader(path, wkt_column="wkt")
    assert (src.encoding, [r[0] for r in _faults(src)]) == ("GB18030", [["北"]])
