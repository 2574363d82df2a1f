"""PostGIS tables in and out of ``geozones screen``, against a real PostgreSQL with PostGIS
(the ``postgis_uri`` fixture of tests/pg.py: skipped without one, failing under CI=true)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from conftest import east, read_output, square_north
from pg import postgis_uri  # noqa: F401  (the fixture)
from pyproj import CRS

from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.errors import InputError, OutputError
from geozones.io.postgis import parse_table_uri, same_table, shown_uri

psycopg = pytest.importorskip("psycopg")

BIG = 2**62 + 7    # a 64-bit id no float64 holds
#: (id, 名称, 类型, 高度, footprint in the station frame, verdict): heights against D/10 and
#: the sun sector's tan 5° (tests/conftest.py)
ROWS = [
    (BIG, "北侧住宅", "建筑物", 29.0, square_north(300.0), "pass"),       # 30 m allowed
    (2, "北侧高楼", "建筑物", 31.0, square_north(300.0), "fail"),         # 1 m over
    (3, "东侧塔", "构筑物", 9.0, east(100.0).buffer(3), "fail"),          # 8.75 m in the sun sector
    (4, "缺高度", "建筑物", None, square_north(500.0), "review"),         # height missing
    (5, "未知类型", "飞船", 10.0, square_north(700.0), "error"),          # kind unknown
]
GZ = ["gz_verdict", "gz_zone", "gz_distance_m", "gz_max_height_m", "gz_exceedance_m", "gz_rules", "gz_status"]
SCREEN = ["--height-field", "高度", "--kind-field", "类型", "-q"]


def _uri(base: str, table: str, **params: str) -> str:
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    return f"{base}&table={table}{extra}"


def _tcp(base: str) -> str:
    """The fixture's database through 127.0.0.1:PORT (USER@HOST:PORT/DB, no socket)."""
    port = re.search(r"port=(\d+)", base).group(1)
    return f"postgresql://postgres@127.0.0.1:{port}/geozones_test?sslmode=disable"


def _sql(base: str, *statements, params=None):
    with psycopg.connect(base) as conn:
        out = None
        for s in statements:
            out = conn.execute(s, params).fetchall() if s.lstrip().upper().startswith("SELECT") else conn.execute(s, params)
        return out


def _make_table(base: str, table: str, epsg: int, frame) -> pd.DataFrame:
    """The parcels as table ``table`` (SRID ``epsg``, bigint ids, Chinese text); returns them."""
    geoms = from_frame(np.array([r[4] for r in ROWS], dtype=object), frame.crs, CRS.from_epsg(epsg))
    with psycopg.connect(base) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (id bigint PRIMARY KEY, 名称 text, 类型 varchar(20), 高度 numeric, "
                     f"geom geometry(Polygon, {epsg}))")
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s, %s, ST_GeomFromWKB(%s, {epsg}))",
                            [(r[0], r[1], r[2], r[3], shapely.to_wkb(g)) for r, g in zip(ROWS, geoms)])
    return pd.DataFrame({"id": [r[0] for r in ROWS], "verdict": [r[5] for r in ROWS]})


def _screen(*args, env=None):
    return CliRunner().invoke(main, ["screen", *args], env=env)


