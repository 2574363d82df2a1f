"""``geozones serve``: the real server, started once in a subprocess on a free port, asked over
HTTP. The check's JSON is compared with ``geozones check --json``'s for the same footprint,
byte for byte; the numbers with the plan's formula worked out here."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from service_server import CLI, running_server

pytest.importorskip("pygeoapi")
pytest.importorskip("waitress")

TOKEN = "test-token-26"
#: A 20 m square 336 m east of the fence, in the control zone and the sunrise sector.
SQUARE = {"type": "Polygon", "coordinates": [[[111.5745, 35.5054], [111.5747, 35.5054], [111.5747, 35.5056],
                                              [111.5745, 35.5056], [111.5745, 35.5054]]]}
SQUARE_WKT = "POLYGON ((111.5745 35.5054, 111.5747 35.5054, 111.5747 35.5056, 111.5745 35.5056, 111.5745 35.5054))"
POINT = {"type": "Point", "coordinates": [111.5745, 35.5054]}
MAX_BODY = 64 * 1024




@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The running service: its base URL and data folder (a file inside, a link leading out,
    a FIFO in a folder inside)."""
    root = tmp_path_factory.mktemp("serve")
    data = root / "data"
    data.mkdir()
    (data / "in.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"h": 5}, "geometry": POINT}]}), encoding="utf-8")
    (root / "secret.geojson").write_text((data / "in.geojson").read_text(encoding="utf-8"), encoding="utf-8")
    (data / "link.geojson").symlink_to(root / "secret.geojson")
    (data / "tmp").mkdir()
    os.mkfifo(data / "tmp" / "fifo.geojson")   # a reader opening it would wait for ever
    with running_server(root / "state", ["--data-dir", str(data), "--max-body", str(MAX_BODY)],
                        env={"GEOZONES_TOKEN": TOKEN}) as running:
        yield {**running, "data": data, "state": root / "state"}


def call(server, path, body=None, *, token=TOKEN, headers=None, raw: bytes | None = None):
    """``(status, headers, body bytes)`` of one request; never raises for an HTTP status."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(server["url"] + path, data=data, method="POST" if data is not None else "GET")
    req.add_header("Content-Type", "application/json")
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def call_json(server, path, body=None, **kw):
    status, headers, content = call(server, path, body, **kw)
    return status, json.loads(content)


def test_processes_are_listed_with_bilingual_titles_and_schemas(server):
    from geozones.text import t

    status, doc = call_json(server, "/processes")
    assert status == 200
    titles = {p["id"]: p["title"] for p in doc["processes"]}
    assert titles == {"geozones-check": t("service_check_title", "en"), "geozones-screen": t("service_screen_title", "en")}
    status, zh = call_json(server, "/processes", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert {p["id"]: p["title"] for p in zh["processes"]}["geozones-check"] == t("service_check_title", "zh")
    status, zh = call_json(server, "/processes/geozones-screen?lang=zh")
    assert zh["title"] == t("service_screen_title", "zh")
    status, check = call_json(server, "/processes/geozones-check")
    assert {"footprint", "crs", "height_m", "kind", "floors", "use", "width", "lang"} <= set(check["inputs"])
    assert check["inputs"]["footprint"]["minOccurs"] == 1 and check["inputs"]["height_m"]["schema"]["type"] == "number"
    assert "verdict" in check["outputs"]["result"]["schema"]["required"]


def test_check_answers_the_json_of_geozones_check(server):
    status, headers, content = call(server, "/processes/geozones-check/execution", {"inputs": {
        "footprint": SQUARE, "crs": "EPSG:4326", "height_m": 12, "kind": "building"}})
    assert status == 200, content
    cli = subprocess.run([*CLI, "check", "--footprint", SQUARE_WKT, "--crs", "EPSG:4326", "--height", "12",
                          "--kind", "building", "--json"], capture_output=True, text=True, check=True)
    assert content.decode("utf-8") + "\n" == cli.stdout   # the same text, from the same function
    doc = json.loads(content)
    # the sunrise sector's limit, H ≤ D × tan 5° (Art. 12.3 (2) ⑦), at the nearest corner
    assert doc["zone"] == "control" and doc["verdict"] == "pass"
    assert doc["max_height_m"] == pytest.approx(doc["distance_m"] * math.tan(math.radians(5)), abs=0.002)
    assert doc["findings"] and all(f["article"] for f in doc["findings"]) and doc["notices"]


def test_check_with_the_optional_inputs_and_in_chinese(server):
    status, doc = call_json(server, "/processes/geozones-check/execution", {"inputs": {
        "footprint": POINT, "height_m": 40, "kind": "building", "floors": 12, "use": "residential", "lang": "zh"}})
    assert status == 200
    assert doc["verdict"] == "fail" and doc["exceedance_m"] == pytest.approx(40 - doc["max_height_m"], abs=0.002)
    assert any("\u4e00" <= c <= "\u9fff" for c in doc["findings"][0]["message"] if isinstance(c, str))


@pytest.mark.parametrize(("inputs", "name", "status"), [
    ({"footprint": {"type": "Polygon", "coordinates": [[1, 2]]}, "height_m": 12}, "footprint", 400),
    ({"footprint": POINT, "height_m": 12, "kind": "castle"}, "kind", 400),
    ({"footprint": POINT, "height_m": "NaN"}, "height_m", 400),
    ({"footprint": POINT, "crs": "EPSG:999999"}, "crs", 400),
    ({"footprint": POINT, "crs": "EPSG:4546", "height_m": 12}, "crs", 400),   # degrees in a metric CRS
    ({"height_m": 12}, "footprint", 400),
    ({"footprint": POINT, "floors": 2.5}, "floors", 400),
    ({"footprint": POINT, "lang": "fr"}, "lang", 400),
])
def test_bad_inputs_get_an_exception_document_naming_them(server, inputs, name, status):
    raw = json.dumps({"inputs": inputs}).replace('"NaN"', "NaN").encode()
    code, headers, content = call(server, "/processes/geozones-check/execution", raw=raw)
    doc = json.loads(content)
    assert code == status and doc["input"] == name and f"'{name}'" in doc["detail"]
    assert {"type", "title", "detail"} <= set(doc) and b"Traceback" not in content


def test_errors_speak_the_requests_language(server):
    bad = {"inputs": {"footprint": POINT, "kind": "castle"}}
    _, by_header = call_json(server, "/processes/geozones-check/execution", bad, headers={"Accept-Language": "zh-CN"})
    _, by_input = call_json(server, "/processes/geozones-check/execution", {"inputs": {**bad["inputs"], "lang": "zh"}})
    assert by_header["detail"].startswith("输入“kind”") and by_input["detail"] == by_header["detail"]


def test_oversize_and_unreadable_bodies_are_refused(server):
    big = json.dumps({"inputs": {"footprint": "POINT (1 2)", "pad": "x" * MAX_BODY}}).encode()
    code, _, content = call(server, "/processes/geozones-check/execution", raw=big)
    assert code == 413 and "--max-body" in json.loads(content)["detail"]
    code, _, content = call(server, "/processes/geozones-check/execution", raw=b"{not json")
    assert code == 400 and json.loads(content)["type"] == "InvalidParameterValue"


def test_a_burst_of_bad_requests_then_a_good_one(server):
    bad = [b"", b"[]", b"{\"inputs\": 3}", b"\xff\xfe", b"{\"inputs\": {\"footprint\": {}}}",
           b"{\"inputs\": {\"footprint\": \"POLYGON ((\"}}", b"{\"inputs\": {\"footprint\": \"POINT (1e400 0)\"}}"]
    statuses = [call(server, "/processes/geozones-check/execution", raw=body)[0] for body in bad * 4]
    statuses += [call(server, path)[0] for path in ("/processes/nosuch", "/jobs/nosuch", "/collections/nosuch/items")]
    assert all(400 <= s < 500 for s in statuses), statuses
    status, doc = call_json(server, "/processes/geozones-check/execution", {"inputs": {"footprint": POINT, "height_m": 10}})
    assert status == 200 and doc["verdict"] == "pass" and server["proc"].poll() is None


def test_every_request_needs_the_token(server):
    for path in ("/", "/processes", "/collections/zones/items", "/map"):
        code, headers, content = call(server, path, token=None)
        assert code == 401 and headers.get("WWW-Authenticate", "").startswith("Bearer"), path
    assert call(server, "/processes", token="wrong")[0] == 401
    assert call(server, "/", token=TOKEN)[0] == 200


def _raw(server, method, path, headers=None, body=None):
    """One request without following redirects: ``(status, headers, body)``."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, res.headers, res.read()
    finally:
        conn.close()


def test_map_token_opens_a_session_cookie(server):
    """GET /map?token=… (a browser's way in): a redirect to /map without the token and an
    HttpOnly SameSite=Strict cookie that is not the token; the cookie then stands for the
    token, for a POST only from the service's own origin."""
    status, headers, body = _raw(server, "GET", f"/map?token={TOKEN}&lang=zh")
    assert status == 303 and headers["Location"] == "/map?lang=zh" and body == b""
    cookie = headers["Set-Cookie"]
    name, value = cookie.split(";")[0].split("=", 1)
    assert name == "geozones_session" and value and TOKEN not in cookie
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= {p.strip() for p in cookie.split(";")}
    assert _raw(server, "GET", "/map?token=wrong")[0] == 401
    jar = {"Cookie": f"geozones_session={value}"}
    status, _, page = _raw(server, "GET", "/map", jar)
    assert status == 200 and TOKEN.encode() not in page
    assert _raw(server, "GET", "/map", {"Cookie": "geozones_session=forged"})[0] == 401
    body = json.dumps({"inputs": {"footprint": POINT, "height_m": 10}})
    own = {**jar, "Content-Type": "application/json", "Origin": server["url"]}
    assert _raw(server, "POST", "/processes/geozones-check/execution", own, body)[0] == 200
    for origin in ({}, {"Origin": "http://127.0.0.1:1"}, {"Origin": "null"}):   # another page on this host
        headers = {**jar, "Content-Type": "application/json", **origin}
        assert _raw(server, "POST", "/processes/geozones-check/execution", headers, body)[0] == 401, origin


def test_zones_collection_with_each_bands_permitted_height(server):
    status, doc = call_json(server, "/collections/zones/items?f=json")
    assert status == 200 and doc["type"] == "FeatureCollection"
    bands = {f["properties"]["zone"]: f["properties"] for f in doc["features"]}
    assert {"body", "protection", "control", "general", "sunrise", "sunset"} <= set(bands)
    assert bands["protection"]["height_max_m"] == 0.0   # nothing within 50 m (Art. 12.2)
    # control band 50-1000 m: D / 10 (Art. 12.3 ⑥), D × tan 5° in the sun sectors, taken 0.5 m inside
    assert bands["control"]["height_min_m"] == pytest.approx(50.5 * math.tan(math.radians(5)), abs=0.02)
    assert bands["control"]["height_max_m"] == pytest.approx(999.5 / 10, abs=0.05)


def test_collections_in_gcj02_on_request(server):
    from geozones.core.datums import from_wgs84

    _, wgs = call_json(server, "/collections/zones/items?f=json")
    _, gcj = call_json(server, "/collections/zones/items?f=json&datum=gcj02")
    lon, lat = wgs["features"][1]["geometry"]["coordinates"][0][0]
    x, y = from_wgs84([lon], [lat], "GCJ-02")
    assert gcj["features"][1]["geometry"]["coordinates"][0][0] == pytest.approx([x[0], y[0]], abs=1e-9)
    assert 100 < math.hypot((x[0] - lon) * 111_320 * math.cos(math.radians(lat)), (y[0] - lat) * 111_320) < 1000
    status, doc = call_json(server, "/collections/zones/items?datum=mars")
    assert status == 400 and "gcj02" in doc["description"]


def test_heightsteps_collection(server):
    status, doc = call_json(server, "/collections/heightsteps/items?f=json&limit=1000")
    assert status == 200
    steps = [(f["properties"]["from_m"], f["properties"]["to_m"]) for f in doc["features"]]
    assert steps[0] == (0.0, 0.0) and steps[1] == (0.0, 10.0)
    assert all(hi - lo == 10.0 for lo, hi in steps[1:])


def _wait(server, job: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        _, doc = call_json(server, f"/jobs/{job}?f=json")
        if doc["status"] in ("successful", "failed") or time.monotonic() > deadline:
            return doc
        time.sleep(0.2)


FEATURES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"h": 12, "name": "a"}, "geometry": POINT},
    {"type": "Feature", "properties": {"h": 40, "name": "b"}, "geometry": POINT},
    {"type": "Feature", "properties": {"h": 3, "name": "c"}, "geometry": SQUARE}]}


