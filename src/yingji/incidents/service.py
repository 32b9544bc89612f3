"""Incidents (突发事件): intake, figures and grading, upward reports, response levels,
notes, closing; everything scoped by region and written to the timeline.

Intake derives the region from the location (the deepest filing region holding the point),
which must lie in the actor's subtree; the grade follows the figures automatically; every
step schedules the reporting timers (``reporting``) in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import shapely
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import Conflict, NotFound, PermissionDenied, Problems, ValidationFailed
from yingji.incidents import grading, reporting, types
from yingji.incidents.models import (
    FIGURES,
    Incident,
    IncidentReport,
    IncidentSource,
    IncidentStatus,
    ReportKind,
)
from yingji.incidents.timeline import EventKind, record
from yingji.regions.models import Region
from yingji.risk.service import locate

NOT_FOUND = "事件不存在 / incident not found"
INVALID = "事件信息有误 / invalid incident"
FUTURE_SLACK = dt.timedelta(minutes=10)
"""Clocks differ: an occurrence time this far ahead of ours is still accepted."""
MONEY = "direct_loss_yuan"
TEXTS = {"title": 200, "place": 300, "damage": 4000, "summary": 8000}
LEVEL_LABELS = {1: "Ⅰ级", 2: "Ⅱ级", 3: "Ⅲ级", 4: "Ⅳ级"}


def scoped(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    """Incidents in the actor's subtree."""
    return actor.by_path(stmt, Incident.region_path)


def get(session: Session, actor: Actor, incident_id: int) -> Incident:
    """The incident, if the actor may see it (else "not found", so nothing leaks)."""
    incident = session.get(Incident, incident_id)
    if incident is None or not actor.covers(incident.region_path):
        raise NotFound(NOT_FOUND)
    return incident


def listing(
    session: Session, actor: Actor, *, open_only: bool = False, limit: int = 100
) -> list[Incident]:
    stmt = scoped(actor, select(Incident))
    if open_only:
        stmt = stmt.where(Incident.status != IncidentStatus.closed)
    return list(session.scalars(stmt.order_by(Incident.received_at.desc()).limit(limit)))


# --- checking input ------------------------------------------------------------------------


def _count(data: dict[str, Any], key: str, problems: Problems) -> int | None:
    raw = data.get(key)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        problems.add(key, f"应为整数 / must be a whole number, got {raw!r}")
        return None
    if key == MONEY:
        if not value >= 0:
            problems.add(key, "不能为负 / must not be negative")
            return None
        return value  # type: ignore[return-value]
    if value != int(value) or value < 0:
        problems.add(key, "应为非负整数 / must be a whole number ≥ 0")
        return None
    return int(value)


def _when(data: dict[str, Any], key: str, problems: Problems, now: dt.datetime) -> dt.datetime:
    raw = data.get(key)
    if raw in (None, ""):
        return now
    try:
        value = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw))
    except ValueError:
        problems.add(key, f"时间格式应为 ISO 8601 / not an ISO time: {raw!r}")
        return now
    if value.tzinfo is None:
        problems.add(key, "请带时区，如 2026-07-01T08:30+08:00 / give a time zone")
        return now
    if value > now + FUTURE_SLACK:
        problems.add(key, "不能晚于当前时间 / lies in the future")
    return value.astimezone(dt.UTC)


def _perimeter(raw: Any, problems: Problems) -> dict[str, Any] | None:
    if raw in (None, "", {}):
        return None
    try:
        shape = shapely.geometry.shape(raw)
    except Exception as exc:  # any bad GeoJSON: say what it is
        problems.add("perimeter", f"不是有效的 GeoJSON 面 / not a GeoJSON polygon: {exc}")
        return None
    if shape.geom_type not in ("Polygon", "MultiPolygon") or not shape.is_valid:
        problems.add("perimeter", "应为有效的面 / must be a valid Polygon or MultiPolygon")
        return None
    return shapely.geometry.mapping(shape)  # type: ignore[return-value]


