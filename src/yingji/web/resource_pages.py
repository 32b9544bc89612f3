"""Rescue resources pages (救援力量与物资): the registries (teams, equipment, warehouses and
their stock), batches near expiry, the reserve gap report, the dispatch board and the
response-circle coverage map.

Lists render on the server through the same service functions and scope checks as the JSON
API, so they read without JS and page with plain links. Writers get forms that post JSON to
``/api/v1/resources/...`` (``resources.js``), which shows the API's field errors beside the
fields; readers get the same tables without the forms. The dispatch ranking and the coverage
layer are computed by the API on request and drawn by the script.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from jinja2 import pass_context
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.api_deps import DbSession
from yingji.errors import NotFound
from yingji.incidents import service as incidents
from yingji.lookups import rows_by_id
from yingji.regions.models import Region
from yingji.resources import dispatch, gaps, registry, roads, stock
from yingji.resources.models import (
    DispatchOrder,
    Equipment,
    Material,
    OrderLine,
    OrderState,
    RescueTeam,
    ResourceStatus,
    TeamKind,
    Warehouse,
)
from yingji.resources.travel import MODES
from yingji.web.i18n import CATALOGUE, FALLBACK, translate
from yingji.web.pages import PAGE_SIZE, Me, PageUser, _pager, picker_config, render
from yingji.web.templating import templates

router = APIRouter(include_in_schema=False)

TABS: tuple[tuple[str, str], ...] = (
    ("overview", "/resources"),
    ("teams", "/resources/teams"),
    ("equipment", "/resources/equipment"),
    ("warehouses", "/resources/warehouses"),
    ("expiring", "/resources/expiring"),
    ("gaps", "/resources/gaps"),
    ("dispatch", "/resources/dispatch"),
    ("coverage", "/resources/coverage"),
)
"""The sub-menu shared by every resources page: (``resources.tab.<key>`` text, path)."""

TEAM_KINDS = tuple(k.value for k in TeamKind)
STATUSES = tuple(s.value for s in ResourceStatus)
TEAM_STATUSES = ("available", "deployed", "resting")
"""What a team's status select offers; ``maintenance`` is for equipment."""
ORDER_STATES = tuple(s.value for s in OrderState)
WAREHOUSE_LEVELS = registry.LEVELS
SOON_DAYS = 30
"""Batches expiring within this many days are highlighted on the expiry list."""
EXPIRY_WINDOW = stock.EXPIRY_WARNING_DAYS
NEED_KINDS = ("team", "equipment", "material")
DEFAULT_THRESHOLDS = "5,10,30"
"""The promises to check first: 5 and 10 minutes urban and suburban, 30 minutes by road."""
LABEL_GROUPS = ("kind", "status", "skill", "etype", "scope", "state", "mode")
"""Code lists with a ``resources.<group>.<code>`` text; other codes show as they are."""


@pass_context
def code_label(context: Any, group: str, code: str | None) -> str:
    """The text for a code of ``group`` (a team kind, a skill, an equipment type...) in the
    page's locale; codes the catalogue does not know (a new skill typed in) show as typed."""
    if not code:
        return "—"
    key = f"resources.{group}.{code}"
    if key not in CATALOGUE:
        return code
    return translate(context.get("locale", FALLBACK), key)


templates.env.globals["code_label"] = code_label


def _ctx(tab: str, me: PageUser, **more: Any) -> dict[str, Any]:
    return {"nav": "resources", "tab": tab, "tabs": TABS, "can_write": me.actor.can_write, **more}


def _count(session: Session, me: PageUser, model: type, *where: Any) -> int:
    stmt: Select[Any] = select(func.count()).select_from(model)
    for clause in where:
        stmt = stmt.where(clause)
    return int(session.scalar(me.actor.by_path(stmt, model.region_path)) or 0)


def _status_counts(session: Session, me: PageUser, model: type) -> Counter[str]:
    stmt = select(model.status, func.count()).group_by(model.status)
    rows = session.execute(me.actor.by_path(stmt, model.region_path)).all()
    return Counter({status: int(n) for status, n in rows})