def test_screen_runs_as_a_job_with_results_and_a_download(server, tmp_path):
    import geopandas as gpd

    from geozones import check

    status, headers, _ = call(server, "/processes/geozones-screen/execution", {"inputs": {
        "features": FEATURES, "height_field": "h", "format": "gpkg"}}, headers={"Prefer": "respond-async"})
    assert status == 201 and headers["Preference-Applied"] == "respond-async"
    job = headers["Location"].rsplit("/", 1)[1]
    state = _wait(server, job)
    assert state["status"] == "successful" and state["progress"] == 100
    _, result = call_json(server, f"/jobs/{job}/results?f=json")
    got = [(f["properties"]["name"], f["properties"]["gz_verdict"]) for f in result["features"]]
    import shapely.geometry

    want = [(f["properties"]["name"], check(shapely.geometry.shape(f["geometry"]), height=f["properties"]["h"],
                                            crs="EPSG:4326").verdict) for f in FEATURES["features"]]
    assert got == want == [("a", "pass"), ("b", "fail"), ("c", "pass")]
    assert result["summary"]["rows"] == 3 and result["download"]["format"] == "gpkg"
    status, headers, content = call(server, f"/jobs/{job}/download")
    assert status == 200 and headers["Content-Type"] == "application/geopackage+sqlite3"
    (tmp_path / "got.gpkg").write_bytes(content)
    frame = gpd.read_file(tmp_path / "got.gpkg", layer=0)
    assert frame["gz_verdict"].tolist() == ["pass", "fail", "pass"]


