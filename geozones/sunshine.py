"""The sun table of a station (issue 27): pvlib's solar position and clear-sky model, cached.

For every minute of the reference year (``[sunshine].reference_year`` of the station file,
default 2025; local time at ``utc_offset_h``, UTC+8) the apparent elevation and azimuth of the
sun's centre come from pvlib's implementation of NREL's Solar Position Algorithm
(:func:`pvlib.solarposition.spa_python`, numpy engine; refraction for the standard atmosphere's
pressure at the station's elevation and 12 °C), and whether the minute counts as sunshine from a
clear-sky model (``[sunshine].clear_sky_model``): ``ineichen`` (default: Ineichen-Perez with
the Linke turbidity climatology of pvlib, monthly values interpolated to the day, at the
station's position) or ``simplified_solis`` (Ineichen 2008; aerosol optical depth 0.1 at
700 nm, precipitable water 1 cm). The direct normal irradiance of that cloudless sky must
reach 120 W/m² (WMO's sunshine): the real record loses more on cloudy days, the table counts
what a clear sky would give. Only minutes with the sun's centre above 0° apparent elevation are
kept.

Computing it takes seconds, so the table is kept in memory (per process) and on disk, one
``.npz`` file per station position, year, time zone, model and pvlib version, written
atomically; a file that cannot be read or does not hold what its name promises is computed
again and replaced, never trusted. The folder is ``~/.cache/geozones`` unless
:func:`use_cache_dir` names another; the command line names, at its edge,
``$GEOZONES_CACHE_DIR`` or else ``$XDG_CACHE_HOME/geozones`` (:func:`cache_dir_from`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from .core.station import Station
from .core.sunshine import CLEAR_SKY_MODELS, SUNSHINE_DNI_W_M2, SunFigures, SunTable, blocked_minutes, sun_figures

__all__ = ["sun_table", "cache_dir", "cache_dir_from", "use_cache_dir", "proposal_sun_figures", "rows_sun_figures",
           "CACHE_ENV", "solar_position", "local_zone", "obstacles_sun_minutes", "approved_sun_minutes", "ApprovedSun"]

#: The environment variable naming the cache folder.
CACHE_ENV = "GEOZONES_CACHE_DIR"
#: Bumped when the table's content or layout changes (old files are then never read).
_FORMAT = 1
_MEMO: dict[str, SunTable] = {}
#: The union of a ledger's approved obstacles' minutes, keyed on their content (per process).
_UNIONS: dict[str, np.ndarray] = {}
_LOCK = threading.Lock()
_FOLDER: list[Path] = []     # the folder use_cache_dir named (empty: the default)


def cache_dir_from(environ: Mapping[str, str]) -> Path:
    """The cache folder an environment names: ``GEOZONES_CACHE_DIR``, else
    ``XDG_CACHE_HOME/geozones``, else ``~/.cache/geozones`` (what the command line uses).

    Parameters
    ----------
    environ : mapping of str to str
        The environment, read by the caller at its edge (the command line).

    Returns
    -------
    Path
        The folder (not created here).

    Examples
    --------
    >>> cache_dir_from({"GEOZONES_CACHE_DIR": "/tmp/gz", "XDG_CACHE_HOME": "/x"}).as_posix()
    '/tmp/gz'
    >>> cache_dir_from({"XDG_CACHE_HOME": "/x"}).as_posix()
    '/x/geozones'
    """
    given = environ.get(CACHE_ENV, "").strip()
    if given:
        return Path(given)
    xdg = environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "geozones"


def use_cache_dir(folder: str | Path | None) -> None:
    """Keep the sun tables in ``folder`` from now on (None: the default, ``~/.cache/geozones``).

    Parameters
    ----------
    folder : str or Path or None
        The cache folder (made when a table is first written).
    """
    _FOLDER.clear()
    if folder is not None:
        _FOLDER.append(Path(folder))


def cache_dir() -> Path:
    """The folder of the on-disk caches: the one :func:`use_cache_dir` named, else
    ``~/.cache/geozones``.

    Returns
    -------
    Path
        The folder (not created here).
    """
    return _FOLDER[0] if _FOLDER else cache_dir_from({})


def _pvlib_version() -> str:
    try:
        return metadata.version("pvlib")
    except metadata.PackageNotFoundError:
        return "none"


def _key(station: Station, year: int, model: str) -> tuple[str, dict]:
    facts = {"format": _FORMAT, "latitude_deg": station.latitude_deg, "longitude_deg": station.longitude_deg,
             "elevation_m": station.elevation_m, "year": year, "utc_offset_h": station.sunshine_utc_offset_h,
             "model": model, "threshold_w_m2": SUNSHINE_DNI_W_M2, "pvlib": _pvlib_version()}
    text = json.dumps(facts, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24], facts


def _compute(station: Station, year: int, model: str) -> SunTable:
    """The table from pvlib (seconds: 525,600 SPA positions)."""
    import warnings

    import pandas as pd
    import pvlib

    with warnings.catch_warnings():   # pvlib's own use of pandas names pandas 3 deprecates
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return _positions(pvlib, pd, station, year, model)


def solar_position(station: Station, times):
    """The sun's position seen from ``station`` at ``times``: pvlib's implementation of NREL's
    Solar Position Algorithm (:func:`pvlib.solarposition.spa_python`, numpy engine) with the
    refraction of the standard atmosphere's pressure at the station's elevation and 12 °C. The
    one solar-position call of geozones: the sun table and the horizon diagram's sun paths.

    Parameters
    ----------
    station : Station
        Its latitude, longitude [deg] and elevation [m].
    times : pandas.DatetimeIndex
        Time-zone aware instants.

    Returns
    -------
    pandas.DataFrame
        pvlib's columns, among them ``apparent_elevation`` (the sun's centre, with refraction),
        ``elevation`` (without) and ``azimuth`` (clockwise from true north). [deg]

    Examples
    --------
    >>> import pandas as pd
    >>> from geozones.station import load_station
    >>> noon = pd.date_range("2025-03-20 12:30", periods=1, tz=local_zone(8.0))
    >>> round(float(solar_position(load_station(), noon)["apparent_elevation"].iloc[0]), 1)   # about 90° − φ
    54.3
    """
    import warnings

    import pvlib

    with warnings.catch_warnings():   # pvlib's own use of pandas names pandas 3 deprecates
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return pvlib.solarposition.spa_python(times, station.latitude_deg, station.longitude_deg,
                                              altitude=station.elevation_m,
                                              pressure=pvlib.atmosphere.alt2pres(station.elevation_m),
                                              temperature=12.0, how="numpy")


def local_zone(offset_h: float):
    """The fixed local time zone ``UTC + offset_h`` (``[sunshine].utc_offset_h``: no daylight saving).

    Parameters
    ----------
    offset_h : float
        The offset from UTC. [h]

    Returns
    -------
    datetime.timezone

    Examples
    --------
    >>> local_zone(8.0)
    datetime.timezone(datetime.timedelta(seconds=28800))
    """
    import datetime as dt

    return dt.timezone(dt.timedelta(hours=offset_h))


def _positions(pvlib, pd, station: Station, year: int, model: str) -> SunTable:
    offset = station.sunshine_utc_offset_h
    tz = local_zone(offset)
    days = (pd.Timestamp(year + 1, 1, 1) - pd.Timestamp(year, 1, 1)).days
    times = pd.date_range(pd.Timestamp(year, 1, 1, tz=tz), periods=days * 1440, freq="min")
    sp = solar_position(station, times)
    el = sp["apparent_elevation"].to_numpy()
    up = el > 0.0
    # the times carry their own offset; the Location's zone is used for nothing here
    loc = pvlib.location.Location(station.latitude_deg, station.longitude_deg, tz="UTC",
                                  altitude=station.elevation_m)
    cs = loc.get_clearsky(times[up], model=model, solar_position=sp[up])
    sunny = np.zeros(len(times), dtype=bool)
    sunny[up] = cs["dni"].to_numpy() >= SUNSHINE_DNI_W_M2
    return SunTable.build(np.arange(len(times)), el, sp["azimuth"].to_numpy(), sunny, year, offset)


def _read(path: Path, facts: dict) -> SunTable | None:
    """The table of a cache file, or None when it is missing, unreadable or not what the key says."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if json.loads(str(z["facts"])) != facts:
                return None
            minute, el, az, sunny = (z[k] for k in ("minute", "elevation_deg", "azimuth_deg", "sunshine"))
        n = len(minute)
        if not (len(el) == len(az) == len(sunny) == n > 0) or minute.dtype != np.int32 \
                or not (np.isfinite(el).all() and (el > 0).all() and (el <= 90).all()) \
                or not ((az >= 0).all() and (az < 360).all() and (np.diff(az) >= 0).all()) \
                or sunny.dtype != bool or minute.min() < 0:
            return None
        return SunTable(minute, el, az, sunny, int(facts["year"]), float(facts["utc_offset_h"]))
    except Exception:   # a corrupt cache (truncated, another format, bad zip): computed again
        return None


