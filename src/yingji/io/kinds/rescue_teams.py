"""Rescue teams (救援队伍), keyed by ``code``.

As in :func:`yingji.resources.registry.create_team`, a team's region is derived from its
lon/lat (the deepest filing region holding the point, one vectorised
:func:`~yingji.risk.service.locate` for the whole file) and must lie in the actor's subtree.
The contact person is named by mobile number (persons are imported first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.io.resource_rows import (
    SCOPE,
    STATUS_HINT,
    STATUSES,
    check_limits,
    choices,
    choose,
    duplicate,
    lon_lat,
    mobile,
    mobile_text,
    person_id,
    persons,
    place,
    read_number,
    required_text,
    stored,
)
from yingji.io.tabular import Column
from yingji.people.models import Person
from yingji.regions.paths import under
from yingji.resources.models import (
    STATUS_LABELS,
    TEAM_KIND_LABELS,
    RescueTeam,
    ResourceStatus,
)
from yingji.upsert import Counts, Errors, Plan, write_plan

NAME = "rescue_teams"
LABEL = "救援队伍"
ENTITY = "rescue_team"

COLUMNS: tuple[Column, ...] = (
    Column("code", "编码", True, "DW-500101-SD", "队伍编码，唯一 / unique code", ("队伍编码",)),
    Column("name", "名称", True, "万州区山地救援队", "队伍名称 / name", ("队伍名称",)),
    Column(
        "kind",
        "队伍类别",
        True,
        TEAM_KIND_LABELS["professional"],
        "类别编码或中文名称 / kind code or Chinese name: "
        + "、".join(f"{k}（{label}）" for k, label in TEAM_KIND_LABELS.items()),
        ("类别", "队伍类型", "类型"),
    ),
    Column("size", "人数", False, "24", "队员人数 / members", ("队员人数", "规模")),
    Column(
        "skills",
        "技能",
        False,
        "mountain,rescue",
        "技能编码，以逗号（, 或 ，）分隔，如 swift_water、hazmat、mine、mountain、fire / "
        "skill codes, comma-separated",
        ("专长", "技能特长"),
    ),
    Column(
        "status",
        "状态",
        False,
        STATUS_LABELS["available"],
        "待命/执行任务/休整/维修 或 available/deployed/resting/maintenance（默认待命）/ "
        "default available",
    ),
    Column("lon", "经度", True, "108.41", "驻地经度，须在您的辖区内 / longitude of the base"),
    Column("lat", "纬度", True, "30.70", "驻地纬度 / latitude of the base"),
    Column(
        "contact_phone",
        "联系电话",
        False,
        "023-58000000",
        "值班或联系电话 / duty or contact phone",
        ("电话", "值班电话"),
    ),
    Column(
        "contact_mobile",
        "联系人手机",
        False,
        "",
        "联系人的手机号，须先导入人员 / the contact person's mobile; import persons first",
        ("联系人手机号", "负责人手机"),
    ),
    Column("note", "备注", False, "", "备注 / note", ("说明",)),
)
FIELDS = (
    "name",
    "kind",
    "size",
    "skills",
    "status",
    "lon",
    "lat",
    "region_id",
    "region_path",
    "contact_person_id",
    "contact_phone",
    "note",
)
"""Stored columns an import may change (``code`` is the key)."""
OPTIONAL: dict[str, Any] = {
    "size": 0,
    "skills": [],
    "status": ResourceStatus.available.value,
    "contact_person_id": None,
    "contact_phone": None,
    "note": None,
}
"""Columns a file may leave out: kept as stored on update, these defaults on create."""
_LIMITS = {"code": 40, "name": 200, "contact_phone": 20, "note": 2000}
_SKILL_SPLIT = re.compile(r"[,，、;；]")
_SKILL_LIMIT = 40


# --- the kind --------------------------------------------------------------------------

KINDS = choices(
    TEAM_KIND_LABELS,
    {
        label.removesuffix("伍"): code
        for code, label in TEAM_KIND_LABELS.items()
        if label.endswith("队伍")
    },
)
_KIND_HINT = "未知队伍类别，请填写类别编码或中文名称"


def _skills(row_no: int, row: Mapping[str, str], errors: Errors) -> list[str]:
    skills = sorted({s.strip() for s in _SKILL_SPLIT.split(row.get("skills", "")) if s.strip()})
    if any(len(s) > _SKILL_LIMIT for s in skills):
        errors.add(
            row_no,
            "skills",
            f"单个技能超过 {_SKILL_LIMIT} 个字符 / "
            f"a skill is longer than {_SKILL_LIMIT} characters",
        )
    return skills


def _parse(row_no: int, row: dict[str, str], errors: Errors) -> tuple[bool, dict[str, Any]]:
    """(ok, the row's own values with the contact still a mobile in ``_mobile``)."""
    count = len(errors)
    required_text(row_no, row, ("code", "name"), errors)
    check_limits(row_no, row, _LIMITS, errors)
    values: dict[str, Any] = {"code": row.get("code", "").strip(), "name": row.get("name", "")}
    values["kind"] = choose(row_no, row, "kind", KINDS, "", _KIND_HINT, errors)
    if "size" in row:
        _, size = read_number(row_no, row, "size", int, errors)
        values["size"] = size or 0
    if "skills" in row:
        values["skills"] = _skills(row_no, row, errors)
    if "status" in row:
        values["status"] = choose(
            row_no, row, "status", STATUSES, ResourceStatus.available.value, STATUS_HINT, errors
        )
    for field in ("contact_phone", "note"):
        if field in row:
            values[field] = row[field].strip() or None
    values["_mobile"] = mobile(row_no, row, "contact_mobile", errors)
    ok, lon, lat = lon_lat(row_no, row, errors)
    if ok and lon is None:
        errors.add(row_no, "lon", "必填 / required")
    values["lon"], values["lat"] = lon, lat
    return len(errors) == count, values


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the plan lists the teams to create and those whose values change."""
    errors = Errors()
    plan = Plan(NAME)
    parsed: list[tuple[int, dict[str, str], dict[str, Any], bool]] = []
    first_row: dict[str, int] = {}
    for row_no, row in rows:
        plan.rows += 1
        ok, values = _parse(row_no, row, errors)
        if values["code"] and duplicate(row_no, "code", values["code"], first_row, errors):
            ok = False
        parsed.append((row_no, row, values, ok))

    located = [(n, v) for n, _, v, _ in parsed if v["lon"] is not None]
    placed = dict(zip((n for n, _ in located), place(session, actor, located, errors), strict=True))
    existing = stored(session, RescueTeam.__table__, first_row, FIELDS)
    found = persons(session, (v["_mobile"] for _, _, v, _ in parsed))
    for row_no, row, values, ok in parsed:
        old = existing.get(values["code"])
        if old is not None and not actor.covers(old["region_path"]):
            errors.add(row_no, "code", f"队伍 {values['code']} {SCOPE}")
            ok = False
        e164 = values.pop("_mobile")
        if "contact_mobile" in row:
            old_id = old["contact_person_id"] if old else None
            good, values["contact_person_id"] = person_id(
                row_no, row, "contact_mobile", e164, old_id, found, actor, errors
            )
            ok = ok and good
        if not (ok and placed.get(row_no)):
            continue
        for key, default in OPTIONAL.items():
            if key not in values:
                values[key] = default if old is None else old[key]
        if old is None:
            plan.creates.append(values)
        else:
            plan.compare(old["id"], old, {k: values[k] for k in FIELDS})
    return plan, errors


def apply(session: Session, actor: Actor, plan: Plan) -> Counts:
    """Executemany INSERT and UPDATE, one audit entry per written row."""
    return write_plan(session, RescueTeam.__table__, ENTITY, plan, ("code",))


def export_rows(session: Session, actor: Actor, root_path: str) -> Iterator[tuple[Any, ...]]:
    """Teams whose region lies in ``root_path`` (already checked against the actor), as the
    team lists show them, streamed."""
    stmt = (
        select(
            RescueTeam.code,
            RescueTeam.name,
            RescueTeam.kind,
            RescueTeam.size,
            RescueTeam.skills,
            RescueTeam.status,
            RescueTeam.lon,
            RescueTeam.lat,
            RescueTeam.contact_phone,
            Person.mobile,
            RescueTeam.note,
        )
        .outerjoin(Person, Person.id == RescueTeam.contact_person_id)
        .where(under(RescueTeam.region_path, root_path))
        .order_by(RescueTeam.id)
    )
    result = session.execute(stmt.execution_options(yield_per=5000))
    for code, name, kind, size, skills, status, lon, lat, phone, contact, note in result:
        yield (
            code,
            name,
            TEAM_KIND_LABELS.get(kind, kind),
            size,
            ",".join(skills or []),
            STATUS_LABELS.get(status, status),
            lon,
            lat,
            phone,
            mobile_text(contact),
            note,
        )
