"""Inspections as the API and the pages show them: with template, place and region names,
looked up once per page rather than once per row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.enterprises.models import Enterprise
from yingji.files import service as files
from yingji.inspections import service
from yingji.inspections.models import (
    KIND_LABELS,
    RESULT_LABELS,
    STATE_LABELS,
    ChecklistTemplate,
    Inspection,
    InspectionState,
)
from yingji.inspections.schemas import InspectionDetail, InspectionOut, ResultOut
from yingji.people.models import Organisation
from yingji.regions.models import Region
from yingji.risk.models import RiskPoint


def _lookup(session: Session, columns: Sequence[Any], key: Any, ids: set[Any]) -> dict[Any, Any]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    rows = session.execute(select(key, *columns).where(key.in_(wanted))).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def outs(session: Session, inspections: Sequence[Inspection]) -> list[InspectionOut]:
    templates = _lookup(
        session,
        [ChecklistTemplate.code, ChecklistTemplate.version, ChecklistTemplate.name_zh],
        ChecklistTemplate.id,
        {i.template_id for i in inspections},
    )
    regions = _lookup(
        session, [Region.code, Region.name], Region.id, {i.region_id for i in inspections}
    )
    enterprise_names = {
        eid: name
        for eid, name in session.execute(
            select(Enterprise.id, Organisation.name)
            .join(Organisation, Organisation.id == Enterprise.organisation_id)
            .where(Enterprise.id.in_(sorted({i.enterprise_id for i in inspections} - {None})))
        )
    }
    points = _lookup(
        session, [RiskPoint.name], RiskPoint.id, {i.risk_point_id for i in inspections}
    )
    out = []
    for i in inspections:
        code, version, name = templates[i.template_id]
        region_code, region_name = regions.get(i.region_id, ("", ""))
        target = (
            enterprise_names.get(i.enterprise_id, "")
            if i.enterprise_id
            else points.get(i.risk_point_id, ("",))[0]
        )
        out.append(
            InspectionOut(
                id=i.id,
                code=i.code,
                template_id=i.template_id,
                template_code=code,
                template_version=version,
                template_name=name,
                kind=i.kind,
                kind_label=KIND_LABELS.get(i.kind, i.kind),
                unannounced=i.unannounced,
                state=i.state,
                state_label=STATE_LABELS.get(i.state, i.state),
                enterprise_id=i.enterprise_id,
                risk_point_id=i.risk_point_id,
                target_name=target,
                region_code=region_code,
                region_name=region_name,
                inspector_id=i.inspector_id,
                inspector_name=i.inspector_name,
                lon=i.lon,
                lat=i.lat,
                note=i.note,
                started_at=i.started_at,
                finished_at=i.finished_at,
                hazard_count=i.hazard_count,
            )
        )
    return out


def detail(session: Session, actor: Actor, inspection: Inspection) -> InspectionDetail:
    pairs = service.results_of(session, inspection.id)
    photos = service.photos_of(session, [r.id for r, _ in pairs])
    results = [
        ResultOut(
            item_id=item.id,
            item_code=item.code,
            text_zh=item.text_zh,
            text_en=item.text_en,
            clause=item.clause,
            major=item.major,
            section=item.section,
            result=r.result,
            result_label=RESULT_LABELS.get(r.result) if r.result else None,
            note=r.note,
            lon=r.lon,
            lat=r.lat,
            hazard_id=r.hazard_id,
            photos=[files.as_dict(p) for p in photos.get(r.id, [])],
        )
        for r, item in pairs
    ]
    editable = inspection.state == InspectionState.draft and (
        inspection.inspector_id == actor.user_id or actor.is_admin
    )
    return InspectionDetail(
        **outs(session, [inspection])[0].model_dump(),
        results=results,
        answered=sum(1 for r in results if r.result),
        failed=sum(1 for r in results if r.result == "fail"),
        editable=editable,
    )