def _matching(model: type, q: str) -> Any:
    """Records whose code or name contains ``q`` (a search box over a register)."""
    return or_(model.code.contains(q, autoescape=True), model.name.contains(q, autoescape=True))


def _region_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Where each record lies, read from the county down ("万州区 溪口镇"): a record takes
    the deepest region holding its point, whose own name alone is often ambiguous."""
    regions = rows_by_id(session, Region, ids)
    ancestors = {c for r in regions.values() if r.level > 3 for c in r.path.strip("/").split("/")}
    counties: dict[str, str] = {}
    if ancestors:
        found = session.execute(
            select(Region.code, Region.name).where(Region.code.in_(ancestors), Region.level == 3)
        )
        counties = {code: name for code, name in found}
    out = {}
    for rid, r in regions.items():
        county = next((counties[c] for c in r.path.strip("/").split("/") if c in counties), None)
        out[rid] = f"{county} {r.name}" if county and r.level > 3 else r.name
    return out


# --- overview ------------------------------------------------------------------------------


@router.get("/resources", name="resources")
def overview_page(request: Request, session: DbSession, me: Me) -> Response:
    """Tiles summing up each register, each linking to its list."""
    teams = _status_counts(session, me, RescueTeam)
    equipment = _status_counts(session, me, Equipment)
    lines = stock.holdings(session, me.actor)
    soon = stock.expiring(session, me.actor, within_days=SOON_DAYS)
    shortfalls = [g for g in gaps.report(session, me.actor) if g.shortfall > 0]
    active = dispatch.orders(session, me.actor, active_only=True, limit=1000)
    ctx = _ctx(
        "overview",
        me,
        teams_total=sum(teams.values()),
        teams_available=teams.get("available", 0),
        teams_deployed=teams.get("deployed", 0),
        team_statuses=teams,
        equipment_total=sum(equipment.values()),
        equipment_available=equipment.get("available", 0),
        warehouses_total=_count(session, me, Warehouse),
        stock_value=sum(line.value_yuan for line in lines),
        stock_lines=len(lines),
        soon_total=len(soon),
        expired_total=sum(1 for e in soon if e.days_left < 0),
        gap_count=len(shortfalls),
        gap_value=sum(g.shortfall_yuan for g in shortfalls),
        orders_active=len(active),
        soon_days=SOON_DAYS,
    )
    return render(request, "resources_overview.html", me, ctx)


# --- teams ---------------------------------------------------------------------------------


@router.get("/resources/teams", name="resources_teams")
def teams_page(
    request: Request,
    session: DbSession,
    me: Me,
    q: str = "",
    kind: str = "",
    status: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    q = q.strip()
    kind = kind if kind in TEAM_KINDS else ""
    status = status if status in STATUSES else ""

    def where(stmt: Select[Any]) -> Select[Any]:
        if q:
            stmt = stmt.where(_matching(RescueTeam, q))
        if kind:
            stmt = stmt.where(RescueTeam.kind == kind)
        return stmt.where(RescueTeam.status == status) if status else stmt

    rows, total = registry.listing(
        session, me.actor, RescueTeam, where=where, limit=PAGE_SIZE, offset=offset
    )
    ctx = _ctx(
        "teams",
        me,
        rows=rows,
        pager=_pager(request, total, offset, PAGE_SIZE),
        regions=_region_names(session, (t.region_id for t in rows)),
        kinds=TEAM_KINDS,
        statuses=TEAM_STATUSES,
        q=q,
        kind=kind,
        status=status,
    )
    return render(request, "resources_teams.html", me, ctx, js=picker_config(request, me))


# --- equipment -----------------------------------------------------------------------------


@router.get("/resources/equipment", name="resources_equipment")
def equipment_page(
    request: Request,
    session: DbSession,
    me: Me,
    q: str = "",
    etype: Annotated[str, Query(alias="type")] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    q, wanted = q.strip(), etype.strip()

    def where(stmt: Select[Any]) -> Select[Any]:
        if q:
            stmt = stmt.where(_matching(Equipment, q))
        return stmt.where(Equipment.type == wanted) if wanted else stmt

    rows, total = registry.listing(
        session, me.actor, Equipment, where=where, limit=PAGE_SIZE, offset=offset
    )
    types = session.scalars(
        me.actor.by_path(select(Equipment.type).distinct(), Equipment.region_path).order_by(
            Equipment.type
        )
    ).all()
    ctx = _ctx(
        "equipment",
        me,
        rows=rows,
        pager=_pager(request, total, offset, PAGE_SIZE),
        teams=rows_by_id(session, RescueTeam, (e.team_id for e in rows)),
        regions=_region_names(session, (e.region_id for e in rows)),
        types=list(types),
        type=wanted,
        q=q,
    )
    return render(request, "resources_equipment.html", me, ctx)


# --- warehouses and stock ------------------------------------------------------------------


@router.get("/resources/warehouses", name="resources_warehouses")
def warehouses_page(
    request: Request,
    session: DbSession,
    me: Me,
    q: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    q = q.strip()

    def where(stmt: Select[Any]) -> Select[Any]:
        return stmt.where(_matching(Warehouse, q)) if q else stmt

    rows, total = registry.listing(
        session, me.actor, Warehouse, where=where, limit=PAGE_SIZE, offset=offset
    )
    on_page = {w.id for w in rows}
    lines: dict[int, list[stock.StockLine]] = defaultdict(list)
    for line in stock.holdings(session, me.actor):
        if line.warehouse_id in on_page:
            lines[line.warehouse_id].append(line)
    ctx = _ctx(
        "warehouses",
        me,
        rows=rows,
        lines=lines,
        values={wid: sum(line.value_yuan for line in ls) for wid, ls in lines.items()},
        pager=_pager(request, total, offset, PAGE_SIZE),
        regions=_region_names(session, (w.region_id for w in rows)),
        materials=list(session.scalars(select(Material).order_by(Material.code))),
        levels=WAREHOUSE_LEVELS,
        q=q,
        soon_days=SOON_DAYS,
        today=clock.today(),
    )
    return render(request, "resources_warehouses.html", me, ctx, js=picker_config(request, me))


@router.get("/resources/expiring", name="resources_expiring")
def expiring_page(
    request: Request,
    session: DbSession,
    me: Me,
    within: Annotated[int, Query(ge=1, le=3650)] = EXPIRY_WINDOW,
) -> Response:
    rows = stock.expiring(session, me.actor, within_days=within)
    ctx = _ctx(
        "expiring",
        me,
        rows=rows,
        within=within,
        soon_days=SOON_DAYS,
        soon_total=sum(1 for e in rows if 0 <= e.days_left <= SOON_DAYS),
        expired_total=sum(1 for e in rows if e.days_left < 0),
    )
    return render(request, "resources_expiring.html", me, ctx)


# --- reserve gaps --------------------------------------------------------------------------


@router.get("/resources/gaps", name="resources_gaps")
def gaps_page(
    request: Request,
    session: DbSession,
    me: Me,
    short: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The gap report, shortfalls first and largest value first (the service's order)."""
    report = gaps.report(session, me.actor)
    shortfalls = [g for g in report if g.shortfall > 0]
    rows = shortfalls if short else report
    ctx = _ctx(
        "gaps",
        me,
        rows=rows[offset : offset + PAGE_SIZE],
        pager=_pager(request, len(rows), offset, PAGE_SIZE),
        short=bool(short),
        gap_count=len(shortfalls),
        gap_value=sum(g.shortfall_yuan for g in shortfalls),
        standards=len(report),
        regions_short=len({g.region_code for g in shortfalls}),
    )
    return render(request, "resources_gaps.html", me, ctx)