def test_a_failing_job_is_a_job_status(server):
    status, headers, _ = call(server, "/processes/geozones-screen/execution", {"inputs": {
        "file": "in.geojson", "height_field": "nosuch"}}, headers={"Prefer": "respond-async"})
    assert status == 201
    state = _wait(server, headers["Location"].rsplit("/", 1)[1])
    assert state["status"] == "failed" and "nosuch" in state["message"] and str(server["data"]) not in state["message"]


def test_files_by_reference_stay_inside_the_data_folder(server):
    status, doc = call_json(server, "/processes/geozones-screen/execution", {"inputs": {"file": "in.geojson",
                                                                                     "height_field": "h"}})
    assert status == 200 and doc["features"][0]["properties"]["gz_verdict"] == "pass"
    for name in ("../secret.geojson", str(server["data"].parent / "secret.geojson"), "link.geojson",
                 "sub/../../secret.geojson", "nosuch.geojson"):
        status, doc = call_json(server, "/processes/geozones-screen/execution", {"inputs": {"file": name}})
        assert status == 400 and doc["input"] == "file", name
    status, doc = call_json(server, "/processes/geozones-screen/execution", {"inputs": {}})
    assert status == 400 and doc["input"] == "features"


def test_the_map_page_is_served_with_the_service_flag(server):
    status, headers, content = call(server, "/map")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'"service":{"check":"/processes/geozones-check/execution"' in content


