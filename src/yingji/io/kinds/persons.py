"""Persons (人员): one row per person, keyed by the normalised mobile number.

Contacts beyond the mobile numbers live in ``Person.contacts``; the columns below manage the
keys ``email``, ``office_phone`` and ``wechat`` and leave any other keys as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.io.tabular import Column
from yingji.people.models import Organisation, Person
from yingji.people.phones import PhoneError, normalise
from yingji.regions.models import Region
from yingji.upsert import (
    Counts,
    Errors,
    Plan,
    chunked,
    organisation_index,
    region_index,
    write_plan,
)

NAME = "persons"
LABEL = "人员"
ENTITY = "person"
EXAMPLE_MOBILE = "17499999999"
"""A demo-block number (see :mod:`yingji.people.phones`); the assignments template uses it too."""

COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, "张三", "人员姓名 / full name", ("人员姓名",)),
    Column(
        "mobile",
        "手机号",
        True,
        EXAMPLE_MOBILE,
        "手机号，人员的唯一标识；可带 +86 / mobile number, identifies the person",
        ("手机", "手机号码", "移动电话"),
    ),
    Column("mobile_alt", "备用手机", False, "", "备用手机号 / second mobile", ("备用手机号",)),
    Column("title", "职务", False, "网格员", "职务 / job title", ("职位",)),
    Column(
        "region_code",
        "所属区划编码",
        True,
        "500101",
        "人员所属区划的编码，须在您的管辖范围内 / code of the person's region, inside your scope",
        ("区划编码", "所属区划"),
    ),
    Column(
        "organisation_code",
        "所属单位编码",
        False,
        "",
        "所属单位的编码（须已导入）/ code of the person's organisation (imported before)",
        ("单位编码", "所属单位", "organization_code"),
    ),
    Column("email", "邮箱", False, "", "电子邮箱 / e-mail address", ("电子邮箱", "e-mail")),
    Column(
        "office_phone",
        "办公电话",
        False,
        "",
        "办公电话（座机）/ office landline",
        ("座机", "固定电话"),
    ),
    Column("wechat", "微信", False, "", "微信号 / WeChat ID", ("微信号",)),
)
CONTACT_KEYS = ("email", "office_phone", "wechat")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FIELDS = ("name", "mobile", "mobile_alt", "title", "region_id", "organisation_id", "contacts")
_LIMITS = {"name": 100, "title": 100, "office_phone": 50, "wechat": 100, "email": 200}

_SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"


def _existing(session: Session, mobiles: list[str]) -> dict[str, dict[str, Any]]:
    """Stored persons by mobile with their region's path (plain tuples: 100,000 rows)."""
    names = ("id", "name", "mobile", "mobile_alt", "title", "region_id", "organisation_id")
    columns = [Person.__table__.c[n] for n in names]
    out: dict[str, dict[str, Any]] = {}
    for part in chunked(mobiles):
        rows = session.execute(
            select(*columns, Person.__table__.c.contacts, Region.__table__.c.path)
            .join(Region.__table__, Region.__table__.c.id == Person.__table__.c.region_id)
            .where(Person.__table__.c.mobile.in_(part))
        )
        for row in rows:
            item = dict(zip(names, row, strict=False))
            item["contacts"], item["path"] = row[-2], row[-1]
            out[item["mobile"]] = item
    return out


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the plan lists the persons to create and those whose values change."""
    errors = Errors()
    parsed: list[tuple[int, dict[str, str], str | None, str | None]] = []
    for number, row in rows:
        mobile = alt = None
        if not row.get("name"):
            errors.add(number, "name", "必填 / required")
        try:
            mobile = normalise(row.get("mobile", ""))
        except PhoneError as exc:
            errors.add(number, "mobile", str(exc))
        if row.get("mobile_alt"):
            try:
                alt = normalise(row["mobile_alt"])
            except PhoneError as exc:
                errors.add(number, "mobile_alt", str(exc))
        if not row.get("region_code"):
            errors.add(number, "region_code", "必填 / required")
        email = row.get("email", "")
        if email and not _EMAIL.match(email):
            errors.add(number, "email", f"邮箱格式不正确 / not an e-mail address: {email!r}")
        for key, limit in _LIMITS.items():
            if len(row.get(key, "")) > limit:
                errors.add(number, key, f"超过 {limit} 个字符 / longer than {limit} characters")
        parsed.append((number, row, mobile, alt))

    regions = region_index(session, (r.get("region_code", "") for _, r, _, _ in parsed))
    orgs = organisation_index(session, (r.get("organisation_code", "") for _, r, _, _ in parsed))
    existing = _existing(session, sorted({m for _, _, m, _ in parsed if m}))

    plan = Plan(NAME)
    first_row: dict[str, int] = {}
    for number, row, mobile, alt in parsed:
        plan.rows += 1
        bad = False
        region = regions.get(row.get("region_code", ""))
        if row.get("region_code") and (region is None or not actor.covers(region.path)):
            errors.add(number, "region_code", f"区划 {row['region_code']} {_SCOPE}")
            bad = True
        org_code = row.get("organisation_code", "")
        org = orgs.get(org_code) if org_code else None
        old = existing.get(mobile) if mobile else None
        kept = org is not None and old is not None and old["organisation_id"] == org.id
        if org_code and (org is None or not (actor.covers(org.region_path) or kept)):
            # an unchanged organisation may lie outside the actor's scope (a county person
            # in a city body), so an export of the county re-imports
            errors.add(number, "organisation_code", f"单位 {org_code} {_SCOPE}")
            bad = True
        if mobile:
            if mobile in first_row:
                errors.add(
                    number,
                    "mobile",
                    f"与第 {first_row[mobile]} 行手机号重复 / "
                    f"same mobile as row {first_row[mobile]}",
                )
                bad = True
            else:
                first_row[mobile] = number
            if old is not None and not actor.covers(old["path"]):
                errors.add(
                    number,
                    "mobile",
                    "该手机号属于您管辖范围外的人员 / this mobile belongs to a person outside "
                    "your scope",
                )
                bad = True
        if bad or mobile is None or region is None or not row.get("name"):
            continue
        contacts = dict((old or {}).get("contacts") or {})
        for key in CONTACT_KEYS:
            if key in row:
                if row[key]:
                    contacts[key] = row[key]
                else:
                    contacts.pop(key, None)
        values: dict[str, Any] = {
            "name": row["name"],
            "mobile": mobile,
            "mobile_alt": alt if "mobile_alt" in row else (old or {}).get("mobile_alt"),
            "title": (row["title"] or None) if "title" in row else (old or {}).get("title"),
            "region_id": region.id,
            "organisation_id": (
                (org.id if org else None)
                if "organisation_code" in row
                else (old or {}).get("organisation_id")
            ),
            "contacts": contacts,
        }
        if old is None:
            plan.creates.append(values)
            continue
        old_values = {k: old[k] or ({} if k == "contacts" else None) for k in _FIELDS}
        plan.compare(old["id"], old_values, values)
    return plan, errors


def apply(session: Session, actor: Actor, plan: Plan) -> Counts:
    """Write the plan: executemany INSERT and UPDATE, one audit entry per written row."""
    return write_plan(session, Person.__table__, ENTITY, plan, ("mobile",))


def _mobile_text(e164: str | None) -> str:
    """Chinese numbers without +86, so a spreadsheet does not read them as a formula."""
    if not e164:
        return ""
    return e164[3:] if e164.startswith("+86") else e164


def export_rows(session: Session, actor: Actor, root_path: str) -> Iterator[tuple[Any, ...]]:
    """Persons in ``root_path`` (already checked against the actor), streamed as tuples."""
    stmt = (
        select(
            Person.name,
            Person.mobile,
            Person.mobile_alt,
            Person.title,
            Region.code,
            Organisation.code,
            Person.contacts,
        )
        .join(Region, Region.id == Person.region_id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(Region.path.startswith(root_path, autoescape=True))
        .order_by(Person.id)
    )
    if actor.role == UserRole.enterprise_user:
        stmt = stmt.where(Person.organisation_id == actor.organisation_id)
    result = session.execute(stmt.execution_options(yield_per=5000))
    for name, mobile, alt, title, region_code, org_code, contacts in result:
        contacts = contacts or {}
        yield (
            name,
            _mobile_text(mobile),
            _mobile_text(alt),
            title,
            region_code,
            org_code,
            *(contacts.get(k) for k in CONTACT_KEYS),
        )
