"""After-action review (复盘评估): how fast and how well the response went, measured from
the incident's timeline and records; the findings; corrective actions tracked to closure.

The measures are recomputed whenever asked (``measure``) and frozen into the review each
time it is saved, so a review document keeps saying what was known when it was written even
if the timeline later grows. Times are minutes from the incident's occurrence and from its
receipt by the duty desk:

- first report: the first :class:`IncidentReport`;
- response: the first ``level`` timeline event (a level declared);
- first arrival: the first ``dispatch`` event whose data says ``state: arrived``, or the
  first ``arrived`` step in the history of one of the incident's dispatch orders (those
  sent for it, ``DispatchOrder.incident_id``, and those its timeline names).

Tasks are on time when done by their due time (cancelled tasks and tasks without a due time
do not count); warning confirmation sums ``warning`` events' ``instructions`` and
``confirmed``; resources count the incident's dispatch orders (cancelled ones excluded)
with their teams, equipment units and material lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from yingji import clock
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import Conflict, NotFound, ValidationFailed
from yingji.incidents import service, sitrep, timeline
from yingji.incidents.flow_models import TaskStatus
from yingji.incidents.models import Incident
from yingji.incidents.review_models import ActionStatus, CorrectiveAction, Review
from yingji.incidents.sitrep import Document, Section, Source, Table
from yingji.paging import Page, paginate
from yingji.resources.models import DispatchOrder, OrderState
from yingji.warnings.instruction_models import Instruction

TITLE = "突发事件复盘评估报告"
FINDINGS_MAX = 20_000
TITLE_MAX = 500
OWNER_MAX = 200
NOTE_MAX = 2_000
ACTION_NOT_FOUND = "整改措施不存在 / corrective action not found"
MOMENTS = (
    ("first_report", "首报"),
    ("response", "启动响应"),
    ("first_arrival", "首支力量到达"),
)
"""The three lapses measured, with their names in the document."""


# ---------------------------------------------------------------- measures


def _minutes(start: dt.datetime, end: dt.datetime) -> float:
    return round((clock.aware(end) - clock.aware(start)).total_seconds() / 60.0, 1)


def _lapse(incident: Incident, at: dt.datetime | None) -> dict[str, Any]:
    if at is None:
        return {"at": None, "from_occurred": None, "from_received": None}
    return {
        "at": clock.aware(at).isoformat(),
        "from_occurred": _minutes(incident.occurred_at, at),
        "from_received": _minutes(incident.received_at, at),
    }


def _count(value: Any) -> int | None:
    """A whole number from event data (JSON may carry ``3``, ``3.0`` or ``"3"``)."""
    if isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _order_id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def named_orders(src: Source) -> list[int]:
    """Ids of the dispatch orders the timeline names, in order of first mention."""
    seen: dict[int, None] = {}
    for e in src.events:
        if e.kind == timeline.EventKind.dispatch:
            oid = _order_id((e.data or {}).get("order_id"))
            if oid is not None:
                seen.setdefault(oid)
    return list(seen)


def load_orders(session: Session, src: Source) -> dict[int, DispatchOrder]:
    """The dispatch orders of the incident: those sent for it (``incident_id``) and those
    its timeline names."""
    ids = named_orders(src)
    serves = DispatchOrder.incident_id == src.incident.id
    where = or_(serves, DispatchOrder.id.in_(ids)) if ids else serves
    stmt = select(DispatchOrder).where(where).options(selectinload(DispatchOrder.lines))
    return {o.id: o for o in session.scalars(stmt)}


def _first_arrival(src: Source, orders: dict[int, DispatchOrder]) -> dt.datetime | None:
    times = [
        clock.aware(e.at)
        for e in src.events
        if e.kind == timeline.EventKind.dispatch
        and (e.data or {}).get("state") == OrderState.arrived
    ]
    for order in orders.values():
        for step in order.history or []:
            if step.get("state") == OrderState.arrived and step.get("at"):
                times.append(clock.aware(dt.datetime.fromisoformat(step["at"])))
    return min(times, default=None)


def _tasks(src: Source) -> dict[str, Any]:
    counted = [t for t in src.tasks if t.due_at is not None and t.status != TaskStatus.cancelled]
    on_time = sum(
        1
        for t in counted
        if t.done_at is not None
        and t.due_at is not None
        and clock.aware(t.done_at) <= clock.aware(t.due_at)
    )
    share = round(on_time / len(counted), 4) if counted else None
    return {"with_due": len(counted), "on_time": on_time, "share": share}


def _warnings(src: Source, calls: dict[int, tuple[int, int]] | None = None) -> dict[str, Any]:
    """Calls made for the incident and how many were confirmed; a direct-reach event's
    counts come live from its instructions (``calls``) when they were read."""
    sent = confirmed = 0
    for e in src.events:
        data = e.data or {}
        n = _count(data.get("instructions"))
        if e.kind != timeline.EventKind.warning or n is None:
            continue
        live = (calls or {}).get(_count(data.get("direct_id")) or -1)
        if live is not None:
            n, done = live
        else:
            done = _count(data.get("confirmed")) or 0
        sent += n
        confirmed += done
    return {
        "instructions": sent,
        "confirmed": confirmed,
        "rate": round(confirmed / sent, 4) if sent else None,
    }


def _resources(src: Source, orders: dict[int, DispatchOrder]) -> dict[str, int]:
    """The orders used (not cancelled) and what they sent. Facts come from the order row
    when it exists, else from the latest event that names the order."""
    facts: dict[int, dict[str, Any]] = {}
    for e in src.events:
        oid = _order_id((e.data or {}).get("order_id"))
        if e.kind == timeline.EventKind.dispatch and oid is not None:
            facts.setdefault(oid, {}).update(e.data or {})
    teams: set[Any] = set()
    used = units = lines = 0
    for oid in {**facts, **orders}:
        data = facts.get(oid, {})
        order = orders.get(oid)
        state = order.state if order is not None else data.get("state")
        if state == OrderState.cancelled:
            continue
        used += 1
        if order is not None:
            team, n_units, n_lines = order.team_id, order.units, len(order.lines)
        else:
            raw_lines = data.get("lines")
            team, n_units = data.get("team_id"), data.get("units")
            n_lines = len(raw_lines) if isinstance(raw_lines, list) else int(raw_lines or 0)
        if team is not None:
            teams.add(team)
        if (order is not None and order.equipment_id) or data.get("equipment_id"):
            units += int(n_units or 0)
        lines += n_lines
    return {"orders": used, "teams": len(teams), "equipment_units": units, "material_lines": lines}


def measure(
    src: Source,
    orders: dict[int, DispatchOrder],
    now: dt.datetime | None = None,
    calls: dict[int, tuple[int, int]] | None = None,
) -> dict[str, Any]:
    """The review's measures from the timeline and records as of ``now``; reads no
    database (``orders`` are the rows of :func:`load_orders`)."""
    now = now or utcnow()
    inc = src.incident
    reports = sorted(
        (r for r in src.reports if clock.aware(r.at) <= now), key=lambda r: clock.aware(r.at)
    )
    levels = [
        e for e in src.events if e.kind == timeline.EventKind.level and clock.aware(e.at) <= now
    ]
    arrival = _first_arrival(src, orders)
    if arrival is not None and arrival > now:
        arrival = None
    return {
        "measured_at": now.isoformat(),
        "occurred_at": clock.aware(inc.occurred_at).isoformat(),
        "received_at": clock.aware(inc.received_at).isoformat(),
        "first_report": _lapse(inc, reports[0].at if reports else None),
        "response": _lapse(inc, min((clock.aware(e.at) for e in levels), default=None)),
        "first_arrival": _lapse(inc, arrival),
        "tasks": _tasks(src),
        "warnings": _warnings(src, calls),
        "resources": _resources(src, orders),
    }


def measure_now(
    session: Session, actor: Actor, incident_id: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    src = sitrep.collect(session, actor, incident_id)
    return measure(src, load_orders(session, src), now, load_calls(session, src))


def load_calls(session: Session, src: Source) -> dict[int, tuple[int, int]]:
    """(instructions, confirmed) per direct-reach message on the timeline, counted now."""
    ids = {
        _count((e.data or {}).get("direct_id"))
        for e in src.events
        if e.kind == timeline.EventKind.warning
    } - {None}
    if not ids:
        return {}
    rows = session.execute(
        select(
            Instruction.direct_id,
            func.count(),
            func.count(Instruction.confirmed_at),
        )
        .where(Instruction.direct_id.in_(ids), Instruction.round == 0)
        .group_by(Instruction.direct_id)
    )
    return {int(d): (int(n), int(c)) for d, n, c in rows}


# ---------------------------------------------------------------- reviews and actions


def find(session: Session, incident_id: int) -> Review | None:
    return session.scalar(select(Review).where(Review.incident_id == incident_id))


def actions_of(session: Session, review_id: int) -> list[CorrectiveAction]:
    stmt = select(CorrectiveAction).where(CorrectiveAction.review_id == review_id)
    return list(session.scalars(stmt.order_by(CorrectiveAction.id)))


def _ensure(
    session: Session, actor: Actor, incident_id: int, now: dt.datetime
) -> tuple[Review, bool]:
    """The incident's review, and whether it was just created (with the measures frozen
    as of ``now``). Two writers starting the same review at once get the same one."""
    actor.require_write()
    service.get(session, actor, incident_id)
    review = find(session, incident_id)
    if review is not None:
        return review, False
    review = Review(
        incident_id=incident_id,
        metrics=measure_now(session, actor, incident_id, now),
        findings="",
        created_by=actor.username,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(review)
    except IntegrityError:
        existing = find(session, incident_id)
        if existing is None:
            raise
        return existing, False
    return review, True


def save(
    session: Session,
    actor: Actor,
    incident_id: int,
    findings: str,
    *,
    now: dt.datetime | None = None,
) -> Review:
    """Write the findings and freeze the measures as of now."""
    now = now or utcnow()
    findings = (findings or "").strip()
    if len(findings) > FINDINGS_MAX:
        raise ValidationFailed(
            f"评估发现过长（最多 {FINDINGS_MAX} 字）/ findings too long",
            [{"field": "findings", "reason": f"最多 {FINDINGS_MAX} 字 / at most {FINDINGS_MAX}"}],
        )
    review, created = _ensure(session, actor, incident_id, now)
    review.findings = findings
    if not created:
        review.metrics = measure_now(session, actor, incident_id, now)
    review.updated_at = now
    timeline.record(
        session,
        incident_id,
        "review",
        "形成复盘评估" if created else "更新复盘评估",
        data={"review_id": review.id},
        by=actor.username,
        at=now,
    )
    session.flush()
    return review


def _text(field: str, value: str | None, limit: int, name: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(
            f"{name}不能为空 / {field} is required",
            [{"field": field, "reason": "必填 / required"}],
        )
    if len(text) > limit:
        raise ValidationFailed(
            f"{name}过长 / {field} too long",
            [{"field": field, "reason": f"最多 {limit} 字 / at most {limit} characters"}],
        )
    return text


def add_action(
    session: Session,
    actor: Actor,
    incident_id: int,
    *,
    title: str,
    owner: str,
    due_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> CorrectiveAction:
    """A corrective action for the incident's review (the review is started if needed)."""
    now = now or utcnow()
    problems = []
    values: dict[str, str] = {}
    for field, value, limit, name in (
        ("title", title, TITLE_MAX, "整改措施"),
        ("owner", owner, OWNER_MAX, "责任单位"),
    ):
        try:
            values[field] = _text(field, value, limit, name)
        except ValidationFailed as exc:
            problems += exc.details
    if problems:
        raise ValidationFailed("整改措施填写有误 / the corrective action is incomplete", problems)
    review, _ = _ensure(session, actor, incident_id, now)
    action = CorrectiveAction(
        review_id=review.id,
        title=values["title"],
        owner=values["owner"],
        due_on=due_on,
        status=ActionStatus.open,
    )
    session.add(action)
    session.flush()
    due = f"，时限{due_on.isoformat()}" if due_on else ""
    timeline.record(
        session,
        incident_id,
        "review",
        f"提出整改措施：{action.title}（{action.owner}{due}）",
        data={"action_id": action.id},
        by=actor.username,
        at=now,
    )
    return action


