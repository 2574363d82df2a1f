"""``geozones ledger``: add (from the proposal options, a check's JSON, a report, a screened row), list
(table, --json, --lang zh, --history), remove, export; exit codes and one-line errors."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from click.testing import CliRunner
from conftest import east, read_output, square_north, to_wgs84
from pg import postgis_uri  # noqa: F401  (the fixture)

from geozones import ledger as L
from geozones.cli import main
from geozones.cli.ledger import _DECISIONS


def _run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


@pytest.fixture
def wkt(frame):
    return to_wgs84(frame, square_north(300.0)).wkt


def test_the_cli_takes_the_librarys_decisions():
    assert _DECISIONS == L.DECISIONS


def test_add_list_remove_history_export(tmp_path, frame, wkt):
    led = tmp_path / "l.gpkg"
    res = _run("ledger", "add", "--ledger", led, "--footprint", wkt, "--height", 25, "--decision", "pending",
               "--date", "2026-03-01", "--doc-no", "绛气函〔2026〕3号", "--by", "王工", "--note", "待审")
    assert res.exit_code == 0 and res.output == f"{led}: entry 1 added (pending, station jiangxian)\n", res.output
    res = _run("ledger", "add", "--ledger", led, "--footprint", wkt, "--height", 25, "--decision", "approved",
               "--supersedes", 1)
    assert res.exit_code == 0, res.output
    res = _run("ledger", "list", "--ledger", led, "--json")
    rows = json.loads(res.output)
    # 300 m north: permitted 30 m; today's date by default; the OS user by default
    assert [(r["id"], r["decision"], r["supersedes"], r["distance_m"], r["max_height_m"]) for r in rows] == \
        [(2, "approved", 1, 300.0, 30.0)]
    assert rows[0]["decision_date"] and rows[0]["recorded_by"] == L.default_user()
    table = _run("ledger", "list", "--ledger", led, "--history").output.splitlines()
    assert table[0].split()[:3] == ["id", "decision", "date"] and len(table) == 3
    assert table[1].split()[:4] == ["1", "pending", "2026-03-01", "绛气函〔2026〕3号"] and "待审" in table[1]
    zh = _run("ledger", "list", "--ledger", led, "--lang", "zh").output.splitlines()
    assert zh[0].split()[:3] == ["编号", "决定", "日期"] and zh[1].split()[:2] == ["2", "批准"]
    assert "建设控制地带" in zh[1]
    res = _run("ledger", "remove", 2, "--ledger", led, "--reason", "permit withdrawn", "--by", "李工")
    assert res.exit_code == 0 and res.output == f"{led}: entry 2 removed (tombstone entry 3)\n"
    assert _run("ledger", "list", "--ledger", led).output == f"no entries for station jiangxian in {led}\n"
    res = _run("ledger", "export", "--ledger", led, "-o", tmp_path / "h.geojson", "--history")
    assert res.exit_code == 0 and res.output.endswith(": 3 entries\n")
    gdf = read_output(tmp_path / "h.geojson")
    assert gdf["decision"].tolist() == ["pending", "approved", "removed"] and gdf["note"][2] == "permit withdrawn"
    assert gdf.crs.to_epsg() == 4326 and gdf.geometry[0].equals_exact(gpd.GeoSeries.from_wkt([wkt])[0], 1e-9)
    res = _run("ledger", "export", "--ledger", led, "-o", tmp_path / "now.gpkg")
    assert res.exit_code == 0 and res.output.endswith(": 0 entries\n")


def test_add_from_check_json_and_from_a_screened_row(tmp_path, frame, wkt):
    led = tmp_path / "l.gpkg"
    res = _run("check", "--footprint", wkt, "--height", 31, "--json")
    (tmp_path / "c.json").write_text(res.output, encoding="utf-8")
    res = _run("ledger", "add", "--ledger", led, "--from-json", tmp_path / "c.json", "--decision", "refused")
    assert res.exit_code == 0, res.output
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame({"h": [5.0, 9.0]}, geometry=[to_wgs84(frame, east(100.0).buffer(3.0)),
                                                  to_wgs84(frame, east(200.0))], crs="EPSG:4326").to_file(src)
    assert _run("screen", src, "-o", tmp_path / "s.gpkg", "--height-field", "h", "-q").exit_code == 0
    res = _run("ledger", "add", "--ledger", led, "--from-screen", tmp_path / "s.gpkg", "--row", 2,
               "--decision", "approved", "--kind", "structure")
    assert res.exit_code == 0, res.output
    rows = json.loads(_run("ledger", "list", "--ledger", led, "--json").output)
    # the JSON: 31 m at D = 300 m against 30 m; row 2: D = 200 m east, sunrise sector,
    # 200 × tan 5° = 17.50 m permitted, 9 m passes
    assert [(r["verdict"], r["distance_m"], r["max_height_m"], r["height_m"], r["kind"]) for r in rows] == \
        [("fail", 300.0, 30.0, 31.0, "building"), ("pass", 200.0, 17.498, 9.0, "structure")]
    res = _run("ledger", "add", "--ledger", led, "--from-screen", tmp_path / "s.gpkg", "--row", 3,
               "--decision", "approved")
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "has no row 3 (it has 2)" in res.output


@pytest.fixture(scope="module")
def from_json_entry(tmp_path_factory, frame):
    """The entry ``ledger add --from-json`` makes of ``check --json`` for the square 300 m north
    at 31 m, and that JSON's text."""
    tmp = tmp_path_factory.mktemp("json")
    wkt = to_wgs84(frame, square_north(300.0)).wkt
    text = _run("check", "--footprint", wkt, "--height", 31, "--json").output
    (tmp / "c.json").write_text(text, encoding="utf-8")
    res = _run("ledger", "add", "--ledger", tmp / "l.gpkg", "--from-json", tmp / "c.json", "--decision", "refused")
    assert res.exit_code == 0, res.output
    return json.loads(_run("ledger", "list", "--ledger", tmp / "l.gpkg", "--json").output)[0], text


