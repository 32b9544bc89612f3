"""The material catalogue (物资目录), keyed by ``code``.

The catalogue is shared by every region, so, as in
:func:`yingji.resources.registry.create_material`, only writers at city level or above may
add or change an item; anyone may re-import rows that change nothing (an export round trip).
The export is the whole catalogue whatever the region: it holds no regional data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.io.resource_rows import (
    check_limits,
    code_name_columns,
    parse_rows,
    plain_number,
    plan_row,
    read_number,
    required_text,
    stored,
)
from yingji.io.tabular import Column
from yingji.resources.models import Material
from yingji.upsert import Counts, Errors, Plan, write_plan

NAME = "materials"
LABEL = "物资目录"
ENTITY = "material"

COLUMNS: tuple[Column, ...] = (
    *code_name_columns("物资", "TENT-12", "12平方米单帐篷", name_aliases=("品名",)),
    Column("unit", "单位", True, "顶", "计量单位 / unit of measure", ("计量单位",)),
    Column(
        "category",
        "类别",
        True,
        "shelter",
        "类别，如 shelter、flood、food、power / category",
        ("物资类别", "分类"),
    ),
    Column(
        "unit_price",
        "参考单价（元）",
        False,
        "1450",
        "参考单价，元（默认 0）/ reference price in yuan (default 0)",
        ("单价", "参考单价"),
    ),
    Column(
        "shelf_life_days",
        "保质期（天）",
        False,
        "",
        "保质期天数，留空表示不过期 / shelf life in days; blank: does not expire",
        ("保质期", "保质天数"),
    ),
)
FIELDS = ("name", "unit", "category", "unit_price", "shelf_life_days")
"""Stored columns an import may change (``code`` is the key)."""
OPTIONAL: dict[str, Any] = {"unit_price": 0.0, "shelf_life_days": None}
"""Columns a file may leave out: kept as stored on update, these defaults on create."""
_LIMITS = {"code": 40, "name": 100, "unit": 20, "category": 40}
_CITY = "物资目录由市级以上维护 / the catalogue is kept at city level and above"


def may_change_catalogue(actor: Actor) -> bool:
    """The rule of :func:`yingji.resources.registry.create_material`: "/", province and
    prefecture make three slashes at city level."""
    return actor.can_write and actor.region_path.count("/") <= 3


def _parse(row_no: int, row: dict[str, str], errors: Errors) -> dict[str, Any]:
    required_text(row_no, row, ("code", "name", "unit", "category"), errors)
    check_limits(row_no, row, _LIMITS, errors)
    values: dict[str, Any] = {k: row.get(k, "").strip() for k in ("code", "name", "unit")}
    values["category"] = row.get("category", "").strip()
    if "unit_price" in row:
        _, price = read_number(row_no, row, "unit_price", float, errors)
        values["unit_price"] = float(price or 0.0)
    if "shelf_life_days" in row:
        _, days = read_number(row_no, row, "shelf_life_days", int, errors)
        values["shelf_life_days"] = days or None  # 0 as in create_material: no shelf life
    return values


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the plan lists catalogue items to create and those that change.
    Below city level a row that would write is withdrawn with an error, so unchanged rows
    (an export round trip) still pass."""
    errors = Errors()
    plan = Plan(NAME)
    parsed, codes = parse_rows(plan, rows, _parse, errors)
    existing = stored(session, Material.__table__, codes, FIELDS)
    allowed = may_change_catalogue(actor)
    for item in parsed:
        if not item.ok:
            continue
        old = existing.get(item.values["code"])
        if plan_row(plan, item.values, old, FIELDS, OPTIONAL) and not allowed:
            (plan.creates if old is None else plan.updates).pop()
            errors.add(item.row_no, "code", _CITY)
    return plan, errors


def apply(session: Session, actor: Actor, plan: Plan) -> Counts:
    """Executemany INSERT and UPDATE, one audit entry per written row."""
    return write_plan(session, Material.__table__, ENTITY, plan, ("code",))


def export_rows(session: Session, actor: Actor, root_path: str) -> Iterator[tuple[Any, ...]]:
    """The whole catalogue (it belongs to no region), streamed."""
    stmt = select(
        Material.code,
        Material.name,
        Material.unit,
        Material.category,
        Material.unit_price,
        Material.shelf_life_days,
    ).order_by(Material.id)
    result = session.execute(stmt.execution_options(yield_per=5000))
    for code, name, unit, category, price, days in result:
        yield code, name, unit, category, plain_number(price), days
