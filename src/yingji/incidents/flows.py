"""One-page response flows (一页纸应急响应流程图): create, edit, retire, list and read.

Scope: a flow belongs to a bureau's region and serves the incidents of that subtree. An
actor therefore sees the flows of their own subtree (which writers may change) and those of
their region's ancestors (which apply to their incidents, read-only for them).

Versions: tasks point at the steps that created them, so an edit never rewrites or deletes
a step. Editing flow ``code`` v``n`` deactivates it and adds v``n+1`` with fresh steps; the
old version keeps its steps (its chart still prints, its tasks keep their origin). Tasks of
a step the new version repeats unchanged (same trigger, types, responsible and action; the
time limit may differ) move to the repeated step, so a running response neither loses them
nor gets them twice. Tasks of changed or removed steps stay on the old step; the next level
applied to their incident cancels them if still open and the new steps create their own.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session, selectinload

from yingji.auth.scope import Actor
from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, invalid
from yingji.incidents import types
from yingji.incidents.flow_models import FlowStep, ResponseFlow, Task
from yingji.lookups import values_by_id
from yingji.people import phones
from yingji.people.models import ROLE_LABELS, Organisation, Person, Role
from yingji.people.service import get_organisation, get_person
from yingji.regions.models import Region
from yingji.regions.paths import under

NOT_FOUND = "流程不存在 / response flow not found"
LEVELS = (4, 3, 2, 1)
"""Response levels from the lowest (Ⅳ) to the highest (Ⅰ): the order a response escalates."""
LEVEL_NAMES = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ"}
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4}
MAX_MINUTES = 30 * 24 * 60
"""A time limit longer than 30 days is a typing error, not a response step."""
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
ROLES = tuple(r.value for r in Role)


# --- scope ---------------------------------------------------------------------------------


def ancestor_paths(path: str) -> list[str]:
    """``/500000/500101/`` → ``["/", "/500000/", "/500000/500101/"]``: the path and every
    ancestor's, the regions whose flows apply to a place."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/"] + ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def visible(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    """Flows of the actor's subtree and of their region's ancestors."""
    if actor.region_path == "/":
        return stmt
    return stmt.where(
        or_(
            under(ResponseFlow.region_path, actor.region_path),
            ResponseFlow.region_path.in_(ancestor_paths(actor.region_path)),
        )
    )


def may_change(actor: Actor, flow: ResponseFlow) -> bool:
    return actor.can_write and actor.covers(flow.region_path)


def _require_change(actor: Actor, flow: ResponseFlow) -> None:
    actor.require_write()
    if not actor.covers(flow.region_path):
        raise PermissionDenied(
            "上级单位的流程只能查看，不能修改 / a higher level's flow is read-only for you"
        )


def get(session: Session, actor: Actor, flow_id: int) -> ResponseFlow:
    """The flow (with its steps), if the actor may see it; else "not found"."""
    stmt = visible(
        actor,
        select(ResponseFlow)
        .where(ResponseFlow.id == flow_id)
        .options(selectinload(ResponseFlow.steps)),
    )
    flow = session.scalar(stmt)
    if flow is None:
        raise NotFound(NOT_FOUND)
    return flow


def listing(
    session: Session,
    actor: Actor,
    *,
    include_inactive: bool = False,
    code: str | None = None,
    type_code: str | None = None,
    limit: int = 500,
) -> list[ResponseFlow]:
    """Visible flows, higher regions first, then by code and newest version first."""
    stmt = visible(actor, select(ResponseFlow).options(selectinload(ResponseFlow.steps)))
    if not include_inactive:
        stmt = stmt.where(ResponseFlow.active.is_(True))
    if code:
        stmt = stmt.where(ResponseFlow.code == code)
    stmt = stmt.order_by(
        ResponseFlow.region_path, ResponseFlow.code, ResponseFlow.version.desc()
    ).limit(limit)
    rows = list(session.scalars(stmt))
    if type_code:
        rows = [f for f in rows if not f.type_codes or type_code in f.type_codes]
    return rows


