"""Quick reports from the grassroots (灾情速报): send, verify, add up, find conflicts.

A village or grid reporter sends the casualties and damage of one place (a township,
village or grid in their subtree) from a phone, with photos and position; a township-level
(or higher) writer whose subtree holds the place verifies or sends it back.

Figures are cumulative for a place: a second report from the same place replaces the
first, it does not add to it. So per place (and per incident) only the latest verified
report counts, newer unverified ones are shown beside it, and places add up into every
region above them. Two reports of one place close in time whose figures differ are flagged
for the duty officer (:func:`conflicts`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from yingji import clock, reactions
from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, invalid
from yingji.files import service as files
from yingji.incidents import service as incidents
from yingji.incidents import timeline
from yingji.incidents.models import Incident, IncidentStatus
from yingji.incidents.quick_models import QuickReport, QuickReportStatus
from yingji.lookups import values_by_id
from yingji.paging import Page, paginate
from yingji.regions import geo
from yingji.regions.models import Region, RegionLevel
from yingji.regions.paths import under
from yingji.risk import service as risk

FIGURES: tuple[str, ...] = (
    "dead",
    "missing",
    "injured",
    "trapped",
    "affected",
    "evacuated",
    "houses_collapsed",
    "houses_damaged",
)
"""The counts a quick report carries, in the order forms and tables show them."""
FIGURE_LABELS: dict[str, str] = {
    "dead": "死亡 / dead",
    "missing": "失踪 / missing",
    "injured": "受伤 / injured",
    "trapped": "被困 / trapped",
    "affected": "受灾 / affected",
    "evacuated": "转移 / evacuated",
    "houses_collapsed": "倒塌房屋 / houses collapsed",
    "houses_damaged": "损坏房屋 / houses damaged",
}
STATUS_LABELS: dict[str, str] = {
    QuickReportStatus.submitted: "待核实 / awaiting verification",
    QuickReportStatus.verified: "已核实 / verified",
    QuickReportStatus.rejected: "已退回 / sent back",
}

CONFLICT_WINDOW = dt.timedelta(hours=6)
"""Two reports of one place this close in time whose figures differ are a conflict."""
POSITION_TOLERANCE_M = 500.0
"""How far outside the chosen place a phone's position may fall (GPS and network fixes
drift; a reporter at the edge of a village is still reporting that village)."""
FUTURE_SLACK = dt.timedelta(minutes=5)
"""A report time this far ahead of the server clock is accepted (phone clocks drift)."""
MAX_FIGURE = 100_000_000
MAX_TEXT = 2000
MAX_NOTE = 1000
MAX_PHOTOS = 9
PHOTO_OWNER = "quick_report"
REPORTER_ROLES = {UserRole.system_admin, UserRole.operator, UserRole.grid_member}
"""Writers and grid members send quick reports; viewers and enterprise users do not."""

NOT_FOUND = "速报不存在或不在您的管辖范围内 / quick report not found or outside your scope"
OUT_OF_SCOPE = "区划不存在或不在您的管辖范围内 / region not found or outside your area"


@dataclass(frozen=True)
class Photo:
    filename: str
    data: bytes


# --- reading ---------------------------------------------------------------------------


def scoped(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    """Reports of places in the actor's subtree."""
    return actor.by_path(stmt, QuickReport.region_path)


def get(session: Session, actor: Actor, report_id: int) -> QuickReport:
    """The report, if its place lies in the actor's subtree (else "not found")."""
    report = session.get(QuickReport, report_id)
    if report is None or not actor.covers(report.region_path):
        raise NotFound(NOT_FOUND)
    return report


def _check_status(status: str | None) -> None:
    if status is not None and status not in STATUS_LABELS:
        raise invalid("status", f"状态须为 {'/'.join(STATUS_LABELS)} / unknown status {status!r}")


def _filtered(
    actor: Actor,
    stmt: Select[Any],
    *,
    incident_id: int | None,
    region_path: str | None,
    since: dt.datetime | None,
) -> Select[Any]:
    stmt = scoped(actor, stmt)
    if region_path is not None and region_path != "/":
        stmt = stmt.where(under(QuickReport.region_path, region_path))
    if incident_id is not None:
        stmt = stmt.where(QuickReport.incident_id == incident_id)
    if since is not None:
        stmt = stmt.where(QuickReport.at >= since)
    return stmt