def test_the_job_count_is_limited(tmp_path):
    from geozones.check import ZoneSet
    from geozones.service import ServiceSettings

    s = ServiceSettings(zones=ZoneSet(), state_dir=tmp_path, max_jobs=2)
    a, b, c = s.take_job(), s.take_job(), s.take_job()
    assert a is not None and b is not None and c is None
    a.release()
    a.release()   # given back once, however often released
    assert s.jobs_open == 1 and s.take_job() is not None and s.take_job() is None


def test_a_missing_extra_is_one_line(monkeypatch):
    from geozones._optional import require
    from geozones.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "pygeoapi", None)
    with pytest.raises(MissingExtraError, match=r"geozones\[serve\]"):
        require("pygeoapi")


def test_serve_binds_loopback_by_default():
    from geozones.cli.serve import serve

    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
    assert next(p for p in serve.params if p.name == "port").default == 5000


def test_the_state_folder_keeps_the_generated_configuration(server):
    state = Path(server["data"]).parent / "state"
    assert (state / "pygeoapi-config.yml").is_file() and (state / "jobs").is_dir()


# -- a hostile or clumsy client (issue 26 review): every bad request a 4xx document naming the
# -- input, in the request's language; nothing kept that nobody asks for; the server lives on

CHECK = "/processes/geozones-check/execution"
SCREEN = "/processes/geozones-screen/execution"


