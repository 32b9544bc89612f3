"""The earthquake as the models need it: magnitude on both scales, and the rupture.

The GB 18306 relations take the surface-wave magnitude M (CENC's "M", Ms); catalogues abroad
give the moment magnitude Mw. Conversion uses Scordilis (2006, J. Seismol. 10:225-236, global
orthogonal regression): Mw = 0.67·Ms + 2.07 for 3.0 ≤ Ms ≤ 6.1 and Mw = 0.99·Ms + 0.08 for
6.2 ≤ Ms ≤ 8.2, joined linearly across the gap and extended beyond the ends.

Rupture length follows Wells & Coppersmith (1994, BSSA 84:974-1002), all slip types,
subsurface rupture length: log10(RLD) = -2.44 + 0.59·Mw. The subsurface length, not the
surface one, because shaking comes from the whole rupture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import Geod

from yingji.errors import ValidationFailed

_MS_KNOTS = np.array([3.0, 6.1, 6.2, 8.2])
_MW_KNOTS = np.array([0.67 * 3.0 + 2.07, 0.67 * 6.1 + 2.07, 0.99 * 6.2 + 0.08, 0.99 * 8.2 + 0.08])
MAGNITUDE_TYPES = ("M", "Ms", "Mw")
CHINA_LAT = (3.0, 54.0)
CHINA_LON = (73.0, 136.0)
"""Where the Chinese relations and the exposure data apply: mainland China and its seas."""
FINITE_FROM = 7.0
"""From this magnitude (Ms) the source is a line along strike, not a point."""
_GEOD = Geod(ellps="WGS84")


def _interp(x: float, xs: np.ndarray, ys: np.ndarray) -> float:
    """Piecewise-linear through the knots, extended along the end segments."""
    i = int(np.clip(np.searchsorted(xs, x) - 1, 0, len(xs) - 2))
    slope = (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i])
    return float(ys[i] + slope * (x - xs[i]))


def mw_from_ms(ms: float) -> float:
    return _interp(ms, _MS_KNOTS, _MW_KNOTS)


def ms_from_mw(mw: float) -> float:
    return _interp(mw, _MW_KNOTS, _MS_KNOTS)


def rupture_length_km(mw: float) -> float:
    """Wells & Coppersmith (1994) subsurface rupture length for all slip types."""
    return float(10 ** (-2.44 + 0.59 * mw))


@dataclass(frozen=True)
class Event:
    """An earthquake to assess. ``magnitude`` is on the scale ``magnitude_type`` names
    (``M``/``Ms``: CENC surface-wave magnitude; ``Mw``: moment magnitude)."""

    lat: float
    lon: float
    magnitude: float
    depth_km: float = 10.0
    magnitude_type: str = "M"
    strike: float | None = None
    rupture_length_km: float | None = None
    fault_trace: tuple[tuple[float, float], ...] | None = None
    """(lon, lat) points of the rupture's surface trace, if known."""
    name: str | None = None
    origin_time: str | None = None

    def __post_init__(self) -> None:
        check(self)

    @property
    def ms(self) -> float:
        """Surface-wave magnitude, the scale of the Chinese relations."""
        return self.magnitude if self.magnitude_type != "Mw" else ms_from_mw(self.magnitude)

    @property
    def mw(self) -> float:
        return self.magnitude if self.magnitude_type == "Mw" else mw_from_ms(self.magnitude)

    def trace(self) -> tuple[float, float, float] | None:
        """(strike, length km, offset of the trace midpoint from the epicentre along strike
        in km) of the given fault trace, taken end to end; None without a trace."""
        if not self.fault_trace:
            return None
        (lon1, lat1), (lon2, lat2) = self.fault_trace[0], self.fault_trace[-1]
        azimuth, _, length_m = _GEOD.inv(lon1, lat1, lon2, lat2)
        mid_lon, mid_lat = (lon1 + lon2) / 2, (lat1 + lat2) / 2
        to_mid, _, dist_m = _GEOD.inv(self.lon, self.lat, mid_lon, mid_lat)
        offset = dist_m / 1000 * np.cos(np.radians(to_mid - azimuth))
        return float(azimuth % 180), float(length_m / 1000), float(offset)


def check(event: Event) -> None:
    """Raise ValidationFailed naming every bad field of ``event``."""
    bad: list[dict[str, str | None]] = []

    def problem(name: str, reason: str) -> None:
        bad.append({"row": None, "field": name, "reason": reason})

    if not (np.isfinite(event.lat) and CHINA_LAT[0] <= event.lat <= CHINA_LAT[1]):
        problem("lat", "纬度应在 3–54 之间 / lat must be within China, 3..54")
    if not (np.isfinite(event.lon) and CHINA_LON[0] <= event.lon <= CHINA_LON[1]):
        problem("lon", "经度应在 73–136 之间 / lon must be within China, 73..136")
    if not (np.isfinite(event.magnitude) and 3.0 <= event.magnitude <= 9.5):
        problem("magnitude", "震级应在 3.0–9.5 之间 / magnitude must be 3.0..9.5")
    if not (np.isfinite(event.depth_km) and 0 <= event.depth_km <= 700):
        problem("depth_km", "震源深度应在 0–700 km / depth must be 0..700 km")
    if event.magnitude_type not in MAGNITUDE_TYPES:
        problem("magnitude_type", f"震级类型应为 {'/'.join(MAGNITUDE_TYPES)} / unknown type")
    if event.strike is not None and not (np.isfinite(event.strike) and 0 <= event.strike <= 360):
        problem("strike", "走向应在 0–360 度 / strike must be 0..360 degrees")
    if event.rupture_length_km is not None and not (0 < event.rupture_length_km <= 1500):
        problem("rupture_length_km", "破裂长度应在 0–1500 km / rupture length must be 0..1500")
    if event.fault_trace is not None and (
        len(event.fault_trace) < 2 or event.fault_trace[0] == event.fault_trace[-1]
    ):
        problem("fault_trace", "断层迹线至少两个不同端点 / a trace needs two distinct ends")
    if bad:
        raise ValidationFailed("地震参数有误 / invalid earthquake parameters", bad)
