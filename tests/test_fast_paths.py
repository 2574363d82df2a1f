"""Optimised paths equal the plain ones they replaced (issue 13): the per-row messages built
in one pass, numbers read from numeric columns without text, the summary's bookkeeping.
The plain versions are kept here, verbatim from before, as the oracles."""

import heapq

import numpy as np
import pandas as pd
import pytest
import shapely

import geozones.core.proposals as proposals
from geozones.check import ZoneSet, assess
from geozones.core.coords import from_frame, parse_crs
from geozones.core.engine import Assessment
from geozones.core.pilot import low_rise_share
from geozones.screen import ScreenSummary, _accumulate
from geozones.text import VERDICT_NAMES, article_label, name, row_messages, t, zone_name


def plain_row_messages(a: Assessment, verdict: np.ndarray, lang: str) -> np.ndarray:
    """One short line per row: verdict · zone · permitted height · excess · pilot · rules.

    Built from parts shared by many rows (text per distinct verdict/zone and per distinct set
    of rules), so only the numbers are formatted row by row. Rows not assessed get "".
    """
    ok = a.ok
    sep = " · "
    unit = t("unit_m", lang)
    verdict_s = np.asarray(verdict, dtype=str)
    zone_s = np.asarray(a.zone, dtype=str)
    _, first, inverse = np.unique(np.char.add(np.char.add(verdict_s, "|"), zone_s),
                                  return_index=True, return_inverse=True)
    heads = np.array([name(VERDICT_NAMES, verdict_s[f], lang) + sep
                      + zone_name(a.station, zone_s[f], lang) for f in first], dtype=object)
    out = heads[inverse.reshape(-1)]
    max_h = np.where(ok, a.max_height_m, np.nan)
    exc = np.where(ok, a.exceedance_m, np.nan)
    has_max = ok & ~np.isnan(max_h)
    limit_word, over_word = t("msg_max", lang), t("msg_over", lang)
    out[has_max] += np.array([f"{sep}{limit_word} {v:.2f} {unit}" for v in max_h[has_max]], dtype=object)
    over = ok & (np.nan_to_num(exc) > 0)
    out[over] += np.array([f"{sep}{over_word} {v:.2f} {unit}" for v in exc[over]], dtype=object)
    storeys = a.storeys
    for i in np.flatnonzero(ok & a.in_pilot):
        p = a.pilot(i)
        s = storeys[i]
        out[i] += sep + p.name.get(lang) + ("" if np.isnan(s) else t("msg_storeys", lang, n=f"{s:.0f}"))
    # Art. 14, 15.1: inside (or possibly inside) the protection area, approval needs consent.
    inside = ok & a.in_protection_area()
    out[inside] += sep + t("msg_approval", lang)
    group, sets = a.flag_groups
    tails = np.array(["" if not rules else sep + "; ".join(f"{r.id} ({article_label(r.article, lang, r.article_zh)})" for r in rules)
                      for rules in sets], dtype=object)[group]
    out = out + tails
    out[~ok] = ""
    return out


@pytest.fixture(scope="module")
def sample():
    """Rows near the station (every zone, sun sectors), in the pilot area, and bad rows."""
    z = ZoneSet.shared(None)
    rng = np.random.default_rng(9)
    n = 1200
    r, th = rng.uniform(0, 7000, n), rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.sin(th), r * np.cos(th)
    cx, cy = z.anchors_m[1]  # the pilot area's centre
    x[:200], y[:200] = cx + rng.uniform(-800, 800, 200), cy + rng.uniform(-800, 800, 200)
    local = shapely.box(x, y, x + rng.uniform(5, 60, n), y + rng.uniform(5, 60, n))
    geoms = from_frame(local, z.frame.crs, parse_crs("EPSG:4326")).astype(object)
    geoms[::97] = None                          # missing geometry: not assessed
    height = rng.uniform(0, 120, n)
    height[::13] = np.nan                       # height unknown
    kinds = rng.choice(np.array(["building", "road", "tower", "plant", "water"], dtype=object), n)
    floors = np.where(rng.random(n) < 0.5, rng.integers(1, 30, n).astype(float), np.nan)
    return assess(geoms, kind=kinds, height=height, floors=floors, crs="EPSG:4326", zones=z)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_row_messages_equal_the_plain_ones(sample, lang):
    a = sample
    verdict = np.where(a.ok, a.verdict, "error").astype(object)
    assert a.in_pilot.sum() > 50 and (~a.ok).sum() > 5  # the sample has every kind of row
    fast = row_messages(a, verdict, lang)
    np.testing.assert_array_equal(fast, plain_row_messages(a, verdict, lang))
    assert fast.dtype == object


def test_numbers_from_a_numeric_column_equal_the_text_path(monkeypatch):
    values = np.array([1, 2.5, None, float("nan"), -3.0, float("inf"), np.int64(7), 0, -0.0,
                       12345678901234567, 10 ** 400, True, "4", " 5 ", "x"], dtype=object)
    for part in (values[:10], values[:11], values):   # numbers only; a huge int; mixed
        for api in (False, True):
            fast = proposals._numbers(part, len(part), "height", False, api)
            monkeypatch.setattr(proposals, "_PLAIN_NUMBERS", set())
            plain = proposals._numbers(part, len(part), "height", False, api)
            monkeypatch.undo()
            np.testing.assert_array_equal(fast[0], plain[0])
            assert ([None if e is None else (e.key, e.params) for e in fast[1]]
                    == [None if e is None else (e.key, e.params) for e in plain[1]])