@pytest.mark.parametrize("epsg", [4546, 4326])
def test_screen_table_as_a_geopackage_of_the_same_rows(tmp_path, postgis_uri, frame, epsg):  # noqa: F811
    expected = _make_table(postgis_uri, f"public.parcels_{epsg}", epsg, frame)
    # the input through the socket (host= parameter), the output through 127.0.0.1:PORT
    res = _screen(_uri(postgis_uri, f"public.parcels_{epsg}"), "-o", _uri(_tcp(postgis_uri), f"public.out_{epsg}"), *SCREEN)
    assert res.exit_code == 0, res.output
    with psycopg.connect(postgis_uri) as conn:
        out = pd.DataFrame(conn.execute(f"SELECT id, 名称, {', '.join(GZ)} FROM out_{epsg} ORDER BY gz_status, id").fetchall(),
                           columns=["id", "名称", *GZ]).set_index("id")
        srid = conn.execute(f"SELECT Find_SRID('public', 'out_{epsg}', 'geom')").fetchone()[0]
        row_srids = {r[0] for r in conn.execute(f"SELECT DISTINCT ST_SRID(geom) FROM out_{epsg}").fetchall()}
        index = conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [f"out_{epsg}"]).fetchall()
        types = dict(conn.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
                                  [f"out_{epsg}"]).fetchall())
    assert srid == epsg and row_srids == {epsg}
    assert any("USING gist (geom)" in i[0] for i in index)
    assert types["id"] == "bigint" and types["名称"] == "text"
    assert out.loc[BIG, "名称"] == "北侧住宅"          # the 64-bit id and the Chinese text kept
    assert out.loc[expected["id"], "gz_verdict"].tolist() == expected["verdict"].tolist()
    # the same rows from a GeoPackage give the same gz_* values
    gpkg = tmp_path / "in.gpkg"
    geoms = from_frame(np.array([r[4] for r in ROWS], dtype=object), frame.crs, CRS.from_epsg(epsg))
    import geopandas as gpd

    gpd.GeoDataFrame({"id": [r[0] for r in ROWS], "名称": [r[1] for r in ROWS], "类型": [r[2] for r in ROWS],
                      "高度": [r[3] for r in ROWS]}, geometry=list(geoms), crs=epsg).to_file(gpkg)
    res = _screen(str(gpkg), "-o", str(tmp_path / "o.gpkg"), *SCREEN)
    assert res.exit_code == 0, res.output
    ref = read_output(tmp_path / "o.gpkg").set_index("id")
    for col in GZ:
        a, b = out.loc[ref.index, col].to_numpy(), ref[col].to_numpy()
        if col.endswith("_m"):
            np.testing.assert_allclose(a.astype(float), b.astype(float), rtol=0, atol=1e-6, equal_nan=True)
        else:
            assert a.tolist() == b.tolist(), col
    # the input table is as it was
    assert _sql(postgis_uri, f"SELECT count(*), sum(高度) FROM parcels_{epsg}")[0] == (5, 79)   # 29 + 31 + 9 + 10


def test_existing_output_refused_then_replaced_with_overwrite(postgis_uri, frame):  # noqa: F811
    _make_table(postgis_uri, "public.p_ow", 4546, frame)
    _sql(postgis_uri, "DROP TABLE IF EXISTS public.o_ow", "CREATE TABLE public.o_ow (x int)", "INSERT INTO public.o_ow VALUES (42)")
    args = [_uri(postgis_uri, "public.p_ow"), "-o", _uri(postgis_uri, "public.o_ow"), *SCREEN]
    res = _screen(*args)
    assert res.exit_code == 3 and "exists: pass --overwrite" in res.output and "Traceback" not in res.output
    assert _sql(postgis_uri, "SELECT x FROM public.o_ow") == [(42,)]
    res = _screen(*args, "--overwrite")
    assert res.exit_code == 0, res.output
    assert _sql(postgis_uri, "SELECT count(*) FROM public.o_ow WHERE gz_verdict IS NOT NULL") == [(5,)]


