"""The service's processes (OGC API – Processes), as pygeoapi processor plugins.

``geozones-check`` checks one proposal and answers with the JSON of ``geozones check --json``
(:func:`geozones.check.check_read`, :func:`geozones.report.check_json`: the same functions).
``geozones-screen`` screens a FeatureCollection (inline, or a file by reference inside the
data folder) through :func:`geozones.screen.screen_file`, the one batch path, and answers
with the screened features as GeoJSON, the run's summary and the link to the screened file
in the format asked for.

Each process's inputs are read by one function (:func:`check_inputs`, :func:`screen_inputs`),
which the web application also calls before a request reaches pygeoapi, so a bad input is a
4xx naming it (:class:`BadInput`) and never a job.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from pygeoapi.process.base import BaseProcessor, ProcessorExecuteError

from ..core import numbers
from ..core.coords import AXIS_ORDERS
from ..core.kinds import KINDS, USES, normalize_kind, normalize_use
from ..core.numbers import checked
from ..errors import GeozonesError, InputError
from ..text import LANGS, t
from .context import MAX_VERTICES, current

__all__ = ["BadInput", "check_inputs", "refused", "screen_inputs", "CheckProcessor", "ScreenProcessor",
           "SCREEN_FORMATS", "PROCESSES", "hand_over"]

#: The formats a screening's download is written in (``format`` input): extension -> media type.
SCREEN_FORMATS: dict[str, str] = {
    "geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3", "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet", "xlsx":
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class BadInput(Exception):
    """An input of a process that cannot be used: its name and why (a keyed
    :class:`~geozones.errors.GeozonesError`), shown in the request's language."""

    def __init__(self, name: str, error: GeozonesError) -> None:
        super().__init__(name, error.key)
        self.name = name
        self.error = error

    def localized(self, lang: str) -> str:
        return t("service_bad_input", lang, input=self.name, why=self.error.localized(lang))


def _titles(key: str) -> dict[str, str]:
    return {lang: t(key, lang) for lang in LANGS}


def _lang(inputs: dict[str, Any], default: str = "en") -> str:
    lang = inputs.get("lang", default)
    if lang not in LANGS:
        raise BadInput("lang", InputError("service_choice", value=str(lang)[:40], choices=", ".join(LANGS)))
    return lang


def _number(inputs: dict[str, Any], name: str, bounds, required: bool = False) -> Any:
    value = inputs.get(name)
    if value is None:
        if required:
            raise BadInput(name, InputError("service_missing", input=name))
        return None
    try:
        value = checked(value, name, bounds)
    except InputError as exc:
        raise BadInput(name, exc) from None
    return int(value) if bounds.integer else float(value)


def _text(inputs: dict[str, Any], name: str) -> str | None:
    value = inputs.get(name)
    if value is not None and not isinstance(value, str):
        raise BadInput(name, InputError("service_not_text", value=str(value)[:40]))
    return value


def _choice(inputs: dict[str, Any], name: str, normalize, choices, default=None):
    value = inputs.get(name, default)
    if value is None:
        return None
    found = normalize(value) if isinstance(value, str) else None
    if found is None:
        raise BadInput(name, InputError("service_choice", value=str(value)[:40], choices=", ".join(choices)))
    return found


def _geometry_wkt(value: Any) -> str:
    """A GeoJSON geometry (or a Feature's, or WKT text) as WKT; a bad one is refused, naming
    ``footprint``."""
    import shapely
    import shapely.geometry

    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict):
        raise BadInput("footprint", InputError("service_not_geometry"))
    try:
        geom = shapely.geometry.shape(value)
    except Exception:   # shapely's own words say little: a bad GeoJSON geometry, in ours
        raise BadInput("footprint", InputError("service_not_geometry")) from None
    return shapely.to_wkt(geom, rounding_precision=-1)


