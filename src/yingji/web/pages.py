"""The pages of the web UI.

Sign-in, the map and the region tree are shells whose JS calls the JSON API. The list pages
(persons, assignments, duty) render on the server through the same service functions the
API endpoints call, with the same :class:`Actor` scope checks: their rows need names of
persons, regions and organisations that the API returns only as ids, and a server-rendered
table pages and filters with plain links, which suits phones on weak networks.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import __version__
from yingji.api_deps import DbSession, csrf_token
from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for, authenticate
from yingji.config import Settings, get_settings
from yingji.enterprises import industries
from yingji.enterprises import service as enterprise_service
from yingji.enterprises.service import EnterpriseView
from yingji.errors import AuthRequired, NotFound, Throttled, YingjiError
from yingji.io.kinds import KINDS
from yingji.lookups import rows_by_id
from yingji.people import duty, responsibility, service
from yingji.people.models import Assignment, Organisation, Person, Role, TargetKind
from yingji.regions.models import Region
from yingji.web.i18n import LOCALES, catalogue_for, pick_locale
from yingji.web.templating import templates

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
LANG_COOKIE = "lang"


class LoginRequired(Exception):
    """Raised by :func:`page_user` when nobody is signed in; handled by a redirect."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass(frozen=True)
class PageUser:
    """The signed-in user with what every page shows about them."""

    user: User
    actor: Actor
    region: Region


def page_user(request: Request, session: DbSession) -> PageUser:
    """The signed-in user, or a redirect to the sign-in form (via :class:`LoginRequired`)."""
    uid = request.session.get("uid")
    user = session.get(User, uid) if uid is not None else None
    if user is None or not user.active:
        request.session.pop("uid", None)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    actor = actor_for(session, user)
    session.info["actor"] = actor
    region = session.get(Region, user.region_id)
    assert region is not None  # actor_for already checked it
    return PageUser(user, actor, region)


Me = Annotated[PageUser, Depends(page_user)]


