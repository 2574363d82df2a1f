"""`geozones horizon`: the horizon diagram from buildings and a DEM, its refusals."""

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import CRS

from geozones.cli import main
from geozones.core.coords import from_frame


def _gdf(frame, geoms, **cols):
    out = from_frame(np.array(geoms, dtype=object), frame.crs, CRS.from_epsg(4546))
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(out, crs=4546), crs=4546)


def test_dem_vector_and_buildings_without_height_say_what_to_do(tmp_path, frame):
    site = tmp_path / "site.geojson"
    _gdf(frame, [shapely.box(-5, 300, 5, 310)]).to_file(site)
    res = CliRunner().invoke(main, ["check", "--footprint", "POINT (111.5745 35.5054)", "--height", "10",
                                    "--dem", str(site)])
    assert res.exit_code == 2 and "--dem takes a GeoTIFF" in res.output and "GeoJSON/GPKG" not in res.output
    b = tmp_path / "b.gpkg"
    _gdf(frame, [shapely.box(-5, 300, 5, 310)], name=["a"]).to_file(b)
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(b), "-o", str(tmp_path / "h.png")])
    assert res.exit_code == 2, res.output
    for word in ("--height-field", "gz_height_m, height, HEIGHT, 高度", "name"):
        assert word in res.output, res.output
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(b), "--height-field", "h",
                                    "-o", str(tmp_path / "h.png")])
    assert res.exit_code == 2 and "no column 'h'" in res.output


def _wgs(frame, geom):
    return from_frame(np.array([geom], dtype=object), frame.crs, CRS.from_epsg(4326))[0]


def test_cli_horizon(tmp_path, frame):
    import geopandas as gpd

    b = gpd.GeoDataFrame({"id": ["tower"], "height": [30.0]},
                         geometry=[_wgs(frame, shapely.box(200, -10, 220, 10))], crs=4326)
    path = tmp_path / "b.gpkg"
    b.to_file(path)
    out, csv = tmp_path / "h.png", tmp_path / "h.csv"
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(path), "-o", str(out), "--csv", str(csv)])
    assert res.exit_code == 0, res.output
    # 30 m at 200 m east (in the sunrise sector): atan(30/200) = 8.53° > 5° at 88°-92°
    assert "88°" in res.output and "90°" in res.output and out.stat().st_size > 10_000
    import pandas as pd

    df = pd.read_csv(csv)
    assert len(df) == 360 and df.loc[90, "elevation_deg"] == pytest.approx(math.degrees(math.atan(30 / 200)), abs=1e-3)
    svg = tmp_path / "h.svg"
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(path), "-o", str(svg), "--lang", "zh"])
    assert res.exit_code == 0 and svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert "日出/日落方向超过 5° 的方位" in res.output
    from matplotlib import font_manager

    from geozones.horizon import CJK_FONTS

    has_cjk = any(f.name in CJK_FONTS for f in font_manager.fontManager.ttflist)
    assert ("未找到中文字体" in res.stderr) == (not has_cjk)
    res = CliRunner().invoke(main, ["horizon", "-o", str(tmp_path / "x.png")])
    assert res.exit_code == 2 and "nothing to draw" in res.output
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(path), "-o", str(tmp_path / "x.jpg")])
    assert res.exit_code == 3 and ".png, .svg" in res.output


def test_csv_dash_prints_the_profile_on_standard_output(tmp_path, frame):
    """`--csv -`: the profile on standard output (360 rows), the summary lines on standard
    error. 30 m at 200 m east: atan(30 / 200) = 8.531° at 90°."""
    import io

    import geopandas as gpd
    import pandas as pd

    path = tmp_path / "b.gpkg"
    gpd.GeoDataFrame({"height": [30.0]}, geometry=[_wgs(frame, shapely.box(200, -10, 220, 10))], crs=4326).to_file(path)
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(path), "-o", str(tmp_path / "h.png"), "--csv", "-"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout))
    assert len(df) == 360 and df.loc[90, "elevation_deg"] == pytest.approx(math.degrees(math.atan(30 / 200)), abs=1e-3)
    assert "90°" in res.stderr and not (tmp_path / "-").exists()
