"""Registries, stock receiving and allocation (first expiring, first out; never below
zero), expiry alerts and the reserve gap report."""

from __future__ import annotations

import datetime as dt

import pytest
from resources_helpers import WANZHOU, actor
from sqlalchemy import select

from yingji import clock
from yingji.errors import Conflict, PermissionDenied, ValidationFailed
from yingji.regions.models import Region
from yingji.resources import gaps, registry, stock
from yingji.resources.models import RegionClass, StockBatch, Warehouse


def test_a_team_takes_its_region_from_its_base(session, city):
    lon, lat = WANZHOU
    team = registry.create_team(
        session,
        city,
        {
            "code": "WZ-XF1",
            "name": "万州消防救援站",
            "kind": "fire_station",
            "size": 30,
            "skills": "fire, swift_water",
            "lon": lon,
            "lat": lat,
        },
    )
    assert team.region_path.startswith("/500000/") and "500101" in team.region_path
    assert team.skills == ["fire", "swift_water"]


def test_bad_team_names_every_field(session, city):
    with pytest.raises(ValidationFailed) as caught:
        registry.create_team(
            session, city, {"code": "", "kind": "wizards", "size": -3, "lon": 10, "lat": 10}
        )
    fields = {d["field"] for d in caught.value.details}
    assert fields == {"code", "name", "kind", "size", "lon"}


def test_a_township_user_cannot_place_a_team_outside_its_township(session):
    township = actor(session, "twp_operator")
    with pytest.raises(ValidationFailed) as caught:
        registry.create_team(
            session,
            township,
            {"code": "X1", "name": "x", "kind": "village", "lon": 106.55, "lat": 29.56},
        )
    assert "outside your region" in caught.value.details[0]["reason"]


def test_only_city_level_keeps_the_catalogue(session):
    with pytest.raises(PermissionDenied):
        registry.create_material(
            session,
            actor(session, "twp_operator"),
            {"code": "T", "name": "t", "unit": "个", "category": "general"},
        )


def test_allocation_takes_the_soonest_expiring_batch_first(session, city, store):
    today = clock.today()
    stock.receive(
        session,
        city,
        store,
        "WATER",
        100,
        batch="B-late",
        expires_on=today + dt.timedelta(days=300),
    )
    stock.receive(
        session, city, store, "WATER", 40, batch="B-soon", expires_on=today + dt.timedelta(days=20)
    )
    taken = stock.allocate(session, city, store, "WATER", 60)
    by_batch = {session.get(StockBatch, t.batch_id).batch: t.quantity for t in taken}
    assert by_batch == {"B-soon": 40, "B-late": 20}
    left = {b.batch: b.quantity for b in session.scalars(select(StockBatch))}
    assert left == {"B-soon": 0, "B-late": 80}


def test_allocation_is_all_or_nothing(session, city, store):
    stock.receive(session, city, store, "TENT", 10)
    with pytest.raises(Conflict) as caught:
        stock.allocate(session, city, store, "TENT", 11)
    assert caught.value.details == {"available": 10, "requested": 11}
    assert session.scalar(select(StockBatch.quantity)) == 10
    with pytest.raises(ValidationFailed):
        stock.allocate(session, city, store, "TENT", -1)


def test_receiving_again_adds_to_the_batch(session, city, store):
    stock.receive(session, city, store, "TENT", 10, batch="2026")
    stock.receive(session, city, store, "TENT", 5, batch="2026")
    assert session.scalars(select(StockBatch.quantity)).all() == [15]
    lines = stock.holdings(session, city)
    assert [(line.material_code, line.quantity, line.value_yuan) for line in lines] == [
        ("TENT", 15, 15 * 1500)
    ]


