"""Organisations (单位): departments, committees, enterprises and rescue teams, keyed by code.

A parent may be an organisation already in the database or one on an earlier row of the same
file, so a whole hierarchy imports from one sheet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.io.tabular import Column
from yingji.people.models import Organisation, OrganisationKind
from yingji.regions.models import Region
from yingji.upsert import (
    Counts,
    Errors,
    Plan,
    Update,
    audit,
    diff,
    generations,
    insert_rows,
    organisation_index,
    region_index,
    update_rows,
)

NAME = "organisations"
LABEL = "单位"
ENTITY = "organisation"

KIND_LABELS = {
    OrganisationKind.department: "部门",
    OrganisationKind.committee: "委员会",
    OrganisationKind.enterprise: "企业",
    OrganisationKind.rescue_team: "救援队伍",
}
_KINDS = {
    **{k.value: k.value for k in OrganisationKind},
    **{label: k.value for k, label in KIND_LABELS.items()},
    "救援队": "rescue_team",
    "单位": "department",
}
_CODE = re.compile(r"^[^\s/]{1,64}$")

COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "编码",
        True,
        "500101-YJJ-EXAMPLE",
        "单位编码，唯一；建议用统一社会信用代码或“区划编码-简称” / unique code, e.g. the "
        "unified social credit code",
        ("单位编码", "统一社会信用代码"),
    ),
    Column("name", "名称", True, "示例区应急管理局", "单位名称 / name", ("单位名称",)),
    Column(
        "kind",
        "类型",
        True,
        OrganisationKind.department.value,
        "类型 / kind: " + "、".join(f"{k.value}（{label}）" for k, label in KIND_LABELS.items()),
        ("单位类型",),
    ),
    Column(
        "subtype",
        "子类型",
        False,
        "应急管理",
        "部门的行业、委员会的类别（安委会/专委会/防减救灾委）等 / sector of a department, "
        "type of a committee",
        ("细分类型", "行业"),
    ),
    Column(
        "region_code",
        "所属区划编码",
        True,
        "500101",
        "单位所在区划编码，须在您的管辖范围内 / code of the organisation's region, inside "
        "your scope",
        ("区划编码", "所属区划"),
    ),
    Column(
        "parent_code",
        "上级单位编码",
        False,
        "",
        "上级单位编码：已有单位，或本文件中靠前的行 / parent organisation: existing, or on an "
        "earlier row of this file",
        ("上级编码", "上级单位"),
    ),
)
_SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"
_FIELDS = ("name", "kind", "subtype", "region_id", "parent_id")


@dataclass(frozen=True)
class NewRef:
    """A parent created by this same import; its id is known only after insert."""

    code: str


def _existing(session: Session, codes: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    found = organisation_index(session, codes)
    if not found:
        return out
    rows = session.execute(
        select(
            Organisation.id,
            Organisation.code,
            Organisation.name,
            Organisation.kind,
            Organisation.subtype,
            Organisation.region_id,
            Organisation.parent_id,
        ).where(Organisation.id.in_([r.id for r in found.values()]))
    )
    for row in rows.mappings():
        out[row["code"]] = {**row, "path": found[row["code"]].region_path}
    return out


def _parents_by_id(session: Session) -> dict[int, int | None]:
    return {
        oid: parent
        for oid, parent in session.execute(select(Organisation.id, Organisation.parent_id))
    }


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the plan lists organisations to create and those whose values change."""
    errors = Errors()
    items = list(rows)
    codes = [r.get("code", "") for _, r in items]
    first_at: dict[str, int] = {}
    for index, code in enumerate(codes):
        first_at.setdefault(code, index)
    regions = region_index(session, (r.get("region_code", "") for _, r in items))
    orgs = organisation_index(session, codes + [r.get("parent_code", "") for _, r in items])
    existing = _existing(session, [c for c in codes if c in orgs])

    plan = Plan(NAME)
    seen: dict[str, int] = {}
    file_parent: dict[int, int | NewRef | None] = {}
    update_rows_at: dict[int, int] = {}
    for index, (number, row) in enumerate(items):
        plan.rows += 1
        ok = True
        code, name = row.get("code", ""), row.get("name", "")
        if not code:
            errors.add(number, "code", "必填 / required")
            ok = False
        elif not _CODE.match(code):
            errors.add(
                number, "code", "编码不能含空格或“/”，最长 64 位 / no spaces or '/', at most 64"
            )
            ok = False
        elif code in seen:
            errors.add(
                number, "code", f"与第 {seen[code]} 行编码重复 / same code as row {seen[code]}"
            )
            ok = False
        if not name:
            errors.add(number, "name", "必填 / required")
            ok = False
        elif len(name) > 200:
            errors.add(number, "name", "超过 200 个字符 / longer than 200 characters")
            ok = False
        kind = _KINDS.get(row.get("kind", ""))
        if kind is None:
            reason = (
                "必填 / required"
                if not row.get("kind")
                else f"未知类型 / unknown kind {row['kind']!r}"
            )
            errors.add(number, "kind", reason)
            ok = False
        if len(row.get("subtype", "")) > 64:
            errors.add(number, "subtype", "超过 64 个字符 / longer than 64 characters")
            ok = False
        region = regions.get(row.get("region_code", ""))
        if not row.get("region_code"):
            errors.add(number, "region_code", "必填 / required")
            ok = False
        elif region is None or not actor.covers(region.path):
            errors.add(number, "region_code", f"区划 {row['region_code']} {_SCOPE}")
            ok = False
        old = existing.get(code)
        if old is not None and not actor.covers(old["path"]):
            errors.add(
                number,
                "code",
                "编码已被您管辖范围外的单位使用 / "
                "code is used by an organisation outside your scope",
            )
            ok = False
        parent_code = row.get("parent_code", "")
        parent: int | NewRef | None = None
        if parent_code:
            known = orgs.get(parent_code)
            if parent_code == code:
                errors.add(number, "parent_code", "不能以自身为上级 / cannot be its own parent")
                ok = False
            elif known is not None and (
                actor.covers(known.region_path)
                or (old is not None and old["parent_id"] == known.id)
            ):
                parent = known.id  # an unchanged parent may lie outside the actor's scope
            elif known is None and parent_code in seen:
                parent = NewRef(parent_code)
            elif known is None and first_at.get(parent_code, -1) > index:
                errors.add(
                    number,
                    "parent_code",
                    f"上级单位 {parent_code} 须在本行之前 / the parent must come on an earlier row",
                )
                ok = False
            else:
                errors.add(number, "parent_code", f"上级单位 {parent_code} {_SCOPE}")
                ok = False
        elif "parent_code" not in row and old is not None:
            parent = old["parent_id"]
        if code and code not in seen:
            seen[code] = number
        if not ok or region is None or kind is None:
            continue
        values: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "subtype": (row["subtype"] or None) if "subtype" in row else (old or {}).get("subtype"),
            "region_id": region.id,
            "parent_id": parent,
        }
        if old is None:
            extra = {"_parent_code": parent.code} if isinstance(parent, NewRef) else {}
            plan.creates.append({"code": code, **values, **extra})
            continue
        file_parent[old["id"]] = parent
        before, after = diff({k: old[k] for k in _FIELDS}, values)
        if after:
            plan.updates.append(Update(old["id"], values, before, after))
            update_rows_at[old["id"]] = number
        else:
            plan.unchanged += 1
    if not errors:
        _check_cycles(session, plan, file_parent, errors, update_rows_at)
    return plan, errors