def test_failure_midway_leaves_no_table_and_keeps_the_old_one(postgis_uri, frame, monkeypatch):  # noqa: F811
    import geozones.screen as scr
    from geozones.check import ZoneSet
    from geozones.screen import ScreenOptions, screen_file

    _make_table(postgis_uri, "public.p_fail", 4546, frame)
    _sql(postgis_uri, "DROP TABLE IF EXISTS public.o_fail", "DROP TABLE IF EXISTS public.o_keep",
         "CREATE TABLE public.o_keep (x int)", "INSERT INTO public.o_keep VALUES (7)")
    real, calls = scr.screen_chunk, {"n": 0}

    def failing(*a, **k):   # the second chunk fails, after the first was copied in
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(*a, **k)

    monkeypatch.setattr(scr, "screen_chunk", failing)
    opts = ScreenOptions(height_field="高度", kind_field="类型")
    for out, overwrite in (("public.o_fail", False), ("public.o_keep", True)):
        calls["n"] = 0
        with pytest.raises(RuntimeError, match="disk full"):
            screen_file(_uri(postgis_uri, "public.p_fail"), _uri(postgis_uri, out), zones=ZoneSet(), opts=opts,
                        chunk_size=2, overwrite=overwrite)
    assert _sql(postgis_uri, "SELECT to_regclass('public.o_fail')") == [(None,)]
    assert _sql(postgis_uri, "SELECT x FROM public.o_keep") == [(7,)]


def test_bad_height_column_leaves_no_table(postgis_uri, frame):  # noqa: F811
    _make_table(postgis_uri, "public.p_bad", 4546, frame)
    res = _screen(_uri(postgis_uri, "public.p_bad"), "-o", _uri(postgis_uri, "public.o_bad"), "--height-field", "nope")
    assert res.exit_code == 2 and "has no column 'nope'" in res.output and len(res.output.strip().splitlines()) == 1
    assert _sql(postgis_uri, "SELECT to_regclass('public.o_bad')") == [(None,)]


