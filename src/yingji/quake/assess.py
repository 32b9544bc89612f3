"""One earthquake, assessed: setting → field → isoseismals → exposure → losses.

Pure computation over the event and the exposure units; no database, no files beyond the
coefficient tables. ``Assessment.as_dict`` is the JSON contract of ``yingji quake assess``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from yingji.errors import ValidationFailed, invalid
from yingji.quake import attenuation, isoseismals, losses, units
from yingji.quake import field as fields
from yingji.quake.exposure import Exposure, burn
from yingji.quake.source import FINITE_FROM, Event, rupture_length_km

LOESS_AMPLIFICATION = 0.5
"""Intensity added on the Loess Plateau (data/README.md gives the sources)."""
PRIORITY_FROM = 7
"""Units reaching this intensity are the repair priorities (roads, power, communications)."""


@dataclass(frozen=True)
class Setting:
    """Where the event sits in the models: attenuation zone, long-axis strike and source."""

    zone: str
    zone_name: str
    relation: attenuation.Relation
    strike: float
    strike_source: str
    """``given``, ``fault_trace`` or ``regional_default``."""
    rupture: fields.Rupture
    finite: bool


@dataclass(frozen=True)
class UnitImpact:
    code: str
    name: str
    parent: str
    province: str
    max_intensity: int
    population: int
    """People of the unit in the zone of VI and above."""
    deaths: int
    county: str
    """The county's code (its own for a county)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "adcode": self.code,
            "county": self.county,
            "name": self.name,
            "parent": self.parent,
            "province": self.province,
            "max_intensity": self.max_intensity,
            "population": self.population,
            "deaths": self.deaths,
        }


@dataclass
class Assessment:
    event: Event
    model: str
    setting: Setting
    grid: fields.Grid
    values: np.ndarray
    exposure: Exposure
    zones: list[isoseismals.Isoseismal]
    max_intensity: int
    exposed: dict[int, int]
    deaths: losses.Range
    loss_yuan: losses.Range
    alerts: dict[str, str]
    density_per_km2: float
    response: losses.Response
    counties: list[UnitImpact]
    townships: list[UnitImpact]
    """Empty unless townships are imported for the shaken counties."""
    elapsed_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def priorities(self) -> list[UnitImpact]:
        """The places at VII and above, finest first: townships where imported, and the
        counties without townships."""
        with_towns = {t.county for t in self.townships}
        places = self.townships + [c for c in self.counties if c.code not in with_towns]
        return _ordered([p for p in places if p.max_intensity >= PRIORITY_FROM])

    def isoseismals_geojson(self) -> dict[str, Any]:
        """The isoseismals as a GeoJSON FeatureCollection in WGS 84, outermost first."""
        features = [
            {
                "type": "Feature",
                "properties": {"intensity": z.intensity, "area_km2": round(z.area_km2, 1)},
                "geometry": shapely.geometry.mapping(isoseismals.to_lonlat(self.grid, z.shape)),
            }
            for z in self.zones
        ]
        return {"type": "FeatureCollection", "features": features}

    def as_dict(self, geojson: bool = False) -> dict[str, Any]:
        e, s = self.event, self.setting
        year, gdp, rate = losses.economy()
        out: dict[str, Any] = {
            "event": {
                "lat": e.lat,
                "lon": e.lon,
                "magnitude": e.magnitude,
                "magnitude_type": e.magnitude_type,
                "ms": round(e.ms, 2),
                "mw": round(e.mw, 2),
                "depth_km": e.depth_km,
                "name": e.name,
                "origin_time": e.origin_time,
            },
            "model": {
                "relation": self.model,
                "zone": s.zone,
                "zone_name": s.zone_name,
                "strike": round(s.strike, 1),
                "strike_source": s.strike_source,
                "finite_source": s.finite,
                "rupture_length_km": round(2 * s.rupture.half_length_km, 1),
                "cell_km": round(self.grid.cell_km, 3),
                "isoseismal_convention": "zone I bounded where predicted intensity = I.0",
                "loess_amplification": LOESS_AMPLIFICATION,
            },
            "max_intensity": self.max_intensity,
            "isoseismals": [
                {
                    "intensity": z.intensity,
                    "area_km2": round(z.area_km2, 1),
                    "long_axis_km": round(z.long_axis_km, 1),
                    "short_axis_km": round(z.short_axis_km, 1),
                }
                for z in self.zones
            ],
            "exposure": {str(k): v for k, v in sorted(self.exposed.items())},
            "deaths": self.deaths.as_dict(),
            "economic_loss_yuan": self.loss_yuan.as_dict(),
            "economic_basis": {"gdp_per_capita_yuan": gdp, "year": year, "yuan_per_usd": rate},
            "alert_level": self.alerts["overall"],
            "alerts": self.alerts,
            "population_density_per_km2": round(self.density_per_km2, 1),
            "response_level": self.response.level,
            "response_grade": self.response.grade,
            "response_reason": self.response.reason,
            "counties": [c.as_dict() for c in self.counties],
            "townships": [t.as_dict() for t in self.townships],
            "priorities": [c.as_dict() for c in self.priorities],
            "elapsed_s": round(self.elapsed_s, 3),
        }
        if geojson:
            out["isoseismals_geojson"] = self.isoseismals_geojson()
        return out