def _check_cycles(
    session: Session,
    plan: Plan,
    file_parent: dict[int, int | NewRef | None],
    errors: Errors,
    row_of: dict[int, int],
) -> None:
    """Moving existing organisations under each other may close a loop; new ones cannot."""
    moved = [u for u in plan.updates if isinstance(u.after.get("parent_id"), int)]
    if not moved:
        return
    parents: dict[int, Any] = {**_parents_by_id(session), **file_parent}
    for upd in moved:
        node: Any = upd.values["parent_id"]
        for _ in range(len(parents) + 1):
            if not isinstance(node, int):
                break
            if node == upd.id:
                errors.add(
                    row_of[upd.id],
                    "parent_code",
                    "上级关系形成循环 / the parent chain would loop back to this organisation",
                )
                break
            node = parents.get(node)


def apply(session: Session, actor: Actor, plan: Plan) -> Counts:
    """Insert new organisations parents first, then update the changed ones; audit each."""
    table = Organisation.__table__
    ids_by_code: dict[str, int] = {}
    created: list[tuple[int, dict[str, Any]]] = []
    for generation in generations(plan.creates, "code", "_parent_code"):
        rows = [_resolved(row, ids_by_code) for row in generation]
        ids = insert_rows(session, table, rows, ("code",))
        for rid, row in zip(ids, rows, strict=True):
            ids_by_code[row["code"]] = rid
            created.append((rid, row))
    for upd in plan.updates:
        upd.values = _resolved(upd.values, ids_by_code)
        if isinstance(upd.after.get("parent_id"), NewRef):
            upd.after["parent_id"] = upd.values["parent_id"]
    update_rows(session, table, plan.updates)
    audit(session, ENTITY, created, plan.updates)
    return Counts(len(created), len(plan.updates), plan.unchanged)


def _resolved(row: dict[str, Any], ids_by_code: dict[str, int]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if not k.startswith("_")}
    if isinstance(out.get("parent_id"), NewRef):
        out["parent_id"] = ids_by_code[out["parent_id"].code]
    return out


def export_rows(session: Session, actor: Actor, root_path: str) -> Iterator[tuple[Any, ...]]:
    """Organisations in ``root_path``, each parent before its children so the file
    re-imports into an empty database too."""
    parent = aliased(Organisation)
    stmt = (
        select(
            Organisation.code,
            Organisation.name,
            Organisation.kind,
            Organisation.subtype,
            Region.code,
            parent.code,
        )
        .join(Region, Region.id == Organisation.region_id)
        .outerjoin(parent, parent.id == Organisation.parent_id)
        .where(Region.path.startswith(root_path, autoescape=True))
        .order_by(Organisation.id)
    )
    if actor.role == UserRole.enterprise_user:
        stmt = stmt.where(Organisation.id == actor.organisation_id)
    rows = [tuple(row) for row in session.execute(stmt)]
    children: dict[str, list[tuple[Any, ...]]] = {}
    codes = {row[0] for row in rows}
    roots = []
    for row in rows:
        if row[5] in codes:
            children.setdefault(row[5], []).append(row)
        else:
            roots.append(row)
    stack = list(reversed(roots))
    while stack:
        row = stack.pop()
        yield row
        stack.extend(reversed(children.pop(row[0], [])))
    for rest in children.values():  # a loop already in the data: still export every row
        yield from rest
