"""Stock in warehouses: receiving batches, allocating (first expiring, first out), and the
batches near expiry.

An allocation locks the batches it may draw from (``SELECT … FOR UPDATE`` on PostgreSQL,
in id order so two allocations never deadlock) and decrements them with a guarded UPDATE
(``quantity >= taken``); the CHECK constraint ``quantity >= 0`` is the last line. So
concurrent allocations of the same stock never take more than there is, and a request that
cannot be met in full takes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.scope import Actor
from yingji.errors import Conflict, ValidationFailed
from yingji.resources import registry
from yingji.resources.models import Material, StockBatch, Warehouse

EXPIRY_WARNING_DAYS = 90


def _positive(value: Any, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not number > 0:
        raise ValidationFailed(
            f"{field} 应为正数 / {field} must be a positive number",
            [{"row": None, "field": field, "reason": "must be > 0"}],
        )
    return number


def receive(
    session: Session,
    actor: Actor,
    warehouse_id: int,
    material_code: str,
    quantity: Any,
    *,
    batch: str = "",
    expires_on: dt.date | None = None,
) -> StockBatch:
    """Add ``quantity`` to the warehouse's batch ``batch`` (created if new)."""
    actor.require_write()
    store = registry.get(session, actor, Warehouse, warehouse_id)
    material = registry.material_by_code(session, material_code)
    amount = _positive(quantity, "quantity")
    if expires_on is None and material.shelf_life_days:
        expires_on = clock.today() + dt.timedelta(days=material.shelf_life_days)
    row = session.scalar(
        select(StockBatch).where(
            StockBatch.warehouse_id == store.id,
            StockBatch.material_id == material.id,
            StockBatch.batch == batch,
        )
    )
    if row is None:
        row = StockBatch(
            warehouse_id=store.id,
            material_id=material.id,
            batch=batch,
            quantity=amount,
            expires_on=expires_on,
        )
        session.add(row)
    else:
        session.execute(
            update(StockBatch)
            .where(StockBatch.id == row.id)
            .values(quantity=StockBatch.quantity + amount)
        )
        session.refresh(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Taken:
    batch_id: int
    quantity: float
    material_id: int


def allocate(
    session: Session, actor: Actor, warehouse_id: int, material_code: str, quantity: Any
) -> list[Taken]:
    """Take ``quantity`` of a material from a warehouse, soonest-expiring batches first;
    all of it or nothing (Conflict names what is there)."""
    actor.require_write()
    store = registry.get(session, actor, Warehouse, warehouse_id)
    material = registry.material_by_code(session, material_code)
    wanted = _positive(quantity, "quantity")
    batches = session.scalars(
        select(StockBatch)
        .where(
            StockBatch.warehouse_id == store.id,
            StockBatch.material_id == material.id,
            StockBatch.quantity > 0,
        )
        .order_by(StockBatch.id)
        .with_for_update()
    ).all()
    available = sum(b.quantity for b in batches)
    if available < wanted:
        raise Conflict(
            f"{store.name} 的 {material.name} 库存 {available:g}{material.unit}，"
            f"不足 {wanted:g}{material.unit} / only {available:g} {material.unit} in stock",
            {"available": available, "requested": wanted},
        )
    far = dt.date.max
    taken: list[Taken] = []
    left = wanted
    for batch in sorted(batches, key=lambda b: (b.expires_on or far, b.id)):
        if left <= 0:
            break
        take = min(left, batch.quantity)
        done = session.execute(
            update(StockBatch)
            .where(StockBatch.id == batch.id, StockBatch.quantity >= take)
            .values(quantity=StockBatch.quantity - take)
        )
        if done.rowcount != 1:  # another allocation got there first (SQLite without locks)
            raise Conflict("库存已被其他调拨占用，请重试 / stock changed meanwhile, retry")
        taken.append(Taken(batch.id, take, material.id))
        left -= take
    session.expire_all()
    return taken


@dataclass(frozen=True)
class StockLine:
    warehouse_id: int
    warehouse: str
    material_code: str
    material: str
    unit: str
    quantity: float
    value_yuan: float
    next_expiry: dt.date | None


def holdings(
    session: Session,
    actor: Actor,
    *,
    warehouse_id: int | None = None,
    material_code: str | None = None,
) -> list[StockLine]:
    """Quantity and value per warehouse and material in the actor's subtree."""
    stmt = (
        select(
            Warehouse.id,
            Warehouse.name,
            Material.code,
            Material.name,
            Material.unit,
            func.sum(StockBatch.quantity),
            func.sum(StockBatch.quantity) * Material.unit_price,
            func.min(StockBatch.expires_on),
        )
        .join(StockBatch, StockBatch.warehouse_id == Warehouse.id)
        .join(Material, Material.id == StockBatch.material_id)
        .where(StockBatch.quantity > 0)
        .group_by(Warehouse.id, Warehouse.name, Material.code, Material.name, Material.unit)
        .group_by(Material.unit_price)
        .order_by(Warehouse.name, Material.code)
    )
    if warehouse_id is not None:
        stmt = stmt.where(Warehouse.id == warehouse_id)
    if material_code is not None:
        stmt = stmt.where(Material.code == material_code)
    stmt = actor.by_path(stmt, Warehouse.region_path)
    return [StockLine(*row) for row in session.execute(stmt)]


@dataclass(frozen=True)
class Expiring:
    batch_id: int
    warehouse: str
    material: str
    batch: str
    quantity: float
    unit: str
    expires_on: dt.date
    days_left: int


def expiring(
    session: Session, actor: Actor, *, within_days: int = EXPIRY_WARNING_DAYS
) -> list[Expiring]:
    """Batches that expire within ``within_days`` (or have expired), soonest first."""
    today = clock.today()
    stmt = (
        select(
            StockBatch.id,
            Warehouse.name,
            Material.name,
            StockBatch.batch,
            StockBatch.quantity,
            Material.unit,
            StockBatch.expires_on,
        )
        .join(Warehouse, Warehouse.id == StockBatch.warehouse_id)
        .join(Material, Material.id == StockBatch.material_id)
        .where(
            StockBatch.quantity > 0,
            StockBatch.expires_on.is_not(None),
            StockBatch.expires_on <= today + dt.timedelta(days=within_days),
        )
        .order_by(StockBatch.expires_on, StockBatch.id)
    )
    stmt = actor.by_path(stmt, Warehouse.region_path)
    return [Expiring(*row, (row[6] - today).days) for row in session.execute(stmt)]
