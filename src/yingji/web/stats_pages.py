"""The statistics dashboard: KPI tiles, the monthly trend, breakdowns and the rankings.

It renders on the server from the same service calls as the API (so it shows what the API
and the XLSX download show), with the trend drawn as inline SVG; no chart library.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from yingji.api_deps import DbSession
from yingji.errors import NotFound, PermissionDenied, ValidationFailed
from yingji.stats import charts, periods, service
from yingji.web.i18n import translate
from yingji.web.pages import Me, form_date, locale_of, render

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", name="dashboard")
def dashboard_page(
    request: Request,
    session: DbSession,
    me: Me,
    under: str = "",
    first: str = "",
    last: str = "",
    quarter: str = "",
) -> Response:
    """``first``/``last`` rather than from/to: form field names that are not keywords."""
    ctx: dict[str, Any] = {
        "nav": "dashboard",
        "under": under,
        "first": first,
        "last": last,
        "quarter": quarter,
        "styles": "/static/app/stats.css",
        "data": None,
    }
    try:
        start, end = form_date(first), form_date(last)
    except ValueError:
        return render(request, "stats_dashboard.html", me, {**ctx, "problem": "stats.bad_date"})
    code = under.strip() or None
    try:
        data = service.dashboard(session, me.actor, code, start, end)
        shown = quarter.strip() or periods.quarter_of(dt.date.fromisoformat(data["window"]["to"]))
        region_code = data["region"]["code"] or None
        ranks = {
            by: service.ranking(session, me.actor, shown, by, region_code, catch_up=False)
            for by in service.RANKED_BY
        }
    except NotFound:
        return render(
            request, "stats_dashboard.html", me, {**ctx, "problem": "common.unknown_region"}
        )
    except PermissionDenied:
        return render(
            request, "stats_dashboard.html", me, {**ctx, "problem": "stats.no_access"}, 403
        )
    except ValidationFailed as exc:
        key = (
            "stats.bad_quarter"
            if exc.details and exc.details[0]["field"] == "quarter"
            else "stats.bad_date"
        )
        return render(request, "stats_dashboard.html", me, {**ctx, "problem": key})
    locale = locale_of(request)
    titles = {key: translate(locale, f"stats.{key}") for key in ("found", "rectified")}
    window = data["window"]
    params = {
        "under": region_code or "",
        "from": window["from"],
        "to": window["to"],
        "quarter": shown,
    }
    ctx |= {
        "data": data,
        "ranks": ranks,
        # the SVG is built from numbers, with the text in it escaped
        "chart": Markup(charts.trend_svg(data["trend"], titles)),
        "xlsx": "/api/v1/stats/hazards.xlsx?" + urlencode({k: v for k, v in params.items() if v}),
        "drill": {"first": window["from"], "last": window["to"]},
        "self_key": service.SELF_KEY,
    }
    return render(request, "stats_dashboard.html", me, ctx)
