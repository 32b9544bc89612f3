"""The registries: rescue teams, equipment, warehouses and the material catalogue.

A record's region is derived from its location (the deepest filing region holding the
point), never typed in, and must lie in the actor's subtree. Lists are scoped the same way.
Every check collects all problems first and names each field, and nothing is written when
one fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.errors import Conflict, NotFound, PermissionDenied, Problems, ValidationFailed
from yingji.resources.models import (
    Equipment,
    Material,
    RescueTeam,
    ResourceStatus,
    TeamKind,
    Warehouse,
)
from yingji.risk.service import locate

Record = TypeVar("Record", RescueTeam, Equipment, Warehouse)
LEVELS = (2, 3, 4, 5)
"""Warehouse levels: city, county, township, village."""


def _text(data: dict[str, Any], key: str, problems: Problems, *, required: bool = True) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        problems.add(key, "必填 / required")
    return value


def _number(
    data: dict[str, Any], key: str, problems: Problems, *, default: float | None = None
) -> float | None:
    raw = data.get(key)
    if raw in (None, ""):
        if default is None:
            problems.add(key, "必填 / required")
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        problems.add(key, f"应为数字 / must be a number, got {raw!r}")
        return default
    if value != value or value < 0:
        problems.add(key, "不能为负 / must not be negative")
        return default
    return value


def _place(
    session: Session, actor: Actor, data: dict[str, Any], problems: Problems
) -> tuple[float, float, int, str] | None:
    """(lon, lat, region id, region path) of the record's location, or None (problems said)."""
    lon = _number(data, "lon", problems)
    lat = _number(data, "lat", problems)
    if lon is None or lat is None:
        return None
    ids, paths = locate(session, [lon], [lat])
    path = paths[0]
    if ids[0] < 0 or path is None:
        problems.add("lon", f"位置 ({lon}, {lat}) 不在任何区划内 / lies outside every region")
        return None
    if not actor.covers(path):
        problems.add("lon", f"位置 ({lon}, {lat}) 不在您的辖区内 / lies outside your region")
        return None
    return lon, lat, int(ids[0]), path


def _unique_code(session: Session, model: type, code: str, problems: Problems) -> None:
    if code and session.scalar(select(model.id).where(model.code == code)) is not None:
        problems.add("code", f"编码 {code} 已存在 / code already used")


def _status(data: dict[str, Any], problems: Problems) -> str:
    status = str(data.get("status") or ResourceStatus.available)
    if status not in {s.value for s in ResourceStatus}:
        problems.add("status", f"未知状态 {status!r} / unknown status")
    return status


def create_team(session: Session, actor: Actor, data: dict[str, Any]) -> RescueTeam:
    actor.require_write()
    problems = Problems()
    code, name = _text(data, "code", problems), _text(data, "name", problems)
    kind = _text(data, "kind", problems)
    if kind and kind not in {k.value for k in TeamKind}:
        problems.add("kind", f"未知队伍类别 {kind!r} / unknown kind")
    size = _number(data, "size", problems, default=0.0)
    skills = data.get("skills") or []
    if isinstance(skills, str):
        skills = [s.strip() for s in skills.replace("，", ",").split(",") if s.strip()]
    if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
        problems.add("skills", "技能应为文字列表 / skills are a list of words")
        skills = []
    status = _status(data, problems)
    _unique_code(session, RescueTeam, code, problems)
    place = _place(session, actor, data, problems)
    problems.raise_if_any("队伍信息有误 / invalid 队伍")
    assert place is not None
    lon, lat, region_id, path = place
    team = RescueTeam(
        code=code,
        name=name,
        kind=kind,
        size=int(size or 0),
        skills=sorted(set(skills)),
        status=status,
        lon=lon,
        lat=lat,
        region_id=region_id,
        region_path=path,
        contact_person_id=data.get("contact_person_id"),
        contact_phone=str(data.get("contact_phone") or "") or None,
        note=str(data.get("note") or "") or None,
    )
    session.add(team)
    session.flush()
    return team


