"""The service's WSGI application: pygeoapi's Flask application, configured in code, inside a
thin layer of geozones' own that

- asks for the access token on every request when one is set: ``Authorization: Bearer …``,
  or the session cookie a browser gets by opening ``/map?token=…`` once (:data:`SESSION_COOKIE`);
- refuses a request body over the limit (413) before reading it (and waitress, below it,
  refuses one with an exception document too);
- reads each process's inputs before pygeoapi does (:func:`geozones.service.processes.check_inputs`,
  :func:`~geozones.service.processes.screen_inputs`), so a bad one is a 400 naming it, in the
  request's language, and never a job; counts the jobs (429 past the limit) and gives each
  job's place back whatever happens to it;
- serves the map page (``/map``) and a screening job's file (``/jobs/<id>/download``);
- answers anything that goes wrong with an exception document and goes on serving: no
  request ends the server, no answer carries a traceback.

Every refusal is an OGC API exception document (JSON): ``type``, ``title``, ``status``,
``detail`` and, for an input, ``input``.
"""

from __future__ import annotations

import hmac
import io
import json
import re
import secrets
import sys
from collections.abc import MutableMapping, Sequence
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode

from ..errors import first_line
from ..text import LANGS, t
from .context import KEPT_SYNC, ServiceSettings, set_current

__all__ = ["make_app", "GeozonesApp", "request_lang", "job_progress", "MAP_ROUTE", "SERVED_FLAG", "SESSION_COOKIE"]

#: Where the map page is served.
MAP_ROUTE = "/map"
#: What tells the page's script that it is served: ``GZ.service`` (null in a static file).
SERVED_FLAG = "GZ.service"
#: The session cookie ``GET /map?token=…`` sets on a token-guarded server (HttpOnly,
#: SameSite=Strict): a random value of this server process, never the token itself.
SESSION_COOKIE = "geozones_session"

_EXECUTION = re.compile(r"/processes/([^/]+)/execution/?")
_DOWNLOAD = re.compile(r"/jobs/([0-9a-fA-F-]{8,64})/download/?")


def request_lang(environ: dict[str, Any], default: str = "en") -> str:
    """The language of a request's answers: ``?lang=`` when it names one of
    :data:`~geozones.text.LANGS`, else the first of ``Accept-Language`` that does
    (``zh-CN,zh;q=0.9`` is zh), else ``default``.

    >>> request_lang({"QUERY_STRING": "", "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.8"})
    'zh'
    >>> request_lang({"QUERY_STRING": "lang=en", "HTTP_ACCEPT_LANGUAGE": "zh-CN"})
    'en'
    """
    asked = parse_qs(environ.get("QUERY_STRING", "")).get("lang", [])
    tags = [*asked, *(part.split(";")[0] for part in environ.get("HTTP_ACCEPT_LANGUAGE", "").split(","))]
    for tag in tags:
        base = tag.strip().split("-")[0].split("_")[0].lower()
        if base in LANGS:
            return base
    return default


#: Exception types (OGC API common codes, as pygeoapi's own documents name them) by status.
_TYPES = {400: "InvalidParameterValue", 401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed",
          413: "PayloadTooLarge", 429: "TooManyJobs", 431: "HeadersTooLarge", 500: "NoApplicableCode"}
#: The execution request's members besides ``inputs`` that the processes do not offer, and the
#: values they take (None: none; a client naming a callback would make the server post anywhere).
_REQUEST_MEMBERS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "geozones-check": {"subscriber": None, "response": ("raw",)},
    "geozones-screen": {"subscriber": None, "response": ("raw", "document")},
}


def problem(status: int, detail: str, *, input_name: str | None = None, code: str | None = None
            ) -> tuple[int, list[tuple[str, str]], bytes]:
    """An exception document: ``(status, headers, body)``."""
    doc: dict[str, Any] = {"type": code or _TYPES.get(status, "NoApplicableCode"), "code": code or _TYPES.get(status),
                           "title": HTTPStatus(status).phrase, "status": status, "detail": detail,
                           "description": detail}
    if input_name is not None:
        doc["input"] = input_name
    body = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
    return status, [("Content-Type", "application/problem+json; charset=utf-8"),
                    ("Content-Length", str(len(body)))], body


