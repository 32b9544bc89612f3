"""Situation reports (突发事件情况报告): the Chinese text a duty desk sends upward, built from
the incident's current figures, its reports and its timeline.

``collect`` reads what a report needs (scope-checked); ``build`` turns it into a
:class:`Sitrep` without touching the database, so the same inputs always give the same
text. ``document`` lays a sitrep out as a :class:`Document` — headings, paragraphs and
tables as plain strings — which ``sitrep_html``, ``sitrep_pdf`` and ``sitrep_docx`` render;
the after-action review uses the same document type and renderers.

Which report the changes are counted from: the latest report, unless the current figures
are exactly what it gave (the sitrep then restates it), in which case the one before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.incidents import grading, reporting, service, timeline, types
from yingji.incidents.flow_models import Task, TaskStatus
from yingji.incidents.models import FIGURES, Incident, IncidentEvent, IncidentReport
from yingji.people.models import Organisation, Person
from yingji.regions.models import Region

TITLE = "突发事件情况报告"
KIND_NAMES = {"first": "首报", "upward": "上报", "follow_up": "续报", "final": "终报"}
FIGURE_NAMES: dict[str, tuple[str, str]] = {
    "dead": ("死亡", "人"),
    "missing": ("失踪", "人"),
    "injured": ("受伤", "人"),
    "seriously_injured": ("其中重伤", "人"),
    "trapped": ("被困", "人"),
    "affected": ("受灾", "人"),
    "direct_loss_yuan": ("直接经济损失", "万元"),
}
"""Every figure a report carries, in the order the text and tables give them."""
RESPONSE_KINDS = (timeline.EventKind.level, timeline.EventKind.task, timeline.EventKind.dispatch)
EVENT_NAMES = {"level": "响应", "task": "任务", "dispatch": "调度"}
MAX_EVENTS = 30
"""The response table shows the latest events only; a long incident has hundreds."""
MAX_TASK_STEPS = 5
SECTIONS = (
    "一、基本情况",
    "二、人员伤亡和财产损失",
    "三、应急处置情况",
    "四、下一步工作",
    "五、信息报送情况",
)


# ---------------------------------------------------------------- the document type


Row = tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table as strings; ``widths`` are relative, ``marks`` flags rows to highlight."""

    head: Row
    rows: list[Row]
    widths: tuple[float, ...]
    align: tuple[str, ...] = ()
    """Per column: ``L``, ``C`` or ``R`` (default ``L``)."""
    marks: tuple[bool, ...] = ()

    def aligned(self, col: int) -> str:
        return self.align[col] if col < len(self.align) else "L"

    def marked(self, row: int) -> bool:
        return row < len(self.marks) and self.marks[row]


Block = str | Table
"""A paragraph or a table."""


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    """What a rendered document prints, in order: every renderer reads only this."""

    title: str
    headline: str
    subtitle: str
    sections: list[Section]
    signature: list[str]
    footer: str

    def strings(self) -> list[str]:
        """Every string the renderers print (for glyph and content checks)."""
        out = [self.title, self.headline, self.subtitle, self.footer, *self.signature]
        for s in self.sections:
            out.append(s.heading)
            for b in s.blocks:
                if isinstance(b, Table):
                    out += list(b.head)
                    out += [c for row in b.rows for c in row]
                else:
                    out.append(b)
        return out

    def text(self) -> str:
        """The document as plain text (for the terminal and for e-mail bodies)."""
        lines = [self.title, self.headline]
        if self.subtitle:
            lines.append(self.subtitle)
        for s in self.sections:
            lines += ["", s.heading]
            for b in s.blocks:
                if isinstance(b, Table):
                    lines.append(" | ".join(b.head))
                    lines += [" | ".join(row) for row in b.rows]
                else:
                    lines.append(b)
        lines += ["", *self.signature]
        return "\n".join(lines)


# ---------------------------------------------------------------- formats


def when(value: dt.datetime | None, zone: ZoneInfo | None = None) -> str:
    """``2025年7月3日14时05分`` in the installation's time zone."""
    if value is None:
        return "—"
    v = clock.aware(value).astimezone(zone or clock.zone())
    return f"{v.year}年{v.month}月{v.day}日{v.hour}时{v.minute:02d}分"


def short_time(value: dt.datetime | None, zone: ZoneInfo | None = None) -> str:
    """``7月3日 14:05``: for table cells."""
    if value is None:
        return "—"
    v = clock.aware(value).astimezone(zone or clock.zone())
    return f"{v.month}月{v.day}日 {v.hour:02d}:{v.minute:02d}"