def check_inputs(inputs: Any, default_lang: str = "en", max_vertices: int = MAX_VERTICES) -> dict[str, Any]:
    """The keywords of :func:`geozones.check.check_read` from ``geozones-check``'s inputs,
    and ``lang``; a missing or bad input raises :class:`BadInput` naming it, and so does a
    footprint of more than ``max_vertices`` vertices (``--max-vertices``: repairing an
    invalid ring of 100,000 takes minutes).

    >>> check_inputs({"footprint": {"type": "Point", "coordinates": [111.5745, 35.5054]}, "height_m": 10})["height"]
    10.0
    >>> check_inputs({"footprint": "POINT (1 2)", "height_m": float("nan")})
    Traceback (most recent call last):
    geozones.service.processes.BadInput: ('height_m', 'number_invalid')
    """
    from ..io import read_wkt_footprint

    if not isinstance(inputs, dict):
        raise BadInput("inputs", InputError("service_not_object"))
    lang = _lang(inputs, default_lang)
    if inputs.get("footprint") is None:
        raise BadInput("footprint", InputError("service_missing", input="footprint"))
    crs = _text(inputs, "crs")
    wkt = _geometry_wkt(inputs["footprint"])
    kw = {
        "height": _number(inputs, "height_m", numbers.HEIGHT_M),
        "floors": _number(inputs, "floors", numbers.FLOORS),
        "width": _number(inputs, "width", numbers.WIDTH_M),
        "kind": _choice(inputs, "kind", normalize_kind, KINDS, "building"),
        "use": _choice(inputs, "use", normalize_use, USES),
        "axis_order": _choice(inputs, "axis_order", lambda v: v if v in AXIS_ORDERS else None, AXIS_ORDERS, "xy"),
        "lang": lang,
    }
    try:
        geom, geom_crs, notes = read_wkt_footprint(wkt, crs, what="footprint")
    except GeozonesError as exc:
        from ..errors import CRSError

        raise BadInput("crs" if isinstance(exc, CRSError) else "footprint", exc) from None
    import shapely

    vertices = int(shapely.get_num_coordinates(geom))
    if vertices > max_vertices:
        raise BadInput("footprint", InputError("service_too_many_vertices", count=vertices, limit=max_vertices))
    return {"geometry": geom, "geometry_crs": geom_crs, "notes": notes, "crs_given": crs is not None, **kw}


def screen_inputs(inputs: Any, default_lang: str = "en") -> dict[str, Any]:
    """``geozones-screen``'s inputs, read: ``features`` (a FeatureCollection) or ``file`` (a
    name inside the data folder, :func:`data_file`), ``format`` of the download
    (:data:`SCREEN_FORMATS`), the columns and defaults of :class:`geozones.screen.ScreenOptions`,
    ``crs`` and ``lang``. A missing or bad input raises :class:`BadInput` naming it."""
    if not isinstance(inputs, dict):
        raise BadInput("inputs", InputError("service_not_object"))
    lang = _lang(inputs, default_lang)
    features, name = inputs.get("features"), inputs.get("file")
    if (features is None) == (name is None):
        raise BadInput("features", InputError("service_features_or_file"))
    if features is not None and not (isinstance(features, dict) and features.get("type") == "FeatureCollection"
                                     and isinstance(features.get("features"), list)):
        raise BadInput("features", InputError("service_not_collection"))
    if features is not None:   # every row comes out with a status: none dropped unseen
        for i, feature in enumerate(features["features"]):
            if not (isinstance(feature, dict) and feature.get("type") == "Feature"):
                raise BadInput("features", InputError("service_not_feature", index=i))
        try:
            json.dumps(features, allow_nan=False)
        except ValueError:   # NaN or Infinity somewhere: no number GeoJSON allows
            raise BadInput("features", InputError("service_not_finite")) from None
    path = None if name is None else data_file(name)
    fmt = _choice(inputs, "format", lambda v: v.lower().lstrip(".") if v.lower().lstrip(".") in SCREEN_FORMATS else None,
                  tuple(SCREEN_FORMATS), "geojson")
    fields = {f: _text(inputs, f) for f in ("height_field", "floors_field", "kind_field", "use_field", "width_field")}
    opts = {**fields, "default_height_m": _number(inputs, "default_height_m", numbers.HEIGHT_M),
            "default_kind": _choice(inputs, "default_kind", normalize_kind, KINDS, "building"),
            "lang": lang}
    return {"features": features, "path": path, "format": fmt, "crs": _text(inputs, "crs"), "opts": opts}


