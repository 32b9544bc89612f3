"""What incident command does when other domains report: an earthquake assessment strong
enough opens an incident (with the model's estimate in its summary, not as counted
casualties), and dispatch orders for an incident appear on its timeline.

A listener that fails must not undo the step that announced it (the assessment stays
even if no incident can be opened), so each runs in a savepoint and logs its failure.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from yingji import reactions
from yingji.auth.scope import system_actor
from yingji.config import get_settings
from yingji.db import utcnow
from yingji.errors import YingjiError
from yingji.incidents import service
from yingji.incidents.models import Incident
from yingji.incidents.timeline import EventKind, record
from yingji.quake.isoseismals import roman
from yingji.quake.models import QuakeAssessment

log = logging.getLogger(__name__)
DISPATCH_STATES = {
    "issued": "已下达",
    "acknowledged": "已接收",
    "en_route": "出发",
    "arrived": "到达现场",
    "released": "任务解除",
    "cancelled": "已撤销",
}


@reactions.on("quake.assessed")
def open_quake_incident(session: Session, *, assessment_id: int) -> None:
    quake = session.get(QuakeAssessment, assessment_id)
    if quake is None or quake.max_intensity < get_settings().quake_incident_intensity:
        return
    deaths = quake.result.get("deaths", {})
    name = quake.name or f"M{quake.magnitude:g} 地震"
    summary = (
        f"地震速报评估：M{quake.magnitude:g}，震源深度 {quake.depth_km:g} 公里，"
        f"最高烈度 {roman(quake.max_intensity)} 度；模型估计死亡 {deaths.get('median', 0):,} 人"
        f"（{deaths.get('low', 0):,}–{deaths.get('high', 0):,}），为估计值，待现场核实。"
    )
    data = {
        "title": name,
        "type_code": "earthquake",
        "lon": quake.lon,
        "lat": quake.lat,
        "occurred_at": (quake.origin_time or quake.created_at).isoformat(),
        "source": "quake",
        "source_ref": f"quake:{quake.id}",
        "summary": summary,
    }
    try:
        with session.begin_nested():
            service.create(session, system_actor("quake"), data, now=utcnow())
    except YingjiError as exc:  # outside every region, already opened...: the assessment stands
        log.warning("no incident for quake assessment %s: %s", quake.id, exc)


@reactions.on("direct.sent")
def calls_on_timeline(
    session: Session,
    *,
    direct_id: int,
    incident_id: int | None,
    region_path: str,
    instructions: int,
    text: str,
    by: str,
    at: dt.datetime,
) -> None:
    """A direct-reach message sent for an incident: its calls on the timeline (the review
    counts their confirmations live, from the instructions)."""
    incident = _near(session, incident_id, region_path, f"direct {direct_id}")
    if incident is None:
        return
    record(
        session,
        incident.id,
        EventKind.warning,
        f"一键直达 {instructions} 人：{text[:60]}",
        data={"direct_id": direct_id, "instructions": instructions},
        by=by,
        at=at,
    )


def _near(session: Session, incident_id: int | None, path: str, what: str) -> Incident | None:
    """The incident, when the message or order reaching ``path`` may write on it: one of
    the two regions holds the other (an order elsewhere names it by mistake)."""
    incident = session.get(Incident, incident_id) if incident_id is not None else None
    if incident is None:
        return None
    if path.startswith(incident.region_path) or incident.region_path.startswith(path):
        return incident
    log.warning("%s names incident %s of another region", what, incident_id)
    return None


@reactions.on("dispatch.changed")
def dispatch_on_timeline(
    session: Session,
    *,
    incident_id: int | None,
    order_id: int,
    region_path: str,
    code: str,
    state: str,
    what: str,
    eta_minutes: float | None,
    by: str,
    at: dt.datetime,
) -> None:
    incident = _near(session, incident_id, region_path, f"dispatch {code}")
    if incident is None:
        return
    record(
        session,
        incident.id,
        EventKind.dispatch,
        f"调度 {code}：{what}{DISPATCH_STATES.get(state, state)}",
        data={"order_id": order_id, "state": state, "what": what, "eta_minutes": eta_minutes},
        by=by,
        at=at,
    )