def versions(session: Session, actor: Actor, code: str) -> list[ResponseFlow]:
    """Every version of a flow code the actor may see, newest first."""
    return listing(session, actor, include_inactive=True, code=code)


def by_code(session: Session, actor: Actor, code: str) -> ResponseFlow:
    """The active version of ``code`` (else its newest), for the CLI and imports."""
    found = versions(session, actor, code)
    if not found:
        raise NotFound(NOT_FOUND)
    return next((f for f in found if f.active), found[0])


# --- validation ----------------------------------------------------------------------------


def _codes(value: Any) -> list[str] | None:
    """A list of type codes from a list or a comma-separated string; None when malformed."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [c.strip() for c in re.split(r"[,，、;；\s]+", value) if c.strip()]
    if isinstance(value, list | tuple) and all(isinstance(c, str) for c in value):
        return [c.strip() for c in value if c.strip()]
    return None


def _level(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= 4 else None
    if isinstance(value, str):
        text = value.strip().upper().removesuffix("级").strip()
        if text.isdigit():
            return int(text) if 1 <= int(text) <= 4 else None
        return ROMAN.get(text)
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Problems:
    items: list[dict[str, Any]]

    def add(self, row: int | None, field: str, zh: str, en: str) -> None:
        where_zh = f"第 {row + 1} 步：" if row is not None else ""
        where_en = f"step {row + 1}: " if row is not None else ""
        self.items.append(
            {"row": row, "field": field, "reason": f"{where_zh}{zh} / {where_en}{en}"}
        )


def _type_codes(value: Any, problems: _Problems, row: int | None, field: str) -> list[str]:
    codes = _codes(value)
    if codes is None:
        problems.add(row, field, "事件类型须为代码列表", "a list of incident type codes")
        return []
    out: list[str] = []
    for code in codes:
        try:
            found = types.get(code, field).code
        except ValidationFailed:
            problems.add(row, field, f"未知事件类型 {code!r}", f"unknown incident type {code!r}")
            continue
        if found not in out:
            out.append(found)
    return out


def _organisation(session: Session, actor: Actor, step: dict[str, Any]) -> int | str | None:
    """The organisation id the step names (by id or code); a reason string when not usable."""
    given = step.get("organisation_id")
    code = step.get("organisation_code")
    if _blank(given) and _blank(code):
        return None
    if not _blank(given):
        oid = _int(given)
        if oid is None:
            return "单位编号须为整数 / organisation_id must be an integer"
    else:
        oid = session.scalar(select(Organisation.id).where(Organisation.code == str(code).strip()))
        if oid is None:
            return f"单位 {code} 不存在 / organisation {code} not found"
    try:
        return get_organisation(session, actor, oid).id
    except NotFound:
        return (
            f"单位 {given or code} 不存在或不在管辖范围内 / organisation not found or out of scope"
        )


def _person(session: Session, actor: Actor, step: dict[str, Any]) -> int | str | None:
    """The person id the step names (by id or mobile); a reason string when not usable."""
    given = step.get("person_id")
    mobile = step.get("person_mobile")
    if _blank(given) and _blank(mobile):
        return None
    if not _blank(given):
        pid = _int(given)
        if pid is None:
            return "人员编号须为整数 / person_id must be an integer"
    else:
        try:
            number = phones.normalise(str(mobile))
        except phones.PhoneError:
            return f"手机号 {mobile} 无效 / mobile {mobile} is not valid"
        pid = session.scalar(select(Person.id).where(Person.mobile == number))
        if pid is None:
            return f"手机号 {mobile} 无对应人员 / no person with mobile {mobile}"
    try:
        return get_person(session, actor, pid).id
    except NotFound:
        return "人员不存在或不在管辖范围内 / person not found or out of scope"


def responsible(
    session: Session, actor: Actor, data: dict[str, Any], problems: _Problems, row: int | None
) -> dict[str, Any]:
    """Exactly one of organisation (by id or code), role, person (by id or mobile)."""
    out: dict[str, Any] = {"organisation_id": None, "role": None, "person_id": None}
    named = 0
    org = _organisation(session, actor, data)
    if isinstance(org, str):
        named += 1
        zh, en = org.split(" / ", 1)
        problems.add(row, "organisation_id", zh, en)
    elif org is not None:
        named += 1
        out["organisation_id"] = org
    person = _person(session, actor, data)
    if isinstance(person, str):
        named += 1
        zh, en = person.split(" / ", 1)
        problems.add(row, "person_id", zh, en)
    elif person is not None:
        named += 1
        out["person_id"] = person
    role = data.get("role")
    if not _blank(role):
        named += 1
        role = str(role).strip()
        if role not in ROLES:
            problems.add(
                row, "role", f"未知责任角色 {role!r}", f"unknown role {role!r} ({', '.join(ROLES)})"
            )
        else:
            out["role"] = role
    if named == 0:
        problems.add(
            row,
            "responsible",
            "须指定责任单位、责任角色或责任人之一",
            "name an organisation, a role or a person",
        )
    elif named > 1:
        problems.add(
            row,
            "responsible",
            "责任单位、责任角色、责任人只能指定一个",
            "name only one of organisation, role, person",
        )
    return out


def _step(
    session: Session,
    actor: Actor,
    raw: Any,
    row: int,
    flow_types: list[str],
    problems: _Problems,
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.add(row, "step", "步骤须为对象", "a step must be an object")
        return {}
    level = _level(raw.get("min_level"))
    if level is None:
        problems.add(row, "min_level", "启动级别须为 1–4（Ⅰ–Ⅳ级）", "level must be 1..4 (I..IV)")
    minutes = _int(raw.get("minutes"))
    if minutes is None or minutes <= 0:
        problems.add(
            row, "minutes", "时限须为正整数（分钟）", "time limit must be whole minutes > 0"
        )
    elif minutes > MAX_MINUTES:
        problems.add(row, "minutes", "时限不得超过 30 天", "time limit at most 30 days")
    action = raw.get("action")
    action = action.strip() if isinstance(action, str) else ""
    if not action:
        problems.add(row, "action", "须填写工作内容", "the action is required")
    elif len(action) > 2000:
        problems.add(row, "action", "工作内容过长（最多 2000 字）", "action too long (max 2000)")
    codes = _type_codes(raw.get("type_codes"), problems, row, "type_codes")
    outside = [c for c in codes if flow_types and c not in flow_types]
    if outside:
        problems.add(
            row,
            "type_codes",
            f"类型 {', '.join(outside)} 不在流程适用类型内",
            f"types {', '.join(outside)} are not among the flow's",
        )
    who = responsible(session, actor, raw, problems, row)
    return {"min_level": level, "minutes": minutes, "action": action, "type_codes": codes, **who}


def clean(
    session: Session, actor: Actor, data: dict[str, Any], *, current: ResponseFlow | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The flow's fields and steps, checked; every problem at once, each naming its step
    (``row``, 0-based) and field."""
    if not isinstance(data, dict):
        raise invalid("body", "须为 JSON 对象 / a JSON object is required")
    problems = _Problems([])
    code = data.get("code", current.code if current else None)
    code = code.strip() if isinstance(code, str) else ""
    if not CODE_RE.match(code):
        problems.add(
            None, "code", "流程编码须为 1–40 位字母、数字或 _.-", "code: 1-40 letters, digits, _.-"
        )
    name = data.get("name", current.name if current else None)
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 200:
        problems.add(None, "name", "须填写流程名称（最多 200 字）", "a name (max 200) is required")
    flow_types = _type_codes(
        data.get("type_codes", current.type_codes if current else []), problems, None, "type_codes"
    )
    region = _region(session, actor, data, current, problems)
    steps_in = data.get("steps")
    if steps_in is None and current is not None:
        steps_in = [step_dict(s) for s in current.steps]
    if not isinstance(steps_in, list) or not steps_in:
        problems.add(None, "steps", "至少需要一个步骤", "at least one step is required")
        steps_in = []
    steps = [_step(session, actor, raw, i, flow_types, problems) for i, raw in enumerate(steps_in)]
    if problems.items:
        n = len(problems.items)
        raise ValidationFailed(f"流程有 {n} 处错误 / the flow has {n} problem(s)", problems.items)
    assert region is not None
    fields = {
        "code": code,
        "name": name,
        "type_codes": flow_types,
        "region_id": region.id,
        "region_path": region.path,
    }
    return fields, steps


