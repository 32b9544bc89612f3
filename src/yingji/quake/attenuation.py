"""Elliptical intensity attenuation: I = A + B·M + C·log(R + R0) along each axis.

The isoseismal of intensity I is the ellipse whose semi-axes are the distances at which the
long-axis and short-axis relations reach I. A point between the axes gets the intensity of
the ellipse that passes through it, found by bisection (the radii shrink monotonically as I
grows), so the field is continuous and matches both relations exactly on the axes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from yingji.quake import tables

MODELS = ("gb18306", "wang2000")
"""GB 18306-2015 four-region relations (default) and the older east/west pair."""
_STEP = 0.01
_FLOOR = -2.0
"""Intensities below this are not resolved (the grid stops near V)."""


@dataclass(frozen=True)
class AxisRelation:
    """One axis of a relation; ``log_base`` is 10 or e."""

    a: float
    b: float
    c: float
    r0: float
    log_base: float

    def intensity(self, magnitude: float, distance_km: np.ndarray | float) -> np.ndarray:
        r = np.asarray(distance_km, dtype=float) + self.r0
        return self.a + self.b * magnitude + self.c * np.log(r) / math.log(self.log_base)

    def radius(self, magnitude: float, intensity: np.ndarray | float) -> np.ndarray:
        """Distance (km) at which the relation falls to ``intensity``; 0 inside the near field."""
        exponent = (np.asarray(intensity, dtype=float) - self.a - self.b * magnitude) / self.c
        return np.maximum(np.power(self.log_base, exponent) - self.r0, 0.0)


@dataclass(frozen=True)
class Relation:
    model: str
    zone: str
    long: AxisRelation
    short: AxisRelation
    sigma: float | None
    """Standard deviation of intensity (degrees) where the source gives one."""

    def epicentral(self, magnitude: float) -> float:
        """Intensity at the epicentre: where both axes meet at R = 0."""
        at_source = (self.long.intensity(magnitude, 0.0), self.short.intensity(magnitude, 0.0))
        return float(min(at_source))

    def radii(
        self, magnitude: float, intensity: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Semi-axes (long, short) in km of the isoseismal of ``intensity``."""
        return self.long.radius(magnitude, intensity), self.short.radius(magnitude, intensity)

    def intensity(self, magnitude: float, along: np.ndarray, across: np.ndarray) -> np.ndarray:
        """Intensity at points ``along`` / ``across`` the long axis (km from the source).

        The I whose ellipse passes through a point solves (along/Ra(I))² + (across/Rb(I))² = 1;
        the left side grows with I. The radii are tabulated every 0.01 degree, a vectorised
        binary search finds each point's bracket and a linear step finishes it: table lookups
        instead of powers keep a million cells well under a second.
        """
        along2 = np.square(np.asarray(along, dtype=np.float32))
        across2 = np.square(np.asarray(across, dtype=np.float32))
        levels = np.arange(_FLOOR, self.epicentral(magnitude), _STEP)
        ra, rb = self.radii(magnitude, levels)
        inv_ra2 = (1 / np.maximum(ra, 1e-6) ** 2).astype(np.float32)
        inv_rb2 = (1 / np.maximum(rb, 1e-6) ** 2).astype(np.float32)

        def g(k: np.ndarray) -> np.ndarray:
            return along2 * inv_ra2[k] + across2 * inv_rb2[k]

        lo = np.zeros(along2.shape, dtype=np.intp)
        hi = np.full(along2.shape, len(levels) - 1, dtype=np.intp)
        for _ in range(int(np.ceil(np.log2(len(levels)))) + 1):
            mid = (lo + hi + 1) // 2
            inside = g(mid) <= 1
            lo = np.where(inside, mid, lo)
            hi = np.where(inside, hi, mid - 1)
        nxt = np.minimum(lo + 1, len(levels) - 1)
        g_lo, g_next = g(lo), g(nxt)
        step = np.where(g_next > g_lo, (1 - g_lo) / np.maximum(g_next - g_lo, 1e-12), 0.0)
        return levels[lo] + _STEP * np.clip(step, 0.0, 1.0)


def _axis(row: dict[str, str]) -> AxisRelation:
    base = math.e if row["log_base"] == "e" else float(row["log_base"])
    return AxisRelation(
        a=float(row["a"]), b=float(row["b"]), c=float(row["c"]), r0=float(row["r0"]), log_base=base
    )


@cache
def relation(model: str, zone: str) -> Relation:
    """The relation of ``model`` for ``zone`` from ``data/attenuation.csv``."""
    rows = [r for r in tables.rows("attenuation") if r["model"] == model and r["zone"] == zone]
    axes = {r["axis"]: r for r in rows}
    if set(axes) != {"long", "short"}:
        raise KeyError(f"no {model} relation for zone {zone!r}")
    sigma = axes["long"]["sigma"]
    return Relation(
        model=model,
        zone=zone,
        long=_axis(axes["long"]),
        short=_axis(axes["short"]),
        sigma=float(sigma) if sigma else None,
    )


WANG2000_ZONE = {"tibet": "west", "xinjiang": "west", "east": "east", "central": "east"}
"""The older pair splits China in two: the plateau and Xinjiang are its west."""


def for_zone(model: str, zone: str) -> Relation:
    """The relation of ``model`` that applies in a GB 18306 attenuation ``zone``."""
    return relation(model, WANG2000_ZONE[zone] if model == "wang2000" else zone)
