"""Equipment (装备), keyed by ``code``: one row per unit or per identical lot.

As in :func:`yingji.resources.registry.create_equipment`, an item may belong to a team
(named by its code; teams are imported first) and, when its lon/lat are blank, stands at
the team's base; its region is derived from the location, inside the actor's subtree.
Capabilities are written ``key=value; key=value`` or as a JSON object. The units out on
dispatch orders (``deployed``) belong to dispatch and are never written here; a lot cannot
shrink below them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from yingji.auth.scope import Actor
from yingji.io.resource_rows import (
    SCOPE,
    STATUS_COLUMN,
    Parsed,
    Ref,
    by_key,
    check_limits,
    check_scope,
    code_name_columns,
    lon_lat,
    lon_lat_columns,
    parse_rows,
    place,
    plan_row,
    read_number,
    read_status,
    required_text,
    stored,
)
from yingji.io.tabular import Column
from yingji.regions.paths import under
from yingji.resources.models import STATUS_LABELS, Equipment, RescueTeam, ResourceStatus
from yingji.upsert import Counts, Errors, Plan, write_plan

NAME = "equipment"
LABEL = "装备"
ENTITY = "equipment"
NOUN = "装备"
"""What columns and errors call one item."""

COLUMNS: tuple[Column, ...] = (
    *code_name_columns(NOUN, "ZB-500101-0001", "大流量排涝泵"),
    Column(
        "type",
        "类型",
        True,
        "pump",
        "类型编码，如 fire_engine、water_tender、rescue_boat、helicopter、pump / type code",
        ("装备类型", "种类"),
    ),
    Column(
        "quantity",
        "数量",
        False,
        "2",
        "台（套）数，正整数（默认 1）/ units in the lot, a whole number ≥ 1 (default 1)",
        ("台数", "件数"),
    ),
    STATUS_COLUMN,
    Column(
        "team_code",
        "所属队伍编码",
        False,
        "DW-500101-SD",
        "所属救援队伍的编码，须先导入队伍 / code of the owner team; import teams first",
        ("所属队伍", "队伍编码"),
    ),
    *lon_lat_columns(
        "经度；留空则取所属队伍驻地 / longitude; blank: the owner team's base",
        "纬度；留空则取所属队伍驻地 / latitude; blank: the team's base",
        required=False,
    ),
    Column(
        "capability",
        "性能参数",
        False,
        "flow_m3h=300; head_m=30",
        "“参数=值”以分号分隔，或 JSON 对象 / 'key=value; key=value' or a JSON object",
        ("参数", "能力", "技术参数"),
    ),
)
FIELDS = (
    "name",
    "type",
    "quantity",
    "status",
    "team_id",
    "lon",
    "lat",
    "region_id",
    "region_path",
    "capability",
)
"""Stored columns an import may change (``code`` is the key); never ``deployed``."""
OPTIONAL: dict[str, Any] = {
    "quantity": 1,
    "status": ResourceStatus.available.value,
    "capability": {},
}
"""Columns a file may leave out: kept as stored on update, these defaults on create."""
_LIMITS = {"code": 40, "name": 200, "type": 40}
_PAIRS = re.compile(r"[;；\n]")
_SCALAR = re.compile(r"^(-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?|true|false)$")
_KEY_BREAKS = ("=", "＝", ";", "；", "\n")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON 不允许 {name} / {name} is not allowed")


def parse_capability(text: str) -> dict[str, Any]:
    """``key=value; key=value`` (numbers and true/false typed) or a JSON object; blank is
    ``{}``; ValueError with a reason a user can act on."""
    text = (text or "").strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise ValueError(f"JSON 格式有误 / invalid JSON: {exc.msg}") from None
        if not isinstance(value, dict):
            raise ValueError("须为 JSON 对象 / must be a JSON object")
        return value
    out: dict[str, Any] = {}
    for part in _PAIRS.split(text):
        part = part.strip()
        if not part:
            continue
        key, sep, raw = part.replace("＝", "=").partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key:
            raise ValueError(f"应为“参数=值” / expected key=value: {part!r}")
        if key in out:
            raise ValueError(f"参数 {key} 重复 / key {key!r} given twice")
        value: Any = raw
        if _SCALAR.match(raw):
            value = json.loads(raw)
            if isinstance(value, float) and not math.isfinite(value):
                value = raw
        out[key] = value
    return out


def capability_text(capability: Mapping[str, Any] | None) -> str:
    """The ``key=value; …`` form when it reads back to the same values, else JSON; keys
    sorted, as PostgreSQL's JSONB does not keep their order."""
    if not capability:
        return ""
    simple = all(
        isinstance(v, str | int | float) and not any(b in k for b in _KEY_BREAKS)
        for k, v in capability.items()
    )
    if simple:
        text = "; ".join(f"{k}={_scalar_text(v)}" for k, v in sorted(capability.items()))
        try:
            back = parse_capability(text)
        except ValueError:
            back = None
        if back == capability and all(type(back[k]) is type(v) for k, v in capability.items()):
            return text
    return json.dumps(capability, ensure_ascii=False, sort_keys=True)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _parse(row_no: int, row: dict[str, str], errors: Errors) -> dict[str, Any]:
    """The row's own values; lon/lat None when blank, the team still a code."""
    required_text(row_no, row, ("code", "name", "type"), errors)
    check_limits(row_no, row, _LIMITS, errors)
    values: dict[str, Any] = {
        "code": row.get("code", "").strip(),
        "name": row.get("name", ""),
        "type": row.get("type", "").strip(),
    }
    if "quantity" in row:
        _, quantity = read_number(row_no, row, "quantity", int, errors, minimum=1)
        values["quantity"] = quantity or 1
    if "status" in row:
        values["status"] = read_status(row_no, row, errors)
    if "capability" in row:
        try:
            values["capability"] = parse_capability(row["capability"])
        except ValueError as exc:
            errors.add(row_no, "capability", str(exc))
    _, values["lon"], values["lat"] = lon_lat(row_no, row, errors)
    return values


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the plan lists the equipment to create and what changes. Rows are
    placed after the team checks, as a blank location is the owner team's base."""
    errors = Errors()
    plan = Plan(NAME)
    parsed, codes = parse_rows(plan, rows, _parse, errors)
    existing = stored(session, Equipment.__table__, codes, (*FIELDS, "deployed"))
    teams = by_key(
        session,
        RescueTeam.code,
        (item.row.get("team_code", "") for item in parsed),
        Ref,
        RescueTeam.id,
        RescueTeam.region_path,
        RescueTeam.lon,
        RescueTeam.lat,
    )
    for item in parsed:
        old = existing.get(item.values["code"])
        check_scope(actor, item, old, NOUN, errors)
        team = _owner_team(actor, item, old, teams, errors)
        if item.values["lon"] is None:
            item.ok = _default_location(item, team, old, errors) and item.ok
        _check_deployed(item, old, errors)

    placed = place(session, actor, parsed, errors)
    for item in parsed:
        if item.ok and item.row_no in placed:
            old = existing.get(item.values["code"])
            # A new lot has nothing out yet; the INSERT names every defaulted column.
            plan_row(plan, item.values, old, FIELDS, OPTIONAL, on_create={"deployed": 0})
    return plan, errors


