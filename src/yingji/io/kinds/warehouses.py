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
    SitedKind,
    check_limits,
    choose,
    code_name_columns,
    lon_lat_columns,
    mobile_text,
    required_text,
    validate_sited,
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
NOUN = "仓库"
"""What columns and errors call one row."""
LEVEL_TEXT = {2: "市", 3: "区县", 4: "乡镇", 5: "村"}
"""How a level is written in an export; :data:`LEVEL_CHOICES` reads these and more."""
LEVEL_CHOICES: dict[str, str] = {str(level): str(level) for level in LEVELS}
LEVEL_CHOICES |= {text: str(level) for level, text in LEVEL_TEXT.items()}
LEVEL_CHOICES |= {"市级": "2", "city": "2", "县": "3", "区": "3", "县级": "3", "county": "3"}
LEVEL_CHOICES |= {"街道": "4", "乡镇（街道）": "4", "乡镇级": "4", "township": "4"}
LEVEL_CHOICES |= {"社区": "5", "村（社区）": "5", "村级": "5", "village": "5"}
_LEVEL_HINT = "级别应为 2-5 或 市/区县/乡镇/村"

COLUMNS: tuple[Column, ...] = (
    *code_name_columns(
        NOUN,
        "CK-500101-01",
        "中和街道应急物资储备点",
        code_aliases=("库编码",),
        name_aliases=("储备库名称",),
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
    *lon_lat_columns(
        "经度，须在您的辖区内 / longitude, inside your region", "纬度 / latitude", required=True
    ),
    Column(
        "keeper_mobile",
        "保管员手机",
        False,
        "",
        "保管员的手机号，须先导入人员 / the keeper's mobile; import persons first",
        ("保管员手机号", "管理员手机"),
    ),
)
_LIMITS = {"code": 40, "name": 200}


def _parse(row_no: int, row: dict[str, str], errors: Errors) -> dict[str, Any]:
    """The row's own values; the keeper and the location are read by
    :func:`validate_sited`."""
    required_text(row_no, row, ("code", "name"), errors)
    check_limits(row_no, row, _LIMITS, errors)
    values: dict[str, Any] = {"code": row.get("code", "").strip(), "name": row.get("name", "")}
    level = choose(row_no, row, "level", LEVEL_CHOICES, "", _LEVEL_HINT, errors)
    values["level"] = int(level) if level else None
    return values


SITED = SitedKind(
    name=NAME,
    noun=NOUN,
    table=Warehouse.__table__,
    fields=("name", "level", "lon", "lat", "region_id", "region_path", "keeper_person_id"),
    optional={"keeper_person_id": None},
    person_column="keeper_mobile",
    person_field="keeper_person_id",
    parse=_parse,
)


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the plan lists the warehouses to create and those that change."""
    return validate_sited(session, actor, rows, SITED)


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
