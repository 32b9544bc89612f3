"""Dispatch: ranking by arrival time and fit, orders and their states, materials allocated
in the same transaction, and the API around them."""

from __future__ import annotations

import pytest
from resources_helpers import WANZHOU, actor
from sqlalchemy import select

from yingji.errors import Conflict, ValidationFailed
from yingji.resources import dispatch, registry, stock, travel
from yingji.resources.models import OrderLine, RescueTeam, StockBatch
from yingji.warnings.direct_models import DirectMessage

LON, LAT = WANZHOU
# Road, default terrain: 60 km/h, detour 1.3, no fixed time: 1.3 minutes per straight km.
PER_KM = 1.3 / 60 * 60


def _team(session, city, code, dx_deg, kind="fire_station", skills=("fire",), **extra):
    return registry.create_team(
        session,
        city,
        {
            "code": code,
            "name": code,
            "kind": kind,
            "size": 20,
            "skills": list(skills),
            "lon": LON + dx_deg,
            "lat": LAT,
            **extra,
        },
    )


def test_ranking_by_arrival_time_and_fit(session, city):
    near = _team(session, city, "T-near", 0.02)
    far = _team(session, city, "T-far", 0.10, skills=("fire", "swift_water"))
    _team(session, city, "T-mid", 0.05)
    needs = dispatch.parse_needs(
        [{"kind": "team", "what": "fire", "amount": 2}, {"kind": "team", "what": "swift_water"}]
    )
    fire, water = dispatch.rank(session, city, LON, LAT, needs)
    assert [c.code for c in fire.candidates] == ["T-near", "T-mid", "T-far"]
    assert [c.code for c in fire.picked] == ["T-near", "T-mid"] and fire.met
    km = float(travel.haversine_km([[near.lon, near.lat]], [[LON, LAT]])[0, 0])
    assert fire.candidates[0].minutes == pytest.approx(km * PER_KM, abs=0.06)
    assert [c.code for c in water.picked] == [far.code]


def test_deployed_teams_are_not_offered(session, city):
    team = _team(session, city, "T1", 0.02)
    registry.set_status(session, city, RescueTeam, team.id, "deployed")
    (fire,) = dispatch.rank(session, city, LON, LAT, dispatch.parse_needs([{"kind": "team"}]))
    assert fire.candidates == [] and not fire.met


def test_materials_are_ranked_by_warehouse_and_split(session, city, store):
    other = registry.create_warehouse(
        session, city, {"code": "W2", "name": "远库", "level": 3, "lon": LON + 0.2, "lat": LAT}
    )
    stock.receive(session, city, store, "TENT", 300)
    stock.receive(session, city, other.id, "TENT", 400)
    (tents,) = dispatch.rank(
        session,
        city,
        LON,
        LAT,
        dispatch.parse_needs([{"kind": "material", "what": "TENT", "amount": 500}]),
    )
    assert [c.code for c in tents.picked] == ["WZ-CK1", "W2"] and tents.met


def test_bad_needs_name_the_row_and_field():
    with pytest.raises(ValidationFailed) as caught:
        dispatch.parse_needs(
            [{"kind": "boat"}, {"kind": "material"}, {"kind": "team", "amount": 0}]
        )
    assert [(d["row"], d["field"]) for d in caught.value.details] == [
        (0, "kind"),
        (1, "what"),
        (2, "amount"),
    ]


def test_an_order_moves_through_its_states_and_frees_the_team(session, city):
    team = _team(session, city, "T1", 0.02)
    order = dispatch.send_team(session, city, team.id, lon=LON, lat=LAT, title="山洪救援")
    assert session.get(RescueTeam, team.id).status == "deployed"
    assert order.eta_minutes > 0
    with pytest.raises(Conflict):
        dispatch.send_team(session, city, team.id, lon=LON, lat=LAT, title="again")
    with pytest.raises(Conflict):
        dispatch.advance(session, city, order.id, "arrived")  # must acknowledge first
    for state in ("acknowledged", "en_route", "arrived", "released"):
        dispatch.advance(session, city, order.id, state)
    assert [h["state"] for h in order.history] == [
        "issued",
        "acknowledged",
        "en_route",
        "arrived",
        "released",
    ]
    assert session.get(RescueTeam, team.id).status == "available"
    with pytest.raises(Conflict):
        dispatch.advance(session, city, order.id, "cancelled")