def get_action(session: Session, actor: Actor, action_id: int) -> tuple[CorrectiveAction, Incident]:
    """The action and its incident, if the actor may see the incident."""
    action = session.get(CorrectiveAction, action_id)
    review = session.get(Review, action.review_id) if action is not None else None
    if action is None or review is None:
        raise NotFound(ACTION_NOT_FOUND)
    try:
        incident = service.get(session, actor, review.incident_id)
    except NotFound:
        raise NotFound(ACTION_NOT_FOUND) from None
    return action, incident


def close_action(
    session: Session,
    actor: Actor,
    action_id: int,
    note: str,
    *,
    now: dt.datetime | None = None,
) -> tuple[CorrectiveAction, Incident]:
    """Close an open action with a note saying what was done."""
    now = now or utcnow()
    action, incident = get_action(session, actor, action_id)
    actor.require_write()
    text = _text("note", note, NOTE_MAX, "完成情况")
    if action.status == ActionStatus.closed:
        raise Conflict("整改措施已完成 / the corrective action is already closed")
    action.status = ActionStatus.closed
    action.closed_at = now
    action.closed_note = text
    timeline.record(
        session,
        incident.id,
        "review",
        f"整改措施完成：{action.title}（{text}）",
        data={"action_id": action.id},
        by=actor.username,
        at=now,
    )
    session.flush()
    return action, incident


