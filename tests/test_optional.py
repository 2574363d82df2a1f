"""The heavy optional parts (weasyprint, matplotlib, ezdxf, dask, psycopg, openpyxl) are imported only where used;
a missing one is a one-line error naming the extra to install, exit code 2 (issue 22, item 9)."""

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from geozones._optional import EXTRAS, require
from geozones.cli import main
from geozones.errors import GeozonesError, MissingExtraError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "parcels.gpkg"
POINT = "POINT (111.5745 35.5054)"


def _missing(monkeypatch, *packages: str) -> None:
    """Make ``packages`` (and every submodule already loaded) fail to import, as if not installed."""
    for name in list(sys.modules):
        if name.split(".")[0] in packages:
            monkeypatch.setitem(sys.modules, name, None)
    for name in packages:
        monkeypatch.setitem(sys.modules, name, None)


def _file(tmp_path: Path, name: str) -> Path:
    """A file named ``name`` whose content does not matter (the missing package is named first)."""
    (tmp_path / name).write_bytes(b"%PDF-1.7")
    return tmp_path / name


def _buildings(tmp_path: Path) -> Path:
    import geopandas as gpd
    import shapely

    path = tmp_path / "b.gpkg"
    gpd.GeoDataFrame({"height": [20.0]}, geometry=[shapely.Point(111.5760, 35.5054).buffer(0.0001)],
                     crs=4326).to_file(path)
    return path


@pytest.mark.parametrize("packages, extra, words, args", [
    (("weasyprint",), "pdf", "PDF reports need weasyprint",
     lambda tmp: ["report", "--footprint", POINT, "--height", "25", "-o", str(tmp / "r.pdf")]),
    (("pypdf",), "pdf", "PDF reports need weasyprint (to write them) and pypdf (to read",   # the file is not opened
     lambda tmp: ["ledger", "add", "--ledger", str(tmp / "l.gpkg"), "--from-report", str(_file(tmp, "r.pdf")),
                  "--decision", "approved"]),
    (("matplotlib",), "diagram", "diagrams and map images need matplotlib",
     lambda tmp: ["horizon", "--buildings", str(_buildings(tmp)), "-o", str(tmp / "h.png")]),
    (("ezdxf",), "cad", "DXF drawings need ezdxf",
     lambda tmp: ["check", "--footprint", str(_dxf(tmp)), "--crs", "EPSG:4546"]),
    (("dask", "distributed"), "dask", "--engine dask needs dask and distributed",
     lambda tmp: ["screen", str(SAMPLE), "-o", str(tmp / "o.gpkg"), "--engine", "dask"]),
    (("psycopg",), "postgis", "PostGIS tables need psycopg",
     lambda tmp: ["screen", "postgresql://u@127.0.0.1:1/db?table=a.b", "-o", str(tmp / "o.gpkg")]),
    (("psycopg",), "postgis", "PostGIS tables need psycopg",
     lambda tmp: ["screen", str(SAMPLE), "-o", "postgresql://u@127.0.0.1:1/db?table=a.b"]),
    (("openpyxl",), "xlsx", "Excel output needs openpyxl",
     lambda tmp: ["screen", str(SAMPLE), "-o", str(tmp / "o.xlsx")]),
])
def test_missing_extra_is_one_line_naming_the_extra(monkeypatch, tmp_path, packages, extra, words, args):
    argv = args(tmp_path)   # made before the package goes missing (the buildings file)
    _missing(monkeypatch, *packages)
    res = CliRunner().invoke(main, argv)
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.output
    assert words in lines[0] and f"pip install 'geozones[{extra}]'" in lines[0]
    from geozones.assessment_report import has_cjk_font

    if extra == "pdf" and not has_cjk_font():
        return   # a Chinese PDF is refused first for want of a font (exit 3)
    res = CliRunner().invoke(main, [*argv, "--lang", "zh"])
    assert res.exit_code == 2 and f"请 pip install 'geozones[{extra}]'" in res.output


def _dxf(tmp_path: Path) -> Path:
    path = tmp_path / "site.dxf"
    path.write_text("0\nEOF\n", encoding="ascii")
    return path


def test_require_raises_a_geozones_and_import_error(monkeypatch):
    _missing(monkeypatch, "ezdxf")
    with pytest.raises(MissingExtraError) as err:
        require("ezdxf")
    assert isinstance(err.value, GeozonesError) and isinstance(err.value, ImportError)
    assert err.value.exit_code == 2
    assert str(err.value) == "DXF drawings need ezdxf: pip install 'geozones[cad]'"
    assert err.value.localized("zh") == "读取 DXF 图纸需要 ezdxf：请 pip install 'geozones[cad]'"


def test_every_extra_is_in_pyproject():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    distribution = {"docx": "python-docx"}   # an import name that is not its distribution's
    for package, extra in EXTRAS.items():
        assert any(dep.startswith(distribution.get(package, package)) for dep in extras[extra]), (package, extra)
    assert extras["all"] == ["geozones[pdf,diagram,cad,dask,postgis,xlsx,docx,serve]"] and "geozones[all]" in extras["test"]


def test_import_geozones_loads_no_optional_part():
    code = ("import geozones, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('weasyprint', 'matplotlib', 'ezdxf', 'dask', 'distributed', 'folium', 'openpyxl', 'pygeoapi', 'waitress')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