def plain_accumulate(summary: ScreenSummary, gz: pd.DataFrame, verdicts: dict, statuses: dict,
                residential: np.ndarray, floor_area: np.ndarray, pilot, ids: np.ndarray,
                zones: ZoneSet) -> None:
    start = summary.rows
    summary.rows += len(gz)
    for k, v in gz["gz_verdict"].value_counts().items():
        verdicts[k] = verdicts.get(k, 0) + int(v)
    st = gz["gz_status"].str.replace(r"^error: .*", "error", regex=True)
    for k, v in st.value_counts().items():
        statuses[k] = statuses.get(k, 0) + int(v)
    exc = gz["gz_exceedance_m"].to_numpy(dtype=float)
    for i in np.flatnonzero(exc > 0):
        item = (float(exc[i]), start + int(i), str(gz["gz_verdict"].iloc[i]), str(ids[i]))
        if len(summary.worst) < 10:
            heapq.heappush(summary.worst, item)
        else:
            heapq.heappushpop(summary.worst, item)
    zone = gz["gz_zone"].to_numpy(dtype=object)
    summary.protected_rows += int(np.isin(zone, ["body", "protection", "control", "general"]).sum())
    st_ = zones.station
    if st_.prevailing_wind_from_deg is None and st_.general_upwind_m > st_.general_m:
        d = gz["gz_distance_m"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            summary.maybe_protected_rows += int(((zone == "outside")
                                                 & (d <= st_.general_upwind_m + st_.tolerance_m)).sum())
    err = np.flatnonzero(gz["gz_status"].str.startswith("error").to_numpy())
    summary.error_rows += len(err)
    for i in err[: max(0, 20 - len(summary.errors))]:
        summary.errors.append((start + int(i), gz["gz_status"].iloc[i], str(ids[i])))
    if pilot is not None:
        res = (residential & gz["gz_in_pilot"].to_numpy(dtype=bool)
               & ~np.isnan(gz["gz_storeys"].to_numpy(dtype=float)))
        if res.any():
            storeys = gz["gz_storeys"].to_numpy(dtype=float)[res]
            share, total = low_rise_share(floor_area[res], storeys, pilot.low_rise_storeys)
            summary.pilot_floor_area_m2 += total
            if share is not None:
                summary.pilot_low_rise_area_m2 += share * total


def test_summary_bookkeeping_equals_the_plain_one():
    """Statuses (errors folded, one with a line break), the 10 worst exceedances with ties at
    the 10th, errors listed, protected rows: equal over two chunks."""
    z = ZoneSet.shared(None)
    rng = np.random.default_rng(4)
    chunks = []
    for n in (300, 200):
        exc = np.where(rng.random(n) < 0.5, np.round(rng.uniform(0, 5, n), 0), np.nan)
        status = rng.choice(np.array(["ok", "repaired", "ok; height missing", "error: bad row",
                                      "error: two\nlines", "error: far"], dtype=object), n)
        verdict = np.where(np.char.startswith(status.astype(str), "error"), "error",
                           rng.choice(np.array(["pass", "fail", "review"], dtype=object), n)).astype(object)
        gz = pd.DataFrame({
            "gz_verdict": verdict, "gz_exceedance_m": exc,
            "gz_zone": rng.choice(np.array(["body", "control", "general", "outside", None], dtype=object), n),
            "gz_distance_m": rng.uniform(0, 6000, n), "gz_status": status,
            "gz_in_pilot": rng.random(n) < 0.3, "gz_storeys": rng.integers(1, 20, n).astype(float)})
        chunks.append((gz, rng.random(n) < 0.5, rng.uniform(50, 500, n), np.arange(n).astype(object)))
    pilot = z.pilots[0]
    results = []
    for fn in (_accumulate, plain_accumulate):
        summary, verdicts, statuses = ScreenSummary(), {}, {}
        for gz, res, area, ids in chunks:
            fn(summary, gz, verdicts, statuses, res, area, pilot, ids, z)
        results.append((summary.to_dict(), list(statuses.items()), list(verdicts.items())))
    assert results[0] == results[1]
    assert results[0][0]["error_rows"] > 50 and len(results[0][0]["worst_exceedances"]) == 10


def test_datum_counts_equal_reading_every_row():
    """screen's GCJ-02/BD-09 counts (only rows whose verdict the shift could change are read
    again) equal reading every row in each datum, as screen did before."""
    from geozones.core.datums import DATUMS, DatumCRS
    from geozones.screen import ScreenOptions, screen_chunk

    z = ZoneSet.shared(None)
    rng = np.random.default_rng(21)
    n = 800
    r, th = rng.uniform(0, 12000, n), rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.sin(th), r * np.cos(th)
    local = shapely.box(x, y, x + rng.uniform(5, 60, n), y + rng.uniform(5, 60, n))
    geoms = from_frame(local, z.frame.crs, parse_crs("EPSG:4326")).astype(object)
    geoms[::50] = None
    df = pd.DataFrame({"H": np.round(rng.uniform(0, 150, n), 1)})
    opts = ScreenOptions(height_field="H")
    wgs = parse_crs("EPSG:4326")
    counts: dict = {}
    gz = screen_chunk(df, geoms, geoms, wgs, z, opts, datum_counts=counts)[0]
    full = {}
    for d in DATUMS:
        other = screen_chunk(df, geoms, geoms, DatumCRS(d), z, opts)[0]
        both = (gz["gz_verdict"] != "error") & (other["gz_verdict"] != "error")
        full[d] = int((both & (gz["gz_verdict"] != other["gz_verdict"])).sum())
    assert counts == full and min(full.values()) > 20


def test_input_wkb_is_written_as_is_only_where_it_equals_shapelys():
    # little-endian 2D WKB of every type, read and encoded again by shapely, is the same
    # bytes: those rows are written as read; big-endian, Z, and EWKB with an SRID are not
    from geozones.io import OutputChunk, reusable_wkb, to_arrow

    geoms = np.array([
        shapely.Point(1, 2), shapely.LineString([(0, 0), (1, 1), (2, 0)]),
        shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 1)]]),
        shapely.MultiPoint([(0, 0), (1, 1)]), shapely.MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 3)]]),
        shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]),
        shapely.GeometryCollection([shapely.Point(0, 0), shapely.box(0, 0, 1, 1)]),
        shapely.from_wkt("POLYGON EMPTY")], dtype=object)
    le = shapely.to_wkb(geoms, flavor="iso", byte_order=1)
    assert [bytes(shapely.to_wkb(shapely.from_wkb(w), flavor="iso")) for w in le] == list(le)
    # point, line, polygon with a hole: as read; multi-part, collection, empty: encoded
    assert [r is not None for r in reusable_wkb(le, shapely.from_wkb(le))] == [True] * 3 + [False] * 5
    inner_be = (b"\x01\x04\x00\x00\x00\x02\x00\x00\x00" + shapely.to_wkb(shapely.Point(0, 0))
                + shapely.to_wkb(shapely.Point(1, 1), byte_order=0))          # a big-endian part
    odd = np.array([shapely.to_wkb(geoms[2], byte_order=0),                       # big-endian
                    shapely.to_wkb(shapely.Point(1, 2, 3), flavor="iso"),         # Z
                    shapely.to_wkb(shapely.set_srid(geoms[0], 4326), include_srid=True),  # EWKB
                    le[2] + b"\x00" * 8,                                          # trailing bytes
                    inner_be, None, "POINT (1 2)"], dtype=object)
    parsed = np.array([shapely.from_wkb(v) for v in odd[:5]] + [None, shapely.Point(1, 2)], dtype=object)
    # shapely would write other bytes for all but the Z point (re-encoded too: 2D only)
    assert [bytes(shapely.to_wkb(g, flavor="iso")) != v for g, v in zip(parsed[:5], odd[:5])] == [
        True, False, True, True, True]
    assert list(reusable_wkb(odd, parsed)) == [None] * 7
    assert reusable_wkb(np.array(["POINT (1 2)"], dtype=object), parsed[4:]) is None   # WKT input

    # the writer: given bytes as they are, the other rows encoded, the same table either way
    import geopandas as gpd

    rows = np.concatenate([geoms, parsed[:5]])
    gdf = gpd.GeoDataFrame({"k": np.arange(len(rows))}, geometry=list(rows))
    plain = to_arrow(gdf)
    hinted = to_arrow(OutputChunk(gdf, wkb=reusable_wkb(np.concatenate([le, odd[:5]]), rows)))
    assert hinted.equals(plain)
    # the bytes written are shapely's ISO encoding of every row, whichever way they came
    assert hinted.column("geometry").to_pylist() == [bytes(w) for w in shapely.to_wkb(rows, flavor="iso")]


def plain_codes(values, table, n):
    """The names-to-codes of before (sorting the names), kept as the oracle."""
    index = {k: i for i, k in enumerate(table)}
    arr = np.asarray(values, dtype=object)
    arr = np.where(np.equal(arr, None), "", arr).astype(str)
    uniq, inverse = np.unique(arr, return_inverse=True)
    return np.array([index.get(u, len(table)) for u in uniq], dtype=np.int16)[inverse.reshape(-1)]


def test_codes_by_lookup_equal_codes_by_sorting():
    from geozones.core.kinds import KINDS, USES
    from geozones.core.rules import _codes

    rng = np.random.default_rng(3)
    for table in (KINDS, USES):
        pool = np.array(list(table) + [np.str_(table[0]), None, "unknown thing", "", 3, 2.5], dtype=object)
        values = pool[rng.integers(0, len(pool), 5000)]
        got = _codes(values, table, len(values))
        assert got.dtype == np.int16 and np.array_equal(got, plain_codes(values, table, len(values)))
        assert set(got[np.equal(values, None)]) == {len(table)}   # None: unknown