def is_overdue(action: CorrectiveAction, today: dt.date) -> bool:
    return (
        action.status == ActionStatus.open and action.due_on is not None and action.due_on < today
    )


def action_out(action: CorrectiveAction, incident: Incident, today: dt.date) -> dict[str, Any]:
    return {
        "id": action.id,
        "review_id": action.review_id,
        "incident_id": incident.id,
        "incident_code": incident.code,
        "incident_title": incident.title,
        "title": action.title,
        "owner": action.owner,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "status": action.status,
        "overdue": is_overdue(action, today),
        "closed_at": clock.aware(action.closed_at).isoformat() if action.closed_at else None,
        "closed_note": action.closed_note,
    }


@dataclass
class ActionRow:
    action: CorrectiveAction
    incident: Incident
    overdue: bool


def list_actions(
    session: Session,
    actor: Actor,
    *,
    open_only: bool | None = None,
    overdue_only: bool = False,
    today: dt.date | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[Page[Any], list[ActionRow]]:
    """Corrective actions of incidents in the actor's scope, earliest due first (overdue
    ones first of all); ``open_only`` True/False keeps open/closed ones, None both."""
    today = today or clock.today()
    stmt: Select[Any] = (
        select(CorrectiveAction)
        .join(Review, Review.id == CorrectiveAction.review_id)
        .join(Incident, Incident.id == Review.incident_id)
    )
    stmt = service.scoped(actor, stmt)
    if open_only is True or overdue_only:
        stmt = stmt.where(CorrectiveAction.status == ActionStatus.open)
    elif open_only is False:
        stmt = stmt.where(CorrectiveAction.status == ActionStatus.closed)
    if overdue_only:
        stmt = stmt.where(CorrectiveAction.due_on < today)
    stmt = stmt.order_by(
        (CorrectiveAction.status == ActionStatus.closed),
        CorrectiveAction.due_on.is_(None),
        CorrectiveAction.due_on,
        CorrectiveAction.id,
    )
    page = paginate(session, stmt, offset, limit)
    review_ids = {a.review_id for a in page.items}
    incidents: dict[int, Incident] = {}
    if review_ids:
        pairs = session.execute(
            select(Review.id, Incident)
            .join(Incident, Incident.id == Review.incident_id)
            .where(Review.id.in_(review_ids))
        )
        incidents = {rid: inc for rid, inc in pairs}
    rows = [ActionRow(a, incidents[a.review_id], is_overdue(a, today)) for a in page.items]
    return page, rows


# ---------------------------------------------------------------- the document


def _minutes_text(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _share(part: int, whole: int, share: float | None) -> str:
    if share is None:
        return "无数据"
    return f"{part}/{whole}（{share * 100:.1f}%）"


def metric_tables(metrics: dict[str, Any]) -> tuple[Table, Table]:
    """The measures as two tables: the lapses, then the outcome measures."""
    lapses = Table(
        head=("环节", "时间", "距事发（分钟）", "距接报（分钟）"),
        rows=[
            (
                name,
                sitrep.short_time(parse_time(metrics[key]["at"])),
                _minutes_text(metrics[key]["from_occurred"]),
                _minutes_text(metrics[key]["from_received"]),
            )
            for key, name in MOMENTS
        ],
        widths=(28, 26, 23, 23),
        align=("L", "L", "R", "R"),
    )
    t, w, r = metrics["tasks"], metrics["warnings"], metrics["resources"]
    outcomes = Table(
        head=("指标", "结果"),
        rows=[
            ("任务按时完成率", _share(t["on_time"], t["with_due"], t["share"])),
            ("预警叫应确认率", _share(w["confirmed"], w["instructions"], w["rate"])),
            (
                "动用资源",
                f"调度单{r['orders']}个，救援队伍{r['teams']}支，"
                f"装备{r['equipment_units']}台套，物资{r['material_lines']}项",
            ),
        ],
        widths=(30, 70),
    )
    return lapses, outcomes


def parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def document(
    src: Source,
    metrics: dict[str, Any],
    *,
    frozen: bool,
    findings: str,
    actions: list[CorrectiveAction],
    now: dt.datetime | None = None,
) -> Document:
    """The review as a document: the incident, the measures (``frozen`` when they are the
    saved review's), the findings and the corrective actions."""
    now = now or utcnow()
    report = sitrep.build(src, now)
    lapses, outcomes = metric_tables(metrics)
    basis = "评估保存时" if frozen else "尚未保存评估，按当前时间线"
    measured = sitrep.when(parse_time(metrics["measured_at"]))
    note = f"以上指标按事件时间线计算，计算时间：{measured}（{basis}）。"
    paragraphs = [p.strip() for p in findings.splitlines() if p.strip()]
    today = clock.today(now)
    rows = []
    for n, a in enumerate(actions, start=1):
        state = "已完成" if a.status == ActionStatus.closed else "整改中"
        if is_overdue(a, today):
            state = "逾期"
        due = a.due_on.isoformat() if a.due_on else "—"
        rows.append((str(n), a.title, a.owner, due, state))
    action_table = Table(
        head=("序号", "整改措施", "责任单位", "完成时限", "状态"),
        rows=rows,
        widths=(8, 44, 22, 14, 12),
        align=("C", "L", "L", "L", "C"),
        marks=tuple(is_overdue(a, today) for a in actions),
    )
    return Document(
        title=TITLE,
        headline=report.headline,
        subtitle=f"事件编号 {src.incident.code}",
        sections=[
            Section("一、事件概况", [*report.paragraphs["basics"], report.paragraphs["losses"][0]]),
            Section("二、处置时效与成效", [lapses, outcomes, note]),
            Section("三、评估发现", list(paragraphs) or ["尚未填写评估发现。"]),
            Section("四、整改措施", [action_table] if actions else ["暂无整改措施。"]),
        ],
        signature=[f"评估单位：{src.unit}", f"评估时间：{sitrep.when(now)}"],
        footer=f"{TITLE} · {src.incident.code}",
    )


@dataclass
class ReviewView:
    """An incident's review as pages and documents show it."""

    source: Source
    review: Review | None
    live: dict[str, Any]
    """The measures as of now (what saving would freeze)."""
    actions: list[CorrectiveAction]

    @property
    def metrics(self) -> dict[str, Any]:
        """The saved measures, else the live ones."""
        return self.review.metrics if self.review and self.review.metrics else self.live

    def document(self, now: dt.datetime | None = None) -> Document:
        return document(
            self.source,
            self.metrics,
            frozen=self.review is not None and bool(self.review.metrics),
            findings=self.review.findings if self.review else "",
            actions=self.actions,
            now=now,
        )

    def as_dict(self, today: dt.date) -> dict[str, Any]:
        r = self.review
        inc = self.source.incident
        return {
            "incident_id": inc.id,
            "incident_code": inc.code,
            "review": None
            if r is None
            else {
                "id": r.id,
                "findings": r.findings,
                "metrics": r.metrics,
                "created_by": r.created_by,
                "created_at": clock.aware(r.created_at).isoformat(),
                "updated_at": clock.aware(r.updated_at).isoformat(),
            },
            "live_metrics": self.live,
            "actions": [action_out(a, inc, today) for a in self.actions],
        }


def view(
    session: Session,
    actor: Actor,
    incident_id: int,
    *,
    now: dt.datetime | None = None,
    unit: str | None = None,
) -> ReviewView:
    """The incident's review (None before one is written), live measures and actions."""
    src = sitrep.collect(session, actor, incident_id, unit=unit)
    review = find(session, incident_id)
    live = measure(src, load_orders(session, src), now, load_calls(session, src))
    return ReviewView(src, review, live, actions_of(session, review.id) if review else [])