def invalid_model(model: str) -> ValidationFailed:
    return invalid(
        "model", f"未知衰减模型 {model!r} / unknown model; use one of {attenuation.MODELS}"
    )


def _epicentre_unit(event: Event, pool: units.Units) -> int:
    """Index of the unit holding the epicentre, or the nearest one (offshore, abroad)."""
    point = shapely.Point(event.lon, event.lat)
    hit = pool.tree.query(point, predicate="intersects")
    return int(hit[0]) if len(hit) else int(pool.tree.nearest(point))


def epicentre_code(event: Event, pool: units.Units) -> str:
    return str(pool.codes[_epicentre_unit(event, pool)])


def setting_for(event: Event, pool: units.Units, model: str = "gb18306") -> Setting:
    """Attenuation zone and default strike from the unit holding (or nearest to) the
    epicentre; the rupture from the event's trace, length or magnitude."""
    code = epicentre_code(event, pool)
    row = units.by_prefix("seismic_zones", code)
    if row is None:
        raise LookupError(f"no seismic zone covers {code}")
    relation = attenuation.for_zone(model, row["zone"])

    trace = event.trace()
    if event.strike is not None:
        strike, source = event.strike % 180, "given"
    elif trace is not None:
        strike, source = trace[0], "fault_trace"
    else:
        strike, source = float(row["default_strike"]), "regional_default"

    if trace is not None:
        rupture = fields.Rupture(strike, trace[1] / 2, trace[2] if source != "given" else 0.0)
    elif event.rupture_length_km is not None:
        rupture = fields.Rupture(strike, event.rupture_length_km / 2)
    elif event.ms >= FINITE_FROM:
        rupture = fields.Rupture(strike, rupture_length_km(event.mw) / 2)
    else:
        rupture = fields.Rupture(strike)
    return Setting(
        zone=row["zone"],
        zone_name=row["name"],
        relation=relation,
        strike=strike,
        strike_source=source,
        rupture=rupture,
        finite=rupture.half_length_km > 0,
    )


def reach_codes(event: Event, pool: units.Units, model: str = "gb18306") -> list[str]:
    """Codes of the units the assessment's grid can reach: where finer data would help."""
    s = setting_for(event, pool, model)
    reach = fields.reach_km(s.relation, event.ms, s.rupture)
    box = shapely.Point(0, 0).buffer(reach, quad_segs=4)
    grid = fields.grid_for(event.lon, event.lat, 1.0)
    area = shapely.transform(box, lambda xy: np.column_stack(grid.to_lonlat().transform(*xy.T)))
    return [str(pool.codes[i]) for i in pool.tree.query(area, predicate="intersects")]


