"""Cell readers and references shared by the resources import kinds (rescue teams,
warehouses, equipment, stock, materials): numbers, label choices, places derived from
lon/lat, stored rows by code, persons by mobile, duplicate keys."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.people.models import Person
from yingji.people.phones import PhoneError, normalise
from yingji.regions.models import Region
from yingji.resources.models import (
    STATUS_LABELS,
)
from yingji.risk.service import locate
from yingji.upsert import Errors, chunked

SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"


@dataclass(frozen=True)
class Ref:
    """A referenced row found by its key: id, region path, and location when it has one."""

    id: int
    path: str
    lon: float | None = None
    lat: float | None = None


def number(text: str, kind: type) -> Any:
    """``text`` as int or float (blank: None); ValueError if it is not a finite one."""
    text = (text or "").strip()
    if not text:
        return None
    value = float(text.replace(",", ""))
    if not math.isfinite(value) or (kind is int and not value.is_integer()):
        raise ValueError(text)
    return int(value) if kind is int else value


def read_number(
    row_no: int,
    row: Mapping[str, str],
    field: str,
    kind: type,
    errors: Errors,
    *,
    minimum: float = 0,
) -> tuple[bool, Any]:
    """(ok, the cell as a number ≥ ``minimum`` or None when blank); errors name the cell."""
    text = row.get(field, "")
    try:
        value = number(text, kind)
    except ValueError:
        what = "须为整数 / must be a whole number" if kind is int else "须为数字 / not a number"
        errors.add(row_no, field, f"{what}: {text!r}")
        return False, None
    if value is not None and value < minimum:
        reason = (
            "不能为负 / must not be negative"
            if minimum == 0
            else f"不能小于 {minimum:g} / must be at least {minimum:g}"
        )
        errors.add(row_no, field, f"{reason}: {text!r}")
        return False, None
    return True, value


def choices(labels: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A value lookup accepting the stored code and its Chinese label (and ``extra``)."""
    out = {code: code for code in labels}
    out.update({label: code for code, label in labels.items()})
    out.update(extra or {})
    return out


def choose(
    row_no: int,
    row: Mapping[str, str],
    field: str,
    table: Mapping[str, str],
    default: str,
    hint: str,
    errors: Errors,
) -> str | None:
    """The stored code for the cell (blank: ``default``), or None after an error."""
    text = row.get(field, "").strip() or default
    value = table.get(text, table.get(text.lower()))
    if value is None:
        reason = "必填 / required" if not text else f"{hint} / unknown {field} {text!r}"
        errors.add(row_no, field, reason)
    return value


STATUSES = choices(STATUS_LABELS)
STATUS_HINT = "状态应为 待命/执行任务/休整/维修 或 available/deployed/resting/maintenance"


def check_limits(
    row_no: int, row: Mapping[str, str], limits: Mapping[str, int], errors: Errors
) -> None:
    for field, limit in limits.items():
        if len(row.get(field, "")) > limit:
            errors.add(row_no, field, f"超过 {limit} 个字符 / longer than {limit} characters")


def required_text(
    row_no: int, row: Mapping[str, str], fields: Iterable[str], errors: Errors
) -> None:
    for field in fields:
        if not row.get(field, "").strip():
            errors.add(row_no, field, "必填 / required")


def lon_lat(
    row_no: int, row: Mapping[str, str], errors: Errors
) -> tuple[bool, float | None, float | None]:
    """(ok, lon, lat): both given and in range, or both blank (None, None)."""
    ok_lon, lon = read_number(row_no, row, "lon", float, errors, minimum=-math.inf)
    ok_lat, lat = read_number(row_no, row, "lat", float, errors, minimum=-math.inf)
    if not (ok_lon and ok_lat):
        return False, None, None
    if (lon is None) != (lat is None):
        errors.add(row_no, "lon", "经度和纬度须同时填写 / give both lon and lat")
        return False, None, None
    if lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors.add(row_no, "lon", f"经纬度超出范围 / coordinates out of range: {lon}, {lat}")
        return False, None, None
    return True, lon, lat