def test_the_team_contact_is_called_and_the_answer_acknowledges(session, city):
    from yingji.notify.models import Delivery
    from yingji.people.models import Person
    from yingji.warnings.callresponse import service as callresponse
    from yingji.warnings.instruction_models import Instruction

    person = session.scalar(select(Person).order_by(Person.id))
    team = _team(session, city, "T1", 0.02, contact_person_id=person.id)
    order = dispatch.send_team(session, city, team.id, lon=LON, lat=LAT, title="山洪救援")
    call = session.get(DirectMessage, order.direct_id)
    assert order.code in call.text and "山洪救援" in call.text
    (instruction,) = session.scalars(select(Instruction).where(Instruction.direct_id == call.id))
    assert instruction.person_id == person.id and instruction.deadline_at is not None
    channels = session.scalars(
        select(Delivery.channel).where(Delivery.instruction_id == instruction.id)
    )
    assert sorted(channels) == ["inbox", "sms", "voice"]
    assert callresponse.confirm_by_code(session, person.mobile, f"收到 {instruction.confirm_code}")
    assert order.state == "acknowledged"
    assert order.history[-1]["by"] == "team_contact:sms_code"
    dispatch.advance(session, city, order.id, "en_route")  # the call is answered: no withdrawal
    session.refresh(instruction)
    assert instruction.state == "confirmed"


def test_moving_an_order_by_hand_stops_its_call(session, city):
    from yingji.people.models import Person
    from yingji.warnings.instruction_models import Instruction

    person = session.scalar(select(Person).order_by(Person.id))
    team = _team(session, city, "T1", 0.02, contact_person_id=person.id)
    order = dispatch.send_team(session, city, team.id, lon=LON, lat=LAT, title="山洪救援")
    dispatch.advance(session, city, order.id, "cancelled")
    instruction = session.scalar(
        select(Instruction).where(Instruction.direct_id == order.direct_id)
    )
    session.refresh(instruction)
    assert instruction.state == "cancelled"
    no_contact = _team(session, city, "T2", 0.03)
    assert (
        dispatch.send_team(session, city, no_contact.id, lon=LON, lat=LAT, title="x").direct_id
        is None
    )


def _engines(session, city, code, quantity, dx_deg, team=None):
    return registry.create_equipment(
        session,
        city,
        {
            "code": code,
            "name": code,
            "type": "fire_engine",
            "quantity": quantity,
            "team_code": team.code if team else None,
            "lon": LON + dx_deg,
            "lat": LAT,
        },
    )


def test_equipment_is_ranked_by_free_units_and_sent_with_its_crew(session, city):
    from yingji.people.models import Person

    person = session.scalar(select(Person).order_by(Person.id))
    station = _team(session, city, "S1", 0.02, contact_person_id=person.id)
    near = _engines(session, city, "E-near", 2, 0.02, team=station)
    _engines(session, city, "E-far", 3, 0.08)
    need = dispatch.parse_needs([{"kind": "equipment", "what": "fire_engine", "amount": 3}])
    (engines,) = dispatch.rank(session, city, LON, LAT, need)
    assert [(c.code, c.available, c.team_id) for c in engines.picked] == [
        ("E-near", 2, station.id),
        ("E-far", 3, None),
    ]
    order = dispatch.send_equipment(session, city, near.id, 2, lon=LON, lat=LAT, title="火灾")
    assert (order.equipment_id, order.units) == (near.id, 2)
    assert "E-near × 2" in session.get(DirectMessage, order.direct_id).text
    (engines,) = dispatch.rank(session, city, LON, LAT, need)
    assert [c.code for c in engines.candidates] == ["E-far"]  # the near lot is all out
    with pytest.raises(Conflict):
        dispatch.send_equipment(session, city, near.id, 1, lon=LON, lat=LAT, title="again")
    dispatch.advance(session, city, order.id, "cancelled")
    session.refresh(near)
    assert near.deployed == 0 and near.free_units == 2


