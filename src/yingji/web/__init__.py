"""The web UI: server-rendered pages plus small JS files calling the JSON API.

Everything is served from this installation (our CSS/JS and the Leaflet files shipped in
the ``xstatic-leaflet`` package), so the UI works on networks without internet access.
"""

from __future__ import annotations

import importlib
from urllib.parse import urlencode

import xstatic.pkg.leaflet
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from yingji.web.pages import LoginRequired
from yingji.web.templating import STATIC_DIR

__all__ = ["mount"]

PAGE_ROUTERS = (
    "yingji.web.pages",
    "yingji.web.hazard_pages",
    "yingji.web.inspection_pages",
    "yingji.web.traceback_pages",
    "yingji.web.notice_pages",
    "yingji.web.whistle_pages",
    "yingji.web.stats_pages",
    "yingji.web.warning_pages",
    "yingji.web.plan_pages",
    "yingji.web.callresponse_pages",
    "yingji.web.board_pages",
    "yingji.web.quake_pages",
    "yingji.web.resource_pages",
    "yingji.web.incident_pages",
    "yingji.web.quick_pages",
    "yingji.web.flow_pages",
    "yingji.web.review_pages",
    "yingji.web.onemap_pages",
)
"""Modules whose ``router`` serves pages, one line per domain."""


async def _to_login(_request: Request, exc: Exception) -> Response:
    next_url = exc.next_url if isinstance(exc, LoginRequired) else "/"
    query = "" if next_url == "/" else "?" + urlencode({"next": next_url})
    return RedirectResponse(f"/login{query}", status_code=303)


def mount(app: FastAPI) -> None:
    """Add the pages, the static files and the signed-out redirect to ``app``."""
    for module in PAGE_ROUTERS:
        app.include_router(importlib.import_module(module).router)
    app.mount(
        "/static/leaflet",
        StaticFiles(directory=xstatic.pkg.leaflet.BASE_DIR),
        name="static-leaflet",
    )
    app.mount("/static/app", StaticFiles(directory=STATIC_DIR), name="static-app")
    app.add_exception_handler(LoginRequired, _to_login)