def listing(
    session: Session,
    actor: Actor,
    *,
    incident_id: int | None = None,
    status: str | None = None,
    region_path: str | None = None,
    reporter: str | None = None,
    since: dt.datetime | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[QuickReport]:
    """A page of the reports in scope, newest first."""
    _check_status(status)
    stmt = _filtered(
        actor, select(QuickReport), incident_id=incident_id, region_path=region_path, since=since
    )
    if status is not None:
        stmt = stmt.where(QuickReport.status == status)
    if reporter:
        stmt = stmt.where(QuickReport.reporter == reporter)
    return paginate(
        session, stmt.order_by(QuickReport.at.desc(), QuickReport.id.desc()), offset, limit
    )


def place_labels(session: Session, paths: Iterable[str]) -> dict[str, str]:
    """Each place read from its county down ("万州区 中和街道 平峰社区 第1网格"): grid and
    village names alone repeat in every township."""
    paths = set(paths)
    codes = {code for p in paths for code in p.strip("/").split("/")}
    names: dict[str, tuple[int, str]] = {}
    if codes:
        found = session.execute(
            select(Region.code, Region.level, Region.name).where(Region.code.in_(codes))
        )
        names = {code: (level, name) for code, level, name in found}
    out = {}
    for path in paths:
        parts = [names[c] for c in path.strip("/").split("/") if c in names]
        below = [name for level, name in parts if level >= RegionLevel.county]
        out[path] = " ".join(below) or (parts[-1][1] if parts else path)
    return out


def _actor_level(session: Session, actor: Actor) -> int:
    """The level of the actor's own region (0 for the installation's operator)."""
    if actor.region_path == "/" or actor.region_id is None:
        return 0
    return int(session.scalar(select(Region.level).where(Region.id == actor.region_id)) or 0)


def may_verify(session: Session, actor: Actor) -> bool:
    """Township-level (or higher) writers verify; whose reports is checked per report."""
    return actor.can_write and _actor_level(session, actor) <= RegionLevel.township


def as_dicts(
    session: Session, actor: Actor, reports: Sequence[QuickReport]
) -> list[dict[str, Any]]:
    """Reports as the API returns them: place, incident and photos looked up once per page,
    and whether the actor may decide each one."""
    labels = place_labels(session, (r.region_path for r in reports))
    codes = values_by_id(session, Region, Region.code, (r.region_id for r in reports))
    titles = values_by_id(session, Incident, Incident.title, (r.incident_id for r in reports))
    photos: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for photo in files.list_for(session, PHOTO_OWNER, [r.id for r in reports]):
        photos[photo.owner_id].append(files.as_dict(photo))
    verifier = may_verify(session, actor)
    return [
        {
            "id": r.id,
            "incident_id": r.incident_id,
            "incident_title": titles.get(r.incident_id) if r.incident_id else None,
            "region_id": r.region_id,
            "region_code": codes.get(r.region_id),
            "place": labels[r.region_path],
            "lon": r.lon,
            "lat": r.lat,
            "at": r.at.isoformat(),
            "reporter": r.reporter,
            **{f: getattr(r, f) for f in FIGURES},
            "text": r.text,
            "status": r.status,
            "status_label": STATUS_LABELS.get(r.status, r.status),
            "verified_by": r.verified_by,
            "verified_at": r.verified_at.isoformat() if r.verified_at else None,
            "note": r.note,
            "photos": photos.get(r.id, []),
            "can_verify": verifier
            and r.status == QuickReportStatus.submitted
            and r.reporter != actor.username,
        }
        for r in reports
    ]


# --- sending ---------------------------------------------------------------------------


def _problem(problems: list[dict[str, Any]], field: str, reason: str) -> None:
    problems.append({"row": None, "field": field, "reason": reason})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _count(value: Any) -> int | None:
    """A non-negative whole number from JSON or a form field; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        return None
    return number if 0 <= number <= MAX_FIGURE else None


def _figures(data: Mapping[str, Any], problems: list[dict[str, Any]]) -> dict[str, int]:
    out = {}
    for name in FIGURES:
        value = data.get(name)
        if _blank(value):
            out[name] = 0
            continue
        number = _count(value)
        if number is None:
            _problem(
                problems,
                name,
                f"{FIGURE_LABELS[name].split(' / ')[0]}须为 0 至 {MAX_FIGURE} 的整数 / "
                f"{name} must be a whole number from 0 to {MAX_FIGURE}",
            )
            continue
        out[name] = number
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _position(
    data: Mapping[str, Any], problems: list[dict[str, Any]]
) -> tuple[float, float] | None:
    """(lon, lat) when both are given and in range; a half-given position is an error."""
    raw_lon, raw_lat = data.get("lon"), data.get("lat")
    if _blank(raw_lon) and _blank(raw_lat):
        return None
    lon, lat = _number(raw_lon), _number(raw_lat)
    ok = True
    if lon is None or not -180 <= lon <= 180:
        _problem(problems, "lon", "经度须为 -180 至 180 的数 / lon must be a number in [-180, 180]")
        ok = False
    if lat is None or not -90 <= lat <= 90:
        _problem(problems, "lat", "纬度须为 -90 至 90 的数 / lat must be a number in [-90, 90]")
        ok = False
    return (lon, lat) if ok and lon is not None and lat is not None else None


def _at(data: Mapping[str, Any], now: dt.datetime, problems: list[dict[str, Any]]) -> dt.datetime:
    """When the figures were observed: given by a phone that sends later, else now."""
    value = data.get("at")
    if _blank(value):
        return now
    at: dt.datetime | None = value if isinstance(value, dt.datetime) else None
    if isinstance(value, str):
        try:
            at = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            at = None
    if at is None:
        _problem(problems, "at", "时间格式应为 ISO 8601 / at must be an ISO 8601 time")
        return now
    if at.tzinfo is None:
        at = at.replace(tzinfo=clock.zone())
    if at > now + FUTURE_SLACK:
        _problem(problems, "at", "时间不能晚于现在 / at lies in the future")
        return now
    return at.astimezone(dt.UTC)


def _text(data: Mapping[str, Any], problems: list[dict[str, Any]]) -> str | None:
    value = data.get("text")
    if _blank(value):
        return None
    if not isinstance(value, str):
        _problem(problems, "text", "情况说明须为文字 / text must be a string")
        return None
    if len(value) > MAX_TEXT:
        _problem(problems, "text", f"情况说明不超过 {MAX_TEXT} 字 / text is longer than {MAX_TEXT}")
    return value.strip()


def contains(session: Session, region: Region, lon: float, lat: float) -> bool:
    """Whether the point lies in the region (within :data:`POSITION_TOLERANCE_M`). A region
    without a polygon is judged by the filing region holding the point: on one branch."""
    shape = geo.from_wkb(region.geometry)
    if shape is None:
        _ids, paths = risk.locate(session, [lon], [lat])
        found = paths[0]
        return found is not None and (
            found.startswith(region.path) or region.path.startswith(found)
        )
    point = shapely.Point(lon, lat)
    if shape.intersects(point):
        return True
    projected = geo.to_equal_area([shape, point])
    return float(shapely.distance(projected[0], projected[1])) <= POSITION_TOLERANCE_M


def _given_place(
    session: Session, actor: Actor, data: Mapping[str, Any], problems: list[dict[str, Any]]
) -> tuple[str, Region | None]:
    """The place named by ``region_code`` or ``region_id`` (the field used, the region)."""
    if not _blank(data.get("region_code")):
        code = str(data["region_code"]).strip()
        return "region_code", session.scalar(select(Region).where(Region.code == code))
    value = data.get("region_id")
    number = _count(value)
    if number is None:
        _problem(problems, "region_id", "区划编号须为整数 / region_id must be a whole number")
        return "region_id", None
    return "region_id", session.get(Region, number)


def _from_position(
    session: Session, actor: Actor, lon: float, lat: float, problems: list[dict[str, Any]]
) -> Region | None:
    """The place of a report that gives only a position: the reporter's own village or grid
    when the point lies in it, else the township (or county) holding the point."""
    ids, paths = risk.locate(session, [lon], [lat])
    found = paths[0]
    if found is None:
        _problem(problems, "lon", "位置不在任何区划内 / the position lies in no region")
        return None
    own = session.get(Region, actor.region_id) if actor.region_id is not None else None
    if own is not None and own.path.startswith(found):
        if contains(session, own, lon, lat):
            return own
    elif actor.covers(found):
        return session.get(Region, int(ids[0]))
    _problem(problems, "lon", "位置不在您的管辖范围内 / the position lies outside your area")
    return None


def _place(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    position: tuple[float, float] | None,
    position_ok: bool,
    problems: list[dict[str, Any]],
) -> Region | None:
    if _blank(data.get("region_code")) and _blank(data.get("region_id")):
        if position is None:
            own = session.get(Region, actor.region_id) if actor.region_id is not None else None
            if own is not None and own.level >= RegionLevel.township:
                return own  # a village or grid reporter's own place, by default
            if position_ok:
                _problem(
                    problems,
                    "region_code",
                    "请选择地点或提供位置 / choose the place or give your position",
                )
            return None
        region = _from_position(session, actor, *position, problems)
        field = "lon"
    else:
        field, region = _given_place(session, actor, data, problems)
        if region is None or not actor.covers(region.path):
            if not any(p["field"] == field for p in problems):
                _problem(problems, field, OUT_OF_SCOPE)
            return None
        if position is not None and not contains(session, region, *position):
            _problem(
                problems, "lon", "位置不在所选地点内 / the position lies outside the chosen place"
            )
    if region is not None and region.level < RegionLevel.township:
        _problem(
            problems,
            field,
            "速报地点须为乡镇（街道）、村（社区）或网格 / the place must be a township, "
            "village or grid",
        )
        return None
    return region


def _incident(
    session: Session,
    actor: Actor,
    value: Any,
    place: Region | None,
    problems: list[dict[str, Any]],
) -> Incident | None:
    """The incident the report is about: one the actor may see, or an open one whose area
    holds the place (a grid reporter cannot see the township's incident, but reports on it)."""
    if _blank(value):
        return None
    number = _count(value)
    if number is None:
        _problem(problems, "incident_id", "事件编号须为整数 / incident_id must be a whole number")
        return None
    try:
        incident = incidents.get(session, actor, number)
    except NotFound:
        found = session.get(Incident, number)
        incident = (
            found
            if found is not None and place is not None and place.path.startswith(found.region_path)
            else None
        )
    if incident is None:
        _problem(problems, "incident_id", incidents.NOT_FOUND)
        return None
    if incident.status == IncidentStatus.closed:
        _problem(problems, "incident_id", "事件已结束 / the incident is closed")
        return None
    return incident


def summary(report: QuickReport | Mapping[str, Any]) -> str:
    """The non-zero figures in words ("死亡 1、受伤 3"), for the timeline."""
    get_value = report.get if isinstance(report, Mapping) else lambda f: getattr(report, f)
    parts = [f"{FIGURE_LABELS[f].split(' / ')[0]} {get_value(f)}" for f in FIGURES if get_value(f)]
    return "、".join(parts) or "无伤亡和损失"


def _figures_of(report: QuickReport) -> dict[str, int]:
    return {f: getattr(report, f) for f in FIGURES}


def submit(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    photos: Sequence[Photo] = (),
    *,
    now: dt.datetime | None = None,
) -> QuickReport:
    """Send a report for a place in the actor's subtree (``region_code`` or ``region_id``;
    else the place holding ``lon``/``lat``; else the reporter's own township, village or
    grid). Every bad field is named at once."""
    if actor.role not in REPORTER_ROLES:
        raise PermissionDenied("当前账号不能上报灾情速报 / this account cannot send quick reports")
    now = now or utcnow()
    problems: list[dict[str, Any]] = []
    figures = _figures(data, problems)
    text = _text(data, problems)
    before = len(problems)
    position = _position(data, problems)
    at = _at(data, now, problems)
    place = _place(session, actor, data, position, len(problems) == before, problems)
    incident = _incident(session, actor, data.get("incident_id"), place, problems)
    if len(photos) > MAX_PHOTOS:
        _problem(problems, "photos", f"照片不超过 {MAX_PHOTOS} 张 / at most {MAX_PHOTOS} photos")
    if problems or place is None:
        raise ValidationFailed(problems[0]["reason"] if problems else OUT_OF_SCOPE, problems)
    report = QuickReport(
        incident_id=incident.id if incident else None,
        region_id=place.id,
        region_path=place.path,
        lon=position[0] if position else None,
        lat=position[1] if position else None,
        at=at,
        reporter=actor.username,
        text=text,
        status=QuickReportStatus.submitted,
        **figures,
    )
    session.add(report)
    session.flush()
    for photo in photos:
        try:
            files.store(
                session,
                actor,
                PHOTO_OWNER,
                report.id,
                photo.filename,
                photo.data,
                images_only=True,
                lon=report.lon,
                lat=report.lat,
            )
        except ValidationFailed as exc:
            details = exc.details if isinstance(exc.details, list) else []
            raise ValidationFailed(
                exc.message, [{**d, "field": "photos"} for d in details] or None
            ) from exc
    if incident is not None:
        label = place_labels(session, [place.path])[place.path]
        timeline.record(
            session,
            incident.id,
            timeline.EventKind.quick_report,
            f"灾情速报：{label}（{actor.username}）{summary(report)}",
            data=_event_data(report, place),
            by=actor.username,
            at=at,
        )
    return report


def _event_data(report: QuickReport, place: Region) -> dict[str, Any]:
    return {
        "quick_report_id": report.id,
        "region_code": place.code,
        "status": report.status,
        "figures": _figures_of(report),
    }


# --- verifying -------------------------------------------------------------------------


def _decide(
    session: Session,
    actor: Actor,
    report_id: int,
    status: QuickReportStatus,
    note: str | None,
    now: dt.datetime | None,
) -> QuickReport:
    report = get(session, actor, report_id)
    actor.require_write()
    if not may_verify(session, actor):
        raise PermissionDenied(
            "仅乡镇（街道）及以上账号可核实速报 / only township-level or higher accounts verify"
        )
    if report.reporter == actor.username:
        raise PermissionDenied("不能核实本人上报的速报 / you cannot verify your own report")
    if report.status != QuickReportStatus.submitted:
        raise Conflict(
            f"速报已处理（{STATUS_LABELS[report.status]}） / the report was already decided",
            {"status": report.status},
        )
    note = note.strip() if note else None
    if status == QuickReportStatus.rejected and not note:
        raise invalid("note", "退回须说明原因 / say why the report is sent back")
    if note and len(note) > MAX_NOTE:
        raise invalid("note", f"说明不超过 {MAX_NOTE} 字 / note is longer than {MAX_NOTE}")
    report.status = status.value
    report.verified_by = actor.username
    report.verified_at = now or utcnow()
    report.note = note
    session.flush()
    if report.incident_id is not None:
        place = session.get(Region, report.region_id)
        assert place is not None
        label = place_labels(session, [place.path])[place.path]
        verb = "核实" if status == QuickReportStatus.verified else "退回"
        text = f"速报已{verb}：{label}（{actor.username}）{summary(report)}"
        timeline.record(
            session,
            report.incident_id,
            timeline.EventKind.quick_report,
            text + (f"；{note}" if note else ""),
            data={**_event_data(report, place), "note": note},
            by=actor.username,
            at=report.verified_at,
        )
    if status == QuickReportStatus.verified:
        reactions.emit(
            session, "quick_report.verified", report_id=report.id, incident_id=report.incident_id
        )
    return report


def verify(
    session: Session,
    actor: Actor,
    report_id: int,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> QuickReport:
    """Accept the report's figures: it becomes the place's counted report if it is the latest."""
    return _decide(session, actor, report_id, QuickReportStatus.verified, note, now)


def reject(
    session: Session,
    actor: Actor,
    report_id: int,
    note: str | None,
    *,
    now: dt.datetime | None = None,
) -> QuickReport:
    """Send the report back, saying why; it no longer counts anywhere."""
    return _decide(session, actor, report_id, QuickReportStatus.rejected, note, now)


# --- adding up -------------------------------------------------------------------------


def _root(session: Session, actor: Actor, region_path: str | None) -> tuple[str, Region | None]:
    root = region_path or actor.region_path
    if not actor.covers(root):
        raise NotFound(OUT_OF_SCOPE)
    region = session.scalar(select(Region).where(Region.path == root)) if root != "/" else None
    return root, region


def _zero() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def _add(into: dict[str, int], row: Any) -> None:
    for f in FIGURES:
        into[f] += getattr(row, f)


def totals(
    session: Session,
    actor: Actor,
    *,
    incident_id: int | None = None,
    region_path: str | None = None,
    since: dt.datetime | None = None,
) -> dict[str, Any]:
    """Figures of the region at ``region_path`` (the actor's own by default), without double
    counting: per place and incident the latest verified report counts; a newer unverified
    one is summed apart as ``unverified``. ``rows`` breaks the totals down by the region's
    children (each the sum of the distinct places below it; ``own`` is the region's own
    report), ``places`` lists each place's counted and pending report."""
    root, region = _root(session, actor, region_path)
    columns = [getattr(QuickReport, f) for f in FIGURES]
    stmt = select(
        QuickReport.id,
        QuickReport.incident_id,
        QuickReport.region_id,
        QuickReport.region_path,
        QuickReport.at,
        QuickReport.status,
        *columns,
    ).where(QuickReport.status != QuickReportStatus.rejected)
    stmt = _filtered(actor, stmt, incident_id=incident_id, region_path=root, since=since)
    latest: dict[tuple[int | None, int], dict[str, Any]] = {}
    for row in session.execute(stmt.order_by(QuickReport.at, QuickReport.id)):
        slot = latest.setdefault(
            (row.incident_id, row.region_id), {"path": row.region_path, "verified": None}
        )
        slot[row.status] = row  # ordered by time: the last one of each status stays
    grand = {"verified": _zero(), "unverified": _zero()}
    counts = {"verified": 0, "unverified": 0}
    by_child: dict[str, dict[str, Any]] = {}
    places = []
    labels = place_labels(session, (slot["path"] for slot in latest.values()))
    codes = values_by_id(session, Region, Region.code, (key[1] for key in latest))
    for (incident, region_id), slot in latest.items():
        verified = slot["verified"]
        pending = slot.get(QuickReportStatus.submitted)
        if (
            pending is not None
            and verified is not None
            and (pending.at, pending.id)
            < (
                verified.at,
                verified.id,
            )
        ):
            pending = None  # older than the counted figures: superseded, not pending
        path = slot["path"]
        child = path if path == root else root + path[len(root) :].split("/", 1)[0] + "/"
        part = by_child.setdefault(
            child,
            {
                "verified": _zero(),
                "unverified": _zero(),
                "verified_places": 0,
                "unverified_places": 0,
            },
        )
        for kind, row in (("verified", verified), ("unverified", pending)):
            if row is None:
                continue
            _add(grand[kind], row)
            _add(part[kind], row)
            counts[kind] += 1
            part[f"{kind}_places"] += 1
        places.append(
            {
                "incident_id": incident,
                "region_id": region_id,
                "region_code": codes.get(region_id),
                "place": labels[path],
                "verified": _place_row(verified),
                "unverified": _place_row(pending),
            }
        )
    children = {
        r.path: r for r in session.scalars(select(Region).where(Region.path.in_(list(by_child))))
    }
    rows = []
    for path, part in by_child.items():
        r = children.get(path)
        rows.append(
            {
                "region_id": r.id if r else None,
                "code": r.code if r else None,
                "name": r.name if r else path,
                "level": r.level if r else None,
                "own": path == root,
                **part,
            }
        )
    rows.sort(key=lambda x: (not x["own"], x["code"] or ""))
    places.sort(key=lambda p: (p["place"], p["incident_id"] or 0))
    return {
        "region": _region_dict(region),
        "incident_id": incident_id,
        "since": since.isoformat() if since else None,
        "figures": list(FIGURES),
        "verified": grand["verified"],
        "unverified": grand["unverified"],
        "verified_places": counts["verified"],
        "unverified_places": counts["unverified"],
        "rows": rows,
        "places": places,
    }


def _place_row(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"report_id": row.id, "at": row.at.isoformat(), **{f: getattr(row, f) for f in FIGURES}}


def _region_dict(region: Region | None) -> dict[str, Any] | None:
    if region is None:
        return None
    return {"id": region.id, "code": region.code, "name": region.name, "level": region.level}


# --- conflicts -------------------------------------------------------------------------


def _disputed(a: QuickReport, b: QuickReport) -> bool:
    """Reports that should agree but may not: from different reporters, or one verified
    and one still unverified (a same-reporter update awaiting verification is the usual
    case of the latter, and the duty officer should see it before it counts)."""
    return a.reporter != b.reporter or a.status != b.status


def conflicts(
    session: Session,
    actor: Actor,
    *,
    incident_id: int | None = None,
    region_path: str | None = None,
    since: dt.datetime | None = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Pairs of reports of one place (and incident) within :data:`CONFLICT_WINDOW` whose
    figures differ, newest first, with the differing fields. ``open`` while either is still
    unverified; both verified means the township chose, and the later one counts."""
    root, _region = _root(session, actor, region_path)
    stmt = select(QuickReport).where(QuickReport.status != QuickReportStatus.rejected)
    stmt = _filtered(actor, stmt, incident_id=incident_id, region_path=root, since=since)
    groups: dict[tuple[int | None, int], list[QuickReport]] = defaultdict(list)
    for report in session.scalars(stmt.order_by(QuickReport.at, QuickReport.id)):
        groups[(report.incident_id, report.region_id)].append(report)
    pairs: list[tuple[QuickReport, QuickReport, list[str]]] = []
    for reports in groups.values():
        for i, a in enumerate(reports):
            for b in reports[i + 1 :]:
                if b.at - a.at > CONFLICT_WINDOW:
                    break
                differ = [f for f in FIGURES if getattr(a, f) != getattr(b, f)]
                if differ and _disputed(a, b):
                    pairs.append((a, b, differ))
    involved = {r.id: r for a, b, _ in pairs for r in (a, b)}
    shown = {d["id"]: d for d in as_dicts(session, actor, list(involved.values()))}
    out = []
    for a, b, differ in pairs:
        is_open = QuickReportStatus.submitted in (a.status, b.status)
        if open_only and not is_open:
            continue
        out.append(
            {
                "incident_id": a.incident_id,
                "region_id": a.region_id,
                "region_code": shown[a.id]["region_code"],
                "place": shown[a.id]["place"],
                "open": is_open,
                "minutes_apart": round((b.at - a.at).total_seconds() / 60),
                "fields": [
                    {"field": f, "label": FIGURE_LABELS[f], "a": getattr(a, f), "b": getattr(b, f)}
                    for f in differ
                ],
                "a": shown[a.id],
                "b": shown[b.id],
            }
        )
    out.sort(key=lambda c: (c["b"]["at"], c["b"]["id"]), reverse=True)
    return out


# --- choices for the form --------------------------------------------------------------


def incident_choices(session: Session, actor: Actor, limit: int = 50) -> list[Incident]:
    """Open incidents a report may be linked to: those in the actor's subtree and those
    whose area holds the actor's region (the township's incident, for a grid member)."""
    codes = actor.region_path.strip("/").split("/") if actor.region_path != "/" else []
    above = ["/" + "/".join(codes[:n]) + "/" for n in range(1, len(codes))]
    stmt = select(Incident).where(Incident.status != IncidentStatus.closed)
    if actor.region_path != "/":
        stmt = stmt.where(
            or_(under(Incident.region_path, actor.region_path), Incident.region_path.in_(above))
        )
    return list(session.scalars(stmt.order_by(Incident.received_at.desc()).limit(limit)))


def place_choices(session: Session, actor: Actor, limit: int) -> list[Region] | None:
    """Townships, villages and grids in the actor's subtree, in tree order; None when there
    are more than ``limit`` (the form then asks for a region code)."""
    stmt = select(Region).where(Region.level >= RegionLevel.township)
    if actor.region_path != "/":
        stmt = stmt.where(under(Region.path, actor.region_path))
    found = list(session.scalars(stmt.order_by(Region.path).limit(limit + 1)))
    return None if len(found) > limit else found


def _check_visible(session: Session, actor: Actor, report_id: int) -> None:
    get(session, actor, report_id)


files.register_owner(PHOTO_OWNER, _check_visible)