def _region(
    session: Session,
    actor: Actor,
    data: dict[str, Any],
    current: ResponseFlow | None,
    problems: _Problems,
) -> Region | None:
    """The owning region: ``region_code`` or ``region_id`` if given, else the flow's own (on
    edit) or the actor's; it must lie in the actor's subtree."""
    code, rid = data.get("region_code"), data.get("region_id")
    if not _blank(code):
        region = session.scalar(select(Region).where(Region.code == str(code).strip()))
    elif not _blank(rid):
        region = session.get(Region, _int(rid)) if _int(rid) is not None else None
    elif current is not None:
        region = session.get(Region, current.region_id)
    else:
        region = session.get(Region, actor.region_id) if actor.region_id else None
    if region is None or not actor.covers(region.path):
        problems.add(
            None,
            "region_code",
            "区划不存在或不在管辖范围内",
            "region not found or outside your scope",
        )
        return None
    return region


def step_dict(step: FlowStep) -> dict[str, Any]:
    return {
        "id": step.id,
        "position": step.position,
        "min_level": step.min_level,
        "type_codes": list(step.type_codes or []),
        "organisation_id": step.organisation_id,
        "role": step.role,
        "person_id": step.person_id,
        "action": step.action,
        "minutes": step.minutes,
    }


# --- writing -------------------------------------------------------------------------------


