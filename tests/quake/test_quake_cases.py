"""Whole assessments against official intensity maps (data/cases.csv) and the physics
options: finite rupture, strike, loess, exposure bookkeeping, and the CLI contract."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from yingji.quake import assess, attenuation, source, tables
from yingji.quake.source import Event

DEVELOPMENT = ("jishishan", "luding", "yangbi")


def _case(key: str) -> dict[str, str]:
    return next(r for r in tables.rows("cases") if r["key"] == key)


def _run(pool, row: dict[str, str], **extra) -> assess.Assessment:
    event = Event(
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        magnitude=float(row["magnitude"]),
        depth_km=float(row["depth_km"] or 10),
        **extra,
    )
    return assess.assess(event, pool)


def _vi_ratio(result: assess.Assessment, row: dict[str, str]) -> float:
    vi = next(z for z in result.zones if z.intensity == 6)
    return vi.area_km2 / float(row["area_vi_km2"])


def test_development_cases_meet_the_accuracy_goal(pool):
    ratios = {}
    for key in DEVELOPMENT:
        row = _case(key)
        result = _run(pool, row)
        ratios[key] = _vi_ratio(result, row)
        assert abs(result.max_intensity - int(row["max_intensity"])) <= 1, key
    assert all(0.5 <= r <= 2 for r in ratios.values()), ratios
    assert sum(1 / 1.5 <= r <= 1.5 for r in ratios.values()) >= 2, ratios


def test_further_official_cases_mostly_within_a_factor_of_two(pool):
    rows = [r for r in tables.rows("cases") if r["key"] not in DEVELOPMENT and r["area_vi_km2"]]
    assert len(rows) >= 10
    results = {r["key"]: _run(pool, r) for r in rows}
    within = [k for k, res in results.items() if 0.5 <= _vi_ratio(res, _case(k)) <= 2]
    assert len(within) >= 2 * len(rows) // 3, within
    for key, res in results.items():
        assert abs(res.max_intensity - int(_case(key)["max_intensity"])) <= 1, key


def test_a_large_event_is_a_line_source_as_long_as_its_rupture(pool, monkeypatch):
    monkeypatch.setattr(assess, "LOESS_AMPLIFICATION", 0.0)  # bedrock shapes only
    result = assess.assess(Event(lat=33.2, lon=103.82, magnitude=7.0, strike=160), pool)
    setting = result.setting
    assert setting.finite
    length = source.rupture_length_km(source.mw_from_ms(7.0))
    assert 2 * setting.rupture.half_length_km == pytest.approx(length)
    vi = next(z for z in result.zones if z.intensity == 6)
    rb = float(setting.relation.short.radius(7.0, 6.0))
    assert vi.long_axis_km == pytest.approx(length + 2 * rb, abs=3)
    assert vi.short_axis_km == pytest.approx(2 * rb, abs=3)


def test_a_given_rupture_length_makes_a_smaller_event_finite(pool):
    point = assess.assess(Event(lat=33.2, lon=103.82, magnitude=6.5, strike=90), pool)
    line = assess.assess(
        Event(lat=33.2, lon=103.82, magnitude=6.5, strike=90, rupture_length_km=80), pool
    )
    assert not point.setting.finite and line.setting.finite
    assert line.zones[0].long_axis_km > point.zones[0].long_axis_km


def test_the_long_axis_follows_the_given_strike(pool):
    relation = attenuation.for_zone("gb18306", "central")
    for strike in (0.0, 90.0):
        result = assess.assess(Event(lat=28.34, lon=104.9, magnitude=6.0, strike=strike), pool)
        shape = shapely.envelope(result.zones[0].shape)  # grid km, x east, y north
        x0, y0, x1, y1 = shape.bounds
        north_south, east_west = y1 - y0, x1 - x0
        if strike == 0.0:
            assert north_south > east_west
        else:
            assert east_west > north_south
        assert result.setting.strike_source == "given"
    assert relation.zone == "central"


def test_without_a_strike_the_regional_default_is_used_and_said(pool):
    result = assess.assess(Event(lat=29.59, lon=102.08, magnitude=6.8), pool)
    assert result.setting.strike_source == "regional_default"
    assert result.as_dict()["model"]["strike_source"] == "regional_default"


def test_loess_raises_the_shaking_on_the_plateau(pool, monkeypatch):
    row = _case("jishishan")
    with_loess = _run(pool, row).zones[0].area_km2
    monkeypatch.setattr(assess, "LOESS_AMPLIFICATION", 0.0)
    bedrock = _run(pool, row).zones[0].area_km2
    assert with_loess > 1.3 * bedrock


def test_exposure_keeps_the_people_of_counties_inside_the_grid(pool):
    result = assess.assess(Event(lat=35.70, lon=102.79, magnitude=6.2), pool)
    exposure = result.exposure
    index = int(np.flatnonzero(pool.codes == "622927")[0])  # 积石山县, well inside the grid
    assert exposure.people[exposure.unit == index].sum() == pytest.approx(
        pool.population[index], rel=0.03
    )
    total = sum(result.exposed.values())
    assert total == pytest.approx(exposure.people[result.values >= 5].sum(), rel=1e-6)


def test_counties_and_priorities(pool):
    result = assess.assess(Event(lat=35.70, lon=102.79, magnitude=6.2, strike=160), pool)
    data = result.as_dict()
    top = data["counties"][0]
    assert top["name"] == "积石山保安族东乡族撒拉族自治县"
    assert top["max_intensity"] == data["max_intensity"]
    assert all(c["max_intensity"] >= 6 for c in data["counties"])
    assert all(p["max_intensity"] >= 7 for p in data["priorities"])
    assert data["deaths"]["low"] <= data["deaths"]["median"] <= data["deaths"]["high"]


def test_cli_contract(cli):
    result = cli(
        "quake", "assess", "--lat", "35.70", "--lon", "102.79", "--mag", "6.2",
        "--depth", "10", "--strike", "160", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data["max_intensity"], int)
    for zone in data["isoseismals"]:
        assert set(zone) >= {"intensity", "area_km2", "long_axis_km", "short_axis_km"}
    areas = [z["area_km2"] for z in data["isoseismals"]]
    assert areas == sorted(areas, reverse=True)
    assert all(isinstance(k, str) and isinstance(v, int) for k, v in data["exposure"].items())
    assert set(data["deaths"]) == {"low", "median", "high"}
    assert data["alert_level"] in {"green", "yellow", "orange", "red"}
    assert data["response_level"] in {1, 2, 3, 4, None}
    for county in data["counties"]:
        assert set(county) >= {"adcode", "name", "max_intensity", "population"}
    assert data["elapsed_s"] > 0


def test_cli_names_bad_input(cli):
    result = cli("quake", "assess", "--lat", "95", "--lon", "102", "--mag", "6.2")
    assert result.exit_code == 1
    assert "lat" in result.output


def test_cli_takes_a_fault_trace(cli):
    args = ["quake", "assess", "--lat", "31.0", "--lon", "103.4", "--mag", "8.0"]
    traced = cli(*args, "--trace", "103.3,30.9;105.5,32.6", "--format", "json")
    assert traced.exit_code == 0, traced.output
    model = json.loads(traced.output)["model"]
    assert model["strike_source"] == "fault_trace"
    assert model["rupture_length_km"] == pytest.approx(281, abs=2)
    bad = cli(*args, "--trace", "103.3;105.5")
    assert bad.exit_code == 1 and "fault_trace" in bad.output
