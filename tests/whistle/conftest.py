"""Helpers for whistle tests: public clients from distinct addresses, a form that passes the
anti-spam checks, the demo townships, and the settings a test changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from yingji.auth.models import User
from yingji.config import get_settings
from yingji.db import session_factory, utcnow
from yingji.regions.models import Region
from yingji.whistle import antispam


def answer_of(question: str) -> str:
    a, b = (int(x) for x in question.split("+"))
    return str(a + b)


def form_fields(age_seconds: int = 60, **fields: Any) -> dict[str, Any]:
    """A form as a person sends it: a token served ``age_seconds`` ago, the right answer."""
    token, question = antispam.issue_form(utcnow() - dt.timedelta(seconds=age_seconds))
    return {"form_token": token, "answer": answer_of(question), **fields}


def submit(client: TestClient, status: int = 201, files: Any = None, **fields: Any) -> Any:
    data = form_fields(**fields)
    reply = client.post("/api/v1/public/whistle-reports", data=data, files=files)
    assert reply.status_code == status, reply.text
    return reply


@pytest.fixture
def places(engine: Engine) -> dict[str, str]:
    """Township codes of twp_operator and twp2_operator (same county, 500101)."""
    with session_factory(engine)() as s:
        codes = dict(
            s.execute(
                select(User.username, Region.code)
                .join(Region, Region.id == User.region_id)
                .where(User.username.in_(["twp_operator", "twp2_operator"]))
            ).all()
        )
    return {"twp": codes["twp_operator"], "twp2": codes["twp2_operator"]}


@pytest.fixture
def public(api: Any) -> Iterator[Any]:
    """``public("10.0.0.7")``: an unauthenticated client seen from that address."""

    def make(address: str = "203.0.113.9") -> TestClient:
        return TestClient(api.app, client=(address, 40000))

    yield make


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Designate wz_operator as the one user who may read reporter identities."""
    monkeypatch.setattr(get_settings(), "whistle_identity_readers", ["wz_operator"])
    yield
