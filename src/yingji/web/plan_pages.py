"""Response plan pages: the list with a form for a new plan, one plan with its rules as a
table, its versions and the JSON editor (errors shown per rule and field), and the dry run
that lists who a warning or a draft would call and why.

Plain server-rendered forms posting back here (with the session's CSRF token), through the
same plans service as the API, so the pages need no script of their own.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from yingji.api_deps import DbSession
from yingji.errors import NotFound, YingjiError
from yingji.people.models import ROLE_LABELS
from yingji.warnings import dry_run
from yingji.warnings.models import CATEGORY_LABELS, LEVEL_LABELS, STAGE_LABELS
from yingji.warnings.plans import service
from yingji.warnings.plans.api import plan_outs
from yingji.warnings.plans.models import PlanStatus
from yingji.warnings.plans.schemas import CHANNELS, LAYERS, MEASURE_VARIABLES
from yingji.web.pages import Me, PageUser, _csrf_ok, _error_page, render

router = APIRouter(include_in_schema=False)


def _common() -> dict[str, Any]:
    return {
        "nav": "plans",
        "categories": CATEGORY_LABELS,
        "levels": LEVEL_LABELS,
        "stages": STAGE_LABELS,
        "layers": LAYERS,
        "roles": ROLE_LABELS,
        "channels": CHANNELS,
        "variables": MEASURE_VARIABLES,
    }


def _problems(exc: YingjiError) -> list[dict[str, str]]:
    details = exc.details if isinstance(exc.details, list) else []
    return [d for d in details if isinstance(d, dict)] or [{"field": "", "reason": exc.message}]


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text or "[]")
    except ValueError as exc:
        raise YingjiError(
            "JSON 格式有误 / invalid JSON",
            [{"field": "rules", "reason": f"JSON 格式有误 / invalid JSON: {exc}"}],
        ) from exc


@router.get("/plans", name="plans")
def plans_page(request: Request, session: DbSession, me: Me, status: str = "") -> Response:
    return _list_page(request, session, me, status=status)


def _list_page(
    request: Request,
    session: Session,
    me: PageUser,
    *,
    status: str = "",
    form: dict[str, str] | None = None,
    problems: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    rows, total = service.list_plans(
        session, me.actor, status=status if status in PlanStatus.__members__ else None, limit=200
    )
    return render(
        request,
        "plans.html",
        me,
        {
            **_common(),
            "rows": plan_outs(session, me.actor, rows),
            "total": total,
            "status": status,
            "statuses": [s.value for s in PlanStatus],
            "can_write": me.actor.can_write,
            "form": form or {"region_code": me.region.code, "rules": "[]", "name": ""},
            "problems": problems,
        },
        status_code=status_code,
    )


@router.post("/plans")
def plan_create(
    request: Request,
    session: DbSession,
    me: Me,
    csrf: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
    rules: Annotated[str, Form()] = "[]",
    comment: Annotated[str, Form()] = "",
) -> Response:
    if not _csrf_ok(request, csrf):
        return _error_page(request, me, "error.csrf", 403)
    form = {"name": name, "region_code": region_code, "rules": rules}
    try:
        plan = service.create(
            session,
            me.actor,
            name=name,
            region_code=region_code.strip(),
            rules=_parse_json(rules),
            comment=comment or None,
        )
    except YingjiError as exc:
        session.rollback()
        return _list_page(
            request, session, me, form=form, problems=_problems(exc), status_code=exc.status
        )
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


@router.get("/plans/dry-run", name="plan_dry_run")
def dry_run_page(
    request: Request,
    session: DbSession,
    me: Me,
    warning_id: str = "",
    plan_id: str = "",
) -> Response:
    form = {
        "warning_id": warning_id,
        "plan_id": plan_id,
        "category": "rainstorm",
        "level": "3",
        "stage": "forecast",
        "region_codes": me.region.code,
        "key_period": "",
        "rules": "",
    }
    return _dry_page(request, session, me, form, run=bool(warning_id))


def _dry_page(
    request: Request,
    session: Session,
    me: PageUser,
    form: dict[str, str],
    *,
    run: bool,
) -> Response:
    rows: list[dry_run.DryRow] | None = None
    problems = None
    status_code = 200
    if run:
        try:
            rows = _run_dry(session, me, form)
        except YingjiError as exc:
            problems, status_code = _problems(exc), exc.status
        session.rollback()
    return render(
        request,
        "plan_dry_run.html",
        me,
        {**_common(), "form": form, "rows": rows, "problems": problems},
        status_code=status_code,
    )


def _run_dry(session: Session, me: PageUser, form: dict[str, str]) -> list[dry_run.DryRow]:
    rules = _parse_json(form["rules"]) if form["rules"].strip() else None
    if isinstance(rules, dict):
        rules = rules.get("rules")
    plan_id = int(form["plan_id"]) if form["plan_id"].strip().isdigit() else None
    if form["warning_id"].strip():
        if not form["warning_id"].strip().isdigit():
            raise YingjiError(
                "预警编号须为数字 / warning id must be a number",
                [{"field": "warning_id", "reason": "预警编号须为数字 / must be a number"}],
            )
        return dry_run.dry_run(
            session, me.actor, warning_id=int(form["warning_id"]), rules=rules, plan_id=plan_id
        )
    codes = [c for c in form["region_codes"].replace("，", ",").replace(" ", ",").split(",") if c]
    draft = {
        "category": form["category"],
        "level": int(form["level"]) if form["level"].isdigit() else 0,
        "stage": form["stage"],
        "key_period": form["key_period"] == "true",
        "area": {"region_codes": codes},
    }
    return dry_run.dry_run(session, me.actor, draft=draft, rules=rules, plan_id=plan_id)


@router.post("/plans/dry-run")
def dry_run_submit(
    request: Request,
    session: DbSession,
    me: Me,
    csrf: Annotated[str, Form()] = "",
    warning_id: Annotated[str, Form()] = "",
    plan_id: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    level: Annotated[str, Form()] = "",
    stage: Annotated[str, Form()] = "",
    region_codes: Annotated[str, Form()] = "",
    key_period: Annotated[str, Form()] = "",
    rules: Annotated[str, Form()] = "",
) -> Response:
    if not _csrf_ok(request, csrf):
        return _error_page(request, me, "error.csrf", 403)
    form = {
        "warning_id": warning_id,
        "plan_id": plan_id,
        "category": category,
        "level": level,
        "stage": stage,
        "region_codes": region_codes,
        "key_period": key_period,
        "rules": rules,
    }
    return _dry_page(request, session, me, form, run=True)


@router.get("/plans/{plan_id}", name="plan")
def plan_page(
    request: Request, session: DbSession, me: Me, plan_id: int, version: int | None = None
) -> Response:
    return _detail(request, session, me, plan_id, version=version)


def _detail(
    request: Request,
    session: Session,
    me: PageUser,
    plan_id: int,
    *,
    version: int | None = None,
    editor: str | None = None,
    problems: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        plan = service.get(session, me.actor, plan_id)
        shown = service.version_of(session, me.actor, plan_id, version)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    versions = service.versions(session, me.actor, plan_id)
    row = plan_outs(session, me.actor, [plan])[0]
    return render(
        request,
        "plan.html",
        me,
        {
            **_common(),
            "plan": row,
            "shown": shown,
            "versions": versions,
            "editor": editor
            if editor is not None
            else json.dumps(shown.rules, ensure_ascii=False, indent=2),
            "problems": problems,
            "bad_rules": _bad_rules(problems),
            "can_manage": row.can_manage,
        },
        status_code=status_code,
    )


def _bad_rules(problems: list[dict[str, str]] | None) -> set[int]:
    """Indexes of rules with a problem (``rules[3].roles`` → 3), to mark their table rows."""
    out = set()
    for p in problems or []:
        field = str(p.get("field", ""))
        if field.startswith("rules[") and "]" in field:
            index = field[6 : field.index("]")]
            if index.isdigit():
                out.add(int(index))
    return out


@router.post("/plans/{plan_id}/edit")
def plan_edit(
    request: Request,
    session: DbSession,
    me: Me,
    plan_id: int,
    csrf: Annotated[str, Form()] = "",
    rules: Annotated[str, Form()] = "[]",
    comment: Annotated[str, Form()] = "",
) -> Response:
    if not _csrf_ok(request, csrf):
        return _error_page(request, me, "error.csrf", 403)
    try:
        service.edit(session, me.actor, plan_id, _parse_json(rules), comment=comment or None)
    except YingjiError as exc:
        session.rollback()
        return _detail(
            request,
            session,
            me,
            plan_id,
            editor=rules,
            problems=_problems(exc),
            status_code=exc.status,
        )
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


@router.post("/plans/{plan_id}/status")
def plan_status(
    request: Request,
    session: DbSession,
    me: Me,
    plan_id: int,
    csrf: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "",
) -> Response:
    if not _csrf_ok(request, csrf):
        return _error_page(request, me, "error.csrf", 403)
    change = {"activate": service.activate, "retire": service.retire}.get(action)
    if change is None:
        return _error_page(request, me, "error.not_found", 404)
    try:
        change(session, me.actor, plan_id)
    except YingjiError as exc:
        session.rollback()
        return _detail(
            request, session, me, plan_id, problems=_problems(exc), status_code=exc.status
        )
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)
