"""pygeoapi's configuration of the service, made in code from ``geozones serve``'s options:
the server's address, its languages (en, zh), the job manager (pygeoapi's TinyDB one in the
state folder, keeping less: :class:`geozones.service.jobs.JobManager`),
the two collections and the two processes, each a geozones plugin. Nobody edits YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..text import t

__all__ = ["pygeoapi_config", "PLUGINS"]

#: The plugins pygeoapi loads by dotted name: resource id -> class.
PLUGINS: dict[str, str] = {
    "zones": "geozones.service.features.ZonesProvider",
    "heightsteps": "geozones.service.features.HeightStepsProvider",
    "geozones-check": "geozones.service.processes.CheckProcessor",
    "geozones-screen": "geozones.service.processes.ScreenProcessor",
}


def _both(key: str, **params: object) -> dict[str, str]:
    return {"en": t(key, "en", **params), "zh": t(key, "zh", **params)}


def _collection(name: str, bbox: list[float]) -> dict[str, Any]:
    return {
        "type": "collection",
        "title": _both(f"service_{name}_title"),
        "description": _both(f"service_{name}_description"),
        "keywords": ["GB 31221-2014"],
        "links": [],
        "extents": {"spatial": {"bbox": bbox, "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "providers": [{"type": "feature", "name": PLUGINS[name], "data": name, "id_field": "id",
                       "title_field": "name"}],
    }


def pygeoapi_config(url: str, host: str, port: int, state_dir: Path, bbox: list[float]) -> dict[str, Any]:
    """The configuration pygeoapi reads (``PYGEOAPI_CONFIG``), for a server at ``url``
    (bound to ``host``:``port``), keeping its jobs in ``state_dir``; ``bbox`` is the
    collections' extent (lon/lat)."""
    jobs = state_dir / "pygeoapi-jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    return {
        "server": {
            "bind": {"host": host, "port": port},
            "url": url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "languages": ["en-US", "zh"],   # (babel knows no zh_CN: zh_Hans_CN)
            "cors": False,
            "pretty_print": True,
            "limits": {"default_items": 100, "max_items": 1000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "attribution": "&copy; OpenStreetMap contributors"},
            "manager": {"name": "geozones.service.jobs.JobManager", "connection": str(state_dir / "jobs.db"), "output_dir": str(jobs)},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": _both("service_title"), "description": _both("service_description"),
                               "keywords": ["GB 31221-2014", "OGC API"], "keywords_type": "theme",
                               "terms_of_service": "https://opensource.org/licenses/MIT", "url": url},
            "license": {"name": "MIT", "url": "https://opensource.org/licenses/MIT"},
            "provider": {"name": "geozones", "url": url},
            "contact": {"name": "geozones", "position": "", "address": "", "city": "", "stateorprovince": "",
                        "postalcode": "", "country": "", "phone": "", "fax": "", "email": "", "url": url,
                        "hours": "", "instructions": "", "role": "pointOfContact"},
        },
        "resources": {
            "zones": _collection("zones", bbox),
            "heightsteps": _collection("heightsteps", bbox),
            "geozones-check": {"type": "process", "processor": {"name": PLUGINS["geozones-check"]}},
            "geozones-screen": {"type": "process", "processor": {"name": PLUGINS["geozones-screen"]}},
        },
    }
