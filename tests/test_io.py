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
