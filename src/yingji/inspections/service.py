"""Inspections: start one at a place, record item results and photos, finish it.

Finishing turns every failed item into a hazard through the hazard service, in the caller's
transaction, so an inspection is never submitted without its hazards nor the reverse. Who
may inspect where is :mod:`yingji.inspections.access`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yingji.files import service as files
from yingji.files.models import Attachment
from yingji.hazards import service as hazards
from yingji.inspections import schedules
from yingji.inspections.access import (
    KIND_ROLES,
    SCOPE,
    bad,
    get,
    position,
    scoped,
    target,
)
from yingji.inspections.models import (
    KIND_LABELS,
    KIND_SOURCE,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionKind,
    InspectionResult,
    InspectionState,
    ItemResult,
)
from yingji.inspections.schedules import DuePlace
from yingji.paging import Page, paginate
from yingji.regions.paths import under

PHOTO_OWNER = "inspection_result"
"""Attachment owner kind of an item's photos (owner id: the result row)."""
NOTE_LIMIT = 2000


@dataclass
class InspectionFilter:
    """What an inspection list can be narrowed by; every field is optional."""

    under_path: str | None = None
    enterprise_id: int | None = None
    risk_point_id: int | None = None
    kind: str | None = None
    state: str | None = None
    started_from: dt.datetime | None = None
    started_to: dt.datetime | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        if self.under_path:
            stmt = stmt.where(under(Inspection.region_path, self.under_path))
        for column, value in (
            (Inspection.enterprise_id, self.enterprise_id),
            (Inspection.risk_point_id, self.risk_point_id),
            (Inspection.kind, self.kind),
            (Inspection.state, self.state),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if self.started_from:
            stmt = stmt.where(Inspection.started_at >= self.started_from)
        if self.started_to:
            stmt = stmt.where(Inspection.started_at < self.started_to)
        return stmt


def list_inspections(
    session: Session, actor: Actor, filters: InspectionFilter, offset: int = 0, limit: int = 50
) -> Page[Inspection]:
    if filters.kind is not None and filters.kind not in InspectionKind.__members__:
        raise bad("kind", f"检查类型 {filters.kind} 无效 / unknown kind")
    if filters.state is not None and filters.state not in InspectionState.__members__:
        raise bad("state", f"状态 {filters.state} 无效 / unknown state")
    stmt = filters.apply(scoped(actor)).order_by(Inspection.started_at.desc(), Inspection.id)
    return paginate(session, stmt, offset, limit)


def results_of(
    session: Session, inspection_id: int
) -> list[tuple[InspectionResult, ChecklistItem]]:
    """Each item of the inspection's template version with its result row, in order."""
    stmt = (
        select(InspectionResult, ChecklistItem)
        .join(ChecklistItem, ChecklistItem.id == InspectionResult.item_id)
        .where(InspectionResult.inspection_id == inspection_id)
        .order_by(ChecklistItem.position)
    )
    return [(r, i) for r, i in session.execute(stmt).all()]


def photos_of(session: Session, result_ids: list[int]) -> dict[int, list[Attachment]]:
    by_result: dict[int, list[Attachment]] = {}
    for photo in files.list_for(session, PHOTO_OWNER, result_ids):
        by_result.setdefault(photo.owner_id, []).append(photo)
    return by_result


def not_inspected(
    session: Session,
    actor: Actor,
    *,
    under_path: str | None = None,
    within_days: int = 0,
    now: dt.datetime | None = None,
) -> list[DuePlace]:
    """Places in the actor's scope not inspected within the period their schedules require
    (or due within ``within_days``); never-inspected places first."""
    return schedules.not_inspected(
        session, actor, under_path=under_path, within_days=within_days, now=now
    )


# --- starting ------------------------------------------------------------------------


def _template(session: Session, data: dict[str, Any]) -> ChecklistTemplate:
    template_id = data.get("template_id")
    template = session.get(ChecklistTemplate, template_id) if template_id is not None else None
    if template is None:
        raise bad("template_id", f"检查表 {template_id} 不存在 / checklist not found")
    return template


def create(
    session: Session, actor: Actor, data: dict[str, Any], *, now: dt.datetime | None = None
) -> Inspection:
    """Start an inspection (state draft) with an empty result row for every item."""
    kind = data.get("kind") or (
        InspectionKind.self_check if actor.role == UserRole.enterprise_user else None
    )
    if kind not in InspectionKind.__members__:
        raise bad("kind", f"检查类型 {kind} 无效，应为 regulatory/patrol/self_check / bad kind")
    if actor.role not in KIND_ROLES[kind]:
        raise PermissionDenied(
            f"当前角色不能进行「{KIND_LABELS[kind]}」 / role {actor.role} may not make {kind}"
        )
    if kind == InspectionKind.self_check and data.get("enterprise_id") is None:
        raise bad("enterprise_id", "企业自查须指定企业 / a self-inspection needs an enterprise")
    problems = position("position", data.get("lon"), data.get("lat"))
    if problems:
        raise ValidationFailed(problems[0]["reason"], problems)
    template = _template(session, data)
    place = target(session, actor, data)
    note = (data.get("note") or "").strip() or None
    if note and len(note) > NOTE_LIMIT:
        raise bad("note", f"说明超过 {NOTE_LIMIT} 字 / note too long")
    at = now or utcnow()
    inspection = Inspection(
        template_id=template.id,
        kind=str(kind),
        unannounced=bool(data.get("unannounced")),
        state=InspectionState.draft.value,
        enterprise_id=place.enterprise.id if place.enterprise else None,
        risk_point_id=place.risk_point.id if place.risk_point else None,
        region_id=place.region.id,
        region_path=place.region.path,
        organisation_id=place.organisation.id if place.organisation else None,
        inspector_id=actor.user_id,
        inspector_name=actor.username,
        lon=data.get("lon"),
        lat=data.get("lat"),
        note=note,
        started_at=at,
    )
    session.add(inspection)
    session.flush()
    inspection.code = f"JC{clock.today(at):%Y%m%d}{inspection.id:07d}"
    item_ids = session.scalars(
        select(ChecklistItem.id).where(ChecklistItem.template_id == template.id)
    )
    session.add_all(InspectionResult(inspection_id=inspection.id, item_id=i) for i in item_ids)
    session.flush()
    return inspection


# --- recording -----------------------------------------------------------------------


def _editable(session: Session, actor: Actor, inspection_id: int) -> Inspection:
    inspection = get(session, actor, inspection_id)
    if inspection.inspector_id != actor.user_id and not actor.is_admin:
        raise PermissionDenied("只有检查人可以填写此检查 / only the inspector may change it")
    if inspection.state != InspectionState.draft:
        raise Conflict(
            f"检查 {inspection.code} 已提交，结果不能再修改 / the inspection is submitted; "
            "its results are frozen",
            {"state": inspection.state},
        )
    return inspection


def _check_entry(index: int, entry: dict[str, Any], items: dict[str, Any]) -> list[dict[str, Any]]:
    where = f"results[{index}]"
    code = entry.get("item_code")
    if code not in items:
        reason = f"未知检查项 {code} / unknown item code"
        return [{"field": f"{where}.item_code", "item_code": code, "reason": reason}]
    problems = []
    result = entry.get("result")
    if result is not None and result not in {r.value for r in ItemResult}:
        problems.append(
            {
                "field": f"{where}.result",
                "item_code": code,
                "reason": f"结果 {result} 无效，应为 pass/fail/na / result must be pass/fail/na",
            }
        )
    note = entry.get("note")
    if note is not None and len(str(note)) > NOTE_LIMIT:
        problems.append(
            {"field": f"{where}.note", "item_code": code, "reason": "说明过长 / note too long"}
        )
    for problem in position(where, entry.get("lon"), entry.get("lat")):
        problems.append({**problem, "item_code": code})
    return problems


def record(
    session: Session,
    actor: Actor,
    inspection_id: int,
    entries: list[dict[str, Any]],
    *,
    lon: float | None = None,
    lat: float | None = None,
) -> Inspection:
    """Set the results of the items given (others stay); every problem is reported at once
    with its field and item code, and nothing is saved when there is one."""
    inspection = _editable(session, actor, inspection_id)
    rows = {item.code: result for result, item in results_of(session, inspection.id)}
    problems = position("position", lon, lat)
    for index, entry in enumerate(entries):
        problems += _check_entry(index, entry, rows)
    if problems:
        raise ValidationFailed(problems[0]["reason"], problems)
    for entry in entries:
        row = rows[entry["item_code"]]
        if "result" in entry:
            row.result = entry["result"]
        if "note" in entry:
            row.note = (entry.get("note") or "").strip() or None
        if entry.get("lon") is not None:
            row.lon, row.lat = float(entry["lon"]), float(entry["lat"])
    if lon is not None:
        inspection.lon, inspection.lat = float(lon), float(lat)  # type: ignore[arg-type]
    session.flush()
    return inspection


def add_photo(
    session: Session,
    actor: Actor,
    inspection_id: int,
    item_code: str,
    filename: str,
    data: bytes,
    *,
    lon: float | None = None,
    lat: float | None = None,
) -> Attachment:
    """A photo of one item; only JPEG/PNG/WebP under the upload limit are kept."""
    inspection = _editable(session, actor, inspection_id)
    row = next((r for r, i in results_of(session, inspection.id) if i.code == item_code), None)
    if row is None:
        raise bad("item_code", f"未知检查项 {item_code} / unknown item code", item_code=item_code)
    problems = position("position", lon, lat)
    if problems:
        raise ValidationFailed(problems[0]["reason"], problems)
    try:
        return files.store(
            session, actor, PHOTO_OWNER, row.id, filename, data, images_only=True, lon=lon, lat=lat
        )
    except ValidationFailed as exc:
        details = [{**d, "item_code": item_code} for d in exc.details or []]
        raise ValidationFailed(exc.message, details) from exc


# --- finishing -----------------------------------------------------------------------


def _reporter(actor: Actor, inspection: Inspection) -> Actor:
    """The actor that files the hazards. A grid member inspecting a place they are assigned
    to (checked when the inspection began) reports with that place's region as scope."""
    if actor.covers(inspection.region_path) or actor.role == UserRole.enterprise_user:
        return actor
    return dataclasses.replace(actor, region_path=inspection.region_path)


def _hazard_data(
    inspection: Inspection, result: InspectionResult, item: ChecklistItem
) -> dict[str, Any]:
    grade_hint = (
        "按该标准可判定为重大事故隐患" if item.major else "综合判定要素，需与其他要素合并判定"
    )
    lines = [
        f"检查 {inspection.code}（{KIND_LABELS[inspection.kind]}）第 {item.code} 项不符合：",
        item.text_zh,
        f"判定依据：{item.clause}（{grade_hint}）",
    ]
    if result.note:
        lines.append(f"检查说明：{result.note}")
    lon, lat = (
        (result.lon, result.lat) if result.lon is not None else (inspection.lon, inspection.lat)
    )
    return {
        "title": f"不符合：{item.text_zh}"[:200],
        "description": "\n".join(lines),
        "source": KIND_SOURCE[inspection.kind],
        "enterprise_id": inspection.enterprise_id,
        "risk_point_id": inspection.risk_point_id if inspection.enterprise_id is None else None,
        "inspection_id": inspection.id,
        "checklist_item_id": item.id,
        "lon": lon,
        "lat": lat,
        "comment": f"检查 {inspection.code} 发现；判定依据：{item.clause}",
    }


def finish(
    session: Session, actor: Actor, inspection_id: int, *, now: dt.datetime | None = None
) -> tuple[Inspection, list[int]]:
    """Submit the inspection and file every failed item as a hazard, in one transaction;
    refuses when an item is unanswered or the inspection is already submitted."""
    inspection = _editable(session, actor, inspection_id)
    pairs = results_of(session, inspection.id)
    missing = [item.code for result, item in pairs if result.result is None]
    if missing:
        raise ValidationFailed(
            f"还有 {len(missing)} 项未填写：{'、'.join(missing)} / unanswered items",
            [
                {"field": "results", "item_code": code, "reason": "未填写 / not answered"}
                for code in missing
            ],
        )
    at = now or utcnow()
    reporter = _reporter(actor, inspection)
    failed = [(r, i) for r, i in pairs if r.result == ItemResult.failed]
    photos = photos_of(session, [r.id for r, _ in failed])
    hazard_ids = []
    for result, item in failed:
        hazard = hazards.report(session, reporter, _hazard_data(inspection, result, item), now=at)
        result.hazard_id = hazard.id
        hazard_ids.append(hazard.id)
        for photo in photos.get(result.id, []):
            files.store(
                session,
                reporter,
                hazards.TARGET,
                hazard.id,
                photo.filename,
                files.read(photo),
                images_only=True,
                lon=photo.lon,
                lat=photo.lat,
            )
    inspection.state = InspectionState.submitted.value
    inspection.finished_at = at
    inspection.hazard_count = len(hazard_ids)
    session.flush()
    return inspection, hazard_ids


def _check_visible(session: Session, actor: Actor, result_id: int) -> None:
    inspection_id = session.scalar(
        select(InspectionResult.inspection_id).where(InspectionResult.id == result_id)
    )
    if inspection_id is None:
        raise NotFound(f"检查结果 {result_id} {SCOPE}")
    get(session, actor, inspection_id)


files.register_owner(PHOTO_OWNER, _check_visible)