def test_equipment_units_never_exceed_the_lot(session, city):
    lot = _engines(session, city, "E1", 3, 0.02)
    first = dispatch.send_equipment(session, city, lot.id, 2, lon=LON, lat=LAT, title="a")
    with pytest.raises(Conflict):
        dispatch.send_equipment(session, city, lot.id, 2, lon=LON, lat=LAT, title="b")
    dispatch.send_equipment(session, city, lot.id, 1, lon=LON, lat=LAT, title="c")
    for bad in (0, -1, 1.5):
        with pytest.raises(ValidationFailed):
            dispatch.send_equipment(session, city, lot.id, bad, lon=LON, lat=LAT, title="d")
    for state in ("acknowledged", "en_route", "arrived", "released"):
        dispatch.advance(session, city, first.id, state)
    session.refresh(lot)
    assert lot.deployed == 1


def test_materials_leave_stock_in_the_same_order(session, city, store):
    stock.receive(session, city, store, "TENT", 100, batch="a")
    order = dispatch.send_materials(
        session,
        city,
        store,
        [{"material_code": "TENT", "quantity": 30}],
        lon=LON,
        lat=LAT,
        title="安置点帐篷",
    )
    assert [(ln.quantity) for ln in session.scalars(select(OrderLine))] == [30]
    assert session.scalar(select(StockBatch.quantity)) == 70
    with pytest.raises(Conflict):
        dispatch.send_materials(
            session,
            city,
            store,
            [{"material_code": "TENT", "quantity": 71}],
            lon=LON,
            lat=LAT,
            title="too many",
        )
    assert order.warehouse_id == store


def test_orders_outside_the_region_are_refused(session):
    township = actor(session, "twp_operator")
    with pytest.raises(ValidationFailed):
        dispatch.send_team(session, township, 1, lon=106.55, lat=29.56, title="x")


def test_api_round_trip(api):
    admin = api("admin")
    made = admin.post(
        "/api/v1/resources/teams",
        json={
            "code": "API-1",
            "name": "万州消防站",
            "kind": "fire_station",
            "size": 25,
            "skills": ["fire"],
            "lon": LON + 0.02,
            "lat": LAT,
        },
    )
    assert made.status_code == 201, made.text
    ranked = admin.post(
        "/api/v1/resources/dispatch/rank",
        json={"lon": LON, "lat": LAT, "needs": [{"kind": "team", "what": "fire"}]},
    ).json()
    assert ranked[0]["picked"][0]["code"] == "API-1"
    order = admin.post(
        "/api/v1/resources/dispatch/teams",
        json={"team_id": made.json()["id"], "lon": LON, "lat": LAT, "title": "测试"},
    )
    assert order.status_code == 201, order.text
    moved = admin.post(
        f"/api/v1/resources/dispatch/orders/{order.json()['id']}/state", json={"state": "bogus"}
    )
    assert moved.status_code == 422
    circles = admin.get("/api/v1/resources/coverage?thresholds=5,10,30").json()
    assert [row["minutes"] for row in circles["summary"]] == [5, 10, 30]
    assert circles["stations"][0]["code"] == "API-1"
    assert circles["summary"][-1]["population_covered"] > 0
    bad = admin.post("/api/v1/resources/teams", json={"code": "", "kind": "x"})
    assert bad.status_code == 422
    assert {"code", "name", "kind"} <= {d["field"] for d in bad.json()["error"]["details"]}


def test_site_suggestions_add_people_each(api):
    admin = api("admin")
    for code, dx in (("S1", 0.0), ("S2", 0.3)):
        made = admin.post(
            "/api/v1/resources/teams",
            json={
                "code": code,
                "name": code,
                "kind": "fire_station",
                "size": 20,
                "lon": LON + dx,
                "lat": LAT,
            },
        )
        assert made.status_code == 201, made.text
    before = admin.get("/api/v1/resources/coverage?thresholds=10").json()["summary"][0]
    sites = admin.get("/api/v1/resources/coverage/sites?threshold=10&p=2").json()
    assert sites["covered_before"] == pytest.approx(before["population_covered"])
    gains = [s["gain"] for s in sites["sites"]]
    assert gains and all(g > 0 for g in gains) and gains == sorted(gains, reverse=True)
    assert sites["covered_after"] == pytest.approx(sites["covered_before"] + sum(gains))
    assert all(
        s["region_code"].startswith("5001") or s["region_code"].startswith("5002")
        for s in sites["sites"]
    )