def _place(
    session: Session, actor: Actor, data: dict[str, Any], problems: Problems
) -> tuple[float, float, int, str] | None:
    try:
        lon, lat = float(data["lon"]), float(data["lat"])
    except (KeyError, TypeError, ValueError):
        problems.add("lon", "请给出事发地点经纬度 / give the longitude and latitude")
        return None
    ids, paths = locate(session, [lon], [lat])
    if ids[0] < 0 or paths[0] is None:
        problems.add("lon", f"位置 ({lon}, {lat}) 不在任何区划内 / lies outside every region")
        return None
    if not actor.covers(paths[0]):
        problems.add("lon", f"位置 ({lon}, {lat}) 不在您的辖区内 / lies outside your region")
        return None
    return lon, lat, int(ids[0]), paths[0]


def _figures(incident: Incident) -> grading.Figures:
    return grading.Figures(
        dead=incident.dead,
        missing=incident.missing,
        seriously_injured=incident.seriously_injured,
        affected=incident.affected,
        direct_loss_yuan=incident.direct_loss_yuan,
    )


def figures_of(incident: Incident) -> dict[str, Any]:
    return {**{f: getattr(incident, f) for f in FIGURES}, MONEY: incident.direct_loss_yuan}


def _regrade(session: Session, incident: Incident, by: str, at: dt.datetime) -> None:
    kind = types.get(incident.type_code)
    found = grading.grade(kind, _figures(incident))
    if kind.grading == "none" or found.grade == incident.grade:
        incident.grade_basis = found.basis if kind.grading != "none" else incident.grade_basis
        return
    before = incident.grade
    incident.grade, incident.grade_basis = found.grade, found.basis
    record(
        session,
        incident.id,
        EventKind.graded,
        f"定级：{grading.label(kind, found.grade)}（{found.basis}）",
        data={"from": before, "to": found.grade, "basis": found.basis},
        by=by,
        at=at,
    )


# --- steps ---------------------------------------------------------------------------------


def create(
    session: Session, actor: Actor, data: dict[str, Any], *, now: dt.datetime | None = None
) -> Incident:
    """Take an incident in: checked whole (every problem named), graded, on the timeline,
    its reporting timers set."""
    actor.require_write()
    now = now or utcnow()
    problems = Problems()
    title = str(data.get("title") or "").strip()
    if not title:
        problems.add("title", "必填 / required")
    kind = None
    try:
        kind = types.get(str(data.get("type_code") or ""))
    except ValidationFailed as exc:
        problems.extend(exc.details)
    source = str(data.get("source") or IncidentSource.duty_call)
    if source not in {s.value for s in IncidentSource}:
        problems.add("source", f"未知来源 {source!r} / unknown source")
    for key, limit in TEXTS.items():
        if len(str(data.get(key) or "")) > limit:
            problems.add(key, f"不超过 {limit} 字 / at most {limit} characters")
    counts = {key: _count(data, key, problems) for key in (*FIGURES, MONEY)}
    occurred = _when(data, "occurred_at", problems, now)
    perimeter = _perimeter(data.get("perimeter"), problems)
    place = _place(session, actor, data, problems)
    ref = data.get("source_ref")
    if ref and session.scalar(select(Incident.id).where(Incident.source_ref == ref)):
        problems.add("source_ref", f"已由 {ref} 生成事件 / an incident exists for {ref}")
    problems.raise_if_any(INVALID)
    assert kind is not None and place is not None
    lon, lat, region_id, path = place
    incident = Incident(
        code=f"SJ-{now:%Y%m%d}-{secrets.token_hex(3).upper()}",
        title=title,
        type_code=kind.code,
        category=kind.category,
        lon=lon,
        lat=lat,
        place=str(data.get("place") or "") or None,
        region_id=region_id,
        region_path=path,
        occurred_at=occurred,
        received_at=now,
        source=source,
        source_ref=ref or None,
        status=IncidentStatus.open,
        damage=str(data.get("damage") or "") or None,
        summary=str(data.get("summary") or "") or None,
        perimeter=perimeter,
        created_by=actor.username,
        created_at=now,
        **{k: v for k, v in counts.items() if v is not None},
    )
    session.add(incident)
    session.flush()
    record(
        session,
        incident.id,
        EventKind.received,
        f"接报：{title}（{kind.name_zh}）",
        data={"source": source, "source_ref": ref, **figures_of(incident)},
        by=actor.username,
        at=now,
    )
    _regrade(session, incident, actor.username, now)
    reporting.schedule(session, incident)
    return incident


