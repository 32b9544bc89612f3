"""Create, edit (a new version each time), activate, retire and read response plans.

A plan belongs to a region and is managed by the users of that region's subtree: a county
bureau edits its county's plan, a township operator only reads it (the plans on the path
above a user are shown to them, since those are the plans that call their people). Rules
are checked whole before anything is written, and an edit never touches an old version.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.errors import NotFound, PermissionDenied, ValidationFailed, invalid
from yingji.regions.models import Region, RegionLevel
from yingji.warnings.plans.models import PlanStatus, PlanVersion, ResponsePlan
from yingji.warnings.plans.schemas import Rule, dump_rules, parse_rules

NOT_FOUND = "响应方案不存在 / response plan not found"


def ancestor_paths(path: str) -> list[str]:
    """``/a/b/c/`` → ``["/a/", "/a/b/", "/a/b/c/"]``: the regions above and at a path."""
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def _visible(actor: Actor, stmt: Select) -> Select:
    """Plans in the actor's subtree, and the plans on the path above it (read only)."""
    if actor.region_path == "/":
        return stmt
    return stmt.where(
        or_(
            ResponsePlan.region_path.startswith(actor.region_path, autoescape=True),
            ResponsePlan.region_path.in_(ancestor_paths(actor.region_path)),
        )
    )


def _require_manage(actor: Actor, plan: ResponsePlan) -> None:
    actor.require_write()
    if not actor.covers(plan.region_path):
        raise PermissionDenied(
            "该方案属于上级区划，本账号不能修改 / this plan belongs to a region above yours"
        )


def check_rules(session: Session, region: Region, raw: Any) -> list[Rule]:
    """Rules parsed and checked against the database: each township must be a township
    inside the plan's region. Every problem is reported at once; nothing is written."""
    rules = parse_rules(raw)
    codes = sorted({r.township for r in rules if r.township})
    found = {
        code: (level, path)
        for code, level, path in session.execute(
            select(Region.code, Region.level, Region.path).where(Region.code.in_(codes))
        )
    }
    problems = []
    for i, rule in enumerate(rules):
        if not rule.township:
            continue
        hit = found.get(rule.township)
        if hit is None or hit[0] != RegionLevel.township:
            reason = f"乡镇不存在 {rule.township} / no township {rule.township}"
        elif not hit[1].startswith(region.path):
            reason = f"乡镇不在方案区划内 {rule.township} / township outside the plan's region"
        else:
            continue
        problems.append({"field": f"rules[{i}].township", "reason": reason})
    if problems:
        first = problems[0]
        raise ValidationFailed(f"方案规则有误: {first['field']}: {first['reason']}", problems)
    return rules


def _region(session: Session, actor: Actor, code: str) -> Region:
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None or not actor.covers(region.path):
        raise invalid("region_code", f"区划不存在或不在辖区内 {code} / region {code} not in scope")
    return region


def create(
    session: Session,
    actor: Actor,
    *,
    name: str,
    region_code: str,
    rules: Any,
    code: str | None = None,
    comment: str | None = None,
) -> ResponsePlan:
    """A draft plan with its first version; activate it to let warnings use it."""
    actor.require_write()
    if not name.strip():
        raise invalid("name", "方案名称必填 / name is required")
    region = _region(session, actor, region_code)
    checked = check_rules(session, region, rules)
    code = (code or "").strip() or f"YJP-{secrets.token_hex(4).upper()}"
    if session.scalar(select(ResponsePlan.id).where(ResponsePlan.code == code)) is not None:
        raise invalid("code", f"方案编号已存在 {code} / plan code {code} exists")
    plan = ResponsePlan(
        code=code,
        name=name.strip(),
        region_id=region.id,
        region_path=region.path,
        status=PlanStatus.draft,
        version=1,
        created_by=actor.username,
    )
    session.add(plan)
    session.flush()
    _add_version(session, actor, plan, checked, comment)
    return plan


def _add_version(
    session: Session, actor: Actor, plan: ResponsePlan, rules: list[Rule], comment: str | None
) -> PlanVersion:
    version = PlanVersion(
        plan_id=plan.id,
        version=plan.version,
        rules=dump_rules(rules),
        comment=comment,
        created_by=actor.username,
    )
    session.add(version)
    session.flush()
    return version


