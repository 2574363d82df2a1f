"""Sunrise and sunset directions of a station (Art. 12.3 ⑦ of the Jiangxian plan).

The sector in which the sun rises over the year is bounded by the sunrise azimuths at the
two solstices. With φ the latitude, δ the solar declination and h0 the altitude of the
sun's centre at apparent sunrise (−0.833°: refraction and the solar semi-diameter), the
azimuth A east of north satisfies::

    cos A = (sin δ − sin φ sin h0) / (cos φ cos h0)

References: J. Meeus, *Astronomical Algorithms*, 2nd ed., ch. 15 (rising and setting);
NOAA solar calculator (same h0).
"""

from __future__ import annotations

import numpy as np

__all__ = ["sunrise_azimuth", "sun_sectors"]


def sunrise_azimuth(latitude_deg: float, declination_deg, horizon_altitude_deg: float = -0.833):
    """Azimuth of sunrise, clockwise from true north. [deg]

    Parameters
    ----------
    latitude_deg : float
        Observer latitude φ. [deg]
    declination_deg : numeric
        Solar declination δ. [deg]
    horizon_altitude_deg : float
        Altitude h0 of the sun's centre at sunrise. [deg]

    Returns
    -------
    numeric
        Sunrise azimuth in [0, 180]; the sunset azimuth is 360° minus it. [deg]

    Examples
    --------
    >>> round(float(sunrise_azimuth(0.0, 0.0, 0.0)), 6)
    90.0
    """
    phi = np.radians(latitude_deg)
    dec = np.radians(declination_deg)
    h0 = np.radians(horizon_altitude_deg)
    cos_a = (np.sin(dec) - np.sin(phi) * np.sin(h0)) / (np.cos(phi) * np.cos(h0))
    return np.degrees(np.arccos(np.clip(cos_a, -1.0, 1.0)))


def sun_sectors(
    latitude_deg: float, solstice_declination_deg: float = 23.44, horizon_altitude_deg: float = -0.833
) -> dict[str, tuple[float, float]]:
    """The sunrise and sunset sectors over a year. [deg clockwise from north]

    Returns ``{"sunrise": (start, end), "sunset": (start, end)}`` with ``start < end``.

    >>> s = sun_sectors(35.504)
    >>> [round(v, 2) for v in s["sunrise"] + s["sunset"]]
    [60.06, 118.58, 241.42, 299.94]
    """
    summer = float(sunrise_azimuth(latitude_deg, solstice_declination_deg, horizon_altitude_deg))
    winter = float(sunrise_azimuth(latitude_deg, -solstice_declination_deg, horizon_altitude_deg))
    return {"sunrise": (summer, winter), "sunset": (360.0 - winter, 360.0 - summer)}
