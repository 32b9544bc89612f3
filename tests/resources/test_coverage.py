"""Response circles and station siting on a small network worked out by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from yingji.errors import ValidationFailed
from yingji.resources import coverage, siting
from yingji.resources.coverage import (
    bands,
    coverage_geojson,
    covered,
    response_circles,
    summary,
)
from yingji.resources.siting import lscp, mclp

# PuLP 3.3 announces API changes for PuLP 4 (pinned below 4 in pyproject) on every variable
# spopt creates; not ours to act on.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp")

INF = np.inf

# Four candidate sites A, B, C, D (rows) × eight demand points d0..d7 (columns), minutes.
# Within 10 minutes (inclusive) the sites reach:
#   A: d0 d1 d2          (5, 8, 10)        → 100 + 200 + 300       = 600
#   B: d2 d3 d4          (6, 9, 7)         → 300 + 50 + 400        = 750
#   C: d4 d5 d6          (4, 3, 9)         → 400 + 150 + 80        = 630
#   D: d0 d1 d6 d7       (2, 10, 8, 6)     → 100 + 200 + 80 + 20   = 400
# Every other entry is above 10 (or unreachable). Total population 1,300.
COST = np.array(
    [
        [5, 8, 10, 25, 40, INF, 15, 35],
        [30, 18, 6, 9, 7, 22, 28, INF],
        [INF, 45, 12, 16, 4, 3, 9, 19],
        [2, 10, 14, INF, 26, 33, 8, 6],
    ]
)
POP = np.array([100, 200, 300, 50, 400, 150, 80, 20], dtype=float)
A, B, C, D = range(4)


def _names(chosen: tuple[int, ...]) -> str:
    return "".join("ABCD"[i] for i in chosen)


# ---------------------------------------------------------------- MCLP
def test_mclp_one_site_takes_the_largest_reach() -> None:
    # p = 1: the largest single reach is B with 750.
    result = mclp(COST, POP, 10, 1)
    assert _names(result.chosen) == "B"
    assert result.gains == (750.0,)
    assert (result.covered_before, result.covered_after, result.total) == (0.0, 750.0, 1300.0)
    assert result.status == "optimal"


def test_mclp_two_sites_beats_greedy() -> None:
    # p = 2, all six pairs: A+B 1050 (d2 shared), A+C 1230 (disjoint), A+D 700,
    # B+C 980 (d4 shared), B+D 1150 (disjoint), C+D 950 (d6 shared). Optimum A+C = 1230;
    # a greedy build (B first, then D) would stop at 1150. Reported in build order: C (630)
    # before A (600).
    result = mclp(COST, POP, 10, 2)
    assert _names(result.chosen) == "CA"
    assert result.gains == (630.0, 600.0)
    assert result.covered_after == 1230.0
    sites = result.as_dict()["sites"]
    assert [s["covered_after"] for s in sites] == [630.0, 1230.0]


def test_mclp_counts_existing_stations() -> None:
    # D is an existing station: d0 d1 d6 d7 (400) are covered before anything is built.
    # New-site gains given D: A adds d2 (300), B adds d2 d3 d4 (750), C adds d4 d5 (550).
    # p = 1 → B (750, total 1150). p = 2: A+B 750, A+C 850, B+C 900 → B then C (150), 1300.
    one = mclp(COST, POP, 10, 1, existing=[D])
    assert _names(one.chosen) == "B"
    assert (one.covered_before, one.gains, one.covered_after) == (400.0, (750.0,), 1150.0)
    two = mclp(COST, POP, 10, 2, existing=np.array([False, False, False, True]))
    assert _names(two.chosen) == "BC"
    assert two.gains == (750.0, 150.0)
    assert two.covered_after == 1300.0
    assert two.existing == (D,)


def test_mclp_larger_threshold() -> None:
    # Within 20 minutes C reaches d2..d7 (12, 16, 4, 3, 9, 19) = 1000, more than B (950:
    # d1 d2 d3 d4), D (700) or A (680). With two sites C plus A or D reaches everyone.
    assert _names(mclp(COST, POP, 20, 1).chosen) == "C"
    two = mclp(COST, POP, 20, 2)
    assert two.chosen[0] == C and two.chosen[1] in (A, D)
    assert two.covered_after == 1300.0


def test_mclp_drops_sites_that_add_nothing() -> None:
    # With D existing and p = 3, B and C already reach everyone (see above); the third site
    # would add nothing, so it is not suggested.
    result = mclp(COST, POP, 10, 3, existing=[D])
    assert _names(result.chosen) == "BC"
    assert result.p == 3
    assert result.covered_after == 1300.0


def test_mclp_unreachable_demand() -> None:
    # A ninth point no site reaches in 10 minutes (all inf or 11+) is reported as uncoverable.
    cost = np.column_stack([COST, [INF, 11, INF, 60]])
    pop = np.append(POP, 999.0)
    result = mclp(cost, pop, 10, 1)
    assert result.uncoverable == 999.0
    assert result.total == 2299.0
    assert _names(result.chosen) == "B"


# ---------------------------------------------------------------- LSCP
def test_lscp_minimum_set() -> None:
    # Within 10 minutes d3 is reached only by B, d5 only by C, d7 only by D, so B, C and D
    # are all needed, and together they reach d0..d7: the unique minimum set has 3 sites.
    # Build order by population gained: B 750; then D adds d0 d1 d6 d7 = 400 while C adds
    # d5 d6 = 230 → D; then C adds d5 = 150.
    result = lscp(COST, 10, weights=POP)
    assert _names(result.chosen) == "BDC"
    assert result.gains == (750.0, 400.0, 150.0)
    assert result.covered_after == result.total == 1300.0
    # Without weights every point counts 1: D reaches 4 points, B and C 3 each → D first;
    # then B adds d2 d3 d4 (3) while C adds d4 d5 (2) → B; then C adds d5 (1).
    counted = lscp(COST, 10)
    assert _names(counted.chosen) == "DBC"
    assert counted.gains == (4.0, 3.0, 1.0)


def test_lscp_with_existing_and_larger_threshold() -> None:
    # Existing C: within 10 minutes d3 still needs B and d7 needs D → 2 new sites.
    assert sorted(lscp(COST, 10, existing=[C]).chosen) == [B, D]
    # Within 20 minutes d5 needs C (22 from B, 33 from D); C reaches all but d0 d1, which A
    # or D reach: 2 sites, C first.
    result = lscp(COST, 20, weights=POP)
    assert len(result.chosen) == 2 and result.chosen[0] == C


def test_lscp_leaves_out_unreachable_points() -> None:
    cost = np.column_stack([COST, [INF, INF, INF, INF]])
    result = lscp(cost, 10, weights=np.append(POP, 5.0))
    assert result.uncoverable == 5.0
    assert _names(result.chosen) == "BDC"
    assert result.covered_after == 1300.0


def test_lscp_everything_already_covered() -> None:
    # Within 60 minutes an existing B reaches all but d7 (unreachable from B), so exactly one
    # new site is needed (A, C and D all reach d7); with B and D both existing nothing is.
    assert len(lscp(COST, 60, existing=[B]).chosen) == 1
    assert lscp(COST[[B, D]], 60, existing=[0, 1]).chosen == ()
    assert lscp(COST[[B, D]], 60, existing=[0, 1]).status == "trivial"


def test_reductions_keep_the_optimum() -> None:
    # Random instances: the reduced model (merged demand, dominated sites dropped, existing
    # coverage fixed) reaches the same optimum as spopt's full model with predefined sites.
    import pulp
    from spopt.locate import LSCP, MCLP

    rng = np.random.default_rng(7)
    for trial in range(4):
        sites, points = rng.uniform(0, 10, (14, 2)), rng.uniform(0, 10, (60, 2))
        cost = np.hypot(*(sites[:, None] - points[None]).transpose(2, 0, 1)) * 3
        cost[rng.random(cost.shape) < 0.1] = INF
        weights = rng.integers(0, 50, 60).astype(float)
        existing = [0, 5] if trial % 2 else []
        predefined = np.isin(np.arange(14), existing).astype(int)
        for p in (1, 3):
            ours = mclp(cost, weights, 9, p, existing=existing)
            full = MCLP.from_cost_matrix(
                cost.T, weights, 9, p + len(existing), predefined_facilities_arr=predefined
            ).solve(pulp.PULP_CBC_CMD(msg=False))
            assert ours.covered_after == pytest.approx(pulp.value(full.problem.objective))
            assert sum(ours.gains) == pytest.approx(ours.covered_after - ours.covered_before)
        reachable = (cost <= 9).any(axis=0)
        full_l = LSCP.from_cost_matrix(cost.T[reachable], 9, predefined_facilities_arr=predefined)
        full_l.solve(pulp.PULP_CBC_CMD(msg=False))
        assert len(lscp(cost, 9, existing=existing).chosen) + len(existing) == round(
            pulp.value(full_l.problem.objective)
        )


# ---------------------------------------------------------------- response circles
MINUTES = np.array([2, 7, 12, 30, INF, 5, 45, 10])
PEOPLE = np.array([10, 20, 30, 40, 50, 60, 70, 80], dtype=float)
RISK = np.array([0, 1, 0, 2, 3, 0, 1, 0])


def test_covered_masks_are_inclusive() -> None:
    masks = covered(MINUTES, [10, 5])
    assert list(masks) == [5.0, 10.0]
    assert masks[5.0].tolist() == [True, False, False, False, False, True, False, False]
    assert masks[10.0].tolist() == [True, True, False, False, False, True, False, True]


def test_summary_population_and_risk_points() -> None:
    # ≤5: points 0 (2) and 5 (5) → 10 + 60 = 70; ≤10 adds 1 (7) and 7 (10) → 170; ≤30 adds
    # 2 (12) and 3 (30) → 240 of 360; the rest is 45 minutes (70) or unreachable (50).
    # Risk points: ≤10 only point 1 (1); ≤30 adds point 3 (2) → 3 of 7.
    rows = summary(MINUTES, PEOPLE, (30, 5, 10), risk=RISK)
    assert [r["minutes"] for r in rows] == [5.0, 10.0, 30.0]
    assert [r["population_covered"] for r in rows] == [70.0, 170.0, 240.0]
    assert [r["population_uncovered"] for r in rows] == [290.0, 190.0, 120.0]
    assert rows[2]["share"] == pytest.approx(240 / 360)
    assert [r["points_covered"] for r in rows] == [2, 4, 6]
    assert [r["risk_covered"] for r in rows] == [0.0, 1.0, 3.0]
    assert rows[2]["risk_uncovered"] == 4.0
    assert "risk_covered" not in summary(MINUTES, PEOPLE, [5])[0]
    boolean = summary(MINUTES, PEOPLE, [10], risk=RISK > 0)
    assert boolean[0]["risk_covered"] == 1.0 and boolean[0]["risk_uncovered"] == 3.0


def test_response_circles_per_mode() -> None:
    # Road within 30 (and 10), on foot within 10: foot reaches points 0 and 1 only.
    foot = np.array([4, 9, INF, INF, INF, 11, INF, 25])
    result = response_circles(
        {"road": MINUTES, "foot": foot}, {"road": [10, 30], "foot": [10]}, PEOPLE, RISK
    )
    assert [r["population_covered"] for r in result["road"]] == [170.0, 240.0]
    assert result["foot"][0]["population_covered"] == 30.0
    assert result["foot"][0]["risk_covered"] == 1.0
    with pytest.raises(ValidationFailed) as err:
        response_circles({"road": MINUTES}, {"air": [60]}, PEOPLE)
    assert err.value.details[0]["field"] == "thresholds_by_mode"


def test_coverage_layer_points() -> None:
    lonlat = np.column_stack([np.linspace(106.4, 106.6, 8), np.full(8, 29.5)])
    layer = coverage_geojson(lonlat, MINUTES, [5, 10, 30], population=PEOPLE)
    json.dumps(layer, allow_nan=False)  # inf must not leak into the JSON
    got = [f["properties"]["band"] for f in layer["features"]]
    assert got == ["≤5", "5–10", "10–30", "10–30", "unreachable", "≤5", ">30", "5–10"]
    uncovered = [f["properties"]["uncovered"] for f in layer["features"]]
    assert uncovered == [False, False, False, False, True, False, True, False]
    assert layer["features"][4]["properties"]["minutes"] is None
    assert [b["band"] for b in layer["legend"]] == ["≤5", "5–10", "10–30", ">30", "unreachable"]
    assert layer["features"][0]["geometry"] == {"type": "Point", "coordinates": [106.4, 29.5]}


def test_coverage_layer_cells() -> None:
    # Two points 0.3 km apart share a 1 km cell; a third is ~10 km away. Worst case per cell:
    # (3, 8) → 8 → "5–10"; with stat="min" → 3 → "≤5".
    lonlat = [[106.5001, 29.5001], [106.5031, 29.5001], [106.6001, 29.5001]]
    layer = coverage_geojson(lonlat, [3, 8, INF], [5, 10], cell_km=1.0, population=[1, 2, 4])
    props = [f["properties"] for f in layer["features"]]
    assert [(p["band"], p["points"], p["population"]) for p in props] == [
        ("5–10", 2, 3.0),
        ("unreachable", 1, 4.0),
    ]
    ring = layer["features"][0]["geometry"]["coordinates"][0]
    width_km = (ring[1][0] - ring[0][0]) * 111.32 * np.cos(np.radians(29.5))
    height_km = (ring[2][1] - ring[1][1]) * 110.574
    assert width_km == pytest.approx(1.0, rel=1e-3) and height_km == pytest.approx(1.0, rel=1e-3)
    best = coverage_geojson(lonlat, [3, 8, INF], [5, 10], cell_km=1.0, stat="min")
    assert best["features"][0]["properties"]["band"] == "≤5"
    assert props[1]["uncovered"] and props[1]["uncovered_points"] == 1


def test_band_colours_mark_uncovered() -> None:
    legend = bands([5, 10])
    assert legend[-1]["label"] == "不可达 / unreachable"
    assert len({b["color"] for b in legend}) == len(legend)


def test_siting_is_reachable_from_coverage() -> None:
    assert coverage.mclp is siting.mclp and coverage.lscp is siting.lscp


# ---------------------------------------------------------------- bad inputs
def _field(call) -> str:
    with pytest.raises(ValidationFailed) as err:
        call()
    return err.value.details[0]["field"]


def test_bad_inputs_name_the_field() -> None:
    assert _field(lambda: mclp(COST, POP[:-1], 10, 1)) == "weights"
    assert _field(lambda: mclp(COST, -POP, 10, 1)) == "weights"
    assert _field(lambda: mclp(COST, POP, 10, 5)) == "p"
    assert _field(lambda: mclp(COST, POP, 10, 4, existing=[D])) == "p"
    assert _field(lambda: mclp(COST, POP, 10, 0)) == "p"
    assert _field(lambda: mclp(COST, POP, -5, 1)) == "threshold_minutes"
    assert _field(lambda: mclp(COST, POP, INF, 1)) == "threshold_minutes"
    assert _field(lambda: mclp(COST[0], POP, 10, 1)) == "cost"
    assert _field(lambda: mclp(-COST, POP, 10, 1)) == "cost"
    assert _field(lambda: mclp(np.where(COST > 40, np.nan, COST), POP, 10, 1)) == "cost"
    assert _field(lambda: mclp(COST, POP, 10, 1, existing=[4])) == "existing"
    assert _field(lambda: mclp(COST, POP, 10, 1, existing=[1, 1])) == "existing"
    assert _field(lambda: lscp(COST, 10, existing=[True, False])) == "existing"
    assert _field(lambda: lscp(COST, 10, weights=[1, 2])) == "weights"
    assert _field(lambda: summary(MINUTES, PEOPLE[:3], [5])) == "population"
    assert _field(lambda: summary(MINUTES, -PEOPLE, [5])) == "population"
    assert _field(lambda: summary(MINUTES, PEOPLE, [5], risk=[1])) == "risk"
    assert _field(lambda: summary(MINUTES, PEOPLE, [])) == "thresholds"
    assert _field(lambda: summary(MINUTES, PEOPLE, [0])) == "thresholds"
    assert _field(lambda: summary([1.0, np.nan], [1, 1], [5])) == "minutes"
    assert _field(lambda: covered([[1, 2]], [5])) == "minutes"
    assert _field(lambda: coverage_geojson([[1, 2, 3]], [1], [5])) == "lonlat"
    assert _field(lambda: coverage_geojson([[200, 2]], [1], [5])) == "lonlat"
    assert _field(lambda: coverage_geojson([[1, 2]], [1, 2], [5])) == "minutes"
    assert _field(lambda: coverage_geojson([[1, 2]], [1], [5], cell_km=0)) == "cell_km"
    assert _field(lambda: coverage_geojson([[1, 2]], [1], [5], stat="mean")) == "stat"
