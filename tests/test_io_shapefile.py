"""Shapefiles as bureaus hold them (issue 24 item 5): a GBK/GB18030 ``.dbf`` read right
whatever its ``.cpg`` says (``936`` as ArcGIS writes it, ``GBK``, ``GB18030``, none) and
whatever its header's language-driver byte; a screened shapefile's field names fit the
DBF's 10 bytes without colliding with ours or each other, ignoring case. Every file is read
back from its bytes: the ``.dbf``'s field descriptors decoded here by hand, its values by
pyogrio, the ``.cpg`` as text."""

import struct

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geozones.check import ZoneSet
from geozones.io import open_reader, read_vector
from geozones.io.vector import shapefile_encoding, sniff_shapefile_encoding
from geozones.screen import SHAPEFILE_NAMES, ScreenOptions, screen_file

#: Text whose GBK/GB18030 bytes are not UTF-8; '㐀' (U+3400, CJK Extension A) is in
#: GB18030 only (4 bytes: 81 39 EF 30), not in GBK/CP936.
NAMES = ["住宅", "绛县气象站", "㐀楼"]


def _polygons(n):
    x0, y0 = 111.57, 35.50
    return [shapely.box(x0 + i * 1e-3, y0, x0 + i * 1e-3 + 5e-4, y0 + 5e-4) for i in range(n)]


def _gb_shapefile(path, cpg, ldid):
    """A shapefile whose .dbf holds NAMES in GB18030 bytes, with ``cpg`` (None: no .cpg)
    and language-driver byte ``ldid`` (DBF header byte 29)."""
    gdf = gpd.GeoDataFrame({"name": NAMES, "h": [3.0, 6.0, 9.0]}, geometry=_polygons(3), crs=4326)
    pyogrio.write_dataframe(gdf, path, encoding="GB18030")
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    assert "㐀楼".encode("gb18030") in data and "住宅".encode() not in data   # GB bytes, not UTF-8
    data[29] = ldid
    dbf.write_bytes(bytes(data))
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    return path


def _dbf_field_names(dbf) -> list[str]:
    """The field names as the .dbf's descriptors hold them (32 bytes each from byte 32, the
    name in the first 11, NUL-padded), decoded as UTF-8 here, not by GDAL."""
    data = dbf.read_bytes()
    header_len = struct.unpack_from("<H", data, 8)[0]
    return [data[i:i + 11].split(b"\x00")[0].decode("utf-8") for i in range(32, header_len - 1, 32)]


@pytest.mark.parametrize("cpg", ["936", "GBK", "GB18030", "CP936", "gb2312", None])
@pytest.mark.parametrize("ldid", [0x00, 0x4D, 0x7A])
def test_gb_text_reads_right_whatever_the_cpg_and_header_say(tmp_path, cpg, ldid):
    # GDAL alone reads a .cpg of 936 as CP936, which has no '㐀' (it gives '99楼'); pyogrio
    # given "936" has no such codec. Every name of the family is read as GB18030.
    shp = _gb_shapefile(tmp_path / "p.shp", cpg, ldid)
    assert sniff_shapefile_encoding(shp)[0] == "GB18030"
    src = open_reader(shp, chunk_size=2)
    assert [v for df, _g, _r in src.chunks() for v in df["name"]] == NAMES
    assert src.encoding == "GB18030"
    assert list(read_vector(shp)[0]["name"]) == NAMES      # map --parcels, report, check --footprint-file


@pytest.mark.parametrize("given", ["GBK", "936", "cp936", "GB18030"])
def test_encoding_given_as_a_gb_name_reads_gb18030(tmp_path, given):
    shp = _gb_shapefile(tmp_path / "p.shp", None, 0)
    src = open_reader(shp, encoding=given)
    assert [v for df, _g, _r in src.chunks() for v in df["name"]] == NAMES
    assert src.encoding == "GB18030"


def test_encoding_names_hand_worked():
    assert [shapefile_encoding(n) for n in ("936", "GBK", "gb2312", "CP936", "54936", "EUC-CN")] == ["GB18030"] * 6
    assert [shapefile_encoding(n) for n in ("UTF-8", "utf8", "65001")] == ["UTF-8"] * 3
    assert shapefile_encoding("8859_1") == "ISO-8859-1" and shapefile_encoding("ANSI 1252") == "CP1252"
    assert shapefile_encoding("950") == "CP950" and shapefile_encoding("big5") == "big5"
    assert shapefile_encoding("klingon") is None


def test_unknown_cpg_is_passed_over_and_said(tmp_path):
    shp = _gb_shapefile(tmp_path / "p.shp", "klingon", 0)
    assert sniff_shapefile_encoding(shp) == ("GB18030", "decodes as GB18030; .cpg 'klingon' unknown")


def test_screened_gb_shapefile_written_in_utf8(tmp_path):
    shp = _gb_shapefile(tmp_path / "p.shp", "936", 0x4D)
    out = tmp_path / "o.shp"
    s = screen_file(shp, out, zones=ZoneSet(), opts=ScreenOptions(height_field="h"))
    assert s.encoding == "GB18030 (.cpg 936)"
    assert out.with_suffix(".cpg").read_text() == "UTF-8"
    assert "㐀楼".encode() in out.with_suffix(".dbf").read_bytes()
    back = pyogrio.read_dataframe(out)
    assert list(back["name"]) == NAMES and list(back["h"]) == [3.0, 6.0, 9.0]