def _add(
    session: Session,
    actor: Actor,
    fields: dict[str, Any],
    steps: list[dict[str, Any]],
    version: int,
) -> ResponseFlow:
    flow = ResponseFlow(**fields, version=version, active=True, created_by=actor.username)
    flow.steps = [FlowStep(position=i + 1, **s) for i, s in enumerate(steps)]
    session.add(flow)
    session.flush()
    return flow


def create(session: Session, actor: Actor, data: dict[str, Any]) -> ResponseFlow:
    """A new flow (version 1) in the actor's subtree; the code must be new."""
    actor.require_write()
    fields, steps = clean(session, actor, data)
    taken = session.scalar(select(ResponseFlow.id).where(ResponseFlow.code == fields["code"]))
    if taken is not None:
        raise Conflict(f"流程编码 {fields['code']} 已存在 / flow code already exists")
    return _add(session, actor, fields, steps, 1)


def _identity(step: FlowStep | dict[str, Any]) -> tuple[Any, ...]:
    """What makes two versions' steps "the same step" (the time limit may change)."""
    get_ = step.get if isinstance(step, dict) else lambda k: getattr(step, k)
    return (
        get_("min_level"),
        tuple(sorted(get_("type_codes") or [])),
        get_("organisation_id"),
        get_("role"),
        get_("person_id"),
        get_("action"),
    )


def update(session: Session, actor: Actor, flow_id: int, data: dict[str, Any]) -> ResponseFlow:
    """Edit = a new version of the flow's code (see the module docstring); returns it."""
    old = get(session, actor, flow_id)
    _require_change(actor, old)
    fields, steps = clean(session, actor, {**data, "code": old.code}, current=old)
    all_versions = list(
        session.scalars(select(ResponseFlow).where(ResponseFlow.code == old.code).with_for_update())
    )
    for v in all_versions:
        v.active = False
    top = max(v.version for v in all_versions)
    new = _add(session, actor, fields, steps, top + 1)
    _carry_tasks(session, old, new)
    return new


