"""Helpers the sitrep and review tests import by name (a module, not ``conftest``: test
folders here have no ``__init__``). They write incidents, reports, timeline events and tasks
straight through the models, so the tests fix every time to the minute."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for
from yingji.incidents import timeline
from yingji.incidents.flow_models import Task, TaskStatus
from yingji.incidents.models import Incident, IncidentEvent, IncidentReport
from yingji.regions.models import Region

T0 = dt.datetime(2025, 7, 3, 6, 0, tzinfo=dt.UTC)
"""When the test incidents happen: 14:00 in Beijing."""
TOWNSHIP = "500101001"
"""中和街道 in 万州区: twp_operator's township."""
OTHER_COUNTY = "500102"
"""涪陵区: outside wz_operator's 万州区."""
_codes = itertools.count(1)


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def actor(session: Session, username: str) -> Actor:
    return actor_for(session, session.scalars(select(User).where(User.username == username)).one())


def incident(
    session: Session,
    *,
    region: str = TOWNSHIP,
    type_code: str = "geological",
    title: str = "中和街道山体滑坡",
    occurred: float = 0,
    received: float = 10,
    **values: Any,
) -> Incident:
    """An incident in ``region`` that occurred ``occurred`` and was received ``received``
    minutes after :data:`T0`; ``values`` sets figures, grade, status..."""
    r = session.scalars(select(Region).where(Region.code == region)).one()
    row = Incident(
        code=f"TEST-{next(_codes):04d}-{r.code}",
        title=title,
        type_code=type_code,
        category="accident" if type_code in ("mine", "fire", "hazchem") else "natural",
        lon=r.centroid_lon or 108.41,
        lat=r.centroid_lat or 30.81,
        place=values.pop("place", "三组"),
        region_id=r.id,
        region_path=r.path,
        occurred_at=minutes(occurred),
        received_at=minutes(received),
        created_by="test",
        created_at=minutes(received),
        **values,
    )
    session.add(row)
    session.flush()
    return row


def report(
    session: Session, inc: Incident, kind: str, at: float, to_level: int = 3, **figures: Any
) -> IncidentReport:
    row = IncidentReport(
        incident_id=inc.id,
        kind=kind,
        to_level=to_level,
        at=minutes(at),
        figures=figures,
        text=None,
        by="test",
    )
    session.add(row)
    session.flush()
    return row


def event(
    session: Session, inc: Incident, kind: str, at: float, text: str, **data: Any
) -> IncidentEvent:
    return timeline.record(session, inc.id, kind, text, data=data, by="test", at=minutes(at))


def task(
    session: Session,
    inc: Incident,
    title: str,
    *,
    due: float | None,
    done: float | None = None,
    status: str | None = None,
) -> Task:
    row = Task(
        incident_id=inc.id,
        title=title,
        status=status or (TaskStatus.done if done is not None else TaskStatus.open),
        due_at=None if due is None else minutes(due),
        done_at=None if done is None else minutes(done),
        created_by="test",
        created_at=T0,
    )
    session.add(row)
    session.flush()
    return row


def story(session: Session, **values: Any) -> Incident:
    """A landslide with a first report, a follow-up, a level III response, two dispatch
    orders (one arrives at +75 min), three tasks and one call-response round:

    occurred T0, received +10, first report +40, response +55, first arrival +75.
    """
    values.setdefault("dead", 3)
    values.setdefault("missing", 1)
    values.setdefault("injured", 5)
    values.setdefault("trapped", 2)
    values.setdefault("affected", 120)
    values.setdefault("direct_loss_yuan", 1_250_000.0)
    values.setdefault("grade", 3)
    values.setdefault("response_level", 3)
    values.setdefault("status", "responding")
    inc = incident(session, **values)
    event(session, inc, "received", 10, "值班接报")
    report(
        session,
        inc,
        "first",
        40,
        dead=1,
        missing=3,
        injured=2,
        trapped=4,
        affected=80,
        seriously_injured=0,
        direct_loss_yuan=500_000.0,
    )
    event(session, inc, "report", 40, "向县级首报")
    event(session, inc, "level", 55, "启动Ⅲ级应急响应", level=3)
    event(session, inc, "dispatch", 60, "调派万州区消防救援支队", order_id=101, state="issued")
    event(session, inc, "dispatch", 62, "调拨帐篷 50 顶", order_id=102, state="issued")
    event(session, inc, "dispatch", 75, "万州区消防救援支队到达现场", order_id=101, state="arrived")
    event(session, inc, "warning", 80, "叫应 10 人，确认 8 人", instructions=10, confirmed=8)
    event(session, inc, "dispatch", 90, "物资到达", order_id=102, state="arrived")
    report(
        session,
        inc,
        "follow_up",
        120,
        dead=2,
        missing=2,
        injured=4,
        trapped=2,
        affected=100,
        seriously_injured=0,
        direct_loss_yuan=1_000_000.0,
    )
    task(session, inc, "设置警戒区", due=85, done=80)
    task(session, inc, "转移受威胁群众", due=115, done=130)
    task(session, inc, "开展应急监测", due=175)
    task(session, inc, "已撤销的任务", due=60, status=TaskStatus.cancelled)
    return inc