# --- dispatch board ------------------------------------------------------------------------


def history(order: DispatchOrder) -> list[dict[str, Any]]:
    """An order's state changes, oldest first, with their times as datetimes."""
    out = []
    for step in order.history or []:
        at = step.get("at")
        try:
            when = dt.datetime.fromisoformat(at) if at else None
        except (TypeError, ValueError):
            when = None
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)  # written by utcnow(): UTC
        out.append({"state": step.get("state", ""), "at": when, "by": step.get("by", "")})
    return out


def next_states(order: DispatchOrder) -> list[str]:
    """Where the order may go from its state, in lifecycle order (cancel last)."""
    try:
        allowed = dispatch.NEXT_STATES.get(OrderState(order.state), set())
    except ValueError:
        return []
    return [s for s in ORDER_STATES if s in {a.value for a in allowed}]


def _dispatch_choices(session: Session, me: PageUser) -> dict[str, list[tuple[str, str]]]:
    """What the needs' "what" field suggests per kind: (code, label source) pairs."""
    skills: set[str] = set()
    team_skills = me.actor.by_path(select(RescueTeam.skills), RescueTeam.region_path)
    for listed in session.scalars(team_skills.limit(5000)):
        skills.update(listed or [])
    types = session.scalars(
        me.actor.by_path(select(Equipment.type).distinct(), Equipment.region_path)
    ).all()
    materials = session.execute(
        select(Material.code, Material.name, Material.unit).order_by(Material.code)
    ).all()
    return {
        "skills": sorted(skills),
        "kinds": list(TEAM_KINDS),
        "types": sorted(types),
        "materials": [(code, f"{name}（{unit}）") for code, name, unit in materials],
    }


