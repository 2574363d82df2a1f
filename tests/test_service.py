"""``geozones serve``: the real server, started once in a subprocess on a free port, asked over
HTTP. The check's JSON is compared with ``geozones check --json``'s for the same footprint,
byte for byte; the numbers with the plan's formula worked out here."""

from __future__ import annotations

import json
import math
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
    """The running service: its base URL and data folder (a file inside, a link leading out)."""
    root = tmp_path_factory.mktemp("serve")
    data = root / "data"
    data.mkdir()
    (data / "in.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"h": 5}, "geometry": POINT}]}), encoding="utf-8")
    (root / "secret.geojson").write_text((data / "in.geojson").read_text(encoding="utf-8"), encoding="utf-8")
    (data / "link.geojson").symlink_to(root / "secret.geojson")
    with running_server(root / "state", ["--data-dir", str(data), "--max-body", str(MAX_BODY)],
                        env={"GEOZONES_TOKEN": TOKEN}) as running:
        yield {**running, "data": data}


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
    assert [s.take_job(), s.take_job(), s.take_job()] == [True, True, False]
    s.end_job()
    assert s.take_job() is True


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
