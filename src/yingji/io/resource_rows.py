"""What the resources import kinds (rescue teams, warehouses, equipment, stock, materials)
share: column definitions, cell readers, places derived from lon/lat, look-ups by code and
the validate pipeline (parse, flag repeated codes, place, check scope, plan create/update),
so each kind module states only what is its own."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from yingji.auth.scope import Actor
from yingji.io.tabular import Column
from yingji.people.models import Person
from yingji.people.phones import PhoneError, normalise
from yingji.regions.models import Region
from yingji.resources.models import STATUS_LABELS, ResourceStatus
from yingji.risk.service import locate
from yingji.upsert import Errors, Plan, chunked

SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"
T = TypeVar("T")


@dataclass(frozen=True)
class Ref:
    """A referenced row found by its key: id, region path, and location when it has one."""

    id: int
    path: str
    lon: float | None = None
    lat: float | None = None


# --- columns ---------------------------------------------------------------------------


def code_name_columns(
    noun: str,
    code_example: str,
    name_example: str,
    *,
    code_aliases: tuple[str, ...] = (),
    name_aliases: tuple[str, ...] = (),
) -> tuple[Column, Column]:
    """The ``code`` key and ``name`` columns, worded alike for every kind (``noun``: 队伍,
    仓库 …), so templates read the same and both accept e.g. 队伍编码 / 队伍名称."""
    return (
        Column(
            "code",
            "编码",
            True,
            code_example,
            f"{noun}编码，唯一 / unique code",
            (f"{noun}编码", *code_aliases),
        ),
        Column(
            "name",
            "名称",
            True,
            name_example,
            f"{noun}名称 / name",
            (f"{noun}名称", *name_aliases),
        ),
    )


STATUS_COLUMN = Column(
    "status",
    "状态",
    False,
    STATUS_LABELS["available"],
    "待命/执行任务/休整/维修 或 available/deployed/resting/maintenance（默认待命）/ "
    "default available",
)
"""A team's or an item's readiness; read with :func:`read_status`."""


def lon_lat_columns(lon_note: str, lat_note: str, *, required: bool) -> tuple[Column, Column]:
    """The ``lon``/``lat`` columns; a required location shows an example point in the
    template, an optional one stays blank there, as blank is what picks its default."""
    lon_example, lat_example = ("108.41", "30.70") if required else ("", "")
    return (
        Column("lon", "经度", required, lon_example, lon_note),
        Column("lat", "纬度", required, lat_example, lat_note),
    )


# --- cells -----------------------------------------------------------------------------


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


_STATUSES = choices(STATUS_LABELS)
_STATUS_HINT = "状态应为 待命/执行任务/休整/维修 或 available/deployed/resting/maintenance"


def read_status(row_no: int, row: Mapping[str, str], errors: Errors) -> str | None:
    """The ``status`` cell as a stored code (blank: available), or None after an error."""
    return choose(
        row_no, row, "status", _STATUSES, ResourceStatus.available.value, _STATUS_HINT, errors
    )


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


def mobile(row_no: int, row: Mapping[str, str], field: str, errors: Errors) -> str | None:
    """The cell as an E.164 mobile number (blank: None)."""
    if not row.get(field):
        return None
    try:
        return normalise(row[field])
    except PhoneError as exc:
        errors.add(row_no, field, str(exc))
        return None


def duplicate(row_no: int, field: str, key: Any, first_row: dict[Any, int], errors: Errors) -> bool:
    """Record ``key`` at ``row_no``; True (after an error) if an earlier row had it."""
    if key in first_row:
        first = first_row[key]
        errors.add(row_no, field, f"与第 {first} 行重复 / same key as row {first}")
        return True
    first_row[key] = row_no
    return False


# --- export cells ----------------------------------------------------------------------


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


# --- look-ups --------------------------------------------------------------------------


def by_key(
    session: Session,
    key: InstrumentedAttribute[str],
    keys: Iterable[str | None],
    make: Callable[..., T],
    *columns: InstrumentedAttribute[Any],
    join: tuple[type[Any], ColumnElement[bool]] | None = None,
) -> dict[str, T]:
    """``make(*columns)`` of the rows whose ``key`` column is one of ``keys`` (blanks
    skipped), by key: one SELECT per chunk, so a whole file costs a handful of queries.
    ``join`` is a (target, on clause) pair for columns of another table."""
    wanted = sorted({k for k in keys if k})
    out: dict[str, T] = {}
    for part in chunked(wanted):
        stmt = select(key, *columns)
        if join is not None:
            stmt = stmt.join(*join)
        for found, *rest in session.execute(stmt.where(key.in_(part))):
            out[found] = make(*rest)
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


def persons(session: Session, mobiles: Iterable[str | None]) -> dict[str, Ref]:
    """Persons by mobile with their region's path."""
    return by_key(
        session,
        Person.mobile,
        mobiles,
        Ref,
        Person.id,
        Region.path,
        join=(Region, Region.id == Person.region_id),
    )


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


# --- the validate pipeline -------------------------------------------------------------

Parse = Callable[[int, dict[str, str], Errors], dict[str, Any]]
"""A kind's reader of one row's own cells: (row number, row, errors) -> values with
``code``; the row is ok when it added no error."""


@dataclass
class Parsed:
    """One file row on its way through validate: its cells, its values so far, and whether
    it may still be written (each check clears ``ok`` after its error)."""

    row_no: int
    row: dict[str, str]
    values: dict[str, Any]
    ok: bool