def wan(yuan: float) -> str:
    """Yuan as 万元 with at most two decimals (``12.5``, ``300``)."""
    text = f"{yuan / 10_000:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def figure_text(key: str, value: float | int | None) -> str:
    if value is None:
        return "—"
    return wan(float(value)) if key == "direct_loss_yuan" else f"{int(value):,}"


def change_text(key: str, delta: float | None) -> str:
    """``+2``, ``-1``, ``0``; a dash when unknown."""
    if delta is None:
        return "—"
    if key == "direct_loss_yuan":
        return "0" if delta == 0 else ("+" if delta > 0 else "-") + wan(abs(delta))
    return f"{int(delta):+d}" if delta else "0"


# ---------------------------------------------------------------- inputs


@dataclass
class Source:
    """What one incident's sitrep and review are made from (read by :func:`collect`)."""

    incident: Incident
    place: str
    """The region's names from the city down, then the place as written."""
    reports: list[IncidentReport]
    events: list[IncidentEvent]
    tasks: list[Task]
    unit: str
    by: str | None = None


def place_name(session: Session, incident: Incident) -> str:
    """``重庆市万州区中和街道 XX村滑坡点``: the region's names below the province level
    where they add something, then the place."""
    codes = [c for c in incident.region_path.strip("/").split("/") if c]
    rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    names_by_code = {code: name for code, name in rows}
    names: list[str] = []
    for code in codes:
        name = names_by_code.get(code)
        if name and name not in names:
            names.append(name)
    region = "".join(names)
    return f"{region}{incident.place}" if incident.place else region


def reporting_unit(session: Session, actor: Actor) -> str:
    """The sender: the actor's organisation, else their region's emergency bureau."""
    if actor.person_id is not None:
        person = session.get(Person, actor.person_id)
        if person is not None and person.organisation_id is not None:
            org = session.get(Organisation, person.organisation_id)
            if org is not None:
                return org.name
    region = session.get(Region, actor.region_id) if actor.region_id is not None else None
    return f"{region.name}应急管理局" if region is not None else "应急管理部门"


def collect(session: Session, actor: Actor, incident_id: int, *, unit: str | None = None) -> Source:
    """The incident (if the actor may see it) with its reports, timeline and tasks."""
    incident = service.get(session, actor, incident_id)
    reports = session.scalars(
        select(IncidentReport)
        .where(IncidentReport.incident_id == incident_id)
        .order_by(IncidentReport.at, IncidentReport.id)
    )
    tasks = session.scalars(select(Task).where(Task.incident_id == incident_id).order_by(Task.id))
    return Source(
        incident=incident,
        place=place_name(session, incident),
        reports=list(reports),
        events=timeline.events(session, incident_id),
        tasks=list(tasks),
        unit=(unit or "").strip() or reporting_unit(session, actor),
        by=actor.username,
    )


# ---------------------------------------------------------------- the report


@dataclass
class Previous:
    at: dt.datetime
    kind: str
    figures: dict[str, Any]


@dataclass
class TaskCounts:
    total: int = 0
    done: int = 0
    in_progress: int = 0
    open: int = 0
    cancelled: int = 0
    overdue: int = 0
    """Not done, not cancelled, past due at the report's time."""


@dataclass
class Sitrep:
    """One situation report: the facts, and the Chinese paragraphs said from them."""

    incident_id: int
    code: str
    title: str
    kind: str
    """``first`` before any report, ``final`` once closed, else ``follow_up``."""
    as_of: dt.datetime
    headline: str
    type_name: str
    grade: int | None
    grade_label: str
    response_level: int | None
    place: str
    occurred_at: dt.datetime
    received_at: dt.datetime
    figures: dict[str, float | int]
    previous: Previous | None
    changes: dict[str, float | int | None]
    tasks: TaskCounts
    orders: int
    arrived: int
    events: list[IncidentEvent]
    reports: list[IncidentReport]
    next_steps: list[str]
    paragraphs: dict[str, list[str]]
    unit: str
    by: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "code": self.code,
            "title": self.title,
            "kind": self.kind,
            "kind_name": KIND_NAMES[self.kind],
            "as_of": self.as_of.isoformat(),
            "headline": self.headline,
            "type_name": self.type_name,
            "grade": self.grade,
            "grade_label": self.grade_label,
            "response_level": self.response_level,
            "place": self.place,
            "occurred_at": self.occurred_at.isoformat(),
            "received_at": self.received_at.isoformat(),
            "figures": self.figures,
            "previous": None
            if self.previous is None
            else {
                "at": self.previous.at.isoformat(),
                "kind": self.previous.kind,
                "figures": self.previous.figures,
            },
            "changes": self.changes,
            "tasks": asdict(self.tasks),
            "dispatch": {"orders": self.orders, "arrived": self.arrived},
            "events": [
                {"at": e.at.isoformat(), "kind": e.kind, "text": e.text, "by": e.by}
                for e in self.events
            ],
            "next_steps": self.next_steps,
            "paragraphs": self.paragraphs,
            "unit": self.unit,
            "by": self.by,
        }