def test_output_that_is_the_input_refused(postgis_uri, frame):  # noqa: F811
    _make_table(postgis_uri, "public.p_same", 4546, frame)
    for out in ("public.p_same", "p_same"):   # the schema left to the search path: public
        res = _screen(_uri(postgis_uri, "public.p_same"), "-o", _uri(postgis_uri, out), "--overwrite", *SCREEN)
        assert res.exit_code == 3 and "is the input" in res.output, res.output
    assert _sql(postgis_uri, "SELECT count(*) FROM public.p_same") == [(5,)]
    assert _sql(postgis_uri, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'p_same'") == [(5,)]


def test_password_never_printed(postgis_uri, frame, tmp_path):  # noqa: F811
    _make_table(postgis_uri, "public.p_pw", 4546, frame)
    secret = "Sup3r-s3cret"
    with_pw = postgis_uri.replace("postgres@", f"postgres:{secret}@")   # trust: any password works
    env = {"PGPASSWORD": "env-" + secret}
    res = _screen(_uri(with_pw, "public.p_pw"), "-o", _uri(with_pw, "public.o_pw"), "--height-field", "高度",
                  "--kind-field", "类型", "--report", "-", env=env)
    assert res.exit_code == 0, res.output
    assert secret not in res.output and json.loads(res.output)["output"] == _uri(postgis_uri.replace("postgres@", "postgres:***@"),
                                                                                  "public.o_pw")
    res = _screen(_uri(with_pw, "public.p_pw"), "-o", _uri(with_pw, "public.o_pw"), "--height-field", "高度", env=env)
    assert res.exit_code == 3 and "postgres:***@" in res.output and secret not in res.output
    for uri in (_uri(with_pw, "public.nope"), f"postgresql://u:{secret}@127.0.0.1:1/x?table=a.b&password={secret}",
                _uri(postgis_uri, "public.p_pw", password=secret)):
        res = _screen(uri, "-o", str(tmp_path / "o.gpkg"), "--height-field", "no_such_column", env=env)
        assert res.exit_code == 2 and secret not in res.output and "***" in res.output, res.output


@pytest.mark.parametrize("table, setup, message", [
    (None, None, "names no table: add ?table=SCHEMA.TABLE"),
    ("public.missing", None, "the database has no table public.missing"),
    ("public.no_geom", "CREATE TABLE public.no_geom (id int, wkt text)", "has no PostGIS geometry column"),
    ("public.two_geoms", "CREATE TABLE public.two_geoms (a geometry(Point, 4546), b geometry(Point, 4546))",
     "several geometry columns (a, b): name one with &geometry=COLUMN"),
])
def test_one_line_errors(postgis_uri, tmp_path, table, setup, message):  # noqa: F811
    if setup:
        _sql(postgis_uri, f"DROP TABLE IF EXISTS {table}", setup)
    res = _screen(postgis_uri if table is None else _uri(postgis_uri, table), "-o", str(tmp_path / "o.gpkg"))
    assert res.exit_code == 2 and message in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1 and "Traceback" not in res.output


def test_bad_uri_and_unreachable_server_one_line(tmp_path):
    for uri, message in (("postgresql://u@host:notaport/db?table=a.b", "cannot read the connection URI"),
                         ("postgresql://u@127.0.0.1:1/db?table=a.b", "cannot connect to postgresql://u@127.0.0.1:1/db")):
        res = _screen(uri, "-o", str(tmp_path / "o.gpkg"))
        assert res.exit_code == 2 and message in res.output, res.output
        assert len(res.output.strip().splitlines()) == 1


def test_geometry_parameter_and_chunks(postgis_uri, frame):  # noqa: F811
    """``geometry=`` picks a column; the rows come in chunks of ``chunk_size`` in one snapshot."""
    from geozones.io import open_reader

    _sql(postgis_uri, "DROP TABLE IF EXISTS public.p_two",
         "CREATE TABLE public.p_two (id bigint, a geometry(Point, 4546), b geometry(Point, 4326))",
         "INSERT INTO public.p_two SELECT i, ST_SetSRID(ST_MakePoint(i, 0), 4546), ST_SetSRID(ST_MakePoint(111.5, 35.5), 4326) "
         "FROM generate_series(1, 7) i")
    src = open_reader(_uri(postgis_uri, "public.p_two", geometry="b"), chunk_size=3)
    assert (src.kind, src.n_rows, src.columns, src.geometry_type) == ("postgis", 7, ["id", "a"], "Point")
    assert CRS(src.crs).to_epsg() == 4326
    chunks = list(src.chunks())
    assert [len(c[0]) for c in chunks] == [3, 3, 1]
    assert chunks[0][0]["id"].tolist() == [1, 2, 3] and shapely.get_x(chunks[0][1][0]) == pytest.approx(111.5)
    # names as stored, letter case included: the SRID of "Land"."Parcels" found all the same
    _sql(postgis_uri, 'CREATE SCHEMA IF NOT EXISTS "Land"', 'DROP TABLE IF EXISTS "Land"."Parcels"',
         'CREATE TABLE "Land"."Parcels" AS SELECT id, a AS geom FROM public.p_two')
    src = open_reader(_uri(postgis_uri, "Land.Parcels"))
    assert (CRS(src.crs).to_epsg(), src.geometry_type, src.n_rows) == (4546, "Point", 7)


def test_uri_parts_handed_to_libpq_untouched():
    uri = parse_table_uri("postgresql://gz:p%40ss@db:5433/parcels?host=/run/pg&table=land.地块&sslmode=require&geometry=shape")
    assert uri.conninfo == "postgresql://gz:p%40ss@db:5433/parcels?host=/run/pg&sslmode=require"
    assert (uri.schema, uri.table, uri.geometry) == ("land", "地块", "shape")
    assert uri.shown == "postgresql://gz:***@db:5433/parcels?host=/run/pg&table=land.地块&sslmode=require&geometry=shape"
    assert parse_table_uri("postgres:///db?table=t").schema is None
    assert same_table("postgresql://a@h/db?table=t", "postgresql://b@h:5432/db?table=public.t")
    assert not same_table("postgresql://a@h/db?table=t", "postgresql://a@h/other?table=t")
    assert shown_uri("postgresql://u@h/db?password=x&table=t") == "postgresql://u@h/db?password=***&table=t"
    with pytest.raises(InputError, match="names no table"):
        parse_table_uri("postgresql://u@h/db?table=.t")
    with pytest.raises(OutputError, match="names no table"):
        parse_table_uri("postgresql://u@h/db", output=True)


def test_fixture_fails_under_ci_and_skips_elsewhere(monkeypatch):
    """Without a server the tests are skipped on a developer's machine, failed under CI."""
    import pg

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="needed under CI"):
        pg._unavailable("no initdb")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        pg._unavailable("no initdb")


