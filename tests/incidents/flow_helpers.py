"""Helpers the flow and task tests import by name (a module, not ``conftest``).

Incidents are written straight through the model, so these tests depend only on the flow
and task code, not on how incidents are received and graded.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for
from yingji.incidents import flows
from yingji.incidents.flow_models import ResponseFlow
from yingji.incidents.models import Incident
from yingji.people.models import Organisation
from yingji.regions.models import Region

T0 = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)
WANZHOU = "500101"
ZHONGHE = "500101001"
"""中和街道, twp_operator's township in 万州."""
YUZHONG = "500103"
"""渝中区: another county of the demo city."""
_codes = itertools.count(1)


def actor(session: Session, username: str) -> Actor:
    return actor_for(session, session.scalar(select(User).where(User.username == username)))


def region(session: Session, code: str) -> Region:
    found = session.scalar(select(Region).where(Region.code == code))
    assert found is not None, code
    return found


def org_id(session: Session, code: str) -> int:
    oid = session.scalar(select(Organisation.id).where(Organisation.code == code))
    assert oid is not None, code
    return oid


def person_of(session: Session, username: str) -> int:
    pid = session.scalar(select(User.person_id).where(User.username == username))
    assert pid is not None, username
    return pid


def incident(
    session: Session,
    region_code: str = ZHONGHE,
    type_code: str = "flood",
    *,
    title: str = "测试洪涝灾害",
    level: int | None = None,
) -> Incident:
    where = region(session, region_code)
    n = next(_codes)
    row = Incident(
        code=f"FT-{n:04d}",
        title=title,
        type_code=type_code,
        category="natural" if type_code in ("flood", "earthquake", "geological") else "accident",
        lon=108.41,
        lat=30.81,
        region_id=where.id,
        region_path=where.path,
        occurred_at=T0,
        received_at=T0,
        status="open" if level is None else "responding",
        response_level=level,
        created_by="test",
    )
    session.add(row)
    session.flush()
    return row


def step(
    level: int,
    action: str,
    minutes: int = 30,
    *,
    type_codes: list[str] | None = None,
    **who: Any,
) -> dict[str, Any]:
    """A step dict; ``who`` is one of organisation_id/organisation_code/role/person_id
    (the township's administrative lead when none is given)."""
    out = {"min_level": level, "action": action, "minutes": minutes, **(who or {"role": "admin"})}
    if type_codes is not None:
        out["type_codes"] = type_codes
    return out


def flow(
    session: Session,
    who: Actor,
    steps: list[dict[str, Any]],
    *,
    code: str | None = None,
    region_code: str = WANZHOU,
    type_codes: list[str] | None = None,
    name: str = "测试响应流程",
) -> ResponseFlow:
    data = {
        "code": code or f"FLOW-T{next(_codes)}",
        "name": name,
        "region_code": region_code,
        "type_codes": type_codes if type_codes is not None else [],
        "steps": steps,
    }
    return flows.create(session, who, data)


def standard_steps(session: Session) -> list[dict[str, Any]]:
    """Two steps at Ⅳ, one each at Ⅲ, Ⅱ and Ⅰ; one of the Ⅳ steps for floods only."""
    yjj = org_id(session, "ORG-500101-YJJ")
    slj = org_id(session, "ORG-500101-SLJ")
    return [
        step(4, "值班室接报核实，报告带班领导", 15, organisation_id=yjj),
        step(4, "水利局加密水情监测", 60, organisation_id=slj, type_codes=["flood"]),
        step(3, "事发地乡镇组织群众转移", 60, role="admin"),
        step(2, "区应急局派出工作组赶赴现场", 120, organisation_code="ORG-500101-YJJ"),
        step(1, "提请区政府启动Ⅰ级响应，成立现场指挥部", 180, organisation_id=yjj),
    ]