def current_figures(incident: Incident) -> dict[str, float | int]:
    out: dict[str, float | int] = {k: int(getattr(incident, k) or 0) for k in FIGURES}
    out["direct_loss_yuan"] = float(incident.direct_loss_yuan or 0.0)
    return out


def _same(figures: dict[str, float | int], reported: dict[str, Any]) -> bool:
    return all(reported.get(k) is not None and reported[k] == v for k, v in figures.items())


def baseline(
    figures: dict[str, float | int], reports: list[IncidentReport]
) -> IncidentReport | None:
    """The report the changes are counted from (see the module's docstring)."""
    if not reports:
        return None
    if len(reports) > 1 and _same(figures, reports[-1].figures or {}):
        return reports[-2]
    return reports[-1]


def changes(
    figures: dict[str, float | int], previous: dict[str, Any] | None
) -> dict[str, float | int | None]:
    """Current minus previous per figure; None when the previous report lacks it."""
    if previous is None:
        return dict.fromkeys(figures)
    out: dict[str, float | int | None] = {}
    for key, value in figures.items():
        before = previous.get(key)
        out[key] = None if before is None else value - before
    return out


def count_tasks(tasks: list[Task], now: dt.datetime) -> TaskCounts:
    c = TaskCounts(total=len(tasks))
    for t in tasks:
        if t.status == TaskStatus.done:
            c.done += 1
        elif t.status == TaskStatus.cancelled:
            c.cancelled += 1
        else:
            if t.status == TaskStatus.in_progress:
                c.in_progress += 1
            else:
                c.open += 1
            if t.due_at is not None and clock.aware(t.due_at) < now:
                c.overdue += 1
    return c


def order_states(events: list[IncidentEvent]) -> dict[Any, str]:
    """The last state each dispatch order reached, from ``dispatch`` events that name an
    order (``data`` ``{"order_id", "state"}``)."""
    states: dict[Any, str] = {}
    for e in events:
        data = e.data or {}
        if e.kind == timeline.EventKind.dispatch and data.get("order_id") is not None:
            states[data["order_id"]] = str(data.get("state") or "issued")
    return states


def _casualty_sentence(f: dict[str, float | int]) -> str:
    hurt = []
    for key in ("dead", "missing", "injured"):
        if f[key]:
            name = FIGURE_NAMES[key][0]
            hurt.append(f"{f[key]:,}人{name}")
    text = "、".join(hurt) if hurt else "暂未发现人员伤亡"
    if f["injured"] and f["seriously_injured"]:
        text += f"（其中重伤{f['seriously_injured']:,}人）"
    if f["trapped"]:
        text += f"，{f['trapped']:,}人被困"
    if f["affected"]:
        text += f"，受灾{f['affected']:,}人"
    if f["direct_loss_yuan"]:
        text += f"，直接经济损失约{wan(f['direct_loss_yuan'])}万元"
    return text


def _change_sentence(prev: Previous | None, delta: dict[str, float | int | None]) -> str:
    if prev is None:
        return "此为首次报告。"
    said = []
    for key, d in delta.items():
        if not d:
            continue
        name, unit = FIGURE_NAMES[key]
        name = name.removeprefix("其中")
        amount = wan(abs(d)) if key == "direct_loss_yuan" else f"{abs(int(d)):,}"
        verb = "增加" if d > 0 else "减少"
        noun = name if key == "direct_loss_yuan" else f"{name}人数"
        said.append(f"{noun}{verb}{amount}{unit}")
    since = f"与{when(prev.at)}{KIND_NAMES.get(prev.kind, '报告')}相比"
    if not said:
        return f"{since}，人员伤亡和损失情况无变化。"
    return f"{since}，{'，'.join(said)}。"