def parse_rows(
    plan: Plan, rows: Iterable[tuple[int, dict[str, str]]], parse: Parse, errors: Errors
) -> tuple[list[Parsed], dict[str, int]]:
    """Every row read by ``parse`` (counted in ``plan.rows``), a code given twice flagged;
    also each code's first row, whose keys are the codes to look up."""
    parsed: list[Parsed] = []
    first_row: dict[str, int] = {}
    for row_no, row in rows:
        plan.rows += 1
        count = len(errors)
        values = parse(row_no, row, errors)
        ok = len(errors) == count
        if values["code"] and duplicate(row_no, "code", values["code"], first_row, errors):
            ok = False
        parsed.append(Parsed(row_no, row, values, ok))
    return parsed, first_row


def place(session: Session, actor: Actor, parsed: Iterable[Parsed], errors: Errors) -> set[int]:
    """Set ``region_id`` and ``region_path`` of each row with a lon/lat from one vectorised
    look-up; a row outside every region or the actor's subtree gets an error on ``lon``.
    Returns the numbers of the rows placed."""
    located = [item for item in parsed if item.values["lon"] is not None]
    if not located:
        return set()
    ids, paths = locate(
        session, [i.values["lon"] for i in located], [i.values["lat"] for i in located]
    )
    placed: set[int] = set()
    for item, rid, path in zip(located, ids.tolist(), paths, strict=True):
        row_no, values = item.row_no, item.values
        where = f"({values['lon']}, {values['lat']})"
        if rid < 0 or path is None:
            errors.add(row_no, "lon", f"位置 {where} 不在任何区划内 / lies outside every region")
        elif not actor.covers(path):
            errors.add(row_no, "lon", f"位置 {where} 不在您的辖区内 / lies outside your region")
        else:
            values["region_id"], values["region_path"] = rid, path
            placed.add(row_no)
    return placed


def check_scope(
    actor: Actor, item: Parsed, old: Mapping[str, Any] | None, noun: str, errors: Errors
) -> None:
    """A stored row outside the actor's subtree may not be changed by naming its code."""
    if old is not None and not actor.covers(old["region_path"]):
        errors.add(item.row_no, "code", f"{noun} {item.values['code']} {SCOPE}")
        item.ok = False


def plan_row(
    plan: Plan,
    values: dict[str, Any],
    old: Mapping[str, Any] | None,
    fields: Sequence[str],
    optional: Mapping[str, Any],
    *,
    on_create: Mapping[str, Any] | None = None,
) -> bool:
    """Plan a create (no stored row; ``on_create`` added) or an update of ``fields``.
    ``optional`` columns the file left out keep their stored value, or take these defaults
    on create. True when a write is planned, so a caller may still withdraw it."""
    for key, default in optional.items():
        if key not in values:
            values[key] = default if old is None else old[key]
    if old is None:
        plan.creates.append({**values, **(on_create or {})})
        return True
    changes = len(plan.updates)
    plan.compare(old["id"], old, {k: values[k] for k in fields})
    return len(plan.updates) > changes


@dataclass(frozen=True)
class SitedKind:
    """What a kind keyed by ``code`` states of itself when each row stands at a required
    lon/lat and names one person by mobile (a team's contact, a warehouse's keeper);
    :func:`validate_sited` does the rest."""

    name: str
    noun: str
    """What the scope error calls a row: 队伍, 仓库."""
    table: Table
    fields: tuple[str, ...]
    """Stored columns an import may change (``code`` is the key)."""
    optional: Mapping[str, Any]
    """Columns a file may leave out: kept as stored on update, these defaults on create."""
    person_column: str
    """The file's mobile column, e.g. ``contact_mobile``."""
    person_field: str
    """The stored id it sets, e.g. ``contact_person_id``."""
    parse: Parse
    """Reads the kind's own cells; the person's mobile and lon/lat are read here."""


def validate_sited(
    session: Session,
    actor: Actor,
    rows: Iterable[tuple[int, dict[str, str]]],
    kind: SitedKind,
) -> tuple[Plan, Errors]:
    """Check every row of a :class:`SitedKind`: one locate places the whole file, stored
    rows and persons are read by one SELECT per chunk, and the plan lists the rows to
    create and those whose values change."""
    errors = Errors()
    plan = Plan(kind.name)

    def parse(row_no: int, row: dict[str, str], errors: Errors) -> dict[str, Any]:
        values = kind.parse(row_no, row, errors)
        values["_mobile"] = mobile(row_no, row, kind.person_column, errors)
        ok, lon, lat = lon_lat(row_no, row, errors)
        if ok and lon is None:
            errors.add(row_no, "lon", "必填 / required")
        values["lon"], values["lat"] = lon, lat
        return values

    parsed, codes = parse_rows(plan, rows, parse, errors)
    placed = place(session, actor, parsed, errors)
    existing = stored(session, kind.table, codes, kind.fields)
    found = persons(session, (item.values["_mobile"] for item in parsed))
    for item in parsed:
        old = existing.get(item.values["code"])
        check_scope(actor, item, old, kind.noun, errors)
        e164 = item.values.pop("_mobile")
        if kind.person_column in item.row:
            old_id = old[kind.person_field] if old else None
            good, item.values[kind.person_field] = person_id(
                item.row_no, item.row, kind.person_column, e164, old_id, found, actor, errors
            )
            item.ok = item.ok and good
        if item.ok and item.row_no in placed:
            plan_row(plan, item.values, old, kind.fields, kind.optional)
    return plan, errors