def from_quick_report(
    session: Session,
    actor: Actor,
    report_id: int,
    *,
    type_code: str,
    title: str | None = None,
    now: dt.datetime | None = None,
) -> Incident:
    """Open an incident from a grassroots quick report (立为事件): its place and figures, the
    report linked to it. Deciding that a report is an incident is the township's (or a
    higher level's) call, as verifying it is."""
    from yingji.incidents import quick  # the reports sit beside; imported when used

    report = quick.get(session, actor, report_id)
    if not quick.may_verify(session, actor):
        raise PermissionDenied("由乡镇及以上立为事件 / a township or higher opens incidents")
    if report.incident_id is not None:
        raise Conflict("该速报已关联事件 / the report already belongs to an incident")
    place = session.get(Region, report.region_id)
    assert place is not None
    lon = report.lon if report.lon is not None else place.centroid_lon
    lat = report.lat if report.lat is not None else place.centroid_lat
    data = {
        "title": title or f"{place.name}灾情",
        "type_code": type_code,
        "lon": lon,
        "lat": lat,
        "place": place.name,
        "occurred_at": report.at.isoformat(),
        "source": IncidentSource.quick_report,
        "source_ref": f"quick:{report.id}",
        "summary": report.text,
        **{f: getattr(report, f) for f in ("dead", "missing", "injured", "trapped", "affected")},
    }
    incident = create(session, actor, data, now=now)
    report.incident_id = incident.id
    session.flush()
    return incident


def _writable(session: Session, actor: Actor, incident_id: int) -> Incident:
    actor.require_write()
    incident = get(session, actor, incident_id)
    if incident.status == IncidentStatus.closed:
        raise Conflict("事件已结束 / the incident is closed")
    return incident