@pytest.mark.parametrize("name, particulars", [
    ("a.html", []), ("a.pdf", []),                                    # the assessment
    ("r.html", ["--project-name", "</script><!-- 楼"]),               # the review opinion, its
    ("r.pdf", ["--project-name", "</script><!-- 楼"]),                # particulars with a
    ("r.docx", ["--project-name", "</script><!-- 楼"]),               # script-closing string
])
def test_add_from_a_report_as_from_its_check_json(tmp_path, wkt, from_json_entry, name, particulars):
    # the square 300 m north, 31 m high: D = 300 m, permitted 300/10 = 30 m, fail by 1 m; the
    # report (HTML: a script element; PDF: an embedded file; Word: a custom XML part) carries
    # check --json's text and gives the entry --from-json gives
    report = tmp_path / name
    res = _run("report", "--footprint", wkt, "--height", 31, "-o", report, *particulars)
    assert res.exit_code == 0, res.output
    res = _run("ledger", "add", "--ledger", tmp_path / "l.gpkg", "--from-report", report, "--decision", "refused")
    assert res.exit_code == 0, res.output
    a = json.loads(_run("ledger", "list", "--ledger", tmp_path / "l.gpkg", "--json").output)[0]
    b, text = from_json_entry
    keys = ("verdict", "zone", "distance_m", "max_height_m", "height_m", "kind", "footprint")
    assert [a[k] for k in keys] == [b[k] for k in keys]
    assert (a["verdict"], a["zone"], a["distance_m"], a["max_height_m"], a["height_m"]) == \
        ("fail", "control", 300.0, 30.0, 31.0)
    assert a["source"] == f"report {report}"
    if name.endswith(".pdf"):   # the embedded file is check --json's very text
        import pypdf

        assert pypdf.PdfReader(report).attachments["geozones-check.json"][0].decode() == text.rstrip("\n")
    if name.endswith(".html"):  # one script element, whole: the field did not end it
        page = report.read_text(encoding="utf-8")
        assert page.count('<script type="application/json" id="geozones-check">') == 1
        assert "</script><!--" not in page