def place(
    session: Session,
    actor: Actor,
    items: Sequence[tuple[int, dict[str, Any]]],
    errors: Errors,
) -> list[bool]:
    """Set ``region_id`` and ``region_path`` of each row from its lon/lat with one
    vectorised look-up; a row outside every region or the actor's subtree gets an error on
    ``lon``. Returns, per row, whether it was placed."""
    if not items:
        return []
    ids, paths = locate(session, [v["lon"] for _, v in items], [v["lat"] for _, v in items])
    out = []
    for (row_no, values), rid, path in zip(items, ids.tolist(), paths, strict=True):
        where = f"({values['lon']}, {values['lat']})"
        if rid < 0 or path is None:
            errors.add(row_no, "lon", f"位置 {where} 不在任何区划内 / lies outside every region")
            out.append(False)
        elif not actor.covers(path):
            errors.add(row_no, "lon", f"位置 {where} 不在您的辖区内 / lies outside your region")
            out.append(False)
        else:
            values["region_id"], values["region_path"] = rid, path
            out.append(True)
    return out


def stored(
    session: Session, table: Table, codes: Iterable[str], fields: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Stored rows by code (id and ``fields``), one SELECT per chunk of codes."""
    wanted = sorted({c for c in codes if c})
    columns = [table.c.id, table.c.code, *(table.c[f] for f in fields)]
    out: dict[str, dict[str, Any]] = {}
    for part in chunked(wanted):
        for row in session.execute(select(*columns).where(table.c.code.in_(part))).mappings():
            out[row["code"]] = dict(row)
    return out


def mobile(row_no: int, row: Mapping[str, str], field: str, errors: Errors) -> str | None:
    """The cell as an E.164 mobile number (blank: None)."""
    if not row.get(field):
        return None
    try:
        return normalise(row[field])
    except PhoneError as exc:
        errors.add(row_no, field, str(exc))
        return None


def persons(session: Session, mobiles: Iterable[str | None]) -> dict[str, Ref]:
    """Persons by mobile with their region's path, one SELECT per chunk."""
    wanted = sorted({m for m in mobiles if m})
    out: dict[str, Ref] = {}
    for part in chunked(wanted):
        rows = session.execute(
            select(Person.mobile, Person.id, Region.path)
            .join(Region, Region.id == Person.region_id)
            .where(Person.mobile.in_(part))
        )
        out.update({m: Ref(pid, path) for m, pid, path in rows})
    return out


def person_id(
    row_no: int,
    row: Mapping[str, str],
    field: str,
    e164: str | None,
    old_id: int | None,
    found: Mapping[str, Ref],
    actor: Actor,
    errors: Errors,
) -> tuple[bool, int | None]:
    """(ok, the person's id or None when blank). The person must be in the actor's subtree,
    unless the stored record already names them (a county team's contact may work for the
    city), so an export re-imports."""
    if not e164:
        return not row.get(field), None
    person = found.get(e164)
    if person is None or not (actor.covers(person.path) or person.id == old_id):
        errors.add(row_no, field, f"手机号 {row[field]} 对应的人员 {SCOPE}")
        return False, None
    return True, person.id


def mobile_text(e164: str | None) -> str:
    """Chinese numbers without +86, so a spreadsheet does not read them as a formula."""
    if not e164:
        return ""
    return e164[3:] if e164.startswith("+86") else e164


def plain_number(value: float | None) -> float | int | None:
    """Whole numbers written without ``.0``; they read back equal."""
    if value is not None and float(value).is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def duplicate(row_no: int, field: str, key: Any, first_row: dict[Any, int], errors: Errors) -> bool:
    """Record ``key`` at ``row_no``; True (after an error) if an earlier row had it."""
    if key in first_row:
        first = first_row[key]
        errors.add(row_no, field, f"与第 {first} 行重复 / same key as row {first}")
        return True
    first_row[key] = row_no
    return False
