"""Deaths, economic loss, PAGER alert level and the national response level.

Deaths and losses follow the USGS PAGER empirical models (``data/pager.csv``): the rate at
intensity S is Φ(ln(S/θ)/β), applied as PAGER does to the people at each integer
intensity. The low and high estimates shift the whole field by one standard deviation of the
attenuation relation (about 0.5-0.7 degree): intensity is the largest uncertainty of a rapid
assessment, so the range shows what it does to the numbers.

Economic loss is PAGER's: rate × people × GDP per capita × α (α, the country's ratio of
exposed wealth to GDP, from PAGER), with the national GDP per capita of ``data/economy.csv``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from yingji.quake import tables

ALERTS = ("green", "yellow", "orange", "red")
FATALITY_CUTS = (1, 100, 1000)
"""PAGER: green < 1 death ≤ yellow < 100 ≤ orange < 1,000 ≤ red."""
LOSS_CUTS_MUSD = (1, 100, 1000)
"""PAGER: the same cut-offs in millions of US dollars."""
DEFAULT_SIGMA = 0.6
"""Intensity standard deviation for relations whose source gives none (the GB 18306 range)."""


@dataclass(frozen=True)
class PagerModel:
    theta: float
    beta: float
    alpha: float

    def rate(self, intensity: np.ndarray) -> np.ndarray:
        """Φ(ln(S/θ)/β) elementwise; computed once per distinct value (intensities come
        rounded, so a million cells hold a dozen values)."""
        values, inverse = np.unique(np.asarray(intensity, dtype=float), return_inverse=True)
        z = np.log(np.maximum(values, 1e-9) / self.theta) / self.beta
        rates = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in z])
        return rates[inverse].reshape(np.shape(intensity))


@cache
def model(name: str) -> PagerModel:
    row = next(r for r in tables.rows("pager") if r["model"] == name)
    return PagerModel(float(row["theta"]), float(row["beta"]), float(row["alpha"] or 1.0))


@cache
def economy() -> tuple[int, float, float]:
    """(year, GDP per capita in yuan, yuan per US dollar) of the latest row."""
    row = max(tables.rows("economy"), key=lambda r: int(r["year"]))
    return int(row["year"]), float(row["gdp_per_capita_yuan"]), float(row["yuan_per_usd"])


def bins(values: np.ndarray, people: np.ndarray) -> dict[int, float]:
    """People per integer intensity. The zone of intensity S runs from where the prediction
    reaches S to where it reaches S + 1 (the isoseismal convention), so a cell's intensity is
    the floor of its prediction; PAGER evaluates each rate at the integer intensity."""
    rounded = np.floor(values + 1e-6).astype(int)
    keep = (rounded >= 1) & (people > 0)
    totals = np.bincount(rounded[keep], weights=people[keep], minlength=13)
    return {s: float(totals[s]) for s in range(1, min(len(totals), 13)) if totals[s] > 0}


def deaths(exposed: dict[int, float]) -> float:
    m = model("fatality")
    return float(sum(m.rate(s) * p for s, p in exposed.items()))


def loss_yuan(exposed: dict[int, float]) -> float:
    m = model("economic")
    _, gdp, _ = economy()
    return float(sum(m.rate(s) * p for s, p in exposed.items()) * gdp * m.alpha)


@dataclass(frozen=True)
class Range:
    low: float
    median: float
    high: float

    def as_dict(self, digits: int = 0) -> dict[str, float | int]:
        def fmt(v: float) -> float | int:
            return round(v) if digits == 0 else round(v, digits)

        return {"low": fmt(self.low), "median": fmt(self.median), "high": fmt(self.high)}


def estimate(values: np.ndarray, people: np.ndarray, sigma: float | None) -> tuple[Range, Range]:
    """(deaths, economic loss in yuan), each low/median/high."""
    shift = sigma or DEFAULT_SIGMA
    by_shift = [bins(values + d, people) for d in (-shift, 0.0, shift)]
    return (
        Range(*(deaths(b) for b in by_shift)),
        Range(*(loss_yuan(b) for b in by_shift)),
    )


def _level(value: float, cuts: tuple[int, ...]) -> str:
    return ALERTS[sum(value >= c for c in cuts)]


def alert_levels(deaths_median: float, loss_yuan_median: float) -> dict[str, str]:
    """PAGER alert by fatalities, by economic loss, and the higher of the two."""
    _, _, yuan_per_usd = economy()
    by_deaths = _level(deaths_median, FATALITY_CUTS)
    by_loss = _level(loss_yuan_median / yuan_per_usd / 1e6, LOSS_CUTS_MUSD)
    overall = max(by_deaths, by_loss, key=ALERTS.index)
    return {"fatality": by_deaths, "economic": by_loss, "overall": overall}


def density_class(people_per_km2: float) -> str | None:
    """``dense``, ``fairly_dense`` or None (``data/population_density.csv``)."""
    for row in sorted(tables.rows("population_density"), key=lambda r: -float(r["min_per_km2"])):
        if people_per_km2 >= float(row["min_per_km2"]):
            return row["class"]
    return None


@dataclass(frozen=True)
class Response:
    level: int | None
    """National response level 1 (Ⅰ, highest) .. 4 (Ⅳ), None below the plan's lowest grade."""
    grade: str | None
    reason: str


def response_level(deaths_median: float, magnitude: float, density: str | None) -> Response:
    """The national earthquake emergency plan's grade, by estimated deaths or, as the plan's
    initial judgement, by magnitude and how densely the shaken area is populated; the higher
    of the two decides."""
    rows = sorted(tables.rows("response_levels"), key=lambda r: int(r["response_level"]))
    by_deaths = next((r for r in rows if deaths_median >= float(r["min_deaths"])), None)
    column = {"dense": "dense_min_mag", "fairly_dense": "fairly_dense_min_mag"}.get(density or "")
    by_magnitude = next(
        (r for r in rows if column and r[column] and magnitude >= float(r[column])), None
    )
    picked = min(
        (r for r in (by_deaths, by_magnitude) if r is not None),
        key=lambda r: int(r["response_level"]),
        default=None,
    )
    if picked is None:
        return Response(None, None, "低于一般地震灾害 / below the plan's lowest grade")
    if picked is by_deaths:
        reason = f"估计死亡 {deaths_median:.0f} 人 / estimated deaths {deaths_median:.0f}"
    else:
        label = "人口密集" if density == "dense" else "人口较密集"
        reason = f"{label}地区 M{magnitude:.1f} 初判 / initial judgement by magnitude"
    return Response(int(picked["response_level"]), picked["grade"], reason)