def test_output_field_names_fit_10_bytes_and_never_collide(tmp_path):
    """Input columns named like ours in either case, a name already equal to what a cut
    would give, and Chinese names longer than 10 UTF-8 bytes (3 bytes a character), worked
    by hand (geozones.io.names: names kept as they are first, then the rest in order, each
    cut at a character boundary and given ``_1``, ``_2`` … until unique ignoring case):

    * ``src_GZ_VER`` (10 bytes) is kept;
    * ``GZ_VERDICT`` is ours in capitals: ``src_GZ_VERDICT`` cut to ``src_GZ_VER``, taken
      by the column above, so ``src_GZ_V`` + ``_1``;
    * ``gz_verdict``: ``src_gz_ver`` and ``src_gz_v_1`` are taken (case ignored): ``src_gz_v_2``;
    * ``gz_dist_m`` is our short name for ``gz_distance_m``: ``src_gz_dist_m`` → ``src_gz_dis``;
    * ``建筑物高度米`` (18 bytes) → ``建筑物`` (9 bytes: a 4th character would make 12);
    * ``建筑物高度`` (15 bytes) → ``建筑物`` is taken: 8 bytes left before ``_1``, ``建筑`` + ``_1``;
    * ``地块名称`` (12 bytes) → ``地块名``; ``HEIGHT`` stays.
    """
    cols = ["src_GZ_VER", "GZ_VERDICT", "gz_verdict", "gz_dist_m", "建筑物高度米", "建筑物高度", "地块名称", "HEIGHT"]
    want = {"GZ_VERDICT": "src_GZ_V_1", "gz_verdict": "src_gz_v_2", "gz_dist_m": "src_gz_dis",
            "建筑物高度米": "建筑物", "建筑物高度": "建筑_1", "地块名称": "地块名"}
    n = 3
    data = {c: [f"{c}-{i}" for i in range(n)] for c in cols}
    data["HEIGHT"] = [3.0, 6.0, 9.0]
    src = tmp_path / "in.parquet"   # holds names equal but for case, as a shapefile cannot
    gpd.GeoDataFrame(data, geometry=_polygons(n), crs=4326).to_parquet(src)
    out = tmp_path / "o.shp"
    s = screen_file(src, out, zones=ZoneSet(), opts=ScreenOptions(height_field="HEIGHT"))
    assert s.renamed == want
    ours = [SHAPEFILE_NAMES[c] for c in ("gz_verdict", "gz_zone", "gz_distance_m", "gz_max_height_m",
                                         "gz_height_m", "gz_exceedance_m", "gz_in_pilot", "gz_storeys",
                                         "gz_rules", "gz_message", "gz_sun_blocked_min", "gz_sunshine_loss_h",
                                         "gz_sun_worst_month", "gz_status")]
    names = _dbf_field_names(out.with_suffix(".dbf"))
    assert names == [want.get(c, c) for c in cols] + ours
    assert all(len(nm.encode("utf-8")) <= 10 for nm in names)
    assert len({nm.lower() for nm in names}) == len(names)
    assert out.with_suffix(".cpg").read_text() == "UTF-8"
    back = pyogrio.read_dataframe(out)
    assert list(back.columns) == [*names, "geometry"]
    for c in cols:
        got = back[want.get(c, c)]
        assert list(got) == data[c], c        # each value under its own column
    assert list(back["gz_verdict"]) == ["pass"] * n
    assert np.isfinite(back["gz_dist_m"]).all()


def test_text_longer_than_a_dbf_field_cut_at_a_character(tmp_path, recwarn):
    # 127 characters fill a GBK field (254 bytes) but take 381 bytes in UTF-8: cut to the 84
    # whole characters (252 bytes) that fit; 300 ASCII letters to 254; no GDAL warning
    gdf = gpd.GeoDataFrame({"note": ["甲" * 127, "x" * 300, "短"]}, geometry=_polygons(3), crs=4326)
    shp = tmp_path / "p.shp"
    pyogrio.write_dataframe(gdf.iloc[[0, 2]], shp, encoding="GB18030")
    src = tmp_path / "p.parquet"
    gdf.to_parquet(src)
    for given, want in ((shp, ["甲" * 84, "短"]), (src, ["甲" * 84, "x" * 254, "短"])):
        out = tmp_path / f"o_{given.suffix[1:]}.shp"
        screen_file(given, out, zones=ZoneSet(), opts=ScreenOptions(default_height_m=3.0))
        assert list(pyogrio.read_dataframe(out)["note"]) == want
    assert not [w for w in recwarn if "truncated" in str(w.message)]


def test_map_reads_a_gb_shapefile_as_screen_does(tmp_path):
    from geozones.maps import read_parcels

    shp = _gb_shapefile(tmp_path / "p.shp", "936", 0)
    assert list(read_parcels(shp)["name"]) == NAMES
