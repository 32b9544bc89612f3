"""Direct reach (一键直达): a message to a township reaches its village and grid persons by
role, with instructions, deliveries, a timer and a board; scope and field refusals; the
pages and the CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.models import User
from yingji.auth.service import actor_for
from yingji.jobs.models import Timer
from yingji.notify.models import Delivery
from yingji.people.models import Assignment, TargetKind
from yingji.people.service import active_on
from yingji.regions.models import Region
from yingji.warnings import board, direct
from yingji.warnings.direct_models import DirectMessage
from yingji.warnings.instruction_models import Instruction

T1, T2 = "500101001", "500101002"
ROLES = ["admin", "grid_member"]


def _actor(session: Session, username: str):
    return actor_for(session, session.scalar(select(User).where(User.username == username)))


def _expected(session: Session, code: str, roles: list[str], levels: list[int]) -> set[int]:
    """Persons holding ``roles`` on regions at ``levels`` under ``code``, read directly."""
    path = session.scalar(select(Region.path).where(Region.code == code))
    return set(
        session.scalars(
            select(Assignment.person_id)
            .join(Region, Region.id == Assignment.target_id)
            .where(
                Assignment.target_kind == TargetKind.region,
                Assignment.role.in_(roles),
                Region.path.startswith(path),
                Region.level.in_(levels),
                active_on(clock.today()),
            )
        )
    )


def _send(session: Session, username: str = "twp_operator", **changes):
    data = {
        "text": "请立即组织转移 / evacuate now",
        "region_codes": [T1],
        "roles": ROLES,
        "layers": [5, 6],
        "channels": ["sms", "inbox"],
        "deadline_minutes": 15,
    } | changes
    return direct.send(session, _actor(session, username), data)


def test_township_message_reaches_village_and_grid_persons(session: Session) -> None:
    message, count = _send(session)
    session.commit()
    expected = _expected(session, T1, ROLES, [5, 6])
    assert expected and count == len(expected)
    rows = session.scalars(select(Instruction).where(Instruction.direct_id == message.id)).all()
    assert {r.person_id for r in rows} == expected
    levels = dict(session.execute(select(Region.id, Region.level)).all())
    for r in rows:
        assert r.key == f"d{message.id}:p{r.person_id}"
        assert r.warning_id is None and r.round == 0
        assert {x["kind"] for x in r.reasons} == {"direct"}
        assert {x["role"] for x in r.reasons} <= set(ROLES)
        assert r.layer in (5, 6) and levels[r.region_id] == r.layer
        assert r.confirm_code and r.deadline_at is not None
        assert r.measures == message.text
        assert r.policy["channels"] == ["sms", "inbox"] and r.policy["deadline_minutes"] == 15
    deliveries = session.execute(
        select(Delivery.channel, func.count())
        .join(Instruction, Instruction.id == Delivery.instruction_id)
        .where(Instruction.direct_id == message.id)
        .group_by(Delivery.channel)
    ).all()
    assert dict(deliveries) == {"sms": count, "inbox": count}
    timers = session.scalar(
        select(func.count())
        .select_from(Timer)
        .where(Timer.subject_kind == "direct", Timer.subject_id == message.id)
    )
    assert timers >= 1
    assert message.region_path.endswith(f"/{T1}/")


def test_message_is_tracked_on_its_board(session: Session) -> None:
    from yingji.warnings.callresponse.service import confirm

    message, count = _send(session)
    session.commit()
    first = session.scalar(
        select(Instruction.id).where(Instruction.direct_id == message.id).order_by(Instruction.id)
    )
    clock_now = dt.datetime.now(dt.UTC)
    assert confirm(session, first, "inbox", clock_now)
    session.commit()
    actor = _actor(session, "twp_operator")
    b = board.board(session, actor, direct.subject(session, actor, message.id), now=clock_now)
    assert b["subject"]["kind"] == "direct"
    assert b["totals"]["targeted"] == count
    assert b["totals"]["confirmed"] == 1
    assert b["totals"]["asked"] == count
    assert {r["layer"] for r in b["by_layer"]} <= {5, 6}
    assert {r["code"] for r in b["by_region"]} == {T1}
    assert sum(r["targeted"] for r in b["by_region"]) == count


def test_city_message_by_layer_and_role(session: Session) -> None:
    message, count = _send(
        session, "cq_operator", region_codes=["500101"], roles=["admin"], layers=[4]
    )
    session.commit()
    assert count == len(_expected(session, "500101", ["admin"], [4]))
    assert message.region_path == "/500000/500101/"


def test_scope_and_field_refusals(session: Session, api) -> None:
    from yingji.errors import PermissionDenied, ValidationFailed

    with pytest.raises(PermissionDenied):
        _send(session, region_codes=[T2])
    with pytest.raises(PermissionDenied):
        _send(session, "viewer")
    with pytest.raises(ValidationFailed):
        _send(session, roles=["mayor"])
    with pytest.raises(ValidationFailed):
        _send(session, layers=[2])
    with pytest.raises(ValidationFailed):
        _send(session, text="  ")
    with pytest.raises(ValidationFailed):
        _send(session, channels=["pigeon"])
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DirectMessage)) == 0
    body = {"text": "测试", "region_codes": [T2], "layers": [5]}
    assert api("twp_operator").post("/api/v1/direct", json=body).status_code == 403
    assert api("viewer").post("/api/v1/direct", json=body).status_code == 403
    bad = api("twp_operator").post("/api/v1/direct", json={**body, "region_codes": ["nope"]})
    assert bad.status_code == 422


def test_api_send_list_board_and_hidden(session: Session, api) -> None:
    body = {"text": "测试直达", "region_codes": [T1], "roles": ROLES, "layers": [5, 6]}
    reply = api("twp_operator").post("/api/v1/direct", json=body)
    assert reply.status_code == 201, reply.text
    sent = reply.json()
    assert sent["instructions"] == len(_expected(session, T1, ROLES, [5, 6]))
    assert sent["policy"]["deadline_minutes"] == 30
    listed = api("cq_operator").get("/api/v1/direct").json()
    assert [m["id"] for m in listed["items"]] == [sent["id"]]
    b = api("cq_operator").get(f"/api/v1/direct/{sent['id']}/board").json()
    assert b["totals"]["targeted"] == sent["instructions"]
    geo = api("cq_operator").get(f"/api/v1/direct/{sent['id']}/board.geojson").json()
    assert [f["properties"]["code"] for f in geo["features"]] == [T1]
    # a sibling township neither lists nor reads it
    assert api("twp2_operator").get("/api/v1/direct").json()["total"] == 0
    assert api("twp2_operator").get(f"/api/v1/direct/{sent['id']}/board").status_code == 404


def test_pages_render(session: Session, pages) -> None:
    message, _count = _send(session)
    session.commit()
    client = pages("twp_operator")
    page = client.get("/direct")
    assert page.status_code == 200
    assert 'id="direct-form"' in page.text and message.code not in page.text
    assert f'href="/direct/{message.id}"' in page.text
    one = client.get(f"/direct/{message.id}")
    assert one.status_code == 200
    assert 'data-testid="board-kpis"' in one.text and 'id="board-map"' in one.text
    assert "请立即组织转移" in one.text
    assert pages("twp2_operator").get(f"/direct/{message.id}").status_code == 404


def test_cli_send_and_board(session: Session, cli) -> None:
    result = cli(
        "direct", "send", "--text", "CLI 直达", "--region", T1,
        "--role", "admin", "--role", "grid_member", "--layer", "5", "--layer", "6",
        "--as-user", "twp_operator",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    direct_id = int(result.output.split()[0])
    expected = len(_expected(session, T1, ROLES, [5, 6]))
    assert f"reached {expected}" in result.output
    shown = cli("direct", "board", str(direct_id))
    assert shown.exit_code == 0 and f"targeted {expected}" in shown.output
    refused = cli("direct", "send", "--text", "x", "--region", T2, "--as-user", "twp_operator")
    assert refused.exit_code != 0
