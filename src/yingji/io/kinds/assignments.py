"""Assignments (责任分配): a person (by mobile) × role × target, with a validity period.

The key is (person, role, target kind, target, start date). A blank start date means "the
assignment this person already has for this role and target" (the latest one), or today for
a new one, so re-importing a file without start dates changes nothing on later days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.io.kinds.persons import EXAMPLE_MOBILE
from yingji.io.tabular import Column
from yingji.people.models import ROLE_LABELS, Assignment, Organisation, Person, Role, TargetKind
from yingji.people.phones import PhoneError, normalise
from yingji.regions.models import Region
from yingji.risk.models import TARGET_KIND as RISK_POINT
from yingji.risk.models import RiskPoint
from yingji.upsert import (
    Counts,
    Errors,
    Plan,
    chunked,
    organisation_index,
    parse_date,
    region_index,
    write_plan,
)

NAME = "assignments"
LABEL = "责任分配"
ENTITY = "assignment"

TARGET_KIND_LABELS = {TargetKind.region: "区划", TargetKind.organisation: "单位"}
_ROLES = {
    **{r.value: r.value for r in Role},
    **{label: r.value for r, label in ROLE_LABELS.items()},
}
_TARGET_KINDS = {
    **{k.value: k.value for k in TargetKind},
    **{label: k.value for k, label in TARGET_KIND_LABELS.items()},
    "行政区划": "region",
    "区域": "region",
    "organization": "organisation",
    RISK_POINT: RISK_POINT,
    "风险点": RISK_POINT,
}
_KINDS = (*(k.value for k in TargetKind), RISK_POINT)

COLUMNS: tuple[Column, ...] = (
    Column(
        "mobile",
        "手机号",
        True,
        EXAMPLE_MOBILE,
        "责任人手机号（人员须已导入）/ mobile of the person (imported before)",
        ("手机", "手机号码", "责任人手机号", "人员手机号"),
    ),
    Column(
        "role",
        "角色",
        True,
        Role.admin.value,
        "角色 / role: " + "、".join(f"{r.value}（{label}）" for r, label in ROLE_LABELS.items()),
        ("责任类型", "责任角色"),
    ),
    Column(
        "target_kind",
        "对象类型",
        False,
        TargetKind.region.value,
        "对象类型：region（区划，默认）、organisation（单位）或 risk_point（风险点）/ "
        "what the person is assigned to: region (default), organisation or risk_point",
        ("责任对象类型",),
    ),
    Column(
        "target_code",
        "对象编码",
        True,
        "500101",
        "区划、单位或风险点编码，须在您的管辖范围内 / region, organisation or risk point code, "
        "inside your scope",
        ("责任对象编码",),
    ),
    Column(
        "valid_from",
        "开始日期",
        False,
        "2025-01-01",
        "YYYY-MM-DD；留空则沿用已有记录的开始日期，新记录为今天 / blank keeps the existing "
        "start date, or today for a new assignment",
        ("起始日期", "生效日期"),
    ),
    Column(
        "valid_to",
        "结束日期",
        False,
        "",
        "YYYY-MM-DD；留空表示长期有效 / blank means open-ended",
        ("截止日期", "失效日期"),
    ),
    Column("note", "备注", False, "", "备注 / note", ()),
)
_SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"
_FIELDS = ("region_id", "valid_to", "note")


def _risk_points(session: Session, codes: Iterable[str]) -> dict[str, tuple[int, int, str]]:
    """Risk points by code: (id, region id, region path), one SELECT per chunk of codes."""
    out: dict[str, tuple[int, int, str]] = {}
    for part in chunked(sorted({c for c in codes if c})):
        rows = session.execute(
            select(RiskPoint.code, RiskPoint.id, RiskPoint.region_id, Region.path)
            .join(Region, Region.id == RiskPoint.region_id)
            .where(RiskPoint.code.in_(part))
        )
        for code, pid, region_id, path in rows:
            out[code] = (pid, region_id, path)
    return out


def _persons(session: Session, mobiles: list[str]) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for part in chunked(mobiles):
        rows = session.execute(
            select(Person.mobile, Person.id, Region.path)
            .join(Region, Region.id == Person.region_id)
            .where(Person.mobile.in_(part))
        )
        for mobile, pid, path in rows:
            out[mobile] = (pid, path)
    return out


def _existing(session: Session, person_ids: list[int]) -> list[dict[str, Any]]:
    """Stored assignments of these persons (plain tuples: 100,000 rows)."""
    names = (
        "id",
        "person_id",
        "role",
        "target_kind",
        "target_id",
        "valid_from",
        "valid_to",
        "region_id",
        "note",
    )
    table = Assignment.__table__
    out: list[dict[str, Any]] = []
    for part in chunked(person_ids):
        rows = session.execute(
            select(*(table.c[n] for n in names)).where(table.c.person_id.in_(part))
        )
        out.extend(dict(zip(names, row, strict=True)) for row in rows)
    return out


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the plan lists assignments to create and those whose values change."""
    errors = Errors()
    parsed: list[dict[str, Any]] = []
    for number, row in rows:
        item: dict[str, Any] = {"row": number, "raw": row, "ok": True}
        try:
            item["mobile"] = normalise(row.get("mobile", ""))
        except PhoneError as exc:
            errors.add(number, "mobile", str(exc))
            item["ok"] = False
        role = _ROLES.get(row.get("role", "").strip())
        if role is None:
            reason = (
                "必填 / required"
                if not row.get("role")
                else f"未知角色 / unknown role {row['role']!r}"
            )
            errors.add(number, "role", reason)
            item["ok"] = False
        item["role"] = role
        kind = _TARGET_KINDS.get(row.get("target_kind") or "region")
        if kind is None:
            errors.add(
                number, "target_kind", f"未知对象类型 / unknown target kind {row['target_kind']!r}"
            )
            item["ok"] = False
        item["target_kind"] = kind
        if not row.get("target_code"):
            errors.add(number, "target_code", "必填 / required")
            item["ok"] = False
        for key in ("valid_from", "valid_to"):
            item[key] = None
            if row.get(key):
                try:
                    item[key] = parse_date(row[key])
                except ValueError as exc:
                    errors.add(number, key, str(exc))
                    item["ok"] = False
        if len(row.get("note", "")) > 500:
            errors.add(number, "note", "超过 500 个字符 / longer than 500 characters")
            item["ok"] = False
        parsed.append(item)

    persons = _persons(session, sorted({p["mobile"] for p in parsed if p.get("mobile")}))
    codes: dict[str, set[str]] = {k: set() for k in _KINDS}
    for p in parsed:
        if p["target_kind"] is not None:
            codes[p["target_kind"]].add(p["raw"].get("target_code", ""))
    regions = region_index(session, codes["region"])
    orgs = organisation_index(session, codes["organisation"])
    points = _risk_points(session, codes[RISK_POINT])
    existing = _existing(session, sorted({pid for pid, _ in persons.values()}))
    by_key = {
        (e["person_id"], e["role"], e["target_kind"], e["target_id"], e["valid_from"]): e
        for e in existing
    }
    latest: dict[tuple[int, str, str, int], dt.date] = {}
    for e in existing:
        short = (e["person_id"], e["role"], e["target_kind"], e["target_id"])
        if short not in latest or e["valid_from"] > latest[short]:
            latest[short] = e["valid_from"]

    plan = Plan(NAME)
    today = dt.date.today()
    first_row: dict[tuple[Any, ...], int] = {}
    for item in parsed:
        plan.rows += 1
        number, row = item["row"], item["raw"]
        person = persons.get(item.get("mobile", ""))
        hidden = person is not None and not actor.covers(person[1])
        code = row.get("target_code", "")
        target_id = region_id = None
        if code and item["target_kind"] == "region":
            region = regions.get(code)
            if region is None or not actor.covers(region.path):
                errors.add(number, "target_code", f"区划 {code} {_SCOPE}")
                item["ok"] = False
            else:
                target_id = region_id = region.id
        elif code and item["target_kind"] == "organisation":
            org = orgs.get(code)
            if org is None or not actor.covers(org.region_path):
                errors.add(number, "target_code", f"单位 {code} {_SCOPE}")
                item["ok"] = False
            else:
                target_id, region_id = org.id, org.region_id
        elif code and item["target_kind"] == RISK_POINT:
            point = points.get(code)
            if point is None or not actor.covers(point[2]):
                errors.add(number, "target_code", f"风险点 {code} {_SCOPE}")
                item["ok"] = False
            else:
                target_id, region_id = point[0], point[1]
        short = key = None
        valid_from = item["valid_from"]
        if person is not None and target_id is not None:
            short = (person[0], item["role"], item["target_kind"], target_id)
            valid_from = valid_from or latest.get(short) or today
            key = (*short, valid_from)
        if item.get("mobile") and (person is None or (hidden and key not in by_key)):
            # A person outside the actor's scope may appear only on an assignment that already
            # exists in the actor's region (so an export of that region re-imports).
            errors.add(
                number,
                "mobile",
                f"人员 {row.get('mobile')} {_SCOPE}；请先导入人员 / import persons first",
            )
            item["ok"] = False
        if not item["ok"] or short is None or key is None:
            continue
        valid_to = item["valid_to"]
        if valid_to is not None and valid_to < valid_from:
            errors.add(number, "valid_to", "结束日期早于开始日期 / ends before it starts")
            continue
        if key in first_row:
            errors.add(
                number,
                "target_code",
                f"与第 {first_row[key]} 行重复（同一人员、角色、对象和开始日期）/ same person, "
                f"role, target and start date as row {first_row[key]}",
            )
            continue
        first_row[key] = number
        old = by_key.get(key)
        values: dict[str, Any] = {
            "region_id": region_id,
            "valid_to": valid_to if "valid_to" in row else (old or {}).get("valid_to"),
            "note": (row["note"] or None) if "note" in row else (old or {}).get("note"),
        }
        if old is None:
            plan.creates.append(
                {
                    "person_id": person[0],
                    "role": item["role"],
                    "target_kind": item["target_kind"],
                    "target_id": target_id,
                    "valid_from": valid_from,
                    **values,
                }
            )
            continue
        plan.compare(old["id"], {k: old[k] for k in _FIELDS}, values)
    return plan, errors