@pytest.mark.parametrize(("path", "raw", "name"), [
    (CHECK, b'{"inputs": {"footprint": "POINT (1 2)", "height_m": ' + b"9" * 5000 + b"}}", None),   # past int's digits
    (CHECK, b'{"inputs": ' + b"[" * 3000 + b"]" * 3000 + b"}", None),   # deeper than the JSON reader goes
    (CHECK, json.dumps({"inputs": {"footprint": POINT}, "subscriber": "x"}).encode(), "subscriber"),
    (CHECK, json.dumps({"inputs": {"footprint": POINT}, "subscriber": {"successUri": "http://127.0.0.1:9/"}}).encode(),
     "subscriber"),   # a callback to any address a client names: refused
    (CHECK, json.dumps({"inputs": {"footprint": POINT}, "response": "document"}).encode(), "response"),
    (SCREEN, json.dumps({"inputs": {"file": "in.geojson\x00.txt"}}).encode(), "file"),
    (SCREEN, json.dumps({"inputs": {"file": "a" * 5000}}).encode(), "file"),
    (SCREEN, json.dumps({"inputs": {"file": "tmp/fifo.geojson"}}).encode(), "file"),
    (SCREEN, json.dumps({"inputs": {"file": "..\\..\\secret.geojson"}}).encode(), "file"),
    (SCREEN, json.dumps({"inputs": {"features": {"type": "FeatureCollection", "features": [1, None]}}}).encode(),
     "features"),   # dropped unseen before
    (SCREEN, b'{"inputs": {"height_field": "h", "features": {"type": "FeatureCollection", "features": [{"type": '
             b'"Feature", "properties": {"h": NaN}, "geometry": {"type": "Point", "coordinates": [111.5, 35.5]}}]}}}',
     "features"),
])
def test_hostile_bodies_get_a_document_and_the_server_lives_on(server, path, raw, name):
    code, headers, content = call(server, path, raw=raw, headers={"Accept-Language": "zh"})
    doc = json.loads(content)
    assert code == 400 and headers["Content-Type"].startswith("application/problem+json"), content[:300]
    assert doc.get("input") == name and b"Traceback" not in content
    assert any("\u4e00" <= c <= "\u9fff" for c in doc["detail"])   # in the language asked for
    if name is not None:
        assert doc["detail"].startswith(f"输入“{name}”")
    assert call_json(server, CHECK, {"inputs": {"footprint": POINT, "height_m": 10}})[1]["verdict"] == "pass"


def test_unknown_routes_and_methods_get_a_document(server):
    for path, method, status in (("/nosuch", "GET", 404), (CHECK, "GET", 405), ("/processes/geozones-check", "DELETE", 405)):
        req = urllib.request.Request(server["url"] + path, method=method)
        req.add_header("Authorization", f"Bearer {TOKEN}")
        try:
            urllib.request.urlopen(req, timeout=30)
            raise AssertionError(path)
        except urllib.error.HTTPError as err:
            assert err.code == status and err.headers["Content-Type"].startswith("application/problem+json"), path
            assert path in json.loads(err.read())["detail"]