def _level_sentence(incident: Incident, events: list[IncidentEvent]) -> str:
    levels = [e for e in events if e.kind == timeline.EventKind.level]
    if incident.response_level is None:
        if levels:
            last = levels[-1]
            return f"{when(last.at)}，{last.text.rstrip('。')}，目前未处于应急响应状态。"
        return "尚未启动应急响应。"
    name = grading.LEVEL_NAMES[incident.response_level]
    if not levels:
        return f"已启动{name}应急响应。"
    text = f"{when(levels[-1].at)}，{levels[-1].text.rstrip('。')}"
    return f"{text}。" if name in text else f"{text}，现为{name}应急响应。"


def _task_sentence(c: TaskCounts) -> str:
    if not c.total:
        return "暂无处置任务。"
    text = f"按照应急响应流程共生成处置任务{c.total}项，已完成{c.done}项"
    if c.in_progress:
        text += f"，正在办理{c.in_progress}项"
    if c.open:
        text += f"，待办{c.open}项"
    if c.overdue:
        text += f"（其中逾期{c.overdue}项）"
    if c.cancelled:
        text += f"，因响应调整撤销{c.cancelled}项"
    return text + "。"


def _dispatch_sentence(states: dict[Any, str]) -> str:
    used = {k: s for k, s in states.items() if s != "cancelled"}
    if not used:
        return "暂未调派救援力量和物资。"
    arrived = sum(1 for s in used.values() if s in ("arrived", "released"))
    return f"共调派救援力量和物资{len(used)}批次，已到达{arrived}批次。"


def _next_steps(
    incident: Incident, f: dict[str, float | int], tasks: list[Task], now: dt.datetime
) -> list[str]:
    if incident.status == "closed":
        return ["事件处置已结束，做好善后处置和复盘评估工作。"]
    steps: list[str] = []
    lost = []
    if f["trapped"]:
        lost.append(f"被困{f['trapped']:,}人")
    if f["missing"]:
        lost.append(f"失踪{f['missing']:,}人")
    if lost:
        steps.append(f"全力搜救{'、'.join(lost)}。")
    if f["injured"]:
        steps.append("全力救治受伤人员。")
    pending = [t for t in tasks if t.status in (TaskStatus.open, TaskStatus.in_progress)]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    pending.sort(key=lambda t: (clock.aware(t.due_at) if t.due_at else far, t.id))
    for t in pending[:MAX_TASK_STEPS]:
        if t.due_at is None:
            steps.append(f"抓紧办理「{t.title}」。")
        else:
            late = "，已逾期" if clock.aware(t.due_at) < now else ""
            steps.append(f"按时完成「{t.title}」（时限{short_time(t.due_at)}{late}）。")
    if len(pending) > MAX_TASK_STEPS:
        steps.append(f"另有{len(pending) - MAX_TASK_STEPS}项任务正在办理。")
    until = reporting.follow_up_until(incident)
    if now < clock.aware(until):
        steps.append(f"密切关注事态发展，伤亡等情况发生变化及时续报（续报期至{when(until)}）。")
    else:
        steps.append("密切关注事态发展，重要情况及时报告。")
    return steps


def build(src: Source, now: dt.datetime | None = None) -> Sitrep:
    """The sitrep as of ``now`` from what :func:`collect` read; reads no database."""
    now = now or utcnow()
    inc = src.incident
    kind_type = types.get(inc.type_code)
    grade_label = grading.label(kind_type, inc.grade)
    if inc.grade is not None and kind_type.grading == "accident":
        grade_label += "事故"
    reports = [r for r in src.reports if clock.aware(r.at) <= now]
    events = [e for e in src.events if clock.aware(e.at) <= now]
    f = current_figures(inc)
    base = baseline(f, reports)
    prev = None if base is None else Previous(clock.aware(base.at), base.kind, base.figures or {})
    delta = changes(f, None if prev is None else prev.figures)
    tasks = count_tasks(src.tasks, now)
    states = order_states(events)
    kind = "final" if inc.status == "closed" else ("follow_up" if reports else "first")

    grade_note = f"（{grade_label}）" if inc.grade is not None else ""
    headline = f"{when(inc.occurred_at)}{src.place}发生{kind_type.name_zh}{grade_note}"
    basics = [f"{when(inc.occurred_at)}，{src.place}发生{kind_type.name_zh}（{inc.title}）。"]
    basics.append(f"{when(inc.received_at)}接报，事件编号{inc.code}。")
    if inc.grade is not None:
        basis = f"，依据：{inc.grade_basis}" if inc.grade_basis else ""
        basics.append(f"经初步研判，事件等级为{grade_label}{basis}。")
    else:
        basics.append("事件等级尚未确定。")
    if inc.summary:
        basics.append(inc.summary)
    losses = [f"截至{when(now)}，事件已造成{_casualty_sentence(f)}。"]
    losses.append(_change_sentence(prev, delta))
    if inc.damage:
        losses.append(f"其他损失：{inc.damage}")
    response = [_level_sentence(inc, events), _task_sentence(tasks), _dispatch_sentence(states)]
    steps = _next_steps(inc, f, src.tasks, now)
    return Sitrep(
        incident_id=inc.id,
        code=inc.code,
        title=inc.title,
        kind=kind,
        as_of=now,
        headline=headline,
        type_name=kind_type.name_zh,
        grade=inc.grade,
        grade_label=grade_label,
        response_level=inc.response_level,
        place=src.place,
        occurred_at=clock.aware(inc.occurred_at),
        received_at=clock.aware(inc.received_at),
        figures=f,
        previous=prev,
        changes=delta,
        tasks=tasks,
        orders=sum(1 for s in states.values() if s != "cancelled"),
        arrived=sum(1 for s in states.values() if s in ("arrived", "released")),
        events=[e for e in events if e.kind in RESPONSE_KINDS],
        reports=reports,
        next_steps=steps,
        paragraphs={
            "basics": basics,
            "losses": losses,
            "response": response,
            "next_steps": [f"{n}. {s}" for n, s in enumerate(steps, start=1)],
        },
        unit=src.unit,
        by=src.by,
    )


