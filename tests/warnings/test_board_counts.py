"""The live board counts hand-made instructions and deliveries right: totals, by layer, by
region, the timeline, the median, the unanswered list, escalations, channels and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from board_scenario import COUNTY, T1, T2, build, make_warning
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor, system_actor
from yingji.auth.service import actor_for
from yingji.errors import NotFound
from yingji.warnings import board


def _actor(session: Session, username: str) -> Actor:
    return actor_for(session, session.scalar(select(User).where(User.username == username)))


def _board(session: Session, actor: Actor, warning_id: int, **kw):
    return board.board(session, actor, board.of_warning(session, actor, warning_id), **kw)


def test_totals_and_rates(session: Session) -> None:
    s = build(session)
    b = _board(session, system_actor(), s.warning_id, now=s.start + dt.timedelta(minutes=20))
    t = b["totals"]
    assert (t["targeted"], t["sent"], t["delivered"], t["confirmed"]) == (8, 5, 4, 2)
    assert (t["escalated"], t["unanswered"], t["failed"], t["cancelled"]) == (1, 2, 1, 1)
    assert t["asked"] == 7 and t["attempted"] == 6
    assert t["confirm_rate"] == pytest.approx(2 / 7, abs=1e-4)
    assert t["delivery_rate"] == pytest.approx(4 / 6, abs=1e-4)
    assert t["median_confirm_seconds"] == pytest.approx(180, abs=1)


def test_by_layer(session: Session) -> None:
    s = build(session)
    b = _board(session, system_actor(), s.warning_id)
    layers = {r["layer"]: r for r in b["by_layer"]}
    assert sorted(layers) == [3, 4, 5, 6]
    assert (layers[3]["targeted"], layers[3]["confirmed"]) == (1, 1)
    assert (layers[4]["targeted"], layers[4]["confirmed"], layers[4]["failed"]) == (4, 1, 1)
    assert (layers[5]["targeted"], layers[5]["delivered"], layers[5]["unanswered"]) == (2, 2, 1)
    assert (layers[6]["escalated"], layers[6]["unanswered"]) == (1, 1)
    assert layers[5]["confirm_rate"] == 0.0  # p3 asked, p8 not asked
    assert layers[5]["asked"] == 1


def test_by_region_townships_then_counties(session: Session) -> None:
    s = build(session)
    b = _board(session, system_actor(), s.warning_id)
    assert b["region_level"] == 4
    regions = {r["code"]: r for r in b["by_region"]}
    assert set(regions) == {COUNTY, T1, T2}  # county persons stay at their county
    assert (regions[T1]["targeted"], regions[T1]["confirmed"], regions[T1]["unanswered"]) == (
        4,
        1,
        2,
    )
    assert regions[T1]["confirm_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert (regions[T2]["targeted"], regions[T2]["failed"], regions[T2]["cancelled"]) == (3, 1, 1)
    assert regions[COUNTY]["confirm_rate"] == 1.0
    by_county = _board(session, system_actor(), s.warning_id, level=3)
    assert [(r["code"], r["targeted"]) for r in by_county["by_region"]] == [(COUNTY, 8)]


def test_timeline_median_lists_and_channels(session: Session) -> None:
    s = build(session)
    b = _board(session, system_actor(), s.warning_id)
    sums = {
        k: sum(m[k] for m in b["timeline"]) for k in ("sent", "delivered", "confirmed", "escalated")
    }
    assert sums == {"sent": 5, "delivered": 4, "confirmed": 2, "escalated": 1}
    minutes = [m["minute"] for m in b["timeline"]]
    assert minutes == sorted(minutes)
    first = dt.datetime.fromisoformat(minutes[0])
    assert first <= s.start + dt.timedelta(minutes=1)
    unanswered = {r["person"] for r in b["unanswered"]}
    assert unanswered == {s.names["p3"], s.names["p4"]}
    assert all(r["deadline_at"] for r in b["unanswered"])
    esc = b["escalations"]
    assert esc["targeted"] == 1 and esc["confirmed"] == 0
    assert esc["items"][0]["about"][0]["name"] == s.names["p4"]
    assert esc["items"][0]["round"] == 1 and not esc["items"][0]["overdue"]
    channels = {c["channel"]: c for c in b["channels"]}
    assert channels["sms"]["total"] == 3 and channels["sms"]["delivered"] == 2
    assert channels["sms"]["failed"] == 1 and channels["voice"]["cancelled"] == 1


def test_timeline_counts_every_sent_call(session: Session) -> None:
    s = build(session)
    b = _board(session, system_actor(), s.warning_id)
    assert sum(m["sent"] for m in b["timeline"]) == 5  # p1 p2 p3 p4 p8; p5 never sent
    assert sum(m["confirmed"] for m in b["timeline"]) == b["totals"]["confirmed"]


def test_event_includes_the_warnings_it_updates(session: Session) -> None:
    s = build(session)
    from yingji.warnings import service

    newer = service.create(
        session,
        system_actor(),
        {
            "category": "rainstorm",
            "level": 1,
            "stage": "imminent",
            "key_period": False,
            "area_desc": "万州区",
            "area": {"region_codes": [COUNTY]},
            "valid_until": dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
            "authority": "重庆市气象台",
            "headline": "暴雨红色预警",
            "description": None,
            "instruction": None,
            "replaces": s.warning_id,
        },
    )
    session.commit()
    b = _board(session, system_actor(), newer.id)
    assert b["totals"]["targeted"] == 8
    assert set(b["subject"]["ids"]) == {newer.id, s.warning_id}


def test_township_sees_only_its_subtree(session: Session) -> None:
    s = build(session)
    mine = _board(session, _actor(session, "twp_operator"), s.warning_id)
    assert mine["totals"]["targeted"] == 4  # p2, p3, p4, p8 under 500101001
    assert {r["code"] for r in mine["by_region"]} == {T1}
    other = _board(session, _actor(session, "twp2_operator"), s.warning_id)
    assert other["totals"]["targeted"] == 3
    assert other["escalations"]["targeted"] == 0  # the county superior is above them


def test_warning_elsewhere_is_not_found(session: Session) -> None:
    elsewhere = make_warning(session, ["500102"])
    session.commit()
    with pytest.raises(NotFound):
        board.of_warning(session, _actor(session, "twp_operator"), elsewhere)


def test_board_api_and_geojson(session: Session, api) -> None:
    s = build(session)
    reply = api("cq_operator").get(f"/api/v1/warnings/{s.warning_id}/board")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["totals"]["targeted"] == 8
    assert body["totals"]["unanswered"] == 2
    geo = api("cq_operator").get(f"/api/v1/warnings/{s.warning_id}/board.geojson")
    assert geo.status_code == 200
    codes = {f["properties"]["code"] for f in geo.json()["features"]}
    assert codes == {COUNTY, T1, T2}
    assert all(f["geometry"] for f in geo.json()["features"])
    hidden = make_warning(session, ["500102"])
    session.commit()
    assert api("twp_operator").get(f"/api/v1/warnings/{hidden}/board").status_code == 404


def test_median_of_an_odd_count(session: Session) -> None:
    from sqlalchemy import update

    from yingji.warnings.instruction_models import Instruction

    s = build(session)
    session.execute(
        update(Instruction)
        .where(Instruction.id == s.instructions["p3"])
        .values(state="confirmed", confirmed_at=s.start + dt.timedelta(minutes=1))
    )
    session.commit()
    b = _board(session, system_actor(), s.warning_id)
    assert b["totals"]["median_confirm_seconds"] == pytest.approx(120, abs=1)  # 60, 120, 240
