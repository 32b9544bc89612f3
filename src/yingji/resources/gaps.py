"""Reserve standards (储备标准) and the gap report (缺口).

A standard applies to every region of its ``level`` inside the subtree of the bureau that
set it (and, when it names one, of its county class; a county without a class is treated as
class 3). It asks for a quantity of one material, a quantity per resident, or stock of a
hazard scope (material category; ``general`` = everything) worth a sum in yuan. A region
holds what its own-level warehouses in its subtree hold: a county's reserve is the county
stores, not the townships'.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.errors import ValidationFailed
from yingji.regions.models import Region
from yingji.regions.paths import under
from yingji.resources.models import (
    Material,
    RegionClass,
    ReserveStandard,
    StockBatch,
    Warehouse,
)

DEFAULT_COUNTY_CLASS = 3
VALUE_ITEM = "储备总值"
GENERAL = "general"


def add_standard(
    session: Session,
    actor: Actor,
    *,
    level: int,
    scope: str = GENERAL,
    county_class: int | None = None,
    material_code: str | None = None,
    quantity: float | None = None,
    per_capita: float | None = None,
    value_yuan: float | None = None,
    source: str | None = None,
) -> ReserveStandard:
    """One norm; exactly one of quantity, per_capita (both need a material) or value_yuan."""
    actor.require_write()
    bad: list[dict[str, object]] = []
    given = [
        k
        for k, v in (("quantity", quantity), ("per_capita", per_capita), ("value_yuan", value_yuan))
        if v is not None
    ]
    if len(given) != 1:
        bad.append(
            {
                "row": None,
                "field": "quantity",
                "reason": "give exactly one of quantity, per_capita, value_yuan",
            }
        )
    if any((v is not None and v <= 0) for v in (quantity, per_capita, value_yuan)):
        bad.append({"row": None, "field": given[0] if given else "quantity", "reason": "> 0"})
    material = None
    if material_code:
        material = session.scalar(select(Material).where(Material.code == material_code))
        if material is None:
            bad.append({"row": None, "field": "material_code", "reason": "not in the catalogue"})
    elif quantity is not None or per_capita is not None:
        bad.append({"row": None, "field": "material_code", "reason": "required for quantities"})
    if level not in (2, 3, 4, 5):
        bad.append({"row": None, "field": "level", "reason": "2 city … 5 village"})
    if county_class is not None and county_class not in (1, 2, 3):
        bad.append({"row": None, "field": "county_class", "reason": "1, 2 or 3"})
    if bad:
        raise ValidationFailed("储备标准有误 / invalid reserve standard", bad)
    standard = ReserveStandard(
        region_path=actor.region_path,
        scope=scope,
        level=level,
        county_class=county_class,
        material_id=material.id if material else None,
        quantity=quantity,
        per_capita=per_capita,
        value_yuan=value_yuan,
        source=source,
    )
    session.add(standard)
    session.flush()
    return standard


@dataclass(frozen=True)
class Gap:
    region_code: str
    region_name: str
    scope: str
    item: str
    """The material's name, or 储备总值 for a value standard."""
    unit: str
    required: float
    held: float
    shortfall: float
    shortfall_yuan: float
    material_code: str | None
    """The material's code; None for a value standard (the item is then 储备总值, in 元)."""


def report(session: Session, actor: Actor, root_path: str | None = None) -> list[Gap]:
    """Every applicable standard for every region in the subtree, with what is held and the
    shortfall (0 when met); shortfalls first, largest value first."""
    root = root_path or actor.region_path
    if not actor.covers(root):
        root = actor.region_path
    standards = session.scalars(select(ReserveStandard)).all()
    if not standards:
        return []
    levels = sorted({s.level for s in standards})
    regions = session.execute(
        select(Region.id, Region.code, Region.name, Region.level, Region.path, Region.population)
        .where(Region.level.in_(levels), under(Region.path, root))
        .order_by(Region.path)
    ).all()
    classes = dict(session.execute(select(RegionClass.region_id, RegionClass.county_class)).all())
    materials = {m.id: m for m in session.scalars(select(Material))}
    held_qty, held_value = _holdings(session, root, levels, regions, materials)

    out: list[Gap] = []
    for rid, code, name, level, path, people in regions:
        klass = classes.get(rid, DEFAULT_COUNTY_CLASS)
        for s in standards:
            if s.level != level or (s.county_class is not None and s.county_class != klass):
                continue
            if not path.startswith(s.region_path):
                continue
            if s.material_id is not None:
                m = materials[s.material_id]
                required = s.quantity if s.quantity is not None else s.per_capita * (people or 0)
                held = held_qty[(rid, m.id)]
                short = max(required - held, 0.0)
                out.append(
                    Gap(
                        code,
                        name,
                        s.scope,
                        m.name,
                        m.unit,
                        required,
                        held,
                        short,
                        short * m.unit_price,
                        m.code,
                    )
                )
            else:
                held = held_value[(rid, s.scope)]
                short = max(s.value_yuan - held, 0.0)
                required = s.value_yuan
                out.append(
                    Gap(code, name, s.scope, VALUE_ITEM, "元", required, held, short, short, None)
                )
    return sorted(out, key=lambda g: (g.shortfall_yuan == 0, -g.shortfall_yuan, g.region_code))


def _holdings(
    session: Session,
    root: str,
    levels: list[int],
    regions: Sequence[Row[Any]],
    materials: dict[int, Material],
) -> tuple[dict[tuple[int, int], float], dict[tuple[int, str], float]]:
    """(quantity by (region id, material id), value by (region id, scope)) held by each
    region's own-level warehouses in its subtree, from one grouped query."""
    rows = session.execute(
        select(
            Warehouse.region_path,
            Warehouse.level,
            StockBatch.material_id,
            func.sum(StockBatch.quantity),
        )
        .join(StockBatch, StockBatch.warehouse_id == Warehouse.id)
        .where(Warehouse.level.in_(levels), under(Warehouse.region_path, root))
        .group_by(Warehouse.region_path, Warehouse.level, StockBatch.material_id)
    ).all()
    by_level: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for rid, _c, _n, level, path, _p in regions:
        by_level[level].append((rid, path))
    qty: dict[tuple[int, int], float] = defaultdict(float)
    value: dict[tuple[int, str], float] = defaultdict(float)
    for path, level, material_id, amount in rows:
        m = materials[material_id]
        for rid, region_path in by_level.get(level, ()):
            if path.startswith(region_path):
                qty[(rid, material_id)] += amount
                value[(rid, m.category)] += amount * m.unit_price
                value[(rid, GENERAL)] += amount * m.unit_price
                break
    return qty, value