def _write(path: Path, table: SunTable, facts: dict) -> None:
    """Written atomically; a folder that cannot be written leaves the table in memory only."""
    from .errors import GeozonesError
    from .io.atomic import atomic_output

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(path, overwrite=True) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, facts=np.array(json.dumps(facts, sort_keys=True)), minute=table.minute,
                     elevation_deg=table.elevation_deg, azimuth_deg=table.azimuth_deg, sunshine=table.sunshine)
    except (OSError, GeozonesError):
        pass


def sun_table(station: Station, *, year: int | None = None, model: str | None = None) -> SunTable:
    """The sun minutes of ``station``'s reference year, from the memo, the disk cache or pvlib.

    Parameters
    ----------
    station : Station
        Its position and elevation [deg, m] and ``[sunshine]`` settings.
    year : int, optional
        The reference year (default: the station's ``sunshine_year``, 2025).
    model : str, optional
        The clear-sky model (:data:`~geozones.core.sunshine.CLEAR_SKY_MODELS`; default the
        station's ``sunshine_clear_sky``, ``ineichen``).

    Returns
    -------
    SunTable
        Apparent elevation [deg], azimuth [deg] and the WMO sunshine flag of every minute with
        the sun's centre above 0°.
    """
    year = station.sunshine_year if year is None else int(year)
    model = station.sunshine_clear_sky if model is None else model
    if model not in CLEAR_SKY_MODELS:
        from .errors import InputError

        raise InputError("sun_model_unknown", model=model, known=", ".join(CLEAR_SKY_MODELS))
    key, facts = _key(station, year, model)
    with _LOCK:
        table = _MEMO.get(key + str(cache_dir()))
        if table is not None:
            return table
        path = cache_dir() / f"sun-{key}.npz"
        table = _read(path, facts)
        if table is None:
            table = _compute(station, year, model)
            _write(path, table, facts)
        _MEMO[key + str(cache_dir())] = table
        return table