class GeozonesApp:
    """The WSGI application ``geozones serve`` runs (see the module docstring)."""

    def __init__(self, inner, settings: ServiceSettings) -> None:
        self.inner = inner
        self.settings = settings
        self._pages: dict[str, bytes] = {}
        #: the session cookie's value: new for each server process (a restart ends every session)
        self._session = secrets.token_urlsafe(32)

    def __call__(self, environ, start_response):
        try:
            return self._serve(environ, start_response)
        except Exception as exc:   # never a traceback, never the end of the server
            print(f"geozones serve: {type(exc).__name__}: {first_line(exc)}", file=sys.stderr)
            lang = request_lang(environ, self.settings.lang)
            why = f"{type(exc).__name__}"
            return self._send(start_response, problem(500, t("service_internal", lang, why=why)))

    @staticmethod
    def _send(start_response, answer, extra: Sequence[tuple[str, str]] = ()) -> list[bytes]:
        status, headers, body = answer
        start_response(f"{status} {HTTPStatus(status).phrase}", [*headers, *extra])
        return [body]

    def _serve(self, environ, start_response):
        s = self.settings
        lang = request_lang(environ, s.lang)
        path = environ.get("PATH_INFO", "") or "/"
        if s.token is not None:
            query = parse_qs(environ.get("QUERY_STRING", ""))
            if path.rstrip("/") == MAP_ROUTE and "token" in query and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
                return self._send(start_response, self._open_session(environ, query, lang))
            if not self._authorized(environ):
                return self._send(start_response, problem(401, t("service_unauthorized", lang)),
                                  [("WWW-Authenticate", 'Bearer realm="geozones"')])
        length_text = environ.get("CONTENT_LENGTH") or "0"
        try:
            length = int(length_text)
        except ValueError:
            return self._send(start_response, problem(400, t("service_bad_length", lang, value=length_text[:20])))
        if length > s.max_body_bytes:
            return self._send(start_response, problem(413, t("service_too_large", lang, size=length,
                                                              limit=s.max_body_bytes)))
        method = environ.get("REQUEST_METHOD", "GET")
        if path.rstrip("/") == MAP_ROUTE and method in ("GET", "HEAD"):
            return self._send(start_response, self._map(lang))
        found = _DOWNLOAD.fullmatch(path)
        if found and method in ("GET", "HEAD"):
            return self._send(start_response, self._download(found.group(1), lang))
        found = _EXECUTION.fullmatch(path)
        if found and method == "POST":
            return self._execute(environ, start_response, found.group(1), length, lang)
        return self.inner(environ, start_response)

    def _authorized(self, environ) -> bool:
        """The request bears the token (``Authorization: Bearer``) or this process's session
        cookie; a cookie-borne request that changes something (not GET/HEAD) must also come
        from the service's own pages (``Origin`` its own), so no other page on the same host
        rides on a browser's session. Every comparison takes constant time."""
        given = environ.get("HTTP_AUTHORIZATION", "")
        if hmac.compare_digest(given.encode("utf-8", "replace"), f"Bearer {self.settings.token}".encode()):
            return True
        try:
            jar = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        except CookieError:
            return False
        morsel = jar.get(SESSION_COOKIE)
        if morsel is None or not hmac.compare_digest(morsel.value.encode("utf-8", "replace"), self._session.encode()):
            return False
        if environ.get("REQUEST_METHOD", "GET") in ("GET", "HEAD"):
            return True
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return hmac.compare_digest(environ.get("HTTP_ORIGIN", "").encode("utf-8", "replace"), own.encode("utf-8", "replace"))

    def _open_session(self, environ, query: dict[str, list[str]], lang: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """``GET /map?token=…``: the right token is answered with a redirect to the map
        without it (out of the address bar, the history and any Referer) and the session
        cookie; a wrong one with 401."""
        given = query.get("token", [""])[0]
        if not hmac.compare_digest(given.encode("utf-8", "replace"), str(self.settings.token).encode()):
            status, headers, body = problem(401, t("service_unauthorized", lang))
            return status, [*headers, ("WWW-Authenticate", 'Bearer realm="geozones"')], body
        rest = urlencode([(k, v) for k, vs in query.items() if k != "token" for v in vs])
        secure = "; Secure" if environ.get("wsgi.url_scheme") == "https" else ""
        return 303, [("Location", environ.get("SCRIPT_NAME", "") + MAP_ROUTE + (f"?{rest}" if rest else "")),
                     ("Set-Cookie", f"{SESSION_COOKIE}={self._session}; Path=/; HttpOnly; SameSite=Strict{secure}"),
                     ("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"),
                     ("Content-Length", "0")], b""

    def _execute(self, environ, start_response, process: str, length: int, lang: str):
        from .processes import PROCESSES, BadInput, check_inputs, screen_inputs

        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)   # read once here, again by pygeoapi
        environ["CONTENT_LENGTH"] = str(len(body))
        if process not in PROCESSES:
            return self.inner(environ, start_response)
        try:
            doc = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError, RecursionError):   # not JSON, too deep, a 5000-digit number
            return self._send(start_response, problem(400, t("service_not_json", lang)))
        environ["CONTENT_TYPE"] = "application/json"   # read as JSON whatever the client said
        inputs = doc.get("inputs") if isinstance(doc, dict) else None
        if isinstance(inputs, dict) and isinstance(inputs.get("lang"), str) and inputs["lang"] in LANGS:
            lang = inputs["lang"]
        for member, allowed in _REQUEST_MEMBERS[process].items():
            value = doc.get(member) if isinstance(doc, dict) else None
            if value is not None and (allowed is None or value not in allowed):
                why = t("service_member", lang, value=str(value)[:40], choices=", ".join(allowed or ()) or "-")
                return self._send(start_response, problem(400, t("service_bad_input", lang, input=member, why=why),
                                                          input_name=member))
        try:
            if process == "geozones-check":
                check_inputs(inputs, lang, self.settings.max_vertices)
            else:
                screen_inputs(inputs, lang)
        except BadInput as exc:
            missing = exc.error.key == "service_missing"
            return self._send(start_response, problem(400, exc.localized(lang), input_name=exc.name,
                                                      code="MissingParameterValue" if missing else None))
        slot = None
        if process == "geozones-screen" or environ.get("HTTP_PREFER") == "respond-async":   # a job
            slot = self.settings.take_job()
            if slot is None:
                return self._send(start_response, problem(429, t("service_busy", lang, jobs=self.settings.max_jobs)))
        return self._refused_or(environ, start_response, lang, process, slot)

    def _refused_or(self, environ, start_response, lang: str, process: str, slot):
        """pygeoapi's answer, unless a process refused an input while it ran in this thread
        (a synchronous execution): then the exception document naming that input.

        ``slot``: the job's place, handed to the process pygeoapi makes (it gives it back when
        its run ends); given back here unless pygeoapi accepted a job (201) that will run."""
        from .processes import hand_over, refused

        refused(clear=True)
        captured: list = []
        hand_over(slot)
        try:
            body = self.inner(environ, lambda status, headers, exc_info=None: captured.append((status, headers)))
        finally:
            hand_over(None)
            if slot is not None and not (captured and captured[0][0].startswith("201")):
                slot.release()   # no job will run: pygeoapi answered before, or the run is over
        refusal = refused(clear=True)
        if refusal is not None:
            if hasattr(body, "close"):
                body.close()
            return self._send(start_response, problem(400, refusal.localized(lang), input_name=refusal.name))
        status, headers = captured[0]
        if process not in KEPT_SYNC and status.startswith("200"):   # a synchronous answer is not kept as a job
            headers = [(k, v) for k, v in headers if k.lower() != "location"]
        start_response(status, headers)
        return body

    def _map(self, lang: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """The page ``geozones map`` writes, with ``GZ.service`` naming the check process."""
        if lang not in self._pages:
            from ..check import ZoneSet
            from ..maps import build_map

            net = self.settings.network   # --stations: every station drawn and checked, as geozones map does
            more = () if net is None else [ZoneSet(st, pilots=()) for st in net.stations[1:]]
            m = build_map(self.settings.zones, lang=lang, more=more,
                          service={"check": "/processes/geozones-check/execution", "base": "/"})
            self._pages[lang] = m.get_root().render().encode("utf-8")
        page = self._pages[lang]
        return 200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page)))], page

    def _download(self, job: str, lang: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """A screening job's file, in the format it was asked for."""
        from .processes import SCREEN_FORMATS

        folder = self.settings.jobs_dir / job
        files = sorted(folder.glob("screened.*")) if folder.is_dir() else []
        files = [f for f in files if f.suffix.lstrip(".") in SCREEN_FORMATS]
        chosen = next((f for f in files if f.suffix != ".geojson"), files[0] if files else None)
        if chosen is None:
            return problem(404, t("service_no_download", lang, job=job), code="NoSuchJob")
        data = chosen.read_bytes()
        return 200, [("Content-Type", SCREEN_FORMATS[chosen.suffix.lstrip(".")]),
                     ("Content-Disposition", f'attachment; filename="{chosen.name}"'),
                     ("Content-Length", str(len(data)))], data


def _write_configuration(settings: ServiceSettings, host: str, port: int, environ: MutableMapping[str, str]) -> None:
    """pygeoapi's configuration and OpenAPI document, made in code and written to the state
    folder, named in ``environ`` by the variables pygeoapi reads on import."""
    import yaml
    from pygeoapi.openapi import get_oas

    from .config import pygeoapi_config

    st = settings.zones.station
    bbox = [st.longitude_deg - 0.1, st.latitude_deg - 0.1, st.longitude_deg + 0.1, st.latitude_deg + 0.1]
    cfg = pygeoapi_config(settings.url, host, port, settings.state_dir, bbox)
    cfg_path = settings.state_dir / "pygeoapi-config.yml"
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    api_path = settings.state_dir / "pygeoapi-openapi.json"
    api_path.write_text(json.dumps(get_oas(cfg), ensure_ascii=False, default=str), encoding="utf-8")
    environ["PYGEOAPI_CONFIG"] = str(cfg_path)
    environ["PYGEOAPI_OPENAPI"] = str(api_path)


def make_app(settings: ServiceSettings, environ: MutableMapping[str, str], host: str = "127.0.0.1",
             port: int = 5000) -> GeozonesApp:
    """The service's WSGI application for ``settings`` (one per server process: pygeoapi
    reads its configuration once, on import, from the process's environment: ``environ``,
    the command line's process environment, receives ``PYGEOAPI_CONFIG`` and ``PYGEOAPI_OPENAPI``).

    Raises
    ------
    MissingExtraError
        Without the ``serve`` extra (pygeoapi, waitress).
    """
    from .._optional import require

    require("pygeoapi")
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    settings.jobs_dir.mkdir(parents=True, exist_ok=True)
    set_current(settings)
    _write_configuration(settings, host, port, environ)
    flask_app = require("pygeoapi.flask_app")

    def failed(exc: Exception):   # a bug inside pygeoapi or a plugin: a document, no traceback
        from flask import request
        from werkzeug.exceptions import HTTPException

        lang = request_lang(request.environ, settings.lang)
        if isinstance(exc, HTTPException):   # no such route, no such method: a document too
            code = exc.code or 500
            if code < 400:
                return exc   # a redirect (a trailing slash) stays one
            key = {404: "service_no_route", 405: "service_no_method"}.get(code, "service_http")
            status, headers, body = problem(code, t(key, lang, path=request.path[:200], method=request.method,
                                                   status=code))
            return body, status, headers
        print(f"geozones serve: {type(exc).__name__}: {first_line(exc)}", file=sys.stderr)
        status, headers, body = problem(500, t("service_internal", lang, why=type(exc).__name__))
        return body, status, headers

    flask_app.APP.register_error_handler(Exception, failed)
    return GeozonesApp(flask_app.APP, settings)


def job_progress(job_id: str, percent: int) -> None:
    """A running job's progress in pygeoapi's job database (its status: running)."""
    from pygeoapi import flask_app
    from pygeoapi.util import get_current_datetime

    flask_app.api_.manager.update_job(job_id, {"status": "running", "progress": int(percent),
                                               "message": f"screening: {percent} %",
                                               "updated": get_current_datetime()})


def _waitress_error_task(settings: ServiceSettings):
    """waitress's task answering a request it refuses itself (a body over the limit, headers
    too large, a malformed request), answering with an exception document as the
    application does, in the request's language, instead of waitress's plain text."""
    from waitress.task import ErrorTask

    class DocumentErrorTask(ErrorTask):
        def execute(self):
            error = self.request.error
            code = int(getattr(error, "code", 400))
            asked = {"QUERY_STRING": getattr(self.request, "query", "") or "",
                     "HTTP_ACCEPT_LANGUAGE": self.request.headers.get("ACCEPT_LANGUAGE", "")}
            lang = request_lang(asked, settings.lang)
            if code == 413:
                size = self.request.headers.get("CONTENT_LENGTH") or f"> {settings.max_body_bytes}"   # chunked
                detail = t("service_too_large", lang, size=size, limit=settings.max_body_bytes)
            else:
                detail = t("service_http", lang, status=code, path=str(getattr(self.request, "path", ""))[:200],
                           method=str(getattr(self.request, "command", "")))
            status, headers, body = problem(code, detail)
            self.status = f"{status} {HTTPStatus(status).phrase}"
            self.response_headers.extend(h for h in headers if h[0] != "Content-Length")
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    return DocumentErrorTask


def run(settings: ServiceSettings, environ: MutableMapping[str, str], host: str, port: int, threads: int = 8) -> None:
    """Serve ``settings`` on ``host``:``port`` with waitress until interrupted (``environ``:
    see :func:`make_app`)."""
    from .._optional import require

    app = make_app(settings, environ, host, port)
    require("waitress")
    from waitress.channel import HTTPChannel
    from waitress.server import create_server

    class Channel(HTTPChannel):
        error_task_class = _waitress_error_task(settings)

    # waitress refuses a body over the limit before reading it (it takes ``size <
    # max_request_body_size``), as the application would, with the same document
    servers: dict = {}
    server = create_server(app, map=servers, host=host, port=port, threads=threads, ident="geozones",
                           max_request_body_size=settings.max_body_bytes + 1)
    for listener in list(servers.values()):
        if hasattr(listener, "channel_class"):
            listener.channel_class = Channel
    server.run()