def apply(session: Session, actor: Actor, plan: Plan) -> Counts:
    """Write the plan: executemany INSERT and UPDATE, one audit entry per written row."""
    key = ("person_id", "role", "target_kind", "target_id", "valid_from")
    return write_plan(session, Assignment.__table__, ENTITY, plan, key)


def export_rows(session: Session, actor: Actor, root_path: str) -> Iterator[tuple[Any, ...]]:
    """Assignments whose region lies in ``root_path``, streamed as tuples."""
    scope = aliased(Region)
    target_region = aliased(Region)
    stmt = (
        select(
            Person.mobile,
            Assignment.role,
            Assignment.target_kind,
            func.coalesce(target_region.code, Organisation.code, RiskPoint.code),
            Assignment.valid_from,
            Assignment.valid_to,
            Assignment.note,
        )
        .join(Person, Person.id == Assignment.person_id)
        .join(scope, scope.id == Assignment.region_id)
        .outerjoin(
            target_region,
            and_(Assignment.target_kind == "region", target_region.id == Assignment.target_id),
        )
        .outerjoin(
            Organisation,
            and_(Assignment.target_kind == "organisation", Organisation.id == Assignment.target_id),
        )
        .outerjoin(
            RiskPoint,
            and_(Assignment.target_kind == RISK_POINT, RiskPoint.id == Assignment.target_id),
        )
        .where(scope.path.startswith(root_path, autoescape=True))
        .where(Assignment.target_kind.in_(_KINDS))
        .order_by(Assignment.id)
    )
    if actor.role == UserRole.enterprise_user:
        stmt = stmt.where(
            Assignment.target_kind == "organisation",
            Assignment.target_id == actor.organisation_id,
        )
    for mobile, *rest in session.execute(stmt.execution_options(yield_per=5000)):
        yield (mobile[3:] if mobile.startswith("+86") else mobile, *rest)