def proposal_sun_figures(station: Station, footprint, top_m: float) -> tuple[np.ndarray, SunFigures] | None:
    """One proposal's hidden sun minutes and their figures, seen from the station's recorder.

    Parameters
    ----------
    station : Station
        The station (its recorder height ``sunshine_recorder_height_m`` [m] and sun table).
    footprint : shapely geometry
        The footprint in the station frame. [m]
    top_m : float
        Its top above the field ground (NaN: none). [m]

    Returns
    -------
    tuple of (ndarray of int32, SunFigures) or None
        The minutes of the year hidden and their figures; None without a top.
    """
    if footprint is None or not np.isfinite(top_m):
        return None
    table = sun_table(station)
    import shapely

    minutes = blocked_minutes(table, footprint, top_m, station.sunshine_recorder_height_m)
    covers = float(shapely.distance(shapely.Point(0.0, 0.0), footprint)) <= 0.0 \
        and top_m > station.sunshine_recorder_height_m
    return minutes, sun_figures(table, minutes, covers_recorder=covers)


def obstacles_sun_minutes(station: Station, geoms: np.ndarray, top_m: np.ndarray) -> np.ndarray:
    """The union of the sun minutes several obstacles hide from the station's recorder (each
    minute once), computed once per process for the same obstacles (a memo keyed on their
    footprints, tops, the recorder and the sun table's settings).

    Parameters
    ----------
    station : Station
        The station (its recorder height and sun table).
    geoms : ndarray of shapely geometry
        The footprints in the station frame. [m]
    top_m : ndarray of float
        Their tops above the field ground. [m]

    Returns
    -------
    ndarray of int64
        The minutes of the reference year hidden by at least one of them, sorted.
    """
    import shapely

    from .core.sunshine import blocked_minutes_many

    geoms = np.asarray(geoms, dtype=object)
    top_m = np.asarray(top_m, dtype=float)
    if not len(geoms):
        return np.empty(0, dtype=np.int64)
    table_key = _key(station, station.sunshine_year, station.sunshine_clear_sky)[0]
    digest = hashlib.sha256(f"{table_key} {station.sunshine_recorder_height_m!r}".encode())
    for wkb, top in zip(shapely.to_wkb(geoms, hex=True), top_m):
        digest.update(f"|{wkb}:{float(top)!r}".encode())
    key = digest.hexdigest()
    got = _UNIONS.get(key)
    if got is None:
        _, minutes = blocked_minutes_many(sun_table(station), geoms, top_m, station.sunshine_recorder_height_m,
                                          ordered=False)
        got = _UNIONS[key] = np.unique(minutes.astype(np.int64))
    return got


