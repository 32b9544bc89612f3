"""The science: attenuation radii by hand, the grid against the closed-form ellipse,
magnitude conversion, rupture scaling, regionalisation and the loss formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from yingji.errors import ValidationFailed
from yingji.quake import attenuation, field, isoseismals, losses, source, units
from yingji.quake.source import Event


def test_gb18306_radii_match_a_hand_inversion():
    # Tibetan plateau, M6.2, intensity VI: 6 = A + B·M + C·lg(R + R0), solved for R by hand.
    long_r = 10 ** ((6 - 6.4580 - 1.2746 * 6.2) / -4.4709) - 25
    short_r = 10 ** ((6 - 3.3682 - 1.2746 * 6.2) / -3.3119) - 9
    assert long_r == pytest.approx(49.13, abs=0.01)
    assert short_r == pytest.approx(30.03, abs=0.01)
    ra, rb = attenuation.for_zone("gb18306", "tibet").radii(6.2, 6.0)
    assert float(ra) == pytest.approx(long_r, rel=1e-9)
    assert float(rb) == pytest.approx(short_r, rel=1e-9)


def test_wang2000_uses_natural_logarithms():
    relation = attenuation.for_zone("wang2000", "central")  # the east relation
    assert relation.zone == "east"
    expected = math.exp((7 - 6.046 - 1.48 * 6.5) / -2.08) - 25
    assert float(relation.long.radius(6.5, 7.0)) == pytest.approx(expected, rel=1e-9)


def test_intensity_on_the_axes_is_the_isoseismal_level_and_falls_with_distance():
    relation = attenuation.for_zone("gb18306", "east")
    ra, rb = relation.radii(6.5, 7.0)
    got = relation.intensity(6.5, np.array([ra, 0.0]), np.array([0.0, rb]))
    assert got == pytest.approx([7.0, 7.0], abs=0.01)
    ring = relation.intensity(6.5, np.linspace(0, 200, 50), np.zeros(50))
    assert np.all(np.diff(ring) <= 1e-9)
    assert ring[0] == pytest.approx(relation.epicentral(6.5), abs=0.01)


@pytest.mark.parametrize("zone", ["tibet", "xinjiang", "east", "central"])
def test_grid_area_equals_the_closed_form_ellipse(zone):
    relation = attenuation.for_zone("gb18306", zone)
    rupture = field.Rupture(strike=30.0)
    grid = field.grid_for(105.0, 30.0, field.reach_km(relation, 6.5, rupture))
    values = field.intensity(grid, relation, 6.5, rupture)
    zones = {z.intensity: z for z in isoseismals.zones(grid, values, rupture)}
    ra, rb = relation.radii(6.5, 6.0)
    assert zones[6].area_km2 == pytest.approx(math.pi * ra * rb, rel=0.01)
    assert zones[6].long_axis_km == pytest.approx(2 * ra, abs=2)
    assert zones[6].short_axis_km == pytest.approx(2 * rb, abs=2)


def test_magnitude_conversion_follows_scordilis_and_round_trips():
    assert source.mw_from_ms(6.2) == pytest.approx(0.99 * 6.2 + 0.08)
    assert source.mw_from_ms(5.0) == pytest.approx(0.67 * 5.0 + 2.07)
    for ms in (4.5, 6.15, 7.3, 8.5):
        assert source.ms_from_mw(source.mw_from_ms(ms)) == pytest.approx(ms)
    assert Event(lat=30, lon=100, magnitude=7.0, magnitude_type="Mw").ms == pytest.approx(
        (7.0 - 0.08) / 0.99
    )


def test_rupture_length_is_wells_and_coppersmith_subsurface():
    assert source.rupture_length_km(7.0) == pytest.approx(10 ** (-2.44 + 0.59 * 7.0))


def test_bad_event_names_every_bad_field():
    with pytest.raises(ValidationFailed) as caught:
        Event(lat=95, lon=10, magnitude=12, depth_km=-3, magnitude_type="mb")
    fields = {d["field"] for d in caught.value.details}
    assert fields == {"lat", "lon", "magnitude", "depth_km", "magnitude_type"}


@pytest.mark.parametrize(
    ("lat", "lon", "zone"),
    [
        (29.59, 102.08, "tibet"),  # Luding, western Sichuan
        (28.34, 104.90, "central"),  # Changning, Sichuan basin
        (41.26, 78.63, "xinjiang"),  # Wushi
        (39.90, 116.40, "east"),  # Beijing
        (25.67, 99.87, "tibet"),  # Yangbi, Yunnan
    ],
)
def test_zone_comes_from_the_regionalisation_polygons(pool, lat, lon, zone):
    from yingji.quake.assess import setting_for

    assert setting_for(Event(lat=lat, lon=lon, magnitude=6.0), pool).zone == zone


def test_pool_holds_every_census_person(pool):
    assert int(pool.population.sum()) == 1_409_778_724
    assert len(pool) > 2800


def test_loess_table_marks_the_plateau_only():
    flags = units.on_loess(np.array(["622927", "140105", "510106"]))
    assert flags.tolist() == [True, True, False]


def test_fatality_rate_is_half_at_theta():
    model = losses.model("fatality")
    assert float(model.rate(np.array([model.theta]))[0]) == pytest.approx(0.5)
    assert float(model.rate(np.array([8.0]))[0]) == pytest.approx(
        0.5 * math.erfc(-math.log(8 / 10.328811) / 0.100058 / math.sqrt(2))
    )


def test_alert_levels_use_pager_cut_offs():
    assert losses.alert_levels(0.4, 0)["overall"] == "green"
    assert losses.alert_levels(1, 0)["fatality"] == "yellow"
    assert losses.alert_levels(100, 0)["fatality"] == "orange"
    assert losses.alert_levels(1000, 0)["fatality"] == "red"
    _, _, rate = losses.economy()
    assert losses.alert_levels(0, 150e6 * rate)["economic"] == "orange"
    assert losses.alert_levels(0, 150e6 * rate)["overall"] == "orange"


@pytest.mark.parametrize(
    ("deaths", "mag", "density", "level"),
    [
        (300, 5.0, None, 1),
        (299, 5.0, None, 2),
        (50, 5.0, None, 2),
        (10, 5.0, None, 3),
        (1, 4.0, None, 4),
        (0, 6.2, "fairly_dense", 2),
        (0, 6.2, "dense", 1),
        (12, 7.0, "fairly_dense", 1),
        (0, 4.5, None, None),
    ],
)
def test_response_level_follows_the_national_plan(deaths, mag, density, level):
    assert losses.response_level(deaths, mag, density).level == level


def test_density_classes():
    assert losses.density_class(600) == "dense"
    assert losses.density_class(150) == "fairly_dense"
    assert losses.density_class(20) is None
