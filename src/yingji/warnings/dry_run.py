"""The dry run of a response (试运行): exactly who a warning, or a draft of one, would call
and why, under the saved plans or unsaved rules being tried, writing nothing.

It asks the same questions as :func:`yingji.warnings.respond.issue` (same matching, same
targeting, same merged policy), so what the dry run lists is what the call-out does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.scope import Actor
from yingji.config import get_settings
from yingji.db import utcnow
from yingji.errors import invalid
from yingji.people.models import Person
from yingji.regions import geo
from yingji.regions.models import Region
from yingji.warnings import service as warning_service
from yingji.warnings.instructions import already_called
from yingji.warnings.models import CATEGORY_LABELS, LEVEL_LABELS, Stage
from yingji.warnings.plans import service as plan_service
from yingji.warnings.plans.matching import PlanRules, Situation, active_plans, match, top_paths
from yingji.warnings.plans.schemas import parse_rules
from yingji.warnings.respond import (
    Calls,
    Policies,
    collect,
    covered_paths,
    situation_of,
    warning_variables,
)
from yingji.warnings.targeting import CHUNK, Area, area_of, draft_area


@dataclass(frozen=True)
class DryRow:
    """One person a warning would call, and why."""

    person_id: int
    name: str
    mobile: str
    roles: list[str]
    region_code: str
    region_name: str
    layer: int
    rules: list[str]
    """``plan#index`` of every rule that calls the person."""
    reasons: list[dict[str, Any]]
    channels: list[str]
    deadline_minutes: int | None
    measures: str
    already_called: bool


def _draft_situation(draft: dict[str, Any]) -> Situation:
    category = draft.get("category")
    if category not in CATEGORY_LABELS:
        raise invalid("draft.category", f"未知灾种 {category} / unknown category")
    level = draft.get("level")
    if level not in LEVEL_LABELS:
        raise invalid("draft.level", "等级须为 1-4 (红橙黄蓝) / level must be 1..4")
    stage = draft.get("stage", "forecast")
    if stage not in Stage.__members__:
        raise invalid("draft.stage", f"未知阶段 {stage} / unknown stage")
    return Situation(category, level, stage, bool(draft.get("key_period")))


def _draft_area(session: Session, actor: Actor, draft: dict[str, Any]) -> tuple[Area, list[str]]:
    area = draft.get("area") or {}
    codes = [str(c) for c in area.get("region_codes") or []]
    parts = [geo.polygonal(geo.parse_geometry(area["geojson"]))] if area.get("geojson") else []
    for ring in area.get("polygons") or []:
        parts.append(geo.polygonal(geo.parse_geometry({"type": "Polygon", "coordinates": [ring]})))
    for lon, lat, radius in area.get("circles") or []:
        parts.append(geo.circle(lon, lat, radius))
    shape = shapely.union_all(parts) if parts else None
    built = draft_area(session, codes, shape)
    paths = session.scalars(select(Region.path).where(Region.code.in_(codes))).all()
    found = {p for p in paths}
    if len(found) < len(set(codes)):
        raise invalid("draft.area.region_codes", "区划代码不存在 / unknown region codes")
    covered = list(found) + [p for p in built.shaped if p not in found]
    if not covered:
        raise invalid("draft.area", "预警范围未覆盖任何区划 / the area covers no region")
    if not actor.is_admin and not any(actor.covers(p) for p in covered):
        raise invalid("draft.area", "预警范围超出本账号辖区 / the area lies outside your regions")
    return built, top_paths(covered)