@dataclass(frozen=True)
class ApprovedSun:
    """A ledger's approved obstacles of one station and the sun minutes they hide together.

    Attributes
    ----------
    ledger : str
        The ledger, as shown to the user (a PostGIS URI's password hidden).
    station : str
        The station id.
    obstacles : int
        Approved obstacles counted (the ledger's current state).
    minutes : ndarray of int64
        The union of the minutes of the year they hide, sorted.
    """

    ledger: str
    station: str
    obstacles: int
    minutes: np.ndarray


def approved_sun_minutes(ledger, station: Station) -> ApprovedSun:
    """The station's current approved obstacles in ``ledger`` and the union of the sun minutes
    they hide (:func:`obstacles_sun_minutes`; refused, removed and superseded entries do not count).

    Parameters
    ----------
    ledger : str, Path or LedgerStore
        The ledger (a GeoPackage path or a PostGIS table URI).
    station : Station
        The station.

    Returns
    -------
    ApprovedSun
    """
    from .io.ledger import LedgerStore, open_store
    from .ledger import approved_obstacles

    store = ledger if isinstance(ledger, LedgerStore) else open_store(ledger)
    obs = approved_obstacles(store, station)
    return ApprovedSun(store.shown, station.id, len(obs), obstacles_sun_minutes(station, obs.geoms, obs.top_m))


def _footprints(proposals, index: np.ndarray) -> np.ndarray:
    """The frame footprints of rows ``index`` (sorted) of a :class:`~geozones.core.proposals.Proposals`,
    polygons made only for them where the rows are kept as rings."""
    geoms = proposals.geoms[index].copy()
    rings = proposals.rings
    if rings is not None and len(rings) and len(index):
        keep = np.isin(rings.rows, index)
        if keep.any():
            sub = rings.subset(keep)
            geoms[np.searchsorted(index, sub.rows)] = sub.polygons()
    return geoms


def rows_sun_figures(station: Station, proposals, index: np.ndarray, top_m: np.ndarray,
                     approved: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sun figures of many rows for ``screen``: the bound first
    (:func:`~geozones.core.sunshine.sun_bound_clears` on the footprints' boxes), the exact
    count only for the rows it cannot clear.

    Parameters
    ----------
    station : Station
        The station whose recorder and sun table count.
    proposals : Proposals
        The rows, in that station's frame. [m]
    index : ndarray of int
        The rows to give figures for (positions in ``proposals``).
    top_m : ndarray of float
        Their tops above the field ground (NaN: none, no figure). [m]
    approved : ndarray of int, optional
        The union of the minutes the station's approved obstacles hide
        (:func:`approved_sun_minutes`), computed once per run.

    Returns
    -------
    tuple of ndarray
        Per row of ``index``: minutes hidden per year [min] and sunshine lost per year [h]
        (NaN without a top), the worst month (1-12; 0 when nothing is hidden or no top), and
        the minutes it adds to ``approved`` [min] (its own minutes without ``approved``; rows
        the bound clears add 0).
    """
    index = np.asarray(index, dtype=np.int64)
    top_m = np.asarray(top_m, dtype=float)
    n = len(index)
    minutes = np.where(np.isfinite(top_m), 0.0, np.nan)
    hours = minutes.copy()
    month = np.zeros(n, dtype=np.int64)
    added = minutes.copy()
    if not n or not np.isfinite(top_m).any():
        return minutes, hours, month, added
    from .core.sunshine import added_by_row, blocked_minutes_many, figures_by_row, sun_bound_clears

    table = sun_table(station)
    h_rec = station.sunshine_recorder_height_m
    bounds = proposals.frame_bounds()[index]
    todo = np.flatnonzero(~sun_bound_clears(table, bounds, top_m, h_rec))
    if len(todo):
        todo = todo[np.argsort(index[todo], kind="stable")]
        rows, mins = blocked_minutes_many(table, _footprints(proposals, index[todo]), top_m[todo], h_rec,
                                          ordered=False)
        m, h, mo = figures_by_row(table, rows, mins, len(todo))
        minutes[todo], hours[todo], month[todo] = m, h, mo
        added[todo] = m if approved is None or not len(approved) else added_by_row(rows, mins, approved, len(todo))
    return minutes, hours, month, added