def test_map_and_reports_read_the_screened_table(postgis_uri, frame, tmp_path):  # noqa: F811
    from geozones.maps import read_parcels

    _make_table(postgis_uri, "public.p_map", 4546, frame)
    res = _screen(_uri(postgis_uri, "public.p_map"), "-o", _uri(postgis_uri, "public.o_map"), *SCREEN,
                  "--map", str(tmp_path / "m.html"), "--reports", str(tmp_path / "rep"))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "m.html").stat().st_size > 0 and (tmp_path / "rep" / "index.html").exists()
    parcels = read_parcels(_uri(postgis_uri, "public.o_map"))
    assert len(parcels) == 5 and parcels.crs.to_epsg() == 4546
    assert sorted(parcels["gz_verdict"]) == sorted(r[5] for r in ROWS)


@pytest.mark.parametrize("out_kind", ["table", "csv", "gpkg"])
def test_worker_processes_screen_the_chunks_read_here(postgis_uri, frame, tmp_path, out_kind):  # noqa: F811
    """A table is read in this process and its chunks handed to the worker processes: the
    output and the summary are those of a run in this process."""
    from geozones.batch.settings import Settings
    from geozones.check import ZoneSet
    from geozones.screen import ScreenOptions, screen_file

    geoms = from_frame(np.array([r[4] for r in ROWS], dtype=object), frame.crs, CRS.from_epsg(4546))
    rows = [(k * 10 + i, f"{ROWS[i][1]}{k}", ROWS[i][2], ROWS[i][3], shapely.to_wkb(geoms[i]))
            for k in range(9) for i in range(len(ROWS))]   # 45 rows
    with psycopg.connect(postgis_uri) as conn:
        conn.execute("DROP TABLE IF EXISTS public.p_work")
        conn.execute("CREATE TABLE public.p_work (id bigint, 名称 text, 类型 text, 高度 float8, geom geometry(Polygon, 4546))")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO public.p_work VALUES (%s, %s, %s, %s, ST_GeomFromWKB(%s, 4546))", rows)
    opts = ScreenOptions(height_field="高度", kind_field="类型")
    outs = {}
    for processes in (1, 2):
        dest = {"table": _uri(postgis_uri, f"public.o_work_{out_kind}_{processes}"),
                "csv": str(tmp_path / f"o{processes}.csv"), "gpkg": str(tmp_path / f"o{processes}.gpkg")}[out_kind]
        summary = screen_file(_uri(postgis_uri, "public.p_work"), dest, zones=ZoneSet(), opts=opts,
                              settings=Settings(chunk_rows=7, processes=processes, process_min_rows=1))
        if out_kind == "table":
            got = pd.DataFrame(_sql(postgis_uri, f"SELECT id, {', '.join(GZ)} FROM public.o_work_{out_kind}_{processes} ORDER BY id"),
                               columns=["id", *GZ])
        else:
            got = (pd.read_csv(dest) if out_kind == "csv" else read_output(dest))[["id", *GZ]]
        outs[processes] = (got, summary.verdicts, summary.rows)
    pd.testing.assert_frame_equal(outs[1][0], outs[2][0])
    assert outs[1][1:] == outs[2][1:] and outs[2][2] == 45
    assert outs[2][0]["id"].tolist() == [r[0] for r in rows]   # in input order