def _raw_request(server, head: bytes) -> bytes:
    """The answer to a request whose head (and no body) is sent as it is."""
    host, port = server["url"].rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(head)
        out = b""
        with contextlib.suppress(OSError):
            while chunk := s.recv(65536):
                out += chunk
    return out


def test_a_body_far_past_the_limit_gets_the_document_too(server):
    """Past --max-body waitress refuses the body before reading it; its answer is the
    service's document (it was waitress's plain text past twice the limit)."""
    size = 3 * MAX_BODY
    answer = _raw_request(server, (f"POST {CHECK} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                                   f"Accept-Language: zh\r\nContent-Type: application/json\r\n"
                                   f"Content-Length: {size}\r\n\r\n").encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413") and b"application/problem+json" in head
    doc = json.loads(body)
    assert doc["status"] == 413 and str(size) in doc["detail"] and "--max-body" in doc["detail"]
    assert "字节" in doc["detail"]


def test_synchronous_checks_are_not_kept(server):
    before = set(p.name for p in (server["state"] / "pygeoapi-jobs").iterdir())
    for _ in range(3):
        status, headers, _ = call(server, CHECK, {"inputs": {"footprint": POINT, "height_m": 10}})
        assert status == 200 and "Location" not in headers
    after = set(p.name for p in (server["state"] / "pygeoapi-jobs").iterdir())
    assert not [n for n in after - before if n.startswith("geozones-check")]
    _, jobs = call_json(server, "/jobs?f=json&limit=1000")
    assert not [j for j in jobs["jobs"] if j["processID"] == "geozones-check" and j["status"] == "successful"
                and j["jobID"] not in before]


def test_the_check_runs_as_a_job_when_asked_as_its_description_says(server):
    _, described = call_json(server, "/processes/geozones-check")
    assert described["jobControlOptions"] == ["sync-execute", "async-execute"]
    status, headers, _ = call(server, CHECK, {"inputs": {"footprint": POINT, "height_m": 10}},
                              headers={"Prefer": "respond-async"})
    assert status == 201 and headers["Preference-Applied"] == "respond-async"
    job = headers["Location"].rsplit("/", 1)[1]
    assert _wait(server, job)["status"] == "successful"
    _, result = call_json(server, f"/jobs/{job}/results?f=json")
    _, now = call_json(server, CHECK, {"inputs": {"footprint": POINT, "height_m": 10}})
    assert result == now


def test_a_deleted_job_takes_its_download_along(server):
    status, headers, _ = call(server, SCREEN, {"inputs": {"features": FEATURES, "height_field": "h"}},
                              headers={"Prefer": "respond-async"})
    job = headers["Location"].rsplit("/", 1)[1]
    assert _wait(server, job)["status"] == "successful"
    assert call(server, f"/jobs/{job}/download")[0] == 200
    req = urllib.request.Request(f"{server['url']}/jobs/{job}", method="DELETE")
    req.add_header("Authorization", f"Bearer {TOKEN}")
    with urllib.request.urlopen(req, timeout=30) as res:
        assert res.status == 200
    assert call(server, f"/jobs/{job}/download")[0] == 404 and call(server, f"/jobs/{job}/results?f=json")[0] == 404
    assert not (server["state"] / "jobs" / job).exists()


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    """A server taking one job at a time and keeping two, over two stations (``--stations``),
    with a 20,000-row file that takes a while to screen. No token."""
    root = tmp_path_factory.mktemp("busy")
    data = root / "data"
    data.mkdir()
    rows = [{"type": "Feature", "properties": {"h": i % 40},
             "geometry": {"type": "Point", "coordinates": [111.5745 + i * 1e-6, 35.5054]}} for i in range(20_000)]
    (data / "big.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": rows}), encoding="utf-8")
    stations = root / "stations"
    stations.mkdir()
    from geozones.station import default_station_path

    text = default_station_path().read_text(encoding="utf-8")
    lon = 111.571
    assert f"longitude_deg = {lon}" in text
    (stations / "a.toml").write_text(text.replace('id = "jiangxian"', 'id = "a"'), encoding="utf-8")
    (stations / "b.toml").write_text(text.replace('id = "jiangxian"', 'id = "b"')
                                     .replace(f"longitude_deg = {lon}", f"longitude_deg = {lon + 0.2}"), encoding="utf-8")
    with running_server(root / "state", ["--data-dir", str(data), "--max-jobs", "1", "--keep-jobs", "2",
                                         "--stations", str(stations)], env={"GEOZONES_TOKEN": None}) as running:
        yield {**running, "data": data, "state": root / "state", "b_lon": lon + 0.2}