def _trial_plans(
    session: Session,
    actor: Actor,
    covered: list[str],
    plan_id: int | None,
    rules: Any,
) -> list[PlanRules] | None:
    """The active plans with ``plan_id`` (or a new plan at the actor's region) using
    ``rules`` instead of its saved ones; None when nothing is being tried."""
    if plan_id is None and rules is None:
        return None
    plans = [p for p in active_plans(session, covered) if p.plan_id != plan_id]
    if plan_id is not None:
        plan = plan_service.get(session, actor, plan_id)
        region = session.get_one(Region, plan.region_id)
        if rules is None:
            rules = plan_service.version_of(session, actor, plan_id).rules
        checked = plan_service.check_rules(session, region, rules)
        current = plan_service.version_of(session, actor, plan_id)
        plans.append(PlanRules(plan.id, plan.code, current.id, plan.region_path, tuple(checked)))
    else:
        region = session.get_one(Region, actor.region_id) if actor.region_id else None
        path = region.path if region is not None else "/"
        checked = (
            plan_service.check_rules(session, region, rules)
            if region is not None
            else parse_rules(rules)
        )
        plans.append(PlanRules(None, "trial", None, path, tuple(checked)))
    return plans


def dry_run(
    session: Session,
    actor: Actor,
    warning_id: int | None = None,
    draft: dict[str, Any] | None = None,
    rules: Any = None,
    plan_id: int | None = None,
) -> list[DryRow]:
    """Exactly who ``warning_id`` (or the unsaved ``draft``: category, level, stage,
    key_period, area) would call and why, writing nothing. ``rules`` tries unsaved rules:
    as plan ``plan_id``'s next version, or without a plan as a plan of the actor's region."""
    now = utcnow()
    if (warning_id is None) == (draft is None):
        raise invalid("warning_id", "请给出预警编号或预警草稿 / give a warning id or a draft")
    if warning_id is not None:
        warning = warning_service.get(session, actor, warning_id)
        situation = situation_of(warning)
        area = area_of(session, warning)
        covered = covered_paths(session, warning)
        headline = warning.headline
        skip = already_called(session, warning)
    else:
        assert draft is not None
        situation = _draft_situation(draft)
        area, covered = _draft_area(session, actor, draft)
        headline = str(draft.get("headline") or "")
        skip = set()
    plans = _trial_plans(session, actor, covered, plan_id, rules)
    matched = match(session, situation, covered, plans)
    calls = collect(session, area, situation, matched, clock.today(now))
    variables = warning_variables(situation.category, situation.level, situation.stage, headline)
    policies = Policies(calls, get_settings(), variables)
    return _dry_rows(session, calls, policies, skip, now)


def _deadline(now: dt.datetime, policy: dict[str, Any]) -> dt.datetime | None:
    minutes = policy.get("deadline_minutes")
    return now + dt.timedelta(minutes=minutes) if minutes else None


def _dry_rows(
    session: Session, calls: Calls, policies: Policies, skip: set[int], now: dt.datetime
) -> list[DryRow]:
    targets = calls.targets
    region_ids = {t.region_id for t in targets if t.region_id}
    regions: dict[int, tuple[str, str]] = {}
    ids = sorted(region_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for rid, code, name in session.execute(
            select(Region.id, Region.code, Region.name).where(Region.id.in_(chunk))
        ):
            regions[rid] = (code, name)
    policies.names = {rid: name for rid, (_c, name) in regions.items()}
    people: dict[int, tuple[str, str]] = {}
    pids = [t.person_id for t in targets]
    for start in range(0, len(pids), CHUNK):
        chunk = pids[start : start + CHUNK]
        for pid, name, mobile in session.execute(
            select(Person.id, Person.name, Person.mobile).where(Person.id.in_(chunk))
        ):
            people[pid] = (name, mobile)
    out = []
    for t in targets:
        policy = policies.policy(t)
        code, rname = regions.get(t.region_id or 0, ("", ""))
        name, mobile = people.get(t.person_id, ("", ""))
        out.append(
            DryRow(
                person_id=t.person_id,
                name=name,
                mobile=mobile,
                roles=list(dict.fromkeys(r["role"] for r in t.reasons)),
                region_code=code,
                region_name=rname,
                layer=t.layer,
                rules=list(dict.fromkeys(f"{r['plan']}#{r['rule']}" for r in t.reasons)),
                reasons=t.reasons,
                channels=policy["channels"],
                deadline_minutes=policy["deadline_minutes"],
                measures=policies.measures(t, "000000", _deadline(now, policy)),
                already_called=t.person_id in skip,
            )
        )
    out.sort(key=lambda r: (r.layer, r.region_code, r.name, r.person_id))
    return out