def test_shelf_life_sets_the_expiry_and_near_ones_are_listed(session, city, store):
    stock.receive(session, city, store, "WATER", 5, batch="A")
    stock.receive(
        session, city, store, "TENT", 5, batch="B", expires_on=clock.today() + dt.timedelta(days=10)
    )
    near = stock.expiring(session, city, within_days=30)
    assert [(e.material, e.days_left) for e in near] == [("帐篷", 10)]
    assert len(stock.expiring(session, city, within_days=400)) == 2


def test_gap_report_arithmetic(session, city, store):
    # Standards for counties: class 1 must hold 3 million yuan of flood stock, class 3 one
    # million; every county 200 tents and 0.01 quilts per resident.
    gaps.add_standard(session, city, level=3, scope="flood", county_class=1, value_yuan=3e6)
    gaps.add_standard(session, city, level=3, scope="flood", county_class=3, value_yuan=1e6)
    gaps.add_standard(session, city, level=3, material_code="TENT", quantity=200)
    gaps.add_standard(session, city, level=3, material_code="QUILT", per_capita=0.01)
    wanzhou = session.scalar(select(Region).where(Region.code == "500101"))
    session.add(RegionClass(region_id=wanzhou.id, county_class=1))
    stock.receive(session, city, store, "TENT", 150)
    stock.receive(session, city, store, "SANDBAG", 500_000)  # 1,000,000 yuan of flood stock
    rows = {(g.region_code, g.item, g.scope): g for g in gaps.report(session, city)}

    flood = rows[("500101", "储备总值", "flood")]
    assert (flood.required, flood.held, flood.shortfall) == (3e6, 1e6, 2e6)
    tents = rows[("500101", "帐篷", "general")]
    assert (tents.required, tents.held, tents.shortfall, tents.shortfall_yuan) == (
        200,
        150,
        50,
        50 * 1500,
    )
    quilts = rows[("500101", "棉被", "general")]
    assert quilts.required == pytest.approx(0.01 * wanzhou.population)
    assert quilts.shortfall_yuan == pytest.approx(quilts.required * 200)
    other = rows[("500102", "储备总值", "flood")]  # 涪陵: class 3 by default, holds nothing
    assert (other.required, other.shortfall) == (1e6, 1e6)
    assert ("500101", "储备总值", "flood") in rows and len(
        [k for k in rows if k[0] == "500101" and k[2] == "flood"]
    ) == 1  # only its own class's standard


def test_bad_standard_names_fields(session, city):
    with pytest.raises(ValidationFailed) as caught:
        gaps.add_standard(session, city, level=9, quantity=5, value_yuan=3)
    fields = {d["field"] for d in caught.value.details}
    assert {"quantity", "material_code", "level"} <= fields


def test_warehouse_in_scope_only(session, city, store):
    township = actor(session, "twp_operator")
    rows, total = registry.listing(session, township, Warehouse)
    assert total == 0 or all(township.covers(w.region_path) for w in rows)
    assert registry.listing(session, city, Warehouse)[1] == 1


def test_keepers_hear_of_batches_near_expiry_once(session, city, catalogue):
    from yingji.notices.models import Notice
    from yingji.people.models import Person
    from yingji.resources import alerts

    keeper = session.scalar(select(Person).order_by(Person.id))
    lon, lat = WANZHOU
    store = registry.create_warehouse(
        session,
        city,
        {
            "code": "K1",
            "name": "乡镇储备点",
            "level": 4,
            "lon": lon,
            "lat": lat,
            "keeper_person_id": keeper.id,
        },
    )
    today = clock.today()
    stock.receive(
        session, city, store.id, "WATER", 10, batch="a", expires_on=today + dt.timedelta(days=5)
    )
    stock.receive(
        session, city, store.id, "WATER", 10, batch="b", expires_on=today + dt.timedelta(days=200)
    )
    assert alerts.announce(session, today) == 1
    assert alerts.announce(session, today) == 0
    notice = session.scalar(select(Notice).where(Notice.key.like("expiry:%")))
    assert "5 天后到期" in notice.body and "乡镇储备点" in notice.title