def test_the_job_limit_over_http(busy):
    big = {"inputs": {"file": "big.geojson", "height_field": "h"}}
    status, headers, _ = call(busy, SCREEN, big, token=None, headers={"Prefer": "respond-async"})
    assert status == 201
    job = headers["Location"].rsplit("/", 1)[1]
    status, headers, content = call(busy, SCREEN, big, token=None, headers={"Prefer": "respond-async",
                                                                            "Accept-Language": "zh"})
    doc = json.loads(content)   # the one place is taken while the first screens 20,000 rows
    assert status == 429 and doc["type"] == "TooManyJobs" and "--max-jobs" in doc["detail"] and "作业" in doc["detail"]
    assert _wait(busy, job)["status"] == "successful"
    status, headers, _ = call(busy, SCREEN, {"inputs": {"features": FEATURES, "height_field": "h"}}, token=None,
                              headers={"Prefer": "respond-async"})
    assert status == 201   # given back when the job ended
    assert _wait(busy, headers["Location"].rsplit("/", 1)[1])["status"] == "successful"


def test_a_place_is_given_back_when_no_job_runs(busy):
    """Requests pygeoapi (or the layer before it) refuses before making a process hold no
    place: with one place, a good screening still runs after three of them."""
    for extra in ({"subscriber": {"inProgressUri": "http://127.0.0.1:9/"}}, {"response": "bogus"},
                  {"inputs": {"features": FEATURES, "height_field": 3}}):
        body = {"inputs": {"features": FEATURES, "height_field": "h"}, **extra}
        assert call(busy, SCREEN, body, token=None, headers={"Prefer": "respond-async"})[0] == 400
    status, doc = call_json(busy, SCREEN, {"inputs": {"features": FEATURES, "height_field": "h"}}, token=None)
    assert status == 200 and len(doc["features"]) == 3


def test_a_place_is_given_back_when_pygeoapi_fails_before_the_process(tmp_path):
    """However pygeoapi answers without running the process (an error document, an exception),
    the place taken for the request is free again."""
    from geozones.check import ZoneSet
    from geozones.service import ServiceSettings
    from geozones.service.app import GeozonesApp

    settings = ServiceSettings(zones=ZoneSet(), state_dir=tmp_path, max_jobs=1)

    def refuses(environ, start_response):
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [b"{}"]

    def breaks(environ, start_response):
        raise OSError("the job database is gone")

    body = json.dumps({"inputs": {"features": FEATURES, "height_field": "h"}}).encode()
    for inner in (refuses, breaks):
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": SCREEN, "CONTENT_LENGTH": str(len(body)),
                   "wsgi.input": io.BytesIO(body), "QUERY_STRING": "", "HTTP_PREFER": "respond-async"}
        answer = GeozonesApp(inner, settings)(environ, lambda status, headers, exc_info=None: None)
        assert b"".join(answer) and settings.jobs_open == 0, inner.__name__


