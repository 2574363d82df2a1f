"""``geozones serve``: the checks as an HTTP service, OGC API – Processes Part 1 and Features
Part 1, on pygeoapi with geozones' processes and collections as its plugins, under the
waitress WSGI server.

- :mod:`.context`: what the service was started with (station, pilot areas, data folder,
  token, limits), shared by the plugins of one server process;
- :mod:`.config`: pygeoapi's configuration, made in code;
- :mod:`.processes`: ``geozones-check`` and ``geozones-screen``;
- :mod:`.features`: the ``zones`` and ``heightsteps`` collections;
- :mod:`.app`: the WSGI application (token, limits, input errors, the map page) and
  :func:`~geozones.service.app.run`.

Importing this package loads neither pygeoapi nor waitress; :func:`~geozones.service.app.make_app`
does, and names the ``serve`` extra when they are missing.
"""

from __future__ import annotations

from .context import MAX_BODY_BYTES, MAX_JOBS, ServiceSettings

__all__ = ["ServiceSettings", "MAX_BODY_BYTES", "MAX_JOBS"]
