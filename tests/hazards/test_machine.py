"""Every action from every state: the allowed ones land where the table says, the others
are refused with 409 naming what is allowed; roles outside an action's list get 403."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from yingji.auth.models import User, UserRole
from yingji.auth.service import actor_for
from yingji.db import session_factory
from yingji.demo.hazards import PATHS
from yingji.errors import Conflict, PermissionDenied
from yingji.hazards import machine, queries, service
from yingji.hazards.machine import Action
from yingji.hazards.models import HazardState
from yingji.regions.models import Region


def _data(action: Action, owner: int, region_id: int) -> dict[str, Any]:
    return {
        Action.confirm: {"grade": "general"},
        Action.assign: {"owner_person_id": owner},
        Action.transfer: {"region_id": region_id},
    }.get(action, {}) | {"comment": "测试"}


def _walk_to(
    s: Any, actors: dict[str, Any], demo: dict[str, Any], state: HazardState, **where: Any
) -> int:
    regulator = actors["cq_operator"]
    where = where or {"enterprise_id": demo["enterprise_id"]}
    hazard = service.report(s, regulator, {"title": "测试隐患", **where})
    for step in PATHS[state]:
        who = actors["admin"] if step == "verify" else regulator
        service.act(s, who, hazard.id, step, _data(Action(step), demo["owner_person_id"], 0))
    assert hazard.state == state
    return hazard.id


@pytest.mark.parametrize("state", list(PATHS), ids=str)
def test_every_action_from_every_state(
    engine: Engine, demo: dict[str, Any], state: HazardState
) -> None:
    with session_factory(engine)() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        actors = {name: actor_for(s, users[name]) for name in ("cq_operator", "admin")}
        county = s.scalar(select(Region.id).where(Region.code == "500101"))
        hazard_id = _walk_to(s, actors, demo, state)
        for action in Action:
            if action == Action.report:
                continue
            expected = machine.target(action, state)
            savepoint = s.begin_nested()
            data = _data(action, demo["owner_person_id"], county)
            if expected is None:
                with pytest.raises(Conflict) as refused:
                    service.act(s, actors["admin"], hazard_id, action, data)
                assert refused.value.details["allowed"] == [
                    a.value for a in machine.allowed(state, UserRole.system_admin)
                ]
            else:
                moved = service.act(s, actors["admin"], hazard_id, action, data)
                assert moved.state == expected, (state, action)
                assert queries.timeline(s, actors["admin"], hazard_id)[-1].action == action
            savepoint.rollback()


@pytest.mark.parametrize(
    ("username", "action"),
    [("ent_user", "confirm"), ("grid_user", "assign"), ("ent_user", "verify"), ("viewer", "start")],
)
def test_roles_outside_an_action_are_refused(
    engine: Engine, demo: dict[str, Any], username: str, action: str
) -> None:
    with session_factory(engine)() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        actors = {n: actor_for(s, users[n]) for n in ("cq_operator", "admin", username)}
        actor = actors[username]
        where = {} if actor.organisation_id else {"region_id": actor.region_id}
        hazard_id = _walk_to(s, actors, demo, HazardState.reported, **where)
        with pytest.raises(PermissionDenied):
            service.act(s, actors[username], hazard_id, action, {"grade": "general"})
