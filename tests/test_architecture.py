"""The house rules of the package layout: the core imports no I/O library, core modules import only
numpy, shapely and pyproj, no language branches outside the catalogue."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import geozones

PACKAGE = Path(geozones.__file__).parent


def test_core_imports_no_io_libraries():
    code = ("import sys, geozones.core\n"
            "bad = [m for m in ('geopandas', 'pandas', 'click', 'rasterio', 'folium', 'matplotlib',"
            " 'pyogrio', 'coordTransform') if m in sys.modules]\n"
            "print(','.join(bad))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == ""


def test_core_modules_import_only_numpy_shapely_pyproj():
    # At module level only numpy, shapely, pyproj and the standard library; the web-map datum
    # formulas (core/datums.py) import coordTransform (pure Python) when a GCJ-02/BD-09 input
    # is actually converted.
    allowed = {"numpy", "shapely", "pyproj", "__future__", *sys.stdlib_module_names}
    for path in sorted((PACKAGE / "core").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lazy = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for n in ast.walk(f)}
        for node in ast.walk(tree):
            if id(node) in lazy and isinstance(node, ast.Import) and path.name == "datums.py" \
                    and [a.name for a in node.names] == ["coordTransform"]:
                continue
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom):
                # relative: inside the core, or the keyed errors (no words, no imports)
                assert node.level == 1 or node.module == "errors", (path.name, node.module)
                continue
            else:
                continue
            for n in names:
                assert n.split(".")[0] in allowed, (path.name, n)


def test_no_language_branches_outside_the_catalogue():
    hits = [f"{p.relative_to(PACKAGE)}:{i}" for p in PACKAGE.rglob("*.py")
            if p.name not in ("catalogue.py", "text.py")
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if 'lang == "zh"' in line or "lang == 'zh'" in line or '_zh if lang' in line]
    assert hits == []
