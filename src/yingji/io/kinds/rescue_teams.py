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
    STATUS_COLUMN,
    SitedKind,
    check_limits,
    choices,
    choose,
    code_name_columns,
    lon_lat_columns,
    mobile_text,
    read_number,
    read_status,
    required_text,
    validate_sited,
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
NOUN = "队伍"
"""What columns and errors call one row."""

COLUMNS: tuple[Column, ...] = (
    *code_name_columns(NOUN, "DW-500101-SD", "万州区山地救援队"),
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
    STATUS_COLUMN,
    *lon_lat_columns(
        "驻地经度，须在您的辖区内 / longitude of the base",
        "驻地纬度 / latitude of the base",
        required=True,
    ),
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


def _parse(row_no: int, row: dict[str, str], errors: Errors) -> dict[str, Any]:
    """The row's own values; the contact and the base are read by :func:`validate_sited`."""
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
        values["status"] = read_status(row_no, row, errors)
    for field in ("contact_phone", "note"):
        if field in row:
            values[field] = row[field].strip() or None
    return values


SITED = SitedKind(
    name=NAME,
    noun=NOUN,
    table=RescueTeam.__table__,
    fields=(
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
    ),
    optional={
        "size": 0,
        "skills": [],
        "status": ResourceStatus.available.value,
        "contact_person_id": None,
        "contact_phone": None,
        "note": None,
    },
    person_column="contact_mobile",
    person_field="contact_person_id",
    parse=_parse,
)


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the plan lists the teams to create and those whose values change."""
    return validate_sited(session, actor, rows, SITED)


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