def edit(
    session: Session,
    actor: Actor,
    plan_id: int,
    rules: Any,
    *,
    comment: str | None = None,
    name: str | None = None,
) -> ResponsePlan:
    """Write the next version with ``rules``; earlier versions stay exactly as they were, so
    instructions made under them still show the rules that made them."""
    plan = get(session, actor, plan_id)
    _require_manage(actor, plan)
    region = session.get_one(Region, plan.region_id)
    checked = check_rules(session, region, rules)
    if plan.status == PlanStatus.retired:
        raise invalid("status", "已停用的方案不能修改 / a retired plan cannot be edited")
    if name is not None and name.strip():
        plan.name = name.strip()
    plan.version += 1
    _add_version(session, actor, plan, checked, comment)
    return plan


def _set_status(session: Session, actor: Actor, plan_id: int, status: PlanStatus) -> ResponsePlan:
    plan = get(session, actor, plan_id)
    _require_manage(actor, plan)
    plan.status = status
    session.flush()
    return plan


def activate(session: Session, actor: Actor, plan_id: int) -> ResponsePlan:
    """Warnings from now on use the plan's current version."""
    return _set_status(session, actor, plan_id, PlanStatus.active)


def retire(session: Session, actor: Actor, plan_id: int) -> ResponsePlan:
    """Warnings no longer use the plan; calls already made keep their frozen policy."""
    return _set_status(session, actor, plan_id, PlanStatus.retired)


def get(session: Session, actor: Actor, plan_id: int) -> ResponsePlan:
    plan = session.scalar(_visible(actor, select(ResponsePlan)).where(ResponsePlan.id == plan_id))
    if plan is None:
        raise NotFound(NOT_FOUND)
    return plan


def get_by_code(session: Session, actor: Actor, code: str) -> ResponsePlan:
    plan = session.scalar(_visible(actor, select(ResponsePlan)).where(ResponsePlan.code == code))
    if plan is None:
        raise NotFound(NOT_FOUND)
    return plan


def can_manage(actor: Actor, plan: ResponsePlan) -> bool:
    return actor.can_write and actor.covers(plan.region_path)


def list_plans(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    under_path: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[ResponsePlan], int]:
    """A page of the plans the actor may see, by region then code, and the total."""
    stmt = _visible(actor, select(ResponsePlan))
    if status:
        stmt = stmt.where(ResponsePlan.status == status)
    if under_path:
        stmt = stmt.where(ResponsePlan.region_path.startswith(under_path, autoescape=True))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(ResponsePlan.region_path, ResponsePlan.code).offset(offset).limit(limit)
    )
    return list(rows), total


def versions(session: Session, actor: Actor, plan_id: int) -> list[PlanVersion]:
    """Every version of a plan, newest first."""
    plan = get(session, actor, plan_id)
    return list(
        session.scalars(
            select(PlanVersion)
            .where(PlanVersion.plan_id == plan.id)
            .order_by(PlanVersion.version.desc())
        )
    )


def version_of(
    session: Session, actor: Actor, plan_id: int, number: int | None = None
) -> PlanVersion:
    """One version of a plan (the current one when ``number`` is None)."""
    plan = get(session, actor, plan_id)
    found = session.scalar(
        select(PlanVersion).where(
            PlanVersion.plan_id == plan.id, PlanVersion.version == (number or plan.version)
        )
    )
    if found is None:
        raise NotFound(f"方案版本不存在 / plan version {number} not found")
    return found


def export(session: Session, actor: Actor, plan_id: int) -> dict[str, Any]:
    """The plan as the JSON that :func:`import_plan` reads back."""
    plan = get(session, actor, plan_id)
    region_code = session.scalar(select(Region.code).where(Region.id == plan.region_id))
    current = version_of(session, actor, plan_id)
    return {
        "code": plan.code,
        "name": plan.name,
        "region_code": region_code,
        "version": plan.version,
        "status": plan.status,
        "rules": current.rules,
    }


def import_plan(
    session: Session, actor: Actor, data: Any, comment: str | None = None
) -> tuple[ResponsePlan, bool]:
    """Create the plan ``data`` describes, or edit the plan with its ``code``; (plan,
    created). ``data`` is an exported plan (``code``, ``name``, ``region_code``, ``rules``)."""
    if not isinstance(data, dict):
        raise invalid("plan", "方案须为 JSON 对象 / a plan is a JSON object")
    code = str(data.get("code") or "").strip()
    existing = None
    if code:
        existing = session.scalar(select(ResponsePlan).where(ResponsePlan.code == code))
    if existing is not None:
        plan = edit(
            session, actor, existing.id, data.get("rules"), comment=comment, name=data.get("name")
        )
        return plan, False
    plan = create(
        session,
        actor,
        name=str(data.get("name") or ""),
        region_code=str(data.get("region_code") or ""),
        rules=data.get("rules"),
        code=code or None,
        comment=comment,
    )
    return plan, True
