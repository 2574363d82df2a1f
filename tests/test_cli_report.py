"""`geozones report`: one assessment report from the command line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import square_north, to_wgs84

from geozones.cli import main


@pytest.fixture(scope="module")
def proposal(frame):
    return to_wgs84(frame, square_north(200.0))


def test_cli_report(tmp_path, proposal):
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["report", "--footprint", proposal.wkt, "--height", "25", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "height_ratio" in out.read_text(encoding="utf-8")
    r = CliRunner().invoke(main, ["report", "--footprint", proposal.wkt, "-o", str(tmp_path / "r.odt")])
    assert r.exit_code == 3 and ".pdf" in r.output and "Traceback" not in r.output


def test_report_says_when_proj_has_no_datum_shift(tmp_path, station):
    """Xian 1980 (EPSG:2361): PROJ has only a ballpark at Jiangxian; the report's
    assumptions say so, as check does (issue 23, item 2)."""
    from geometries import X80_EPSG, datum_shed

    shed, _d = datum_shed(X80_EPSG, station.longitude_deg, station.latitude_deg)
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["report", "--footprint", shed.wkt, "--height", "3", "--crs", X80_EPSG,
                                  "-o", str(out)])
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert "EPSG:2361 is on the Xian 1980 datum, and PROJ knows no transformation" in page


@pytest.mark.parametrize("ext", ["gpkg", "parquet"])
def test_report_footprint_file_with_clashing_column_names(tmp_path, ext):
    # a footprint file whose attributes are named geometry and GZ_VERDICT: read, reported
    from conftest import write_table

    path = write_table(tmp_path / f"f.{ext}", {"id": ["a", "b"], "geometry": ["g", "h"], "GZ_VERDICT": ["v", "w"]})
    out = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["report", "--footprint", str(path), "--height", "10", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 0


def test_report_says_a_likely_gaode_mistake_near_the_top(tmp_path):
    """Issue 25: the README's footprint copied from Gaode, no --crs: the report says, before
    its first section, both answers (PASS at 857.25 m under 75 m as read; under GCJ-02 PASS
    at 336.82 m under 29.47 m, H ≤ D·tan 5° both); any --crs silences it."""
    from conftest import TAN5
    from geometries import gaode_site

    numbers, d_true, _, d_read, _ = gaode_site()
    out = tmp_path / "r.html"
    args = ["report", "--footprint", numbers.wkt, "--height", "10", "-o", str(out)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    top = page[page.index("<body>"):page.index("<h2>1.")]
    assert "class='warn'" in top and "CHECK THE COORDINATES" in top and "Read as GCJ-02" in top
    for d in (d_read, d_true):
        assert f"PASS at {d:,.2f} m" in top
    assert f"{d_true * TAN5:.2f} m" in top and "(permitted height 75 m)" in top
    r = CliRunner().invoke(main, [*args, "--crs", "EPSG:4326"])
    assert r.exit_code == 0 and "CHECK THE COORDINATES" not in out.read_text(encoding="utf-8")
