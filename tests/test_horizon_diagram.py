"""The horizon diagram's sun paths, forms and two groups of obstacles (geozones/horizon.py).

The sun paths are checked against an independent call of pvlib's SPA (``spa_python`` in the
Asia/Shanghai zone, UTC+8 without daylight saving, rather than the module's ``get_solarposition``
in Etc/GMT-8) and against hand facts: the 2025 solstices and equinox fall on 21 June, 20 March
and 21 December in UTC+8 (June solstice 02:42 UTC, March equinox 09:01 UTC, December solstice
15:03 UTC); at the equinox the noon sun stands at 90° − φ; the June-solstice sunrise azimuth is
the sunrise sector's first edge (geozones/core/sun.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from geozones.horizon import (
    APPROVED_COLOR,
    HORIZON_FORMS,
    PROPOSAL_COLOR,
    _draw_horizon,
    horizon_profile,
    plot_horizon,
    sun_path_dates,
    sun_paths,
)

DATES = {"june_solstice": "2025-06-21", "equinox": "2025-03-20", "december_solstice": "2025-12-21"}


@pytest.fixture(scope="module")
def paths(frame):
    st = frame.station
    return {p.name: p for p in sun_paths(st)}


def _pvlib(frame, day):
    """pvlib's SPA every minute of ``day`` (UTC+8), where the sun's centre is up; the
    refraction for the standard atmosphere's pressure at the station's height."""
    from pvlib.atmosphere import alt2pres
    from pvlib.solarposition import spa_python

    st = frame.station
    times = pd.date_range(f"{day} 00:00", periods=24 * 60, freq="min", tz="Asia/Shanghai")
    pos = spa_python(times, st.latitude_deg, st.longitude_deg, altitude=st.elevation_m,
                     pressure=alt2pres(st.elevation_m))
    up = pos["apparent_elevation"] >= 0
    return times[up.to_numpy()], pos.loc[up, "azimuth"].to_numpy(), pos.loc[up, "apparent_elevation"].to_numpy()


def _profiles(frame):
    approved = horizon_profile(frame, np.array([shapely.box(100, -5, 110, 5)], dtype=object), np.array([20.0]))
    proposal = horizon_profile(frame, np.array([shapely.box(150, 100, 170, 130)], dtype=object), np.array([25.0]))
    return approved, proposal


def test_dates_of_the_reference_year(frame):
    st = frame.station
    assert {k: str(v) for k, v in sun_path_dates(st, 2025).items()} == DATES
    # another year: 2024's June solstice 20:51 UTC on 20 June = 21 June 04:51 UTC+8; March equinox 20 March
    d = sun_path_dates(st, 2024)
    assert (str(d["june_solstice"]), str(d["equinox"])) == ("2024-06-21", "2024-03-20")


@pytest.mark.parametrize("form", HORIZON_FORMS)
def test_sun_path_points_drawn_are_pvlib_positions(frame, form):
    from geozones._optional import figures

    approved, proposal = _profiles(frame)
    with figures() as plt:
        fig, _notes = _draw_horizon(plt, approved, frame, "en", proposal, form, 2025)
        ax = fig.axes[0]
        lines = {ln.get_gid(): ln for ln in ax.get_lines()}
        labels = [tx.get_text() for tx in ax.texts]
        plt.close(fig)
    for name, day in DATES.items():
        times, az, el = _pvlib(frame, day)
        want = np.column_stack([np.radians(az), 90.0 - el] if form == "polar" else [az, el])
        np.testing.assert_allclose(lines[f"sunpath-{name}"].get_xydata(), want, atol=1e-6)
        hours = times.minute == 0
        np.testing.assert_allclose(lines[f"sunhours-{name}"].get_xydata(), want[hours], atol=1e-6)
        for hour in times[hours].hour:   # each full hour labelled
            assert str(hour) in labels
    # the 5° limit drawn only within the two sun sectors, at 5°
    limits = [ln.get_xydata() for ln in ax.get_lines() if ln.get_gid() == "limit"]
    assert len(limits) == 2
    for xy_, name in zip(limits, ("sunrise", "sunset")):
        a0, a1 = frame.sun_azimuths[name]
        az = np.degrees(xy_[:, 0]) if form == "polar" else xy_[:, 0]
        assert az.min() == pytest.approx(a0) and az.max() == pytest.approx(a1)
        assert np.allclose(xy_[:, 1], 85.0 if form == "polar" else 5.0)


def test_equinox_noon_at_90_minus_latitude(frame, paths):
    p = paths["equinox"]
    assert str(p.date) == "2025-03-20"
    assert p.elevation_deg.max() == pytest.approx(90.0 - frame.station.latitude_deg, abs=0.5)
    # and the solstices at 90 − φ ± 23.44°
    assert paths["june_solstice"].elevation_deg.max() == pytest.approx(90 - 35.504 + 23.44, abs=0.5)
    assert paths["december_solstice"].elevation_deg.max() == pytest.approx(90 - 35.504 - 23.44, abs=0.5)


def test_solstice_sunrise_and_sunset_are_the_sector_edges(frame, paths):
    rise, sset = frame.sun_azimuths["sunrise"], frame.sun_azimuths["sunset"]
    june, dec = paths["june_solstice"], paths["december_solstice"]
    assert june.azimuth_deg[0] == pytest.approx(rise[0], abs=0.5)     # 60.06°
    assert june.azimuth_deg[-1] == pytest.approx(sset[1], abs=0.5)    # 299.94°
    assert dec.azimuth_deg[0] == pytest.approx(rise[1], abs=0.5)      # 118.58°
    assert dec.azimuth_deg[-1] == pytest.approx(sset[0], abs=0.5)     # 241.42°


@pytest.mark.parametrize("form", HORIZON_FORMS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_diagram_written_with_the_proposal_in_its_own_colour(frame, tmp_path, form, lang):
    approved, proposal = _profiles(frame)
    svg, png = tmp_path / "h.svg", tmp_path / "h.png"
    notes = plot_horizon(approved, frame, svg, lang, proposal=proposal, form=form)
    plot_horizon(approved, frame, png, lang, proposal=proposal, form=form)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    drawn = "en" if notes else lang   # English where no Chinese font is installed (a note says so)
    group = text.split('id="obstacles-proposal"')[1].split("</g>")[0]
    assert f"fill: {PROPOSAL_COLOR}" in group
    assert f"fill: {APPROVED_COLOR}" in text.split('id="obstacles-approved"')[1].split("</g>")[0]
    # the legend's words (matplotlib writes each text as a comment beside its glyphs)
    words = {"en": ("the proposal", "approved obstacles", "June solstice (2025-06-21)", "UTC+8"),
             "zh": ("拟建项目", "已批准的障碍物", "夏至（2025-06-21）", "UTC+8")}[drawn]
    for w in words:
        assert w in text, w


def test_one_profile_still_draws_as_before(frame, tmp_path):
    approved, _ = _profiles(frame)
    out = tmp_path / "h.svg"
    assert plot_horizon(approved, frame, out) == []
    text = out.read_text(encoding="utf-8")
    assert 'id="obstacles"' in text and "obstacles-proposal" not in text and "the proposal" not in text
    assert "sunpath-equinox" in text
    out2 = tmp_path / "plain.svg"
    plot_horizon(approved, frame, out2, year=None)   # no sun paths
    assert "sunpath" not in out2.read_text(encoding="utf-8")


def test_unknown_form_says_the_choices(frame, tmp_path):
    from geozones.errors import InputError

    approved, _ = _profiles(frame)
    with pytest.raises(InputError, match="polar, cartesian"):
        plot_horizon(approved, frame, tmp_path / "h.svg", form="round")
    assert not (tmp_path / "h.svg").exists()


def test_cli_form(tmp_path, frame):
    import geopandas as gpd
    from pyproj import CRS

    from geozones.cli import main
    from geozones.core.coords import from_frame

    geom = from_frame(np.array([shapely.box(200, -10, 220, 10)], dtype=object), frame.crs, CRS.from_epsg(4326))[0]
    path = tmp_path / "b.gpkg"
    gpd.GeoDataFrame({"height": [30.0]}, geometry=[geom], crs=4326).to_file(path)
    for form in HORIZON_FORMS:
        out = tmp_path / f"{form}.svg"
        res = CliRunner().invoke(main, ["horizon", "--buildings", str(path), "--form", form, "-o", str(out)])
        assert res.exit_code == 0, res.output
        assert "88°" in res.output and "sunpath-june_solstice" in out.read_text(encoding="utf-8")
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(path), "--form", "round", "-o", str(tmp_path / "x.svg")])
    assert res.exit_code == 2 and "polar" in res.output and "cartesian" in res.output
