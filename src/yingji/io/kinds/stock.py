"""Stock batches (库存批次), keyed by warehouse code × material code × batch: a stock-take.

A row sets the counted quantity of its batch (it does not add to it, unlike
:func:`yingji.resources.stock.receive`); zero is allowed, a negative count is not. The
warehouse must lie in the actor's subtree. One file holds one kind, so warehouses and
materials are imported first. A blank expiry date keeps a batch's stored date, and for a
new batch is worked out from the material's shelf life as on receipt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.scope import Actor
from yingji.io.resource_rows import (
    SCOPE,
    Ref,
    by_key,
    check_limits,
    duplicate,
    plain_number,
    read_number,
    required_text,
)
from yingji.io.tabular import Column
from yingji.regions.paths import under
from yingji.resources.models import Material, StockBatch, Warehouse
from yingji.upsert import Counts, Errors, Plan, chunked, parse_date, write_plan

NAME = "stock"
LABEL = "库存批次"
ENTITY = "stock_batch"
KEY = ("warehouse_id", "material_id", "batch")

COLUMNS: tuple[Column, ...] = (
    Column(
        "warehouse_code",
        "仓库编码",
        True,
        "CK-500101-01",
        "仓库编码，须先导入仓库且在您的辖区内 / code of the warehouse, imported before and "
        "inside your region",
        ("仓库", "储备库编码"),
    ),
    Column(
        "material_code",
        "物资编码",
        True,
        "TENT-12",
        "物资目录中的编码 / code in the material catalogue",
        ("物资",),
    ),
    Column(
        "batch",
        "批次",
        False,
        "2025-01",
        "批次号，可留空 / batch number, may be blank",
        ("批次号", "批号"),
    ),
    Column(
        "quantity",
        "数量",
        True,
        "50",
        "盘点数量，不小于 0，覆盖原数量 / counted quantity ≥ 0, replaces the stored one",
        ("库存数量", "盘点数量", "实有数量"),
    ),
    Column(
        "expires_on",
        "有效期至",
        False,
        "",
        "YYYY-MM-DD；留空：新批次按保质期推算，已有批次不变 / blank: from the shelf life "
        "for a new batch, unchanged for an existing one",
        ("过期日期", "失效日期", "保质期至"),
    ),
)
FIELDS = ("quantity", "expires_on")
"""Stored columns an import may change (warehouse, material and batch are the key)."""
_LIMITS = {"batch": 60}


@dataclass(frozen=True)
class _Material:
    id: int
    shelf_life_days: int | None


def _existing(
    session: Session, warehouse_ids: Iterable[int]
) -> dict[tuple[int, int, str], dict[str, Any]]:
    """Stored batches of the given warehouses by (warehouse, material, batch)."""
    table = StockBatch.__table__
    out: dict[tuple[int, int, str], dict[str, Any]] = {}
    for part in chunked(sorted(set(warehouse_ids))):
        rows = session.execute(
            select(table.c.id, *(table.c[k] for k in (*KEY, *FIELDS))).where(
                table.c.warehouse_id.in_(part)
            )
        )
        for row in rows.mappings():
            out[(row["warehouse_id"], row["material_id"], row["batch"] or "")] = dict(row)
    return out


def _parse(row_no: int, row: dict[str, str], errors: Errors) -> dict[str, Any] | None:
    count = len(errors)
    required_text(row_no, row, ("warehouse_code", "material_code"), errors)
    check_limits(row_no, row, _LIMITS, errors)
    values: dict[str, Any] = {"batch": row.get("batch", "").strip()}
    if not row.get("quantity", "").strip():
        errors.add(row_no, "quantity", "必填 / required")
    else:
        _, values["quantity"] = read_number(row_no, row, "quantity", float, errors)
    if row.get("expires_on", "").strip():
        try:
            values["expires_on"] = parse_date(row["expires_on"].strip())
        except ValueError as exc:
            errors.add(row_no, "expires_on", str(exc))
    return values if len(errors) == count else None


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the plan lists the batches to create and the counts that change."""
    errors = Errors()
    plan = Plan(NAME)
    parsed: list[tuple[int, dict[str, str], dict[str, Any] | None]] = []
    for row_no, row in rows:
        plan.rows += 1
        parsed.append((row_no, row, _parse(row_no, row, errors)))

    stores = by_key(
        session,
        Warehouse.code,
        (row.get("warehouse_code", "") for _, row, _ in parsed),
        Ref,
        Warehouse.id,
        Warehouse.region_path,
    )
    materials = by_key(
        session,
        Material.code,
        (row.get("material_code", "") for _, row, _ in parsed),
        _Material,
        Material.id,
        Material.shelf_life_days,
    )
    existing = _existing(session, (s.id for s in stores.values() if actor.covers(s.path)))
    today = clock.today()
    first_row: dict[tuple[int, int, str], int] = {}
    for row_no, row, values in parsed:
        store_code = row.get("warehouse_code", "").strip()
        store = stores.get(store_code)
        if store_code and (store is None or not actor.covers(store.path)):
            errors.add(row_no, "warehouse_code", f"仓库 {store_code} {SCOPE}")
            store = None
        material_code = row.get("material_code", "").strip()
        material = materials.get(material_code)
        if material_code and material is None:
            errors.add(
                row_no,
                "material_code",
                f"物资 {material_code} 不在目录中 / material {material_code} not in the catalogue",
            )
        if values is None or store is None or material is None:
            continue
        key = (store.id, material.id, values["batch"])
        if duplicate(row_no, "batch", key, first_row, errors):
            continue
        old = existing.get(key)
        if "expires_on" not in values:
            if old is not None:
                values["expires_on"] = old["expires_on"]
            elif material.shelf_life_days:
                values["expires_on"] = today + dt.timedelta(days=material.shelf_life_days)
            else:
                values["expires_on"] = None
        if old is None:
            plan.creates.append({"warehouse_id": store.id, "material_id": material.id, **values})
        else:
            plan.compare(old["id"], old, {k: values[k] for k in FIELDS})
    return plan, errors


def apply(session: Session, actor: Actor, plan: Plan) -> Counts:
    """Executemany INSERT and UPDATE, one audit entry per written row."""
    return write_plan(session, StockBatch.__table__, ENTITY, plan, KEY)


def export_rows(session: Session, actor: Actor, root_path: str) -> Iterator[tuple[Any, ...]]:
    """Batches of the warehouses in ``root_path`` (already checked against the actor),
    empty ones included so a stock-take sheet lists every batch."""
    stmt = (
        select(
            Warehouse.code,
            Material.code,
            StockBatch.batch,
            StockBatch.quantity,
            StockBatch.expires_on,
        )
        .join(Warehouse, Warehouse.id == StockBatch.warehouse_id)
        .join(Material, Material.id == StockBatch.material_id)
        .where(under(Warehouse.region_path, root_path))
        .order_by(StockBatch.id)
    )
    result = session.execute(stmt.execution_options(yield_per=5000))
    for store, material, batch, quantity, expires_on in result:
        yield store, material, batch, plain_number(quantity), expires_on
