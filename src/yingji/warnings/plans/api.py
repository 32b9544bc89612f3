"""HTTP API for response plans: list, create, read, versions, edit (a new version),
activate, retire, and the dry run that lists who a warning would call and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset, under_path
from yingji.auth.scope import Actor
from yingji.regions.models import Region
from yingji.warnings import dry_run
from yingji.warnings.plans import service
from yingji.warnings.plans.models import PlanVersion, ResponsePlan

router = APIRouter(tags=["plans"])


class PlanIn(BaseModel):
    name: str = Field(max_length=200)
    region_code: str = Field(description="the plan's region (GB/T 2260 code)")
    rules: list[Any] = Field(description="rules, see yingji.warnings.plans.schemas.Rule")
    code: str | None = Field(None, max_length=40)
    comment: str | None = None


class PlanEdit(BaseModel):
    rules: list[Any]
    comment: str | None = None
    name: str | None = Field(None, max_length=200)


class PlanOut(BaseModel):
    id: int
    code: str
    name: str
    region_code: str
    region_name: str
    status: str
    version: int
    can_manage: bool
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    rules: list[dict[str, Any]] | None = None


class PlanPage(BaseModel):
    items: list[PlanOut]
    total: int


class VersionOut(BaseModel):
    id: int
    version: int
    rules: list[dict[str, Any]]
    comment: str | None
    created_by: str
    created_at: dt.datetime


class DraftIn(BaseModel):
    """An unsaved warning to dry-run: category, level, stage, key period and area."""

    category: str
    level: int
    stage: str = "forecast"
    key_period: bool = False
    headline: str = ""
    area: dict[str, Any] = Field(
        default_factory=dict, description="region_codes, polygons, circles or geojson"
    )


class DryRunIn(BaseModel):
    warning_id: int | None = None
    draft: DraftIn | None = None
    plan_id: int | None = Field(None, description="try ``rules`` as this plan's next version")
    rules: list[Any] | None = Field(None, description="unsaved rules to try")


class DryRunOut(BaseModel):
    total: int
    items: list[dry_run.DryRow]


def plan_outs(
    session: Session, actor: Actor, plans: list[ResponsePlan], with_rules: bool = False
) -> list[PlanOut]:
    regions = {
        rid: (code, name)
        for rid, code, name in session.execute(
            select(Region.id, Region.code, Region.name).where(
                Region.id.in_({p.region_id for p in plans})
            )
        )
    }
    rules: dict[int, list[dict[str, Any]]] = {}
    if with_rules and plans:
        for version in session.scalars(
            select(PlanVersion).where(
                PlanVersion.plan_id.in_([p.id for p in plans]),
            )
        ):
            plan = next(p for p in plans if p.id == version.plan_id)
            if version.version == plan.version:
                rules[plan.id] = version.rules
    return [
        PlanOut(
            id=p.id,
            code=p.code,
            name=p.name,
            region_code=regions[p.region_id][0],
            region_name=regions[p.region_id][1],
            status=p.status,
            version=p.version,
            can_manage=service.can_manage(actor, p),
            created_by=p.created_by,
            created_at=p.created_at,
            updated_at=p.updated_at,
            rules=rules.get(p.id) if with_rules else None,
        )
        for p in plans
    ]


def _one(session: Session, actor: Actor, plan: ResponsePlan) -> PlanOut:
    return plan_outs(session, actor, [plan], with_rules=True)[0]


@router.get("/plans", response_model=PlanPage)
def list_plans(
    session: DbSession,
    actor: CurrentActor,
    status: str | None = None,
    under: str | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> PlanPage:
    rows, total = service.list_plans(
        session,
        actor,
        status=status,
        under_path=under_path(session, under),
        offset=offset,
        limit=limit,
    )
    return PlanPage(items=plan_outs(session, actor, rows), total=total)


@router.post("/plans", status_code=201, response_model=PlanOut)
def create_plan(body: PlanIn, session: DbSession, actor: CurrentActor) -> PlanOut:
    plan = service.create(
        session,
        actor,
        name=body.name,
        region_code=body.region_code,
        rules=body.rules,
        code=body.code,
        comment=body.comment,
    )
    return _one(session, actor, plan)


@router.post("/plans/dry-run", response_model=DryRunOut)
def run_dry(body: DryRunIn, session: DbSession, actor: CurrentActor) -> DryRunOut:
    rows = dry_run.dry_run(
        session,
        actor,
        warning_id=body.warning_id,
        draft=body.draft.model_dump() if body.draft else None,
        rules=body.rules,
        plan_id=body.plan_id,
    )
    return DryRunOut(total=len(rows), items=rows)


@router.get("/plans/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: int, session: DbSession, actor: CurrentActor) -> PlanOut:
    return _one(session, actor, service.get(session, actor, plan_id))


@router.get("/plans/{plan_id}/versions", response_model=list[VersionOut])
def plan_versions(plan_id: int, session: DbSession, actor: CurrentActor) -> list[VersionOut]:
    return [
        VersionOut(
            id=v.id,
            version=v.version,
            rules=v.rules,
            comment=v.comment,
            created_by=v.created_by,
            created_at=v.created_at,
        )
        for v in service.versions(session, actor, plan_id)
    ]


@router.put("/plans/{plan_id}", response_model=PlanOut)
def edit_plan(plan_id: int, body: PlanEdit, session: DbSession, actor: CurrentActor) -> PlanOut:
    plan = service.edit(session, actor, plan_id, body.rules, comment=body.comment, name=body.name)
    return _one(session, actor, plan)


@router.post("/plans/{plan_id}/activate", response_model=PlanOut)
def activate_plan(plan_id: int, session: DbSession, actor: CurrentActor) -> PlanOut:
    return _one(session, actor, service.activate(session, actor, plan_id))


@router.post("/plans/{plan_id}/retire", response_model=PlanOut)
def retire_plan(plan_id: int, session: DbSession, actor: CurrentActor) -> PlanOut:
    return _one(session, actor, service.retire(session, actor, plan_id))
