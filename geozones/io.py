"""Reading proposals and writing layers: the file edge of geozones.

Vector files are read and written with pyogrio (through geopandas). Outputs are written to a
temporary file beside the destination and moved into place only when complete, so a failed
run never leaves a half-written file, and an existing output is kept unless ``overwrite``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import shapely

from .coords import crs_label, parse_crs
from .errors import GeometryError, InputError, OutputError

__all__ = ["VECTOR_DRIVERS", "read_footprint", "driver_for", "atomic_output", "write_vector"]

#: Output formats by file extension.
VECTOR_DRIVERS: dict[str, str] = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "KML",
    ".shp": "ESRI Shapefile",
    ".fgb": "FlatGeobuf",
    ".parquet": "Parquet",
    ".geoparquet": "Parquet",
    ".csv": "CSV",
}
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")


def driver_for(path: str | Path) -> str:
    """The output driver a path's extension names."""
    ext = Path(path).suffix.lower()
    try:
        return VECTOR_DRIVERS[ext]
    except KeyError:
        raise OutputError("output_format", path=str(path), choices=", ".join(VECTOR_DRIVERS)) from None


def read_footprint(text: str, crs: str | None = None, what: str = "--footprint"):
    """A proposal from WKT or a vector file, with its CRS and notes on what was assumed.

    Returns ``(geometry, crs, notes)`` where notes are ``(message_key, params)`` pairs.
    A file with several features gives their union (one proposal).
    """
    notes: list[tuple[str, dict[str, Any]]] = []
    path = Path(text)
    looks_like_path = len(text) < 4096 and "(" not in text
    if looks_like_path and path.exists():
        import geopandas as gpd

        try:
            gdf = gpd.read_file(path, engine="pyogrio")
        except Exception as exc:  # pyogrio raises several types for unreadable files
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError("file_read", path=str(path), why=why) from None
        geoms = gdf.geometry.values[~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()]
        if len(geoms) == 0:
            raise InputError("file_no_features", path=str(path))
        if gdf.crs is None:
            if crs is None:
                raise InputError("file_no_crs", path=str(path))
            file_crs = parse_crs(crs)
        else:
            file_crs = gdf.crs
            if crs is not None and parse_crs(crs) != file_crs:
                raise InputError("crs_conflict", path=str(path), file_crs=crs_label(file_crs),
                                 crs=crs_label(parse_crs(crs)))
        if len(geoms) > 1:
            notes.append(("assume_union", {"path": str(path), "n": len(geoms)}))
            geom = shapely.union_all(shapely.make_valid(geoms))
        else:
            geom = geoms[0]
        return geom, file_crs, notes
    try:
        geom = shapely.from_wkt(text)
    except shapely.errors.GEOSException:
        raise GeometryError("geometry_parse", what=what, text=text[:60]) from None
    if geom is None or geom.is_empty:
        raise GeometryError("geometry_empty", what=what)
    if crs is None:
        notes.append(("assume_crs_default", {"crs": "EPSG:4326"}))
        crs = "EPSG:4326"
    return geom, parse_crs(crs), notes


@contextlib.contextmanager
def atomic_output(dest: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write to; move it onto ``dest`` only on success.

    Works for multi-file formats too: every file written beside the temporary path with the
    same stem (a shapefile's .shx, .dbf, .prj, .cpg) is moved with it.
    """
    dest = Path(dest)
    if dest.exists() and not overwrite:
        raise OutputError("output_exists", path=str(dest))
    parent = dest.parent if str(dest.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError("output_write", path=str(dest), why=f"folder {parent} does not exist")
    tmpdir = Path(tempfile.mkdtemp(prefix=".geozones-", dir=parent))
    try:
        tmp = tmpdir / dest.name
        yield tmp
        if dest.suffix.lower() == ".shp":
            for old in _SHAPEFILE_PARTS:
                stale = dest.with_suffix(old)
                if stale.exists() and not tmp.with_suffix(old).exists():
                    stale.unlink()
        for produced in sorted(tmpdir.iterdir()):
            os.replace(produced, parent / (dest.stem + produced.name[len(tmp.stem):]))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def write_vector(gdf, dest: str | Path, overwrite: bool = False, layer: str | None = None,
                 encoding: str | None = None) -> Path:
    """Write a GeoDataFrame atomically in the format the extension names."""
    driver = driver_for(dest)
    with atomic_output(dest, overwrite) as tmp:
        try:
            if driver == "Parquet":
                gdf.to_parquet(tmp)
            elif driver == "CSV":
                df = gdf.to_wkt() if hasattr(gdf, "to_wkt") else gdf
                df.to_csv(tmp, index=False, encoding=encoding or "utf-8")
            else:
                kwargs: dict[str, Any] = {"engine": "pyogrio", "driver": driver}
                if layer and driver in ("GPKG", "KML"):
                    kwargs["layer"] = layer
                if encoding and driver == "ESRI Shapefile":
                    kwargs["encoding"] = encoding
                gdf.to_file(tmp, **kwargs)
        except OutputError:
            raise
        except Exception as exc:
            raise OutputError("output_write", path=str(dest), why=str(exc).splitlines()[0]) from None
    return Path(dest)