def test_a_report_without_check_data_is_refused_in_one_line(tmp_path, wkt):
    old = tmp_path / "old.html"   # a page made before reports carried the data
    old.write_text("<!DOCTYPE html><html><body><h1>geozones</h1></body></html>", encoding="utf-8")
    bare = tmp_path / "bare.pdf"  # a PDF without the embedded file
    import weasyprint

    weasyprint.HTML(string="<p>geozones</p>").write_pdf(bare)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    for src, words in ((old, "carries no check data"), (bare, "carries no check data"),
                       (tmp_path / "broken.pdf", "cannot read the report"), (tmp_path / "none.pdf", "does not exist")):
        res = _run("ledger", "add", "--ledger", tmp_path / "l.gpkg", "--from-report", src, "--decision", "approved")
        assert res.exit_code == 2 and res.output.count("\n") == 1 and words in res.output, res.output
    res = _run("ledger", "add", "--ledger", tmp_path / "l.gpkg", "--from-report", old, "--footprint", wkt,
               "--height", 20, "--decision", "approved")   # two sources
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "--from-report FILE" in res.output, res.output
    assert not (tmp_path / "l.gpkg").exists()


def test_a_drawings_report_is_refused_as_its_check_json(tmp_path, frame):
    # two buildings drawn in CGCS2000 / 3-degree GK (EPSG:4546): the assessment and the opinion
    # carry the drawing's check (several proposals), which --from-json refuses too
    ezdxf = pytest.importorskip("ezdxf")
    import numpy as np
    from pyproj import CRS

    from geozones.core.coords import from_frame

    doc = ezdxf.new("R2010")
    for d in (150.0, 300.0):
        g = from_frame(np.array([square_north(d)], dtype=object), frame.crs, CRS.from_epsg(4546))[0]
        doc.modelspace().add_lwpolyline(list(g.exterior.coords)[:-1], close=True, dxfattribs={"layer": "建筑"})
    doc.saveas(tmp_path / "site.dxf")
    for name in ("a.html", "o.docx"):
        res = _run("report", "--footprint", tmp_path / "site.dxf", "--crs", "EPSG:4546", "--height", 20,
                   "-o", tmp_path / name)
        assert res.exit_code == 0, res.output
        res = _run("ledger", "add", "--ledger", tmp_path / "l.gpkg", "--from-report", tmp_path / name,
                   "--decision", "approved")
        assert res.exit_code == 2 and res.output.count("\n") == 1 and "is a drawing's check" in res.output, res.output


def test_the_check_data_element_survives_any_field():
    # JSON text with every character that could end or open an element inside a <script>
    from html.parser import HTMLParser

    from geozones.assessment_report import check_data, check_data_element

    value = {"note": "</script><script>alert(1)</script><!-- & \u2028 ]]>", "n": 1}
    page = f"<html><head>{check_data_element(json.dumps(value, ensure_ascii=False))}</head><body>x</body></html>"
    seen: list[str] = []

    class P(HTMLParser):
        def handle_data(self, data):
            seen.append(data)

    P().feed(page)
    assert json.loads(seen[0]) == value and seen[1] == "x"   # one script's data, then the body
    assert json.loads(check_data(page, "p.html")) == value