def create_warehouse(session: Session, actor: Actor, data: dict[str, Any]) -> Warehouse:
    actor.require_write()
    problems = Problems()
    code, name = _text(data, "code", problems), _text(data, "name", problems)
    level = _number(data, "level", problems)
    if level is not None and int(level) not in LEVELS:
        problems.add("level", "级别为 2 市、3 县、4 乡镇、5 村 / level 2-5")
    _unique_code(session, Warehouse, code, problems)
    place = _place(session, actor, data, problems)
    problems.raise_if_any("仓库信息有误 / invalid 仓库")
    assert place is not None and level is not None
    lon, lat, region_id, path = place
    store = Warehouse(
        code=code,
        name=name,
        level=int(level),
        lon=lon,
        lat=lat,
        region_id=region_id,
        region_path=path,
        keeper_person_id=data.get("keeper_person_id"),
    )
    session.add(store)
    session.flush()
    return store


def create_equipment(session: Session, actor: Actor, data: dict[str, Any]) -> Equipment:
    actor.require_write()
    problems = Problems()
    code, name = _text(data, "code", problems), _text(data, "name", problems)
    kind = _text(data, "type", problems)
    quantity = _number(data, "quantity", problems, default=1.0)
    status = _status(data, problems)
    team = None
    if data.get("team_code"):
        team = session.scalar(select(RescueTeam).where(RescueTeam.code == data["team_code"]))
        if team is None or not actor.covers(team.region_path):
            problems.add("team_code", "队伍不存在或不在辖区 / no such team in your region")
    _unique_code(session, Equipment, code, problems)
    if team is not None and data.get("lon") in (None, ""):
        data = {**data, "lon": team.lon, "lat": team.lat}
    place = _place(session, actor, data, problems)
    problems.raise_if_any("装备信息有误 / invalid 装备")
    assert place is not None
    lon, lat, region_id, path = place
    item = Equipment(
        code=code,
        name=name,
        type=kind,
        capability=dict(data.get("capability") or {}),
        quantity=int(quantity or 1),
        status=status,
        team_id=team.id if team else None,
        lon=lon,
        lat=lat,
        region_id=region_id,
        region_path=path,
    )
    session.add(item)
    session.flush()
    return item


def create_material(session: Session, actor: Actor, data: dict[str, Any]) -> Material:
    """Add a catalogue item; the catalogue is shared, so only city level and above."""
    actor.require_write()
    if actor.region_path.count("/") > 3:  # "/", province, prefecture: 3 slashes at city level
        raise PermissionDenied("物资目录由市级以上维护 / the catalogue is kept at city level")
    problems = Problems()
    code, name = _text(data, "code", problems), _text(data, "name", problems)
    unit, category = _text(data, "unit", problems), _text(data, "category", problems)
    price = _number(data, "unit_price", problems, default=0.0)
    life = _number(data, "shelf_life_days", problems, default=-1.0)
    _unique_code(session, Material, code, problems)
    problems.raise_if_any("物资信息有误 / invalid 物资")
    item = Material(
        code=code,
        name=name,
        unit=unit,
        category=category,
        unit_price=price or 0.0,
        shelf_life_days=int(life) if life and life > 0 else None,
    )
    session.add(item)
    session.flush()
    return item


def material_by_code(session: Session, code: str) -> Material:
    found = session.scalar(select(Material).where(Material.code == code))
    if found is None:
        raise NotFound(f"物资 {code} 不在目录中 / material {code} not in the catalogue")
    return found


def scoped(actor: Actor, stmt: Select[Any], model: type) -> Select[Any]:
    return actor.by_path(stmt, model.region_path)


def listing(
    session: Session,
    actor: Actor,
    model: type[Record],
    *,
    where: Callable[[Select[Any]], Select[Any]] = lambda s: s,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Record], int]:
    stmt = where(scoped(actor, select(model), model))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(model.code).limit(limit).offset(offset)).all()
    return list(rows), total


def get(session: Session, actor: Actor, model: type[Record], record_id: int) -> Record:
    record = session.get(model, record_id)
    if record is None or not actor.covers(record.region_path):
        raise NotFound("记录不存在 / not found")
    return record


def set_status(session: Session, actor: Actor, model: type[Record], record_id: int, status: str):
    actor.require_write()
    record = get(session, actor, model, record_id)
    if status not in {s.value for s in ResourceStatus}:
        raise ValidationFailed(
            f"未知状态 {status!r} / unknown status",
            [{"row": None, "field": "status", "reason": "unknown status"}],
        )
    if record.status == status:
        raise Conflict(f"已是该状态 / already {status}")
    record.status = status
    session.flush()
    return record