@router.get("/resources/dispatch", name="resources_dispatch")
def dispatch_page(
    request: Request,
    session: DbSession,
    me: Me,
    show_all: Annotated[str, Query(alias="all")] = "",
    incident: int | None = None,
) -> Response:
    """The board; opened from an incident (``incident``), its place and title are filled
    in and every order sent is the incident's (its timeline shows them)."""
    orders = dispatch.orders(session, me.actor, active_only=not show_all, limit=100)
    lines: dict[int, list[OrderLine]] = defaultdict(list)  # one query, not one per order
    if orders:
        found = select(OrderLine).where(OrderLine.order_id.in_([o.id for o in orders]))
        for line in session.scalars(found.order_by(OrderLine.id)):
            lines[line.order_id].append(line)
    material_ids = {ln.material_id for ls in lines.values() for ln in ls}
    choices = _dispatch_choices(session, me)
    ctx = _ctx(
        "dispatch",
        me,
        orders=orders,
        lines=lines,
        show_all=bool(show_all),
        teams=rows_by_id(session, RescueTeam, (o.team_id for o in orders)),
        warehouses=rows_by_id(session, Warehouse, (o.warehouse_id for o in orders)),
        equipment=rows_by_id(session, Equipment, (o.equipment_id for o in orders)),
        materials=rows_by_id(session, Material, material_ids),
        histories={o.id: history(o) for o in orders},
        next_states={o.id: next_states(o) for o in orders},
        need_kinds=NEED_KINDS,
        modes=MODES,
        choices=choices,
    )
    js = picker_config(request, me)
    js["dispatch"] = {"materials": dict(choices["materials"]), "incident": None}
    if incident is not None:
        try:
            served = incidents.get(session, me.actor, incident)
            js["dispatch"]["incident"] = {
                "id": served.id,
                "lon": served.lon,
                "lat": served.lat,
                "title": served.title,
            }
        except NotFound:
            pass
    return render(request, "resources_dispatch.html", me, ctx, js=js)


# --- coverage map --------------------------------------------------------------------------


@router.get("/resources/coverage", name="resources_coverage")
def coverage_page(
    request: Request,
    me: Me,
    mode: str = "road",
    thresholds: str = DEFAULT_THRESHOLDS,
    kinds: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The form and an empty map and table; the script asks the API for the circles (they
    take a moment on a large network) and draws them."""
    mode = mode if mode in MODES else "road"
    listed = [k.strip() for given in (kinds or []) for k in given.split(",")]
    picked = [k for k in TEAM_KINDS if k in listed]  # repeated or comma-separated
    ctx = _ctx(
        "coverage",
        me,
        modes=MODES,
        mode=mode,
        thresholds=thresholds.strip() or DEFAULT_THRESHOLDS,
        kinds=TEAM_KINDS,
        picked=picked,
        roads=roads.summary(),
        may_import_roads=roads.may_import(me.actor),
    )
    js = picker_config(request, me)
    js["coverage"] = {
        "api": "/resources/coverage",
        "mode": mode,
        "thresholds": ctx["thresholds"],
        "kinds": picked,
    }
    return render(request, "resources_coverage.html", me, ctx, js=js)
