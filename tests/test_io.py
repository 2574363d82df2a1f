"""Reading inputs (geozones/io.py): the shapefile encoding decided from the whole .dbf."""

import geopandas as gpd
import shapely
from conftest import read_output

from geozones.check import ZoneSet
from geozones.io import sniff_shapefile_encoding
from geozones.screen import ScreenOptions, screen_file


def test_gbk_after_the_first_megabyte(tmp_path):
    n = 12_000                      # 12,000 rows × 100 bytes: the Chinese starts past 1 MB
    names = ["x" * 90] * n + ["北侧住宅", "东侧塔"]
    geoms = [shapely.Point(111.575 + i * 1e-7, 35.51) for i in range(len(names))]
    path = tmp_path / "late.shp"
    gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=4326).to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0                     # no language driver id either
    dbf.write_bytes(bytes(data))
    header = int.from_bytes(data[8:10], "little")
    assert bytes(data[header: 1 << 20]).isascii()    # the first megabyte of records is ASCII
    assert sniff_shapefile_encoding(path)[0] == "GB18030"
    out = tmp_path / "o.gpkg"
    s = screen_file(path, out, zones=ZoneSet(), opts=ScreenOptions(default_height_m=1.0), chunk_size=5000)
    got = read_output(out)
    assert s.rows == len(got) == len(names)
    assert list(got["name"][-2:]) == ["北侧住宅", "东侧塔"]


def test_output_names_hand_worked():
    # the one decision of an output's column names (geozones.io.names), worked out by hand
    from geozones.io import output_names

    cols = ["id", "geometry", "GEOMETRY_x", "Fid", "GZ_VERDICT", "gz_note", "Height", "HEIGHT", "src_geometry"]
    got = output_names(cols, "GPKG", ours=["gz_verdict", "gz_status"], reserved_ours=["gz_dist_m"])
    # reserved or ours in any case: src_<name>, made unique past an input's own src_geometry;
    # a name equal to another but for case: _1; anything else (gz_note, GEOMETRY_x) kept
    assert got.renamed == {"geometry": "src_geometry_1", "Fid": "src_Fid", "GZ_VERDICT": "src_GZ_VERDICT",
                           "HEIGHT": "HEIGHT_1"}
    assert got.ours == {} and got.dropped == ()
    # a shapefile: 10 bytes, cut at a character boundary, ours under their short names
    shp = output_names(["建筑物高度", "gz_verdict_old", "GZ_STATUS", "abcdefghijk", "abcdefghijz"], "ESRI Shapefile",
                       ours=["gz_verdict", "gz_status", "gz_distance_m"], short={"gz_distance_m": "gz_dist_m"})
    assert shp.ours == {"gz_distance_m": "gz_dist_m"}
    assert shp.renamed == {"建筑物高度": "建筑物",            # 15 bytes: three characters (9 bytes)
                           "gz_verdict_old": "gz_verdi_1",   # cuts to gz_verdict: ours
                           "GZ_STATUS": "src_GZ_STA",        # ours in capitals, then cut
                           "abcdefghijk": "abcdefghij",      # the first of two that cut alike
                           "abcdefghijz": "abcdefgh_1"}
    assert all(len(n.encode()) <= 10 for n in shp.renamed.values())
    # replaced columns are dropped, not renamed
    assert output_names(["gz_verdict", "x"], "GPKG", ours=["gz_verdict"], drop=["gz_verdict"]).dropped == ("gz_verdict",)