def settings_of(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


def picker_config(request: Request, me: PageUser) -> dict[str, Any]:
    """What a page with a pick-on-map needs: base tiles (when configured) and where the map
    starts, the centroid of the user's own region."""
    home = me.region
    centre = None
    if home.centroid_lat is not None and home.centroid_lon is not None:
        centre = [home.centroid_lat, home.centroid_lon]
    return {"tiles": settings_of(request).base_tile_url, "pickCentre": centre}


def locale_of(request: Request) -> str:
    """The ``lang`` cookie, else the installation's default locale."""
    return pick_locale(request.cookies.get(LANG_COOKIE), settings_of(request).default_locale)


def safe_next(url: str | None) -> str:
    """A local path to go to after sign-in or a language switch; never another site."""
    if not url or not url.startswith("/") or url.startswith("//") or url.startswith("/\\"):
        return "/"
    return url


def render(
    request: Request,
    name: str,
    me: PageUser | None,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    js: dict[str, Any] | None = None,
) -> Response:
    """Render a page with what the layout needs: locale, CSRF token, user, JS config."""
    locale = locale_of(request)
    token = csrf_token(request)
    config: dict[str, Any] = {"api": "/api/v1", "csrf": token, "locale": locale}
    if me is not None:
        config["home"] = {
            "code": me.region.code,
            "name": me.region.name,
            "level": me.region.level,
        }
        config["canWrite"] = me.actor.can_write
    config.update(js or {})
    ctx: dict[str, Any] = {
        "locale": locale,
        "locales": LOCALES,
        "csrf": token,
        "me": me,
        "i18n": catalogue_for(locale),
        "js_config": config,
        "version": __version__,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    # Pages carry personal data and a CSRF token: not cached, not framed by other sites.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _error_page(request: Request, me: PageUser | None, key: str, status_code: int) -> Response:
    return render(request, "error.html", me, {"message_key": key}, status_code=status_code)


def _csrf_ok(request: Request, sent: str) -> bool:
    expected = request.session.get("csrf", "")
    return bool(sent) and bool(expected) and secrets.compare_digest(sent, expected)


# --- sign-in, sign-out, language --------------------------------------------------------


@router.get("/login", name="login")
def login_form(request: Request, session: DbSession, next: str = "/") -> Response:
    uid = request.session.get("uid")
    if uid is not None and session.get(User, uid) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", None, {"next": safe_next(next), "username": ""})


@router.post("/login")
def login_submit(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the form's CSRF token, then the password. Failures return a page rather than
    raise, so the session dependency commits the failure row the throttle counts."""
    username = username.strip()
    ctx: dict[str, Any] = {"next": safe_next(next), "username": username}
    if not _csrf_ok(request, csrf):
        return render(request, "login.html", None, {**ctx, "error": "login.csrf"}, 403)
    if not username or not password:
        return render(request, "login.html", None, {**ctx, "error": "login.missing"}, 400)
    ip = request.client.host if request.client else ""
    try:
        user = authenticate(session, username, password, ip)
    except Throttled:
        ctx["error_values"] = {"minutes": get_settings().login_lock_minutes}
        return render(request, "login.html", None, {**ctx, "error": "login.throttled"}, 429)
    except AuthRequired:
        return render(request, "login.html", None, {**ctx, "error": "login.wrong"}, 401)
    request.session.clear()
    request.session["uid"] = user.id
    request.session["csrf"] = secrets.token_urlsafe(24)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", name="logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    if not _csrf_ok(request, csrf):
        return _error_page(request, None, "error.csrf", 403)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{locale}", name="set_lang")
def set_lang(request: Request, locale: str, next: str = "/") -> Response:
    if locale not in LOCALES:
        return _error_page(request, None, "error.bad_locale", 404)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LANG_COOKIE,
        locale,
        max_age=365 * 24 * 3600,
        samesite="lax",
        httponly=True,
        secure=settings_of(request).secure_cookies,
    )
    return response


# --- map and region tree (JS pages) ----------------------------------------------------


@router.get("/", name="map")
def map_page(request: Request, me: Me) -> Response:
    tiles = settings_of(request).base_tile_url
    return render(request, "map.html", me, {"nav": "map"}, js={"tiles": tiles})


@router.get("/regions", name="regions")
def regions_page(request: Request, me: Me, q: str = "") -> Response:
    return render(request, "regions.html", me, {"nav": "regions", "q": q}, js={"q": q})


# --- list pages (server-rendered) ------------------------------------------------------


def _pager(request: Request, total: int, offset: int, limit: int) -> dict[str, Any]:
    """Links to the previous and next page that keep the current filters."""
    params = {k: v for k, v in request.query_params.items() if k != "offset" and v}

    def link(at: int) -> str:
        query = urlencode({**params, "offset": at} if at else params)
        return request.url.path + (f"?{query}" if query else "")

    return {
        "total": total,
        "first": offset + 1 if total else 0,
        "last": min(offset + limit, total),
        "prev": link(max(0, offset - limit)) if offset > 0 else None,
        "next": link(offset + limit) if offset + limit < total else None,
    }


def form_date(text: str) -> dt.date | None:
    """A date form field (``YYYY-MM-DD``), None when left empty; a malformed one raises
    ValueError for the page to show as a filter error."""
    text = text.strip()
    return dt.date.fromisoformat(text) if text else None


def _under_region(session: Session, me: PageUser, code: str) -> tuple[int | None, str | None]:
    """The region id for a filter code, or the message key explaining why there is none."""
    code = code.strip()
    if not code:
        return None, None
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None or not me.actor.covers(region.path):
        return None, "common.unknown_region"
    return region.id, None


@router.get("/persons", name="persons")
def persons_page(
    request: Request,
    session: DbSession,
    me: Me,
    q: str = "",
    under: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    region_id, problem = _under_region(session, me, under)
    rows: list[Person] = []
    pager = _pager(request, 0, offset, PAGE_SIZE)
    if problem is None:
        page = service.list_persons(
            session,
            me.actor,
            q=q.strip() or None,
            under_region_id=region_id,
            offset=offset,
            limit=PAGE_SIZE,
        )
        rows, pager = page.items, _pager(request, page.total, page.offset, page.limit)
    ctx = {
        "nav": "persons",
        "q": q,
        "under": under,
        "problem": problem,
        "rows": rows,
        "pager": pager,
        "regions": rows_by_id(session, Region, {p.region_id for p in rows}),
        "orgs": rows_by_id(session, Organisation, (p.organisation_id for p in rows)),
    }
    return render(request, "persons.html", me, ctx)


@router.get("/enterprises", name="enterprises")
def enterprises_page(
    request: Request,
    session: DbSession,
    me: Me,
    q: str = "",
    industry: str = "",
    under: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    region_id, problem = _under_region(session, me, under)
    rows: list[EnterpriseView] = []
    pager = _pager(request, 0, offset, PAGE_SIZE)
    if problem is None:
        page = enterprise_service.list_enterprises(
            session,
            me.actor,
            q=q.strip() or None,
            industry=industry.strip() or None,
            under_region_id=region_id,
            offset=offset,
            limit=PAGE_SIZE,
        )
        rows, pager = page.items, _pager(request, page.total, page.offset, page.limit)
    ents = [v.enterprise for v in rows]
    ctx = {
        "nav": "enterprises",
        "q": q,
        "industry": industry,
        "under": under,
        "problem": problem,
        "rows": rows,
        "pager": pager,
        "divisions": industries.divisions(),
        "regions": rows_by_id(session, Region, {v.organisation.region_id for v in rows}),
        "orgs": rows_by_id(session, Organisation, (e.supervising_department_id for e in ents)),
        "people": rows_by_id(
            session, Person, [i for e in ents for i in (e.principal_id, e.safety_manager_id)]
        ),
    }
    return render(request, "enterprises.html", me, ctx)


def _targetrows_by_id(session: Session, rows: list[Assignment]) -> dict[tuple[str, int], str]:
    """A display name for each assignment target, one query per target kind."""
    by_kind: dict[str, set[int]] = {}
    for a in rows:
        by_kind.setdefault(a.target_kind, set()).add(a.target_id)
    names: dict[tuple[str, int], str] = {}
    models = {TargetKind.region.value: Region, TargetKind.organisation.value: Organisation}
    for kind, ids in by_kind.items():
        model = models.get(kind)
        if model is None:
            continue
        for row in rows_by_id(session, model, ids).values():
            names[(kind, row.id)] = row.name
    return names


def _assignment_context(session: Session, rows: list[Assignment]) -> dict[str, Any]:
    persons = rows_by_id(session, Person, {a.person_id for a in rows})
    return {
        "rows": rows,
        "persons": persons,
        "targets": _targetrows_by_id(session, rows),
        "regions": rows_by_id(session, Region, {a.region_id for a in rows}),
        "today": dt.date.today(),
    }


@router.get("/persons/{person_id}", name="person")
def person_page(request: Request, session: DbSession, me: Me, person_id: int) -> Response:
    try:
        person = service.get_person(session, me.actor, person_id)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    assignments = service.list_assignments(session, me.actor, person_id=person_id, limit=1000)
    chain = responsibility.escalation_chain_for_person(session, me.actor, person_id)
    org_id = person.organisation_id
    ctx = {
        "nav": "persons",
        "person": person,
        "region": session.get(Region, person.region_id),
        "org": session.get(Organisation, org_id) if org_id is not None else None,
        "chain": chain,
        **_assignment_context(session, assignments.items),
    }
    return render(request, "person.html", me, ctx)


@router.get("/assignments", name="assignments")
def assignments_page(
    request: Request,
    session: DbSession,
    me: Me,
    role: str = "",
    under: str = "",
    on: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    region_id, problem = _under_region(session, me, under)
    day: dt.date | None = None
    if on.strip():
        try:
            day = dt.date.fromisoformat(on.strip())
        except ValueError:
            problem = "error.bad_date"
    role = role if role in Role.__members__ else ""
    rows: list[Assignment] = []
    pager = _pager(request, 0, offset, PAGE_SIZE)
    if problem is None:
        try:
            page = service.list_assignments(
                session,
                me.actor,
                role=role or None,
                under_region_id=region_id,
                on=day,
                offset=offset,
                limit=PAGE_SIZE,
            )
        except YingjiError:
            problem = "common.unknown_region"
        else:
            rows, pager = page.items, _pager(request, page.total, page.offset, page.limit)
    ctx = {
        "nav": "assignments",
        "role": role,
        "roles": [r.value for r in Role],
        "under": under,
        "on": on,
        "problem": problem,
        "pager": pager,
        **_assignment_context(session, rows),
    }
    return render(request, "assignments.html", me, ctx)


@router.get("/duty", name="duty")
def duty_page(request: Request, session: DbSession, me: Me) -> Response:
    tz = ZoneInfo(settings_of(request).timezone)
    now = dt.datetime.now(tz)
    rows = duty.on_duty(session, me.actor, at=now)
    ctx = {"nav": "duty", "rows": rows, "now": now, "tz": tz}
    return render(request, "duty.html", me, ctx)


@router.get("/data", name="data")
def data_page(request: Request, me: Me) -> Response:
    """Templates, exports and uploads per import kind; the upload itself runs in data.js.
    Import problems name the column by its field; the page maps it to the sheet's header."""
    english = locale_of(request) == "en"
    kinds = {name: list(module.COLUMNS) for name, module in KINDS.items()}
    headers = {
        name: {c.name: c.name if english else c.label for c in columns}
        for name, columns in kinds.items()
    }
    ctx = {"nav": "data", "kinds": kinds, "english": english}
    return render(request, "data.html", me, ctx, js={"columns": headers})