def assess(event: Event, pool: units.Units, model: str = "gb18306") -> Assessment:
    """Assess ``event`` against the exposure units ``pool``."""
    started = time.perf_counter()
    s = setting_for(event, pool, model)
    grid = fields.grid_for(event.lon, event.lat, fields.reach_km(s.relation, event.ms, s.rupture))
    values = fields.intensity(grid, s.relation, event.ms, s.rupture)
    exposure = burn(grid, pool)
    loess = units.on_loess(pool.codes)
    values = values + np.where(exposure.unit >= 0, loess[exposure.unit], False) * np.float32(
        LOESS_AMPLIFICATION
    )

    zones = isoseismals.zones(grid, values, s.rupture)
    people = exposure.people
    floor = np.floor(values).astype(int)
    outer = int(fields.OUTER_INTENSITY)
    exposed = {
        level: round(float(people[floor == level].sum()))
        for level in range(outer, int(floor.max()) + 1)
    }
    deaths, loss = losses.estimate(values, people, s.relation.sigma)
    shaken = values >= isoseismals.LOWEST
    area = float(shaken.sum()) * grid.cell_area_km2
    density = float(people[shaken].sum()) / area if area else 0.0
    counties, townships = impacts(values, exposure, pool)
    result = Assessment(
        event=event,
        model=model,
        setting=s,
        grid=grid,
        values=values,
        exposure=exposure,
        zones=zones,
        max_intensity=isoseismals.max_intensity(values),
        exposed=exposed,
        deaths=deaths,
        loss_yuan=loss,
        alerts=losses.alert_levels(deaths.median, loss.median),
        density_per_km2=density,
        response=losses.response_level(deaths.median, event.ms, losses.density_class(density)),
        counties=counties,
        townships=townships,
    )
    result.elapsed_s = time.perf_counter() - started
    return result


def _unit_figures(
    values: np.ndarray, exposure: Exposure, pool: units.Units
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: highest intensity, people at VI and above, expected deaths (PAGER rate
    per cell)."""
    inside = exposure.unit >= 0
    unit = exposure.unit[inside]
    vals = values[inside]
    people = exposure.people[inside]
    n = len(pool)
    peak = np.full(n, -np.inf)
    np.maximum.at(peak, unit, vals)
    shaken = vals >= isoseismals.LOWEST
    exposed = np.bincount(unit[shaken], weights=people[shaken], minlength=n)
    rate = losses.model("fatality").rate(np.floor(vals + 1e-6))
    dead = np.bincount(unit, weights=rate * people, minlength=n)
    return np.floor(peak + 1e-6), exposed, dead


def _ordered(rows: list[UnitImpact]) -> list[UnitImpact]:
    return sorted(rows, key=lambda c: (-c.max_intensity, -c.population))


def impacts(
    values: np.ndarray, exposure: Exposure, pool: units.Units
) -> tuple[list[UnitImpact], list[UnitImpact]]:
    """(counties, townships) reaching VI, most shaken first. Where townships stand in for
    their county, the county's row sums theirs."""
    peak, exposed, dead = _unit_figures(values, exposure, pool)
    townships: list[UnitImpact] = []
    by_county: dict[str, list[int]] = {}
    for i in np.flatnonzero(peak >= isoseismals.LOWEST):
        by_county.setdefault(str(pool.county_codes[i]), []).append(int(i))
        if pool.is_township[i]:
            townships.append(
                UnitImpact(
                    code=str(pool.codes[i]),
                    name=str(pool.names[i]),
                    parent=str(pool.parents[i]),
                    province=str(pool.provinces[i]),
                    max_intensity=int(peak[i]),
                    population=round(exposed[i]),
                    deaths=round(dead[i]),
                    county=str(pool.county_codes[i]),
                )
            )
    counties = []
    for code, members in by_county.items():
        name, parent, province = pool.county_label(code)
        counties.append(
            UnitImpact(
                code=code,
                name=name,
                parent=parent,
                province=province,
                max_intensity=int(peak[members].max()),
                population=round(exposed[members].sum()),
                deaths=round(dead[members].sum()),
                county=code,
            )
        )
    return _ordered(counties), _ordered(townships)