@pytest.mark.parametrize("args, code, words", [
    (["list", "--ledger", "{tmp}/none.gpkg"], 2, "does not exist"),
    (["list"], 2, "GEOZONES_LEDGER"),
    (["list", "--ledger", "{tmp}/l.shp"], 2, "GeoPackage (.gpkg) or a PostGIS table"),
    (["add", "--ledger", "{tmp}/l.gpkg", "--decision", "approved"], 2, "exactly one of"),
    (["add", "--ledger", "{tmp}/l.gpkg", "--decision", "approved", "--footprint", "{wkt}", "--row", "1"], 2,
     "exactly one of"),
    (["add", "--ledger", "{tmp}/l.gpkg", "--decision", "approved", "--footprint", "{wkt}"], 2, "no height"),
    (["add", "--ledger", "{tmp}/l.gpkg", "--decision", "approved", "--footprint", "{wkt}", "--height", "3",
      "--date", "next week"], 2, "is not a date"),
    (["add", "--ledger", "{tmp}/l.gpkg", "--decision", "approved", "--footprint", "{wkt}", "--height", "3",
      "--supersedes", "7"], 2, "has no entry 7"),
    (["add", "--ledger", "{tmp}/l.gpkg", "--decision", "approved", "--from-json", "{tmp}/no.json"], 2, "does not exist"),
    (["remove", "5", "--ledger", "{tmp}/l.gpkg", "--reason", "x"], 2, "does not exist"),
    (["add", "--ledger", "{tmp}/l.gpkg", "--decision", "approved", "--from-screen", "{tmp}/s.gpkg", "--row", "1",
      "--height", "9"], 2, "--height goes with --footprint"),
])
def test_bad_input_is_one_line_and_an_exit_code(tmp_path, wkt, args, code, words):
    res = _run("ledger", *[a.format(tmp=tmp_path, wkt=wkt) for a in args], env={"GEOZONES_LEDGER": None})
    assert res.exit_code == code and words in res.output and res.output.count("\n") == 1, res.output
    assert "Traceback" not in res.output


def test_the_ledger_from_the_environment_and_errors_in_chinese(tmp_path, wkt, monkeypatch):
    led = tmp_path / "env.gpkg"
    res = _run("ledger", "add", "--footprint", wkt, "--height", 3, "--decision", "refused",
               env={"GEOZONES_LEDGER": str(led)})
    assert res.exit_code == 0 and led.exists()
    res = _run("ledger", "remove", 9, "--reason", "x", "--lang", "zh", env={"GEOZONES_LEDGER": str(led)})
    assert res.exit_code == 2 and res.output == f"错误: 台账 {led} 中没有条目 9：请查看 geozones ledger list --history\n"


def test_another_stations_check_is_refused(tmp_path, wkt):
    data = {"verdict": "pass", "zone": "control", "station": "53959", "footprint": wkt, "height_m": 3}
    (tmp_path / "c.json").write_text(json.dumps(data), encoding="utf-8")
    res = _run("ledger", "add", "--ledger", tmp_path / "l.gpkg", "--from-json", tmp_path / "c.json",
               "--decision", "approved")
    assert res.exit_code == 2 and "station 53959, not jiangxian" in res.output


def test_export_never_writes_over_the_ledger(tmp_path, wkt):
    led = tmp_path / "l.gpkg"
    assert _run("ledger", "add", "--ledger", led, "--footprint", wkt, "--height", 3, "--decision",
                "approved").exit_code == 0
    before = led.read_bytes()
    res = _run("ledger", "export", "--ledger", led, "-o", led, "--overwrite")
    assert res.exit_code != 0 and led.read_bytes() == before


def test_export_to_postgis_and_a_postgis_ledger_from_the_cli(postgis_uri, tmp_path, wkt):  # noqa: F811
    uri = f"{postgis_uri}&table=public.cli_ledger"
    res = _run("ledger", "add", "--ledger", uri, "--footprint", wkt, "--height", 12, "--decision", "approved")
    assert res.exit_code == 0, res.output
    res = _run("ledger", "export", "--ledger", uri, "-o", f"{postgis_uri}&table=public.cli_export")
    assert res.exit_code == 0 and res.output.endswith(": 1 entries\n"), res.output
    from geozones.io.postgis import read_table

    gdf, _crs = read_table(f"{postgis_uri}&table=public.cli_export")
    assert gdf["height_m"].tolist() == [12.0] and gdf["distance_m"].tolist() == [300.0]
    res = _run("ledger", "export", "--ledger", uri, "-o", uri, "--overwrite")
    assert res.exit_code == 2 and "is the input" in res.output
