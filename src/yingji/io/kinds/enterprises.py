"""Enterprises (企业), keyed by the unified social credit code (统一社会信用代码).

An enterprise is an :class:`Organisation` of kind ``enterprise`` whose code is the credit
code, plus an :class:`Enterprise` row with the production-safety facts; both are written
set-based. Principal and safety manager are named by mobile number (persons are imported
first); the supervising department defaults, as in :mod:`yingji.enterprises.service`, to
the department of the industry's sector nearest above the enterprise (三管三必须).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.enterprises import credit_code, industries
from yingji.enterprises.models import RISK_GRADE_LABELS, Enterprise, RiskGrade
from yingji.enterprises.service import Supervisors
from yingji.io.kinds.persons import EXAMPLE_MOBILE
from yingji.io.tabular import Column
from yingji.people.models import Organisation, OrganisationKind, Person
from yingji.people.phones import PhoneError, normalise
from yingji.regions.models import Region
from yingji.upsert import (
    Counts,
    Errors,
    Plan,
    Update,
    audit,
    chunked,
    diff,
    insert_rows,
    region_index,
    update_rows,
)

NAME = "enterprises"
LABEL = "企业"
ENTITY = "enterprise"
ORG_ENTITY = "organisation"
_EXAMPLE_BODY = "91500101MA5U0EX01"
EXAMPLE_CODE = _EXAMPLE_BODY + credit_code.check_char(_EXAMPLE_BODY)

COLUMNS: tuple[Column, ...] = (
    Column(
        "credit_code",
        "统一社会信用代码",
        True,
        EXAMPLE_CODE,
        "18 位，末位为 GB 32100 校验位 / 18 characters ending in the GB 32100 check character",
        ("信用代码", "社会信用代码", "uscc"),
    ),
    Column("name", "名称", True, "重庆某化工有限公司", "企业名称 / name", ("企业名称", "单位名称")),
    Column(
        "region_code",
        "行政区划",
        True,
        "500101001",
        "所在区划编码，须在您的管辖范围内 / code of the enterprise's region, inside your scope",
        ("区划编码", "行政区划代码", "所属区划"),
    ),
    Column(
        "industry_code",
        "行业代码",
        True,
        "2614",
        "国民经济行业分类 GB/T 4754-2017，2-4 位 / GB/T 4754-2017 code, 2-4 digits",
        ("行业", "国民经济行业代码"),
    ),
    Column(
        "risk_grade",
        "风险等级",
        False,
        "较大",
        "重大/较大/一般/低 或 major/large/general/low（默认一般）/ default general",
        ("等级",),
    ),
    Column("address", "地址", False, "万州区中和街道", "地址 / address", ("企业地址",)),
    Column("lon", "经度", False, "108.38", "经度 / longitude"),
    Column("lat", "纬度", False, "30.81", "纬度 / latitude"),
    Column("employees", "从业人数", False, "120", "从业人数 / employees", ("职工人数",)),
    Column(
        "principal_mobile",
        "主要负责人手机",
        False,
        EXAMPLE_MOBILE,
        "主要负责人的手机号，须先导入人员 / the principal's mobile; import persons first",
        ("主要负责人手机号",),
    ),
    Column(
        "safety_manager_mobile",
        "安全管理负责人手机",
        False,
        EXAMPLE_MOBILE,
        "安全管理负责人的手机号，须先导入人员 / the safety manager's mobile; import persons first",
        ("安全管理负责人手机号", "安全负责人手机"),
    ),
    Column(
        "supervisor_code",
        "监管部门",
        False,
        "",
        "监管部门的单位编码；留空按行业确定（三管三必须）/ code of the supervising department; "
        "blank: the department of the industry's sector",
        ("监管部门编码", "supervising_department_code"),
    ),
)
ORG_FIELDS = ("name", "region_id")
ENT_FIELDS = (
    "industry_code",
    "risk_grade",
    "supervising_department_id",
    "principal_id",
    "safety_manager_id",
    "address",
    "lon",
    "lat",
    "employees",
)
OPTIONAL = {
    "risk_grade": RiskGrade.general.value,
    "address": None,
    "lon": None,
    "lat": None,
    "employees": None,
    "principal_id": None,
    "safety_manager_id": None,
}
"""Columns a file may leave out: kept as stored on update, these defaults on create."""
GRADES: dict[str, str] = {}
for _grade, (_label, _colour) in RISK_GRADE_LABELS.items():
    for _text in (_grade.value, _label, _label.removesuffix("风险"), _colour, _colour[0]):
        GRADES[_text] = _grade.value
GRADES |= {"红": "major", "橙": "large", "黄": "general", "蓝": "low"}
GRADE_TEXT = {g.value: label.removesuffix("风险") for g, (label, _) in RISK_GRADE_LABELS.items()}
_LIMITS = {"name": 200, "address": 300}
_SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"


@dataclass(frozen=True)
class _Ref:
    """A person or department found by its key, with the path of its region."""

    id: int
    path: str
    kind: str = ""


def _existing(session: Session, codes: list[str]) -> dict[str, dict[str, Any]]:
    """Stored organisations by code, with their enterprise row if they have one."""
    org, ent, reg = Organisation.__table__, Enterprise.__table__, Region.__table__
    columns = [org.c.id, org.c.kind, org.c.name, org.c.region_id, reg.c.path, ent.c.id]
    columns += [ent.c[f] for f in ENT_FIELDS]
    out: dict[str, dict[str, Any]] = {}
    for part in chunked(codes):
        rows = session.execute(
            select(org.c.code, *columns)
            .join(reg, reg.c.id == org.c.region_id)
            .outerjoin(ent, ent.c.organisation_id == org.c.id)
            .where(org.c.code.in_(part))
        )
        for code, oid, kind, name, region_id, path, eid, *facts in rows:
            item = {"org_id": oid, "kind": kind, "path": path, "ent_id": eid}
            item |= {
                "name": name,
                "region_id": region_id,
                **dict(zip(ENT_FIELDS, facts, strict=True)),
            }
            out[code] = item
    return out


def _persons(session: Session, mobiles: list[str]) -> dict[str, _Ref]:
    out: dict[str, _Ref] = {}
    for part in chunked(mobiles):
        rows = session.execute(
            select(Person.mobile, Person.id, Region.path)
            .join(Region, Region.id == Person.region_id)
            .where(Person.mobile.in_(part))
        )
        out.update({mobile: _Ref(pid, path) for mobile, pid, path in rows})
    return out


def _departments(session: Session, codes: list[str]) -> dict[str, _Ref]:
    out: dict[str, _Ref] = {}
    for part in chunked(codes):
        rows = session.execute(
            select(Organisation.code, Organisation.id, Region.path, Organisation.kind)
            .join(Region, Region.id == Organisation.region_id)
            .where(Organisation.code.in_(part))
        )
        out.update({code: _Ref(oid, path, kind) for code, oid, path, kind in rows})
    return out


def _number(text: str, kind: type) -> Any:
    """``text`` as int or float (blank: None); ValueError if it is not one."""
    if not text:
        return None
    number = float(text.replace(",", ""))
    if not math.isfinite(number) or (kind is int and not number.is_integer()):
        raise ValueError(text)
    return int(number) if kind is int else number


def _mobile(number: int, row: dict[str, str], field: str, errors: Errors) -> str | None:
    if not row.get(field):
        return None
    try:
        return normalise(row[field])
    except PhoneError as exc:
        errors.add(number, field, str(exc))
        return None


def _parse(number: int, row: dict[str, str], errors: Errors) -> dict[str, Any] | None:
    """One row's own values (references still as codes and mobiles), or None if bad."""
    count = len(errors)
    values: dict[str, Any] = {}
    try:
        values["credit_code"] = credit_code.normalise(row.get("credit_code", ""))
    except credit_code.CreditCodeError as exc:
        reason = "必填 / required" if not row.get("credit_code") else str(exc)
        errors.add(number, "credit_code", reason)
    for field in ("name", "region_code"):
        if not row.get(field):
            errors.add(number, field, "必填 / required")
    values["name"] = row.get("name", "")
    try:
        industries.check(row.get("industry_code", ""))
        values["industry_code"] = row["industry_code"]
    except ValueError as exc:
        errors.add(number, "industry_code", str(exc))
    if "risk_grade" in row:
        text = row["risk_grade"] or RiskGrade.general.value
        values["risk_grade"] = GRADES.get(text, GRADES.get(text.lower()))
        if values["risk_grade"] is None:
            errors.add(
                number,
                "risk_grade",
                f"等级应为 重大/较大/一般/低 或 major/large/general/low / unknown grade {text!r}",
            )
    if "address" in row:
        values["address"] = row["address"] or None
    numbers_ok = True
    for field, kind in (("lon", float), ("lat", float), ("employees", int)):
        if field not in row:
            continue
        try:
            values[field] = _number(row[field], kind)
        except ValueError:
            what = "须为整数 / must be a whole number" if kind is int else "须为数字 / not a number"
            errors.add(number, field, f"{what}: {row[field]!r}")
            numbers_ok = False
    if ("lon" in row or "lat" in row) and numbers_ok:
        lon, lat = values.get("lon"), values.get("lat")
        if (lon is None) != (lat is None):
            errors.add(number, "lon", "经度和纬度须同时填写 / give both lon and lat")
        elif lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
            errors.add(number, "lon", f"经纬度超出范围 / coordinates out of range: {lon}, {lat}")
    if (values.get("employees") or 0) < 0:
        errors.add(number, "employees", "不能为负 / must not be negative")
    for field, limit in _LIMITS.items():
        if len(row.get(field, "")) > limit:
            errors.add(number, field, f"超过 {limit} 个字符 / longer than {limit} characters")
    for field in ("principal_mobile", "safety_manager_mobile"):
        if field in row:
            values[field] = _mobile(number, row, field, errors)
    return values if len(errors) == count else None


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the plan lists the enterprises to create and those that change."""
    errors = Errors()
    parsed: list[tuple[int, dict[str, str], dict[str, Any]]] = []
    first_row: dict[str, int] = {}
    plan = Plan(NAME, payload={})  # payload: enterprise id -> organisation id, for updates
    for number, row in rows:
        plan.rows += 1
        values = _parse(number, row, errors)
        if values is None:
            continue
        code = values["credit_code"]
        if code in first_row:
            errors.add(
                number,
                "credit_code",
                f"与第 {first_row[code]} 行代码重复 / same credit code as row {first_row[code]}",
            )
            continue
        first_row[code] = number
        parsed.append((number, row, values))

    regions = region_index(session, (row["region_code"] for _, row, _ in parsed))
    existing = _existing(session, sorted(first_row))
    mobiles = {
        v[f]
        for _, _, v in parsed
        for f in ("principal_mobile", "safety_manager_mobile")
        if v.get(f)
    }
    persons = _persons(session, sorted(mobiles))
    departments = _departments(
        session,
        sorted({row["supervisor_code"] for _, row, _ in parsed if row.get("supervisor_code")}),
    )
    supervisors = Supervisors(session)
    for number, row, values in parsed:
        code = values.pop("credit_code")
        region = regions.get(row["region_code"])
        old = existing.get(code)
        bad = False
        if region is None or not actor.covers(region.path):
            errors.add(number, "region_code", f"区划 {row['region_code']} {_SCOPE}")
            bad = True
        if old is not None and old["kind"] != OrganisationKind.enterprise:
            errors.add(
                number,
                "credit_code",
                f"代码 {code} 已被非企业单位使用 / the code belongs to a {old['kind']}",
            )
            bad = True
        elif old is not None and not actor.covers(old["path"]):
            errors.add(number, "credit_code", f"企业 {code} {_SCOPE}")
            bad = True
        for field, target in (
            ("principal_mobile", "principal_id"),
            ("safety_manager_mobile", "safety_manager_id"),
        ):
            mobile = values.pop(field, None)
            if field not in row:
                continue
            person = persons.get(mobile) if mobile else None
            kept = person is not None and old is not None and old[target] == person.id
            if mobile and (person is None or not (actor.covers(person.path) or kept)):
                errors.add(number, field, f"手机号 {row[field]} 对应的人员 {_SCOPE}")
                bad = True
            values[target] = person.id if person else None
        if bad or region is None:
            continue
        ok, supervisor = _supervisor(
            number, row, values, region.path, old, departments, supervisors, errors
        )
        if not ok:
            continue
        values["supervising_department_id"] = supervisor
        values["region_id"] = region.id
        ent_old = old if old is not None and old["ent_id"] is not None else None
        for key, default in OPTIONAL.items():
            if key not in values:
                values[key] = default if ent_old is None else ent_old[key]
        org_values = {k: values[k] for k in ORG_FIELDS}
        ent_values = {"credit_code": code, **{k: values[k] for k in ENT_FIELDS}}
        if old is None:
            org = {"code": code, **org_values, "kind": OrganisationKind.enterprise.value}
            plan.creates.append({**ent_values, "_org": org})
        elif ent_old is None:
            before, after = diff(old, org_values)
            org_update = Update(old["org_id"], org_values, before, after) if after else None
            plan.creates.append({**ent_values, "_org_id": old["org_id"], "_org_update": org_update})
        else:
            fields = (*ORG_FIELDS, *ENT_FIELDS)
            plan.compare(old["ent_id"], old, {k: values[k] for k in fields})
            plan.payload[old["ent_id"]] = old["org_id"]
    return plan, errors


def _supervisor(
    number: int,
    row: dict[str, str],
    values: dict[str, Any],
    region_path: str,
    old: dict[str, Any] | None,
    departments: dict[str, _Ref],
    supervisors: Supervisors,
    errors: Errors,
) -> tuple[bool, int | None]:
    """(ok, the supervising department's id or None when there is none); not ok after an
    error was recorded.

    A department supervises enterprises in its own region and below; one kept unchanged
    from the stored record is accepted as it is."""
    code = row.get("supervisor_code", "")
    if not code:
        if "supervisor_code" not in row and old is not None and old["ent_id"] is not None:
            return True, old["supervising_department_id"]
        return True, supervisors.default(region_path, values["industry_code"])
    dept = departments.get(code)
    if dept is None or dept.kind != OrganisationKind.department:
        reason = "不是部门 / not a department" if dept is not None else _SCOPE
        errors.add(number, "supervisor_code", f"监管部门 {code} {reason}")
        return False, None
    kept = old is not None and old["supervising_department_id"] == dept.id
    if not (kept or region_path.startswith(dept.path)):
        errors.add(
            number,
            "supervisor_code",
            f"监管部门 {code} 的辖区不含该企业 / the department's region does not contain "
            "the enterprise",
        )
        return False, None
    return True, dept.id


def apply(session: Session, actor: Actor, plan: Plan) -> Counts:
    """New organisations first, then the enterprise rows pointing at them; changed rows of
    either table are updated; one audit entry per written row of each table."""
    org_table, ent_table = Organisation.__table__, Enterprise.__table__
    new_orgs = [row["_org"] for row in plan.creates if "_org" in row]
    org_ids = insert_rows(session, org_table, new_orgs, ("code",))
    by_code = {org["code"]: oid for org, oid in zip(new_orgs, org_ids, strict=True)}
    org_updates = [row["_org_update"] for row in plan.creates if row.get("_org_update")]
    ent_updates: list[Update] = []
    for upd in plan.updates:
        org_id = plan.payload[upd.id]
        changed_org = {k: upd.after[k] for k in ORG_FIELDS if k in upd.after}
        if changed_org:
            org_values = {k: upd.values[k] for k in ORG_FIELDS}
            before = {k: upd.before[k] for k in changed_org}
            org_updates.append(Update(org_id, org_values, before, changed_org))
        changed_ent = {k: upd.after[k] for k in ENT_FIELDS if k in upd.after}
        if changed_ent:
            ent_values = {k: upd.values[k] for k in ENT_FIELDS}
            before = {k: upd.before[k] for k in changed_ent}
            ent_updates.append(Update(upd.id, ent_values, before, changed_ent))
    update_rows(session, org_table, org_updates)

    ent_rows = [
        {
            **{k: v for k, v in row.items() if not k.startswith("_")},
            "organisation_id": row.get("_org_id") or by_code[row["credit_code"]],
        }
        for row in plan.creates
    ]
    ent_ids = insert_rows(session, ent_table, ent_rows, ("credit_code",))
    update_rows(session, ent_table, ent_updates)
    audit(session, ORG_ENTITY, list(zip(org_ids, new_orgs, strict=True)), org_updates)
    audit(session, ENTITY, list(zip(ent_ids, ent_rows, strict=True)), ent_updates)
    return Counts(len(ent_ids), len(plan.updates), plan.unchanged)


def _mobile_text(e164: str | None) -> str:
    if not e164:
        return ""
    return e164[3:] if e164.startswith("+86") else e164


def export_rows(session: Session, actor: Actor, root_path: str) -> Iterator[tuple[Any, ...]]:
    """Enterprises in ``root_path`` (already checked against the actor), streamed."""
    principal, safety, dept = aliased(Person), aliased(Person), aliased(Organisation)
    stmt = (
        select(
            Enterprise.credit_code,
            Organisation.name,
            Region.code,
            Enterprise.industry_code,
            Enterprise.risk_grade,
            Enterprise.address,
            Enterprise.lon,
            Enterprise.lat,
            Enterprise.employees,
            principal.mobile,
            safety.mobile,
            dept.code,
        )
        .join(Organisation, Organisation.id == Enterprise.organisation_id)
        .join(Region, Region.id == Organisation.region_id)
        .outerjoin(principal, principal.id == Enterprise.principal_id)
        .outerjoin(safety, safety.id == Enterprise.safety_manager_id)
        .outerjoin(dept, dept.id == Enterprise.supervising_department_id)
        .where(Region.path.startswith(root_path, autoescape=True))
        .order_by(Enterprise.id)
    )
    if actor.role == UserRole.enterprise_user:
        stmt = stmt.where(Organisation.id == actor.organisation_id)
    result = session.execute(stmt.execution_options(yield_per=5000))
    for code, name, region, industry, grade, address, lon, lat, staff, boss, safe, sup in result:
        yield (
            code,
            name,
            region,
            industry,
            GRADE_TEXT.get(grade, grade),
            address,
            lon,
            lat,
            staff,
            _mobile_text(boss),
            _mobile_text(safe),
            sup,
        )