def data_file(name: Any) -> Path:
    """The file ``name`` names inside the service's data folder (``--data-dir``): a relative
    name whose resolved path (links followed) stays inside it; anything else (``../``, an
    absolute path, a link leading out, no data folder) is refused, naming ``file``."""
    folder = current().data_dir
    if not isinstance(name, str) or not name:
        raise BadInput("file", InputError("service_not_text", value=str(name)[:40]))
    if folder is None:
        raise BadInput("file", InputError("service_no_data_dir"))
    shown = name[:80].replace("\x00", "\\0")
    if "\x00" in name or len(name) > 1024:   # no file system takes these: refused before asking one
        raise BadInput("file", InputError("service_no_file", name=shown))
    given = Path(name)
    if given.is_absolute() or ".." in given.parts or "\\" in name or re.match(r"^[A-Za-z]:", name):
        raise BadInput("file", InputError("service_outside_data", name=shown))
    root = folder.resolve()
    try:
        path = (root / given).resolve()
        inside = path.is_relative_to(root)
        regular = inside and path.is_file()   # a FIFO, a device or a folder is no input file
    except (OSError, ValueError):   # too long a name, a loop of links …
        raise BadInput("file", InputError("service_no_file", name=shown)) from None
    if not inside:
        raise BadInput("file", InputError("service_outside_data", name=shown))
    if not regular:
        raise BadInput("file", InputError("service_no_file", name=shown))
    return path


def _io_schema(schema: dict, title_key: str, required: bool = False) -> dict:
    titles = _titles(title_key)
    return {"title": titles["en"], "description": titles, "schema": schema,
            "minOccurs": 1 if required else 0, "maxOccurs": 1}


_NUMBER = {"type": "number"}
_LANG = {"type": "string", "enum": list(LANGS), "default": "en"}

CHECK_METADATA: dict[str, Any] = {
    "version": "1.0.0",
    "id": "geozones-check",
    "title": _titles("service_check_title"),
    "description": _titles("service_check_description"),
    # both, as pygeoapi lists every process of an asynchronous job manager: a check asked
    # with Prefer: respond-async is a job (counted as screenings are, --max-jobs)
    "jobControlOptions": ["sync-execute", "async-execute"],
    "keywords": ["GB 31221-2014", "meteorological station", "protection zone"],
    "links": [],
    "inputs": {
        "footprint": _io_schema({"type": "object", "contentMediaType": "application/geo+json"},
                                "service_in_footprint", required=True),
        "crs": _io_schema({"type": "string", "default": "EPSG:4326"}, "service_in_crs"),
        "height_m": _io_schema({**_NUMBER, "minimum": 0, "maximum": numbers.HEIGHT_M.max}, "service_in_height"),
        "kind": _io_schema({"type": "string", "enum": list(KINDS), "default": "building"}, "service_in_kind"),
        "floors": _io_schema({"type": "integer", "minimum": 1, "maximum": numbers.FLOORS.max}, "service_in_floors"),
        "use": _io_schema({"type": "string", "enum": list(USES)}, "service_in_use"),
        "width": _io_schema({**_NUMBER, "minimum": 0, "maximum": numbers.WIDTH_M.max}, "service_in_width"),
        "axis_order": _io_schema({"type": "string", "enum": list(AXIS_ORDERS), "default": "xy"}, "service_in_axis"),
        "lang": _io_schema(_LANG, "service_in_lang"),
    },
    "outputs": {
        "result": _io_schema({"type": "object", "contentMediaType": "application/json",
                              "required": ["verdict", "zone", "distance_m", "max_height_m", "exceedance_m",
                                           "findings", "notices"]}, "service_out_check"),
    },
    "example": {"inputs": {"footprint": {"type": "Point", "coordinates": [111.5745, 35.5054]},
                           "crs": "EPSG:4326", "height_m": 12, "kind": "building"}},
}