def test_finished_jobs_are_pruned_to_keep_jobs(busy):
    jobs = []
    for _ in range(4):
        status, headers, _ = call(busy, SCREEN, {"inputs": {"features": FEATURES, "height_field": "h"}}, token=None,
                                  headers={"Prefer": "respond-async"})
        assert status == 201
        jobs.append(headers["Location"].rsplit("/", 1)[1])
        assert _wait(busy, jobs[-1])["status"] == "successful"
    call(busy, CHECK, {"inputs": {"footprint": POINT}}, token=None)   # an execution prunes
    _, listed = call_json(busy, "/jobs?f=json&limit=1000", token=None)
    assert {j["jobID"] for j in listed["jobs"]} == set(jobs[-2:])
    assert {p.name for p in (busy["state"] / "jobs").iterdir()} == set(jobs[-2:])
    assert len(list((busy["state"] / "pygeoapi-jobs").iterdir())) == 2


def test_several_stations_are_all_served(busy):
    _, doc = call_json(busy, "/collections/zones/items?f=json&limit=1000", token=None)
    assert {f["properties"]["station"] for f in doc["features"]} >= {"a", "b"}
    _, steps = call_json(busy, "/collections/heightsteps/items?f=json&limit=1", token=None)
    _, one = call_json(busy, "/collections/heightsteps/items?f=json&limit=1&station=a", token=None)
    assert steps["numberMatched"] == 2 * one["numberMatched"]
    # 300 m east of b's field: b's control zone, answered as `check --stations` answers
    near_b = {"type": "Point", "coordinates": [busy["b_lon"] + 0.0033, 35.504]}
    status, got = call_json(busy, CHECK, {"inputs": {"footprint": near_b, "height_m": 50}}, token=None)
    assert status == 200 and got["station"] == "b" and got["verdict"] == "fail"
    cli = subprocess.run([*CLI, "check", "--footprint", f"POINT ({busy['b_lon'] + 0.0033} 35.504)", "--height", "50",
                          "--stations", str(busy["data"].parent / "stations"), "--json"],
                         capture_output=True, text=True, check=True)
    assert json.loads(cli.stdout) == got
    status, _, page = call(busy, "/map", token=None)   # b's zones drawn too: its longitude in their outlines
    assert status == 200 and f"{busy['b_lon']:.3f}".encode() in page


@pytest.mark.parametrize(("args", "warned"), [(["--host", "0.0.0.0"], True), (["--host", "192.168.1.5"], True),
                                              (["--host", "0.0.0.0", "--token", "t"], False),
                                              (["--host", "::1"], False), ([], False)])
def test_a_shared_address_without_a_token_is_warned_about(monkeypatch, tmp_path, args, warned):
    from click.testing import CliRunner

    import geozones.service.app as app
    from geozones.cli import main

    served = []
    monkeypatch.setattr(app, "run", lambda settings, environ, host, port, threads=8: served.append((host, settings)))
    monkeypatch.delenv("GEOZONES_TOKEN", raising=False)
    res = CliRunner().invoke(main, ["serve", *args, "--state-dir", str(tmp_path / "state")])
    assert res.exit_code == 0, res.output
    assert ("without --token" in res.output) is warned and served[0][0] == (args[1] if args else "127.0.0.1")


def test_a_footprint_past_max_vertices_is_refused(busy):
    """10,001 vertices (the default --max-vertices is 10,000): refused before any work; an
    invalid ring of 100,000 took minutes to repair, of 10^6 a server's memory."""
    n = 10_000
    ring = [[111.5745 + 0.0005 * math.cos(2 * math.pi * i / n), 35.5054 + 0.0005 * math.sin(2 * math.pi * i / n)]
            for i in range(n)]
    footprint = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    code, headers, content = call(busy, CHECK, {"inputs": {"footprint": footprint, "lang": "zh"}}, token=None)
    doc = json.loads(content)
    assert code == 400 and doc["input"] == "footprint" and "10001" in doc["detail"] and "--max-vertices" in doc["detail"]
    half = {"type": "Polygon", "coordinates": [ring[:5000:50] + [ring[0]]]}
    status, doc = call_json(busy, CHECK, {"inputs": {"footprint": half}}, token=None)
    assert status == 200 and doc["verdict"] in ("pass", "review")