def _owner_team(
    actor: Actor,
    item: Parsed,
    old: dict[str, Any] | None,
    teams: dict[str, Ref],
    errors: Errors,
) -> Ref | None:
    """The team named by ``team_code`` (sets ``team_id``; a file without the column keeps
    the stored one). It must be in the actor's subtree unless the item already belongs to
    it, so an export re-imports."""
    team_code = item.row.get("team_code", "").strip()
    team = teams.get(team_code) if team_code else None
    kept = team is not None and old is not None and old["team_id"] == team.id
    if team_code and (team is None or not (actor.covers(team.path) or kept)):
        errors.add(item.row_no, "team_code", f"队伍 {team_code} {SCOPE}")
        item.ok = False
    if "team_code" in item.row:
        item.values["team_id"] = team.id if team else None
    else:
        item.values["team_id"] = old["team_id"] if old else None
    return team


def _check_deployed(item: Parsed, old: dict[str, Any] | None, errors: Errors) -> None:
    """Units out on dispatch orders belong to dispatch: a lot cannot shrink below them."""
    deployed = old["deployed"] if old else 0
    if "quantity" in item.values and (deployed or 0) > item.values["quantity"]:
        errors.add(
            item.row_no,
            "quantity",
            f"有 {deployed} 台（套）正在执行调度任务，数量不能少于此数 / {deployed} units "
            "are out on dispatch orders; the quantity cannot be lower",
        )
        item.ok = False


def _default_location(
    item: Parsed, team: Ref | None, old: dict[str, Any] | None, errors: Errors
) -> bool:
    """Blank lon/lat: the owner team's base; without a team, the stored location when the
    file has no lon/lat columns; else an error."""
    row, values = item.row, item.values
    if team is not None:
        values["lon"], values["lat"] = team.lon, team.lat
        return True
    if old is not None and "lon" not in row and "lat" not in row:
        values["lon"], values["lat"] = old["lon"], old["lat"]
        return True
    if row.get("lon") or row.get("lat") or row.get("team_code"):
        return False  # lon_lat, or the team check, already said what is wrong
    errors.add(
        item.row_no,
        "lon",
        "须填写经纬度或所属队伍 / give lon and lat, or an owner team whose base is used",
    )
    return False


def apply(session: Session, actor: Actor, plan: Plan) -> Counts:
    """Executemany INSERT and UPDATE, one audit entry per written row."""
    return write_plan(session, Equipment.__table__, ENTITY, plan, ("code",))


def export_rows(session: Session, actor: Actor, root_path: str) -> Iterator[tuple[Any, ...]]:
    """Equipment whose region lies in ``root_path`` (already checked against the actor);
    lon/lat are always written, so a re-import keeps them even if the team moves."""
    team = aliased(RescueTeam)
    stmt = (
        select(
            Equipment.code,
            Equipment.name,
            Equipment.type,
            Equipment.quantity,
            Equipment.status,
            team.code,
            Equipment.lon,
            Equipment.lat,
            Equipment.capability,
        )
        .outerjoin(team, team.id == Equipment.team_id)
        .where(under(Equipment.region_path, root_path))
        .order_by(Equipment.id)
    )
    result = session.execute(stmt.execution_options(yield_per=5000))
    for code, name, kind, quantity, status, team_code, lon, lat, capability in result:
        yield (
            code,
            name,
            kind,
            quantity,
            STATUS_LABELS.get(status, status),
            team_code,
            lon,
            lat,
            capability_text(capability),
        )