SCREEN_METADATA: dict[str, Any] = {
    "version": "1.0.0",
    "id": "geozones-screen",
    "title": _titles("service_screen_title"),
    "description": _titles("service_screen_description"),
    "jobControlOptions": ["sync-execute", "async-execute"],
    "keywords": ["GB 31221-2014", "batch"],
    "links": [],
    "inputs": {
        "features": _io_schema({"type": "object", "contentMediaType": "application/geo+json"}, "service_in_features"),
        "file": _io_schema({"type": "string"}, "service_in_file"),
        "format": _io_schema({"type": "string", "enum": list(SCREEN_FORMATS), "default": "geojson"},
                             "service_in_format"),
        "crs": _io_schema({"type": "string"}, "service_in_crs"),
        **{f: _io_schema({"type": "string"}, f"service_in_{f}")
           for f in ("height_field", "floors_field", "kind_field", "use_field", "width_field")},
        "default_height_m": _io_schema({**_NUMBER, "minimum": 0}, "service_in_default_height"),
        "default_kind": _io_schema({"type": "string", "enum": list(KINDS), "default": "building"},
                                   "service_in_kind"),
        "lang": _io_schema(_LANG, "service_in_lang"),
    },
    "outputs": {
        "result": _io_schema({"type": "object", "contentMediaType": "application/json"}, "service_out_screen"),
    },
    "example": {"inputs": {"features": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"h": 12},
         "geometry": {"type": "Point", "coordinates": [111.5745, 35.5054]}}]}, "height_field": "h"}},
}

#: The processes by id.
PROCESSES = {"geozones-check": CHECK_METADATA, "geozones-screen": SCREEN_METADATA}


_REFUSED = threading.local()
_HANDED = threading.local()


def hand_over(slot: Any) -> Any:
    """Leave ``slot`` (a :class:`~geozones.service.context.JobSlot`, or None) for the process
    pygeoapi makes next in this thread (it takes it in ``set_job_id``); returns the slot left
    before, not taken by any process."""
    before = getattr(_HANDED, "slot", None)
    _HANDED.slot = slot
    return before


class _Process(BaseProcessor):
    """A geozones process: it holds the job slot the web application took for its request
    (:func:`hand_over`) and gives it back when its run ends, however it ends."""

    def __init__(self, processor_def: dict, metadata: dict) -> None:
        super().__init__(processor_def, metadata)
        self.job_id: str | None = None
        self.slot: Any = None

    def set_job_id(self, job_id: str) -> None:
        self.job_id = job_id
        self.slot = hand_over(None)

    def execute(self, data: dict, outputs=None):
        try:
            return self._execute(current(), data)
        finally:
            if self.slot is not None:
                self.slot.release()

    def _execute(self, settings, data: dict):
        raise NotImplementedError


def refused(clear: bool = False) -> BadInput | None:
    """The input the last process run in this thread refused (None: none); ``clear``
    forgets it. The web application reads it after a synchronous execution to answer with
    the exception document naming the input rather than pygeoapi's own."""
    found = getattr(_REFUSED, "value", None)
    if clear:
        _REFUSED.value = None
    return found


def _refusal(exc: BadInput | GeozonesError, lang: str, what: str = "footprint") -> ProcessorExecuteError:
    """A refused input as pygeoapi's error, in ``lang``, remembered for :func:`refused`. An
    error of the run itself names ``crs`` for a CRS that does not fit, else ``what`` (the
    geometry input). The server's own folders are left out of the words."""
    from ..errors import CoordinateError, CRSError

    if not isinstance(exc, BadInput):
        exc = BadInput("crs" if isinstance(exc, (CRSError, CoordinateError)) else what, exc)
    _REFUSED.value = exc
    words = exc.localized(lang)
    settings = current()
    for folder in (settings.data_dir, settings.jobs_dir):
        if folder is not None:
            words = words.replace(f"{folder.resolve()}{os.sep}", "").replace(f"{folder}{os.sep}", "")
    return ProcessorExecuteError(user_msg=words)


