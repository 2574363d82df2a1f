"""Esri File Geodatabase (a ``.gdb`` folder) in and out: ``screen``, ``check``, ``map`` and
``report`` read one, ``screen -o out.gdb`` writes one atomically (a folder moved in by one
rename), and the never-overwrite-the-input rules hold for folders.

The parcels are squares north of the fence at known distances D with known heights H, so
the verdicts are known by construction (Art. 12.3 ⑥: H ≤ D / 10 within 1000 m; Art. 12.2 ②:
nothing within 50 m): D = 300 m, H = 31 m fails by 1 m; D = 500 m, H = 20 m passes;
D = 50 m is in the protection range, permitted 0 m.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from conftest import square_north
from pyproj import CRS

from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.errors import InputError, OutputError
from geozones.io import InputFingerprint, atomic_output, check_output_path, refuse_same_files, same_file
from geozones.io import atomic as atomic_mod

BIG_ID = 2**40 + 1          # above 2**31 (and exact only as a 64-bit integer)
EXPECTED = {               # id -> (verdict, permitted height, exceedance)
    BIG_ID: ("fail", 30.0, 1.0),
    7: ("pass", 50.0, 0.0),
    3: ("fail", 0.0, 3.5),
}


def _table(frame, extra: dict | None = None) -> pa.Table:
    geoms = from_frame(np.array([square_north(300.0), square_north(500.0), square_north(50.0)], dtype=object),
                       frame.crs, CRS.from_epsg(4546))
    cols = {"id": pa.array([BIG_ID, 7, 3], pa.int64()), "名称": ["住宅楼", "厂房", None], "h": [31.0, 20.0, 3.5],
            **(extra or {})}
    return pa.table({**cols, "geometry": pa.array(shapely.to_wkb(geoms), pa.binary())})


def _write(table: pa.Table, path: Path, layer: str = "地块") -> Path:
    driver = "OpenFileGDB" if path.suffix == ".gdb" else "GPKG"
    opts = {"TARGET_ARCGIS_VERSION": "ARCGIS_PRO_3_2_OR_LATER"} if driver == "OpenFileGDB" else {}
    pyogrio.write_arrow(table, path, driver=driver, geometry_name="geometry", geometry_type="Polygon",
                        crs="EPSG:4546", layer=layer, layer_options=opts)
    return path


@pytest.fixture
def gdb(tmp_path, frame) -> Path:
    return _write(_table(frame), tmp_path / "parcels.gdb")


def _screen(*args) -> object:
    return CliRunner().invoke(main, ["screen", *map(str, args), "--height-field", "h", "-q"])


def _gz(path: Path) -> pd.DataFrame:
    df = pyogrio.read_dataframe(path, layer="地块", read_geometry=False)
    return df.set_index("id")[["名称", "h", "gz_verdict", "gz_max_height_m", "gz_exceedance_m", "gz_status"]]


def test_screen_gdb_to_gdb_keeps_ids_types_and_chinese(gdb, tmp_path):
    out = tmp_path / "out.gdb"
    res = _screen(gdb, "-o", out)
    assert res.exit_code == 0, res.output
    assert out.is_dir() and (out / "a00000001.gdbtable").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []   # no temporary left
    info = pyogrio.read_info(out)
    assert info["layer_name"] == "地块"          # the input's layer name
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["id"] == "OFTInteger64" and types["h"] == "OFTReal" and types["名称"] == "OFTString"
    df = _gz(out)
    assert BIG_ID in df.index                    # exact: not rounded through a Float64
    assert df.loc[BIG_ID, "名称"] == "住宅楼" and df.loc[7, "名称"] == "厂房"
    for i, (verdict, limit, over) in EXPECTED.items():
        assert df.loc[i, "gz_verdict"] == verdict
        assert df.loc[i, "gz_max_height_m"] == pytest.approx(limit, abs=1e-6)
        assert df.loc[i, "gz_exceedance_m"] == pytest.approx(over, abs=1e-6)
        assert df.loc[i, "gz_status"] == "ok"


def test_gdb_and_gpkg_screen_alike_both_ways(gdb, tmp_path, frame):
    gpkg = _write(_table(frame), tmp_path / "parcels.gpkg")
    outs = {}
    for name, src, dest in (("gdb>gpkg", gdb, "a.gpkg"), ("gpkg>gpkg", gpkg, "b.gpkg"),
                            ("gpkg>gdb", gpkg, "c.gdb"), ("gdb>gdb", gdb, "d.gdb")):
        res = _screen(src, "-o", tmp_path / dest)
        assert res.exit_code == 0, (name, res.output)
        outs[name] = _gz(tmp_path / dest)
    ref = outs["gpkg>gpkg"]
    for name, df in outs.items():
        pd.testing.assert_frame_equal(df.sort_index(), ref.sort_index(), check_dtype=False, obj=name)
    # and back: the screened .gdb re-screened to a GeoPackage gives the same verdicts
    res = _screen(tmp_path / "d.gdb", "-o", tmp_path / "e.gpkg")
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(_gz(tmp_path / "e.gpkg").sort_index(), ref.sort_index(), check_dtype=False)


def test_gdb_output_renames_its_own_names_and_needs_no_64_bit_target_without_int64(tmp_path, frame):
    t = _table(frame, {"OBJECTID": pa.array([5, 6, 7], pa.int32()), "Shape": ["a", "b", "c"]})
    t = t.set_column(0, "id", pa.array([1, 7, 3], pa.int32()))
    src = _write(t, tmp_path / "in.gpkg")
    out = tmp_path / "out.gdb"
    res = _screen(src, "-o", out)
    assert res.exit_code == 0, res.output
    df = pyogrio.read_dataframe(out, read_geometry=False)
    assert df["src_OBJECTID"].tolist() == [5, 6, 7]     # kept, not swallowed as the object id
    assert df["src_Shape"].tolist() == ["a", "b", "c"]
    assert pyogrio.read_info(out)["ogr_types"][0] == "OFTInteger"


def test_several_layers_refused_listing_them_and_layer_picks(gdb, tmp_path, frame):
    g = _table(frame)["geometry"].slice(1, 1)     # D = 500 m
    pyogrio.write_arrow(pa.table({"h": [1.0], "geometry": g}), gdb, driver="OpenFileGDB", geometry_name="geometry",
                        geometry_type="Polygon", crs="EPSG:4546", layer="roads")
    pyogrio.write_arrow(pa.table({"note": ["x"]}), gdb, driver="OpenFileGDB", layer="notes")  # a table: no layer of features
    res = _screen(gdb, "-o", tmp_path / "o.gpkg")
    assert res.exit_code == 2
    assert "2 layers (地块, roads)" in res.output and "--layer" in res.output and "Traceback" not in res.output
    res = _screen(gdb, "-o", tmp_path / "o.gpkg", "--layer", "地块")
    assert res.exit_code == 0, res.output
    assert len(pyogrio.read_dataframe(tmp_path / "o.gpkg", layer="地块")) == 3
    res = CliRunner().invoke(main, ["check", "--footprint", str(gdb), "--layer", "roads", "--json"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["report", "--footprint", str(gdb), "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 2 and "--layer" in res.output
    res = CliRunner().invoke(main, ["report", "--footprint", str(gdb), "--layer", "地块", "--height", "31",
                                    "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r.html").stat().st_size > 0


def test_output_is_or_inside_the_input_gdb_refused(gdb, tmp_path):
    before = sorted(os.listdir(gdb))
    for out in (gdb, gdb / "x.gpkg", tmp_path / "PARCELS.GDB"):
        res = _screen(gdb, "-o", out, "--overwrite")
        assert res.exit_code == 3, (out, res.output)
        assert "is the input" in res.output
    assert sorted(os.listdir(gdb)) == before
    assert same_file(gdb / "a00000001.gdbtable", gdb) and not same_file(tmp_path / "other.gdb", gdb)
    with pytest.raises(OutputError):   # an output .gdb holding an input
        refuse_same_files([gdb], [gdb / "a00000001.gdbtable"])


def test_existing_gdb_refused_without_overwrite_and_replaced_with_it(gdb, tmp_path, frame):
    out = tmp_path / "out.gdb"
    assert _screen(gdb, "-o", out).exit_code == 0
    ino = out.stat().st_ino
    res = _screen(gdb, "-o", out)
    assert res.exit_code == 3 and "exists" in res.output
    assert out.stat().st_ino == ino
    other = _write(_table(frame).slice(1, 1), tmp_path / "one.gdb")
    res = _screen(other, "-o", out, "--overwrite")
    assert res.exit_code == 0, res.output
    assert out.stat().st_ino != ino and list(_gz(out).index) == [7]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _gdb_into(tmp: Path, frame) -> None:
    _write(_table(frame).slice(0, 1), tmp)


@pytest.mark.parametrize("renameat2", [True, False])
def test_folder_commit_with_and_without_renameat2(tmp_path, frame, monkeypatch, renameat2):
    if not renameat2:   # a system or file system without renameat2: rename aside, rename in
        monkeypatch.setattr(atomic_mod, "_renameat2", lambda *a: False)
    dest = tmp_path / "out.gdb"
    with atomic_output(dest) as tmp:
        _gdb_into(tmp, frame)
    assert list(pyogrio.read_dataframe(dest, read_geometry=False)["id"]) == [BIG_ID]
    with atomic_output(dest, overwrite=True) as tmp:
        _write(_table(frame).slice(1, 1), tmp)
    assert list(pyogrio.read_dataframe(dest, read_geometry=False)["id"]) == [7]
    # another run put one there while this one wrote: not replaced, ours removed
    other = tmp_path / "other.gdb"
    shutil.copytree(dest, other)
    dest2 = tmp_path / "new.gdb"
    with pytest.raises(OutputError, match="appeared"), atomic_output(dest2) as tmp:
        _gdb_into(tmp, frame)
        shutil.copytree(other, dest2)
    assert list(pyogrio.read_dataframe(dest2, read_geometry=False)["id"]) == [7]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.gdb", "other.gdb", "out.gdb"]


def test_a_failed_write_leaves_the_old_gdb(gdb, tmp_path, frame):
    out = tmp_path / "out.gdb"
    shutil.copytree(gdb, out)
    with pytest.raises(RuntimeError), atomic_output(out, overwrite=True) as tmp:
        _gdb_into(tmp, frame)
        raise RuntimeError("disk full")
    assert len(pyogrio.read_dataframe(out)) == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_output_path_check_for_gdb_and_other_folders(tmp_path, gdb):
    check_output_path(gdb)                          # a File Geodatabase: may be replaced
    check_output_path(tmp_path / "new.gdb")         # not there yet
    (tmp_path / "plain.gdb").mkdir()
    (tmp_path / "plain.gdb" / "keep.txt").write_text("mine")
    (tmp_path / "file.gdb").write_text("x")
    os.mkfifo(tmp_path / "fifo.gdb")
    for name in ("plain.gdb", "file.gdb", "fifo.gdb"):
        with pytest.raises(InputError) as exc:
            check_output_path(tmp_path / name)
        assert exc.value.key == "output_not_gdb"
    res = _screen(gdb, "-o", tmp_path / "plain.gdb", "--overwrite")
    assert res.exit_code == 2 and "not a File Geodatabase" in res.output
    assert (tmp_path / "plain.gdb" / "keep.txt").read_text() == "mine"
    for name in ("dir.gpkg", "fifo.gpkg"):          # ordinary file outputs: as before
        (tmp_path / name).mkdir() if name == "dir.gpkg" else os.mkfifo(tmp_path / name)
        with pytest.raises(InputError) as exc:
            check_output_path(tmp_path / name)
        assert exc.value.key == "output_not_regular"


def test_input_folders_other_than_gdb_refused(tmp_path):
    (tmp_path / "plain").mkdir()
    res = _screen(tmp_path / "plain", "-o", tmp_path / "o.gpkg")
    assert res.exit_code == 2 and "is a directory" in res.output
    (tmp_path / "empty.gdb").mkdir()
    res = _screen(tmp_path / "empty.gdb", "-o", tmp_path / "o.gpkg")
    assert res.exit_code == 2 and "not a File Geodatabase" in res.output


def test_gdb_input_changing_while_read_is_noticed(gdb):
    fp = InputFingerprint(gdb)
    fp.check()                                      # reading does not change it
    pyogrio.read_dataframe(gdb)
    fp.check()
    with open(gdb / "a00000001.gdbtable", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(InputError) as exc:
        fp.check()
    assert exc.value.key == "input_changed"
    fp = InputFingerprint(gdb)
    (gdb / "a0000000f.gdbtable").write_bytes(b"")  # a table added
    with pytest.raises(InputError):
        fp.check()


def test_check_and_map_read_a_gdb(gdb, tmp_path, frame):
    one = _write(_table(frame).slice(0, 1), tmp_path / "one.gdb")    # D = 300 m
    res = CliRunner().invoke(main, ["check", "--footprint", str(one), "--height", "31", "--json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    assert got["verdict"] == "fail" and got["max_height_m"] == pytest.approx(30.0, abs=1e-3)
    out = tmp_path / "s.gdb"
    assert _screen(gdb, "-o", out).exit_code == 0
    res = CliRunner().invoke(main, ["map", "--parcels", str(out), "-o", str(tmp_path / "m.html")])
    assert res.exit_code == 0, res.output
    assert "3 parcels" in res.output
    res = CliRunner().invoke(main, ["map", "--parcels", str(gdb), "-o", str(gdb / "m.html")])
    assert res.exit_code == 3                                # never written into an input .gdb


def test_names_the_gdb_changes_are_in_the_summary_not_warnings(tmp_path, frame):
    src = _write(_table(frame, {"建筑 高度": [31.0, 20.0, 3.5], "select": [1, 2, 3]}), tmp_path / "in.gpkg")
    out, report = tmp_path / "out.gdb", tmp_path / "r.json"
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "建筑 高度",
                                    "--report", str(report)])
    assert res.exit_code == 0, res.output
    assert "建筑 高度 → 建筑_高度" in res.output and "select → select_" in res.output
    assert "RuntimeWarning" not in res.output
    assert json.loads(report.read_text())["renamed_fields"] == {"建筑 高度": "建筑_高度", "select": "select_"}
    df = pyogrio.read_dataframe(out, read_geometry=False).set_index("id")
    assert df.loc[BIG_ID, "建筑_高度"] == 31.0 and df.loc[BIG_ID, "gz_verdict"] == "fail"


def test_fallback_commit_that_fails_puts_the_old_gdb_back(gdb, tmp_path, frame, monkeypatch):
    monkeypatch.setattr(atomic_mod, "_renameat2", lambda *a: False)   # no exchange: rename aside, rename in
    out = tmp_path / "out.gdb"
    shutil.copytree(gdb, out)
    real = os.rename

    def rename(src, dst):
        if Path(dst) == out and Path(src).name == "out.gdb":   # the new one moving in
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OutputError, match="Permission denied"), atomic_output(out, overwrite=True) as tmp:
        _gdb_into(tmp, frame)
    assert len(pyogrio.read_dataframe(out)) == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
