"""Reserve warehouses (储备仓库), keyed by ``code``.

As in :func:`yingji.resources.registry.create_warehouse`, the level is the region level the
store serves (2 city … 5 village) and the region is derived from lon/lat, inside the
actor's subtree. The keeper is named by mobile number (persons are imported first).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.io.resource_rows import (
    SCOPE,
    check_limits,
    choose,
    duplicate,
    lon_lat,
    mobile,
    mobile_text,
    person_id,
    persons,
    place,
    required_text,
    stored,
)
from yingji.io.tabular import Column
from yingji.people.models import Person
from yingji.regions.paths import under
from yingji.resources.models import Warehouse
from yingji.resources.registry import LEVELS
from yingji.upsert import Counts, Errors, Plan, write_plan

NAME = "warehouses"
LABEL = "储备仓库"
ENTITY = "warehouse"
LEVEL_TEXT = {2: "市", 3: "区县", 4: "乡镇", 5: "村"}
"""How a level is written in an export; :data:`LEVEL_CHOICES` reads these and more."""
LEVEL_CHOICES: dict[str, str] = {str(level): str(level) for level in LEVELS}
LEVEL_CHOICES |= {text: str(level) for level, text in LEVEL_TEXT.items()}
LEVEL_CHOICES |= {"市级": "2", "city": "2", "县": "3", "区": "3", "县级": "3", "county": "3"}
LEVEL_CHOICES |= {"街道": "4", "乡镇（街道）": "4", "乡镇级": "4", "township": "4"}
LEVEL_CHOICES |= {"社区": "5", "村（社区）": "5", "村级": "5", "village": "5"}
_LEVEL_HINT = "级别应为 2-5 或 市/区县/乡镇/村"

COLUMNS: tuple[Column, ...] = (
    Column(
        "code", "编码", True, "CK-500101-01", "仓库编码，唯一 / unique code", ("仓库编码", "库编码")
    ),
    Column(
        "name",
        "名称",
        True,
        "中和街道应急物资储备点",
        "仓库名称 / name",
        ("仓库名称", "储备库名称"),
    ),
    Column(
        "level",
        "级别",
        True,
        "乡镇",
        "服务的区划级别：2 市、3 区县、4 乡镇、5 村，可填数字或中文 / the region level it "
        "serves: 2 city, 3 county, 4 township, 5 village",
        ("仓库级别", "层级"),
    ),
    Column("lon", "经度", True, "108.41", "经度，须在您的辖区内 / longitude, inside your region"),
    Column("lat", "纬度", True, "30.70", "纬度 / latitude"),
    Column(
        "keeper_mobile",
        "保管员手机",
        False,
        "",
        "保管员的手机号，须先导入人员 / the keeper's mobile; import persons first",
        ("保管员手机号", "管理员手机"),
    ),
)
FIELDS = ("name", "level", "lon", "lat", "region_id", "region_path", "keeper_person_id")
"""Stored columns an import may change (``code`` is the key)."""
_LIMITS = {"code": 40, "name": 200}


def _parse(row_no: int, row: dict[str, str], errors: Errors) -> tuple[bool, dict[str, Any]]:
    """(ok, the row's own values with the keeper still a mobile in ``_mobile``)."""
    count = len(errors)
    required_text(row_no, row, ("code", "name"), errors)
    check_limits(row_no, row, _LIMITS, errors)
    values: dict[str, Any] = {"code": row.get("code", "").strip(), "name": row.get("name", "")}
    level = choose(row_no, row, "level", LEVEL_CHOICES, "", _LEVEL_HINT, errors)
    values["level"] = int(level) if level else None
    values["_mobile"] = mobile(row_no, row, "keeper_mobile", errors)
    ok, lon, lat = lon_lat(row_no, row, errors)
    if ok and lon is None:
        errors.add(row_no, "lon", "必填 / required")
    values["lon"], values["lat"] = lon, lat
    return len(errors) == count, values


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the plan lists the warehouses to create and those that change."""
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
    existing = stored(session, Warehouse.__table__, first_row, FIELDS)
    found = persons(session, (v["_mobile"] for _, _, v, _ in parsed))
    for row_no, row, values, ok in parsed:
        old = existing.get(values["code"])
        if old is not None and not actor.covers(old["region_path"]):
            errors.add(row_no, "code", f"仓库 {values['code']} {SCOPE}")
            ok = False
        e164 = values.pop("_mobile")
        if "keeper_mobile" in row:
            old_id = old["keeper_person_id"] if old else None
            good, values["keeper_person_id"] = person_id(
                row_no, row, "keeper_mobile", e164, old_id, found, actor, errors
            )
            ok = ok and good
        else:
            values["keeper_person_id"] = old["keeper_person_id"] if old else None
        if not (ok and placed.get(row_no)):
            continue
        if old is None:
            plan.creates.append(values)
        else:
            plan.compare(old["id"], old, {k: values[k] for k in FIELDS})
    return plan, errors


def apply(session: Session, actor: Actor, plan: Plan) -> Counts:
    """Executemany INSERT and UPDATE, one audit entry per written row."""
    return write_plan(session, Warehouse.__table__, ENTITY, plan, ("code",))


def export_rows(session: Session, actor: Actor, root_path: str) -> Iterator[tuple[Any, ...]]:
    """Warehouses whose region lies in ``root_path`` (already checked against the actor)."""
    stmt = (
        select(
            Warehouse.code,
            Warehouse.name,
            Warehouse.level,
            Warehouse.lon,
            Warehouse.lat,
            Person.mobile,
        )
        .outerjoin(Person, Person.id == Warehouse.keeper_person_id)
        .where(under(Warehouse.region_path, root_path))
        .order_by(Warehouse.id)
    )
    result = session.execute(stmt.execution_options(yield_per=5000))
    for code, name, level, lon, lat, keeper in result:
        yield code, name, LEVEL_TEXT.get(level, level), lon, lat, mobile_text(keeper)