def _carry_tasks(session: Session, old: ResponseFlow, new: ResponseFlow) -> None:
    """Move the tasks of steps the new version repeats onto the repeated steps."""
    with_tasks = set(
        session.scalars(
            select(Task.step_id).where(Task.step_id.in_([s.id for s in old.steps])).distinct()
        )
    )
    if not with_tasks:
        return
    targets: dict[tuple[Any, ...], deque[int]] = defaultdict(deque)
    for step in new.steps:
        targets[_identity(step)].append(step.id)
    for step in old.steps:
        queue = targets.get(_identity(step))
        if not queue:
            continue
        target = queue.popleft()
        if step.id in with_tasks:
            session.execute(
                sql_update(Task).where(Task.step_id == step.id).values(step_id=target),
                execution_options={"synchronize_session": "fetch"},
            )


def retire(session: Session, actor: Actor, flow_id: int) -> ResponseFlow:
    """Deactivate a flow: it creates no more tasks; its steps and tasks stay."""
    flow = get(session, actor, flow_id)
    _require_change(actor, flow)
    flow.active = False
    session.flush()
    return flow


def activate(session: Session, actor: Actor, flow_id: int) -> ResponseFlow:
    """Make this version the active one of its code again (the others are deactivated)."""
    flow = get(session, actor, flow_id)
    _require_change(actor, flow)
    for other in session.scalars(select(ResponseFlow).where(ResponseFlow.code == flow.code)):
        other.active = other.id == flow.id
    session.flush()
    return flow


# --- reading for people --------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """Display names of the organisations and persons some steps or tasks name."""

    organisations: dict[int, str]
    persons: dict[int, str]

    def of(self, row: Any, locale: str = "zh-CN") -> str:
        """The responsible of a step or task as people read it."""
        if row.organisation_id is not None:
            return self.organisations.get(row.organisation_id, f"#{row.organisation_id}")
        if row.person_id is not None:
            return self.persons.get(row.person_id, f"#{row.person_id}")
        if row.role:
            return role_label(row.role, locale)
        return "—"


ROLE_EN = {
    "admin": "Administrative lead",
    "technical": "Technical lead",
    "monitoring": "Monitoring lead",
    "grid_member": "Grid member",
    "baobao": "Assigned superior",
    "duty_leader": "Duty leader",
}


def role_label(role: str, locale: str = "zh-CN") -> str:
    """A role step's responsible: the role's holders where the incident happens."""
    zh = ROLE_LABELS.get(role)  # type: ignore[call-overload]
    if locale == "en":
        return f"{ROLE_EN.get(role, role.replace('_', ' '))} (incident area)"
    return f"{zh or role}（事发地）"


def names(session: Session, rows: Iterable[Any]) -> Names:
    rows = list(rows)
    orgs = values_by_id(session, Organisation, Organisation.name, (r.organisation_id for r in rows))
    people = values_by_id(session, Person, Person.name, (r.person_id for r in rows))
    return Names(orgs, people)


def as_dict(flow: ResponseFlow, who: Names | None = None) -> dict[str, Any]:
    return {
        "id": flow.id,
        "code": flow.code,
        "name": flow.name,
        "type_codes": list(flow.type_codes or []),
        "region_id": flow.region_id,
        "region_path": flow.region_path,
        "version": flow.version,
        "active": flow.active,
        "created_by": flow.created_by,
        "created_at": flow.created_at.isoformat() if flow.created_at else None,
        "steps": [
            {**step_dict(s), **({"responsible": who.of(s)} if who else {})} for s in flow.steps
        ],
    }


def by_level(steps: Sequence[FlowStep]) -> dict[int, list[FlowStep]]:
    """Steps grouped by the level that starts them, Ⅳ first; each group by time limit."""
    out: dict[int, list[FlowStep]] = {lv: [] for lv in LEVELS}
    for step in steps:
        out.setdefault(step.min_level, []).append(step)
    for group in out.values():
        group.sort(key=lambda s: (s.minutes, s.position))
    return out