def update(
    session: Session,
    actor: Actor,
    incident_id: int,
    data: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> Incident:
    """Change figures, damage, summary, title, place or perimeter. New casualty figures
    after a report was sent owe a follow-up report (续报); the grade follows the figures."""
    incident = _writable(session, actor, incident_id)
    now = now or utcnow()
    problems = Problems()
    counts = {k: _count(data, k, problems) for k in (*FIGURES, MONEY) if k in data}
    for key, limit in TEXTS.items():
        if key in data and len(str(data.get(key) or "")) > limit:
            problems.add(key, f"不超过 {limit} 字 / at most {limit} characters")
    if "title" in data and not str(data.get("title") or "").strip():
        problems.add("title", "必填 / required")
    perimeter = _perimeter(data.get("perimeter"), problems) if "perimeter" in data else None
    problems.raise_if_any(INVALID)
    changes: dict[str, list[Any]] = {}
    for key, value in counts.items():
        if value is not None and value != getattr(incident, key):
            changes[key] = [getattr(incident, key), value]
            setattr(incident, key, value)
    for key in TEXTS:
        if key in data:
            value = str(data.get(key) or "").strip() or None
            if value != getattr(incident, key):
                changes[key] = [getattr(incident, key), value]
                setattr(incident, key, value)
    if "perimeter" in data and perimeter != incident.perimeter:
        changes["perimeter"] = [bool(incident.perimeter), bool(perimeter)]
        incident.perimeter = perimeter
    if not changes:
        return incident
    casualties = [k for k in changes if k in FIGURES]
    reported = session.scalar(
        select(IncidentReport.id).where(IncidentReport.incident_id == incident.id).limit(1)
    )
    if casualties and reported is not None:
        incident.figures_changed_at = now
    text = "；".join(
        f"{k} {old} → {new}" for k, (old, new) in changes.items() if k in (*FIGURES, MONEY)
    )
    record(
        session,
        incident.id,
        EventKind.updated,
        f"信息更新：{text}" if text else "信息更新",
        data={"changes": changes},
        by=actor.username,
        at=now,
    )
    _regrade(session, incident, actor.username, now)
    reporting.schedule(session, incident)
    return incident


def add_report(
    session: Session,
    actor: Actor,
    incident_id: int,
    *,
    kind: str,
    to_level: int,
    text: str | None = None,
    now: dt.datetime | None = None,
) -> IncidentReport:
    """Record a report sent upward, with the figures as they stand."""
    incident = _writable(session, actor, incident_id)
    now = now or utcnow()
    problems = Problems()
    if kind not in {k.value for k in ReportKind}:
        problems.add("kind", "应为 first / upward / follow_up / final")
    if to_level not in reporting.LEVEL_NAMES:
        problems.add("to_level", "应为 3 县级、2 市级、1 省级、0 国务院有关部门")
    problems.raise_if_any(INVALID)
    report = IncidentReport(
        incident_id=incident.id,
        kind=kind,
        to_level=to_level,
        at=now,
        figures=figures_of(incident),
        text=(text or "").strip() or None,
        by=actor.username,
    )
    session.add(report)
    session.flush()
    names = {"first": "首报", "upward": "上报", "follow_up": "续报", "final": "终报"}
    record(
        session,
        incident.id,
        EventKind.report,
        f"{names[kind]}：报{reporting.LEVEL_NAMES[to_level]}",
        data={"report_id": report.id, "kind": kind, "to_level": to_level, **report.figures},
        by=actor.username,
        at=now,
    )
    reporting.schedule(session, incident)
    return report


def declare_level(
    session: Session,
    actor: Actor,
    incident_id: int,
    level: int | None,
    *,
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Declare, raise, lower or end (``None``) the response; the flows' tasks follow."""
    from yingji.incidents import tasks  # the flows sit beside; imported when used

    incident = _writable(session, actor, incident_id)
    now = now or utcnow()
    if level is not None and level not in LEVEL_LABELS:
        raise ValidationFailed(
            "响应级别应为 1–4（Ⅰ–Ⅳ级）/ level must be 1-4",
            [{"row": None, "field": "level", "reason": "1, 2, 3 or 4"}],
        )
    if level == incident.response_level:
        raise Conflict("响应级别未变 / the level is unchanged")
    before = incident.response_level
    incident.response_level = level
    incident.status = IncidentStatus.responding if level else IncidentStatus.open
    if level is None:
        text = "终止应急响应"
    elif before is None:
        text = f"启动{LEVEL_LABELS[level]}应急响应"
    else:
        verb = "提升" if level < before else "调整"
        text = f"{verb}为{LEVEL_LABELS[level]}应急响应（原{LEVEL_LABELS[before]}）"
    if reason:
        text += f"：{reason.strip()}"
    record(
        session,
        incident.id,
        EventKind.level,
        text,
        data={"from": before, "to": level},
        by=actor.username,
        at=now,
    )
    changes = tasks.apply_level(session, incident, level, by=actor.username, now=now)
    return {"incident": incident, "tasks": changes}


def note(
    session: Session, actor: Actor, incident_id: int, text: str, *, now: dt.datetime | None = None
) -> None:
    incident = _writable(session, actor, incident_id)
    if not text.strip():
        raise ValidationFailed(
            "请填写内容 / the note is empty",
            [{"row": None, "field": "text", "reason": "required"}],
        )
    record(session, incident.id, EventKind.note, text.strip(), by=actor.username, at=now)


def close(
    session: Session,
    actor: Actor,
    incident_id: int,
    *,
    summary: str | None = None,
    now: dt.datetime | None = None,
) -> Incident:
    """End the response if one runs, close the incident, stop its reporting timers."""
    from yingji import jobs

    incident = _writable(session, actor, incident_id)
    now = now or utcnow()
    if incident.response_level is not None:
        declare_level(session, actor, incident.id, None, reason="事件结束", now=now)
    incident.status = IncidentStatus.closed
    incident.closed_at = now
    if summary:
        incident.summary = summary.strip()
    jobs.cancel(session, (reporting.SUBJECT, incident.id), [reporting.DUE_JOB])
    record(session, incident.id, EventKind.closed, "事件结束", by=actor.username, at=now)
    return incident