def make(
    session: Session,
    actor: Actor,
    incident_id: int,
    *,
    now: dt.datetime | None = None,
    unit: str | None = None,
) -> Sitrep:
    """Collect and build in one call (what the API and the CLI use)."""
    return build(collect(session, actor, incident_id, unit=unit), now)


# ---------------------------------------------------------------- layout


def signature(unit: str, at: dt.datetime, by: str | None) -> list[str]:
    lines = [f"报送单位：{unit}", f"报送时间：{when(at)}"]
    if by:
        lines.append(f"填报人：{by}")
    return lines


def document(s: Sitrep) -> Document:
    """The sitrep laid out for the renderers."""
    figures = Table(
        head=("项目", "本次", "上次报告", "变化"),
        rows=[
            (
                f"{name}（{unit}）",
                figure_text(key, s.figures[key]),
                figure_text(key, None if s.previous is None else s.previous.figures.get(key)),
                change_text(key, s.changes[key]),
            )
            for key, (name, unit) in FIGURE_NAMES.items()
        ],
        widths=(34, 22, 22, 22),
        align=("L", "R", "R", "R"),
        marks=tuple(bool(s.changes[k]) for k in FIGURE_NAMES),
    )
    shown = s.events[-MAX_EVENTS:]
    response: list[Block] = list(s.paragraphs["response"])
    if shown:
        if len(s.events) > len(shown):
            response.append(f"处置经过（最近{len(shown)}条，共{len(s.events)}条）：")
        else:
            response.append("处置经过：")
        response.append(
            Table(
                head=("时间", "类别", "内容"),
                rows=[(short_time(e.at), EVENT_NAMES.get(e.kind, e.kind), e.text) for e in shown],
                widths=(22, 12, 66),
                align=("L", "C", "L"),
            )
        )
    history: list[Block] = ["暂未报送。"]
    if s.reports:
        history = [
            Table(
                head=("报送时间", "类别", "报送对象", "死亡", "失踪", "受伤"),
                rows=[
                    (
                        short_time(r.at),
                        KIND_NAMES.get(r.kind, r.kind),
                        reporting.LEVEL_NAMES.get(r.to_level, str(r.to_level)),
                        figure_text("dead", (r.figures or {}).get("dead")),
                        figure_text("missing", (r.figures or {}).get("missing")),
                        figure_text("injured", (r.figures or {}).get("injured")),
                    )
                    for r in s.reports
                ],
                widths=(22, 12, 24, 14, 14, 14),
                align=("L", "C", "L", "R", "R", "R"),
            )
        ]
    return Document(
        title=TITLE,
        headline=s.headline,
        subtitle=f"（{KIND_NAMES[s.kind]}）事件编号 {s.code}",
        sections=[
            Section(SECTIONS[0], list(s.paragraphs["basics"])),
            Section(SECTIONS[1], [*s.paragraphs["losses"], figures]),
            Section(SECTIONS[2], response),
            Section(SECTIONS[3], list(s.paragraphs["next_steps"])),
            Section(SECTIONS[4], history),
        ],
        signature=signature(s.unit, s.as_of, s.by),
        footer=f"{TITLE} · {s.code} · {KIND_NAMES[s.kind]}",
    )