class CheckProcessor(_Process):
    """``geozones-check``: one proposal, answered with ``geozones check --json``'s JSON
    (against every station in reach with ``--stations``)."""

    def __init__(self, processor_def: dict) -> None:
        super().__init__(processor_def, CHECK_METADATA)

    def _execute(self, settings, data: dict):
        from ..check import check_read
        from ..report import check_json

        asked = data.get("lang") if isinstance(data, dict) else None
        lang = asked if isinstance(asked, str) and asked in LANGS else settings.lang
        try:
            kw = check_inputs(data, settings.lang, settings.max_vertices)
            lang = kw["lang"]
            where = {"zones": settings.zones} if settings.network is None else {"network": settings.network}
            result = check_read(kw.pop("geometry"), kw.pop("geometry_crs"), kw.pop("notes"),
                                crs_given=kw.pop("crs_given"), **where, **kw)
        except (BadInput, GeozonesError) as exc:
            raise _refusal(exc, lang) from None
        # bytes under a media type pygeoapi passes on as they are: the CLI's text, byte for byte
        return "application/json; charset=utf-8", check_json(result).encode("utf-8")


class ScreenProcessor(_Process):
    """``geozones-screen``: a FeatureCollection or a data-folder file screened (as a job with
    ``Prefer: respond-async``), answered with the screened features, the summary and a link
    to the file in the format asked for."""

    def __init__(self, processor_def: dict) -> None:
        super().__init__(processor_def, SCREEN_METADATA)

    def _execute(self, settings, data: dict):
        try:
            return self._run(settings, data)
        except (BadInput, GeozonesError) as exc:
            asked = data.get("lang") if isinstance(data, dict) else None
            lang = asked if isinstance(asked, str) and asked in LANGS else settings.lang
            what = "file" if isinstance(data, dict) and data.get("file") is not None else "features"
            raise _refusal(exc, lang, what) from None

    def _run(self, settings, data: dict):
        from ..batch import Settings
        from ..screen import ScreenOptions, screen_file

        kw = screen_inputs(data, settings.lang)
        job = self.job_id or "sync"
        if not re.fullmatch(r"[0-9a-fA-F-]{1,64}|sync", job):
            raise RuntimeError("unexpected job id")
        folder = settings.jobs_dir / job
        folder.mkdir(parents=True, exist_ok=True)
        source = kw["path"]
        if source is None:
            source = folder / "input.geojson"
            source.write_text(json.dumps(kw["features"], ensure_ascii=False, allow_nan=False), encoding="utf-8")
        opts = ScreenOptions(**kw["opts"])
        zones = settings.network if settings.network is not None else settings.zones
        run = dict(zones=zones, opts=opts, crs=kw["crs"], overwrite=True, settings=Settings(processes=1),
                   progress=self._progress)
        geojson = folder / "screened.geojson"
        summary = screen_file(source, geojson, **run)
        download = geojson
        if kw["format"] != "geojson":   # the file asked for, by the same batch writer
            download = folder / f"screened.{kw['format']}"
            screen_file(source, download, **{**run, "progress": None})
        collection = json.loads(geojson.read_text(encoding="utf-8"), parse_constant=lambda _: None)
        return "application/json", {
            "type": "FeatureCollection", "features": collection.get("features", []),
            "summary": json.loads(json.dumps(summary.to_dict(), default=str), parse_constant=lambda _: None),
            "download": {"href": f"{settings.url}/jobs/{job}/download", "format": kw["format"],
                         "type": SCREEN_FORMATS[kw["format"]], "name": download.name},
        }

    def _progress(self, done: int, total: int | None) -> None:
        """The job's progress (5–90 %) in pygeoapi's job database, as chunks are done."""
        if self.job_id is None or not total:
            return
        from .app import job_progress

        job_progress(self.job_id, 5 + int(85 * min(done, total) / total))
