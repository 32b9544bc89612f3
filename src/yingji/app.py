"""The web application: API under ``/api/v1``, the web UI, static assets, error format."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware

from yingji import __version__, migrate
from yingji.config import Settings, get_settings
from yingji.db import get_engine
from yingji.errors import YingjiError

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"


class NotMigrated(RuntimeError):
    pass


def require_migrated(engine: Engine) -> None:
    if not migrate.is_up_to_date(engine):
        raise NotMigrated(
            "数据库未迁移到最新版本，请先运行 `yingji db upgrade` / the database is not at the "
            "latest schema: run `yingji db upgrade` first"
        )


def _error(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details}}, status_code=status
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(YingjiError)
    async def domain_error(_request: Request, exc: YingjiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
        ]
        return _error(422, "validation_failed", "请求参数有误 / invalid request", details)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, "http_error", str(exc.detail))


ROUTERS = (
    "yingji.auth.api",
    "yingji.people.api",
    "yingji.enterprises.api",
    "yingji.regions.api",
    "yingji.risk.api",
    "yingji.io.api",
    "yingji.files.api",
    "yingji.hazards.api",
    "yingji.traceback.api",
    "yingji.inspections.api",
    "yingji.notices.stream",  # before notices.api: /notices/stream is not /notices/{id}
    "yingji.notices.api",
    "yingji.whistle.api",
    "yingji.stats.api",
    "yingji.warnings.api",
    "yingji.warnings.plans.api",
    "yingji.notify.receipts_api",
    "yingji.warnings.board_api",
    "yingji.warnings.callresponse.api",
    "yingji.quake.api",
    "yingji.resources.api",
    "yingji.incidents.api",
    "yingji.incidents.quick_api",
    "yingji.incidents.flow_api",
    "yingji.incidents.review_api",
    "yingji.incidents.map_api",
)
"""Modules whose ``router`` is served under /api/v1, one line per domain."""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or get_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        require_migrated(engine)
        # jobs: timers and senders run in-process (worker_mode), or in Celery workers when
        # a broker is set (the app then only announces new deliveries on it).
        from yingji.jobs.worker import inprocess

        with inprocess(engine, settings) as background:
            _app.state.worker = background.worker if background else None
            _app.state.senders = background.senders if background else None
            yield

    app = FastAPI(
        title="Yingji 应急",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.state.engine = engine
    app.state.settings = settings
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="yingji_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    _install_error_handlers(app)

    from yingji.web import mount as mount_web

    for module in ROUTERS:
        app.include_router(importlib.import_module(module).router, prefix=API_PREFIX)
    mount_web(app)
    return app
