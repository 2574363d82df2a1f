"""Build the QGIS plugin zip (for "Plugins → Manage and Install Plugins → Install from ZIP").

    python qgis/build_zip.py            # dist/geozones_qgis-<version>.zip
    python qgis/build_zip.py -o FILE.zip

The zip holds the folder ``geozones_qgis/`` at its top, as QGIS's plugin manager expects,
without caches. Only the standard library is used: any Python 3 builds it. The plugin needs
the geozones library in QGIS's Python (README: "In QGIS (Processing)").
"""

import argparse
import configparser
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLUGIN = HERE / "geozones_qgis"


def build(output=None):
    """Write the zip; returns its path."""
    meta = configparser.ConfigParser()
    meta.read(PLUGIN / "metadata.txt", encoding="utf-8")
    version = meta["general"]["version"]
    output = Path(output) if output else HERE.parent / "dist" / f"geozones_qgis-{version}.zip"
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(PLUGIN.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                z.write(path, Path("geozones_qgis", path.relative_to(PLUGIN)).as_posix())
    tmp.replace(output)   # whole or not at all
    return output


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Build the geozones QGIS plugin zip.")
    parser.add_argument("-o", "--output", help="the zip to write (default: dist/geozones_qgis-VERSION.zip)")
    print(build(parser.parse_args().output))
