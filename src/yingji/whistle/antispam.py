"""Keeping scripts off the public report form, without any outside CAPTCHA service.

Four layers, all working offline and without JavaScript (so a phone on a weak network or an
old browser can still report):

* a **per-address rate limit** counted in the database (``whistle_attempt``), so it holds
  across every replica behind a load balancer;
* a **honeypot** field (``website``) hidden from people by CSS; form-filling bots fill it;
* a **signed form token** (itsdangerous, keyed by ``secret_key``) carrying the time the form
  was served and a nonce: a form sent back within ``whistle_min_fill_seconds`` is refused,
  and each token submits once;
* a small **arithmetic question** inside that token. We chose it over proof-of-work: a
  hash puzzle needs JavaScript and costs a cheap phone seconds of battery while costing a
  spammer's server almost nothing, whereas "3 + 4 = ?" takes a person two seconds, works in
  plain HTML, can be read out by a screen reader, and stops generic form bots that do not
  understand the page.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from yingji.config import get_settings
from yingji.db import utcnow
from yingji.errors import Throttled, invalid
from yingji.whistle.models import WhistleAttempt

WINDOW = dt.timedelta(hours=1)
TOKEN_MAX_AGE = dt.timedelta(hours=6)
"""A form left open longer than this is stale; the reporter reloads it (their text is kept)."""
HONEYPOT = "website"
NONCE = "nonce"
"""Kind of the rows that spend form tokens; they carry no address."""


class RateLimited(Throttled):
    """429 with the seconds until the oldest counted attempt leaves the window."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key.get_secret_value(), salt="whistle-form")


def issue_form(now: dt.datetime | None = None) -> tuple[str, str]:
    """A fresh form token and the question it carries, e.g. ``("eyJ...", "3 + 4")``."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    issued = int((now or utcnow()).timestamp())
    token = _serializer().dumps({"t": issued, "n": secrets.token_hex(8), "q": [a, b]})
    return token, f"{a} + {b}"


def question_of(token: str) -> str | None:
    """The question a token carries (to show the form again after a mistake)."""
    try:
        a, b = _serializer().loads(token)["q"]
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return f"{a} + {b}"


def check_form(
    token: str, answer: str | int | None, honeypot: str | None, now: dt.datetime | None = None
) -> str:
    """The token's nonce if the form looks filled in by a person; else a 422 naming why."""
    if honeypot:
        raise invalid(HONEYPOT, "表单异常，请勿填写隐藏字段 / a hidden field was filled in")
    try:
        payload = _serializer().loads(token or "")
        issued = dt.datetime.fromtimestamp(int(payload["t"]), dt.UTC)
        nonce, (a, b) = str(payload["n"]), payload["q"]
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise invalid(
            "form_token", "表单令牌无效，请刷新页面 / invalid form token, reload"
        ) from exc
    age = (now or utcnow()) - issued
    if age > TOKEN_MAX_AGE:
        raise invalid("form_token", "表单已过期，请刷新页面 / the form has expired, reload it")
    if age < dt.timedelta(seconds=get_settings().whistle_min_fill_seconds):
        raise invalid("form_token", "提交过快，请稍候再提交 / sent too quickly, wait and retry")
    try:
        right = int(str(answer).strip()) == a + b
    except ValueError:
        right = False
    if not right:
        raise invalid("answer", "验证题答案不正确 / wrong answer to the check question")
    return nonce


def check_rate(session: Session, ip_hash: str, kind: str, now: dt.datetime | None = None) -> None:
    """Refuse with 429 once this address used up its hourly allowance of ``kind``."""
    settings = get_settings()
    limit = settings.whistle_max_per_hour if kind == "submit" else settings.whistle_lookups_per_hour
    now = now or utcnow()
    since = now - WINDOW
    count, oldest = session.execute(
        select(func.count(), func.min(WhistleAttempt.at)).where(
            WhistleAttempt.ip_hash == ip_hash,
            WhistleAttempt.kind == kind,
            WhistleAttempt.at > since,
        )
    ).one()
    if count >= limit:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
        wait = max(1, math.ceil((oldest + WINDOW - now).total_seconds()))
        minutes = math.ceil(wait / 60)
        raise RateLimited(
            f"提交过于频繁，请 {minutes} 分钟后再试 / too many requests from this address, "
            f"retry in {minutes} minutes",
            wait,
        )


def record(
    session: Session,
    ip_hash: str,
    kind: str,
    nonce: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Count one attempt, and spend the form's nonce. Core writes, so never audited.

    The address row lives only for the rate window and the nonce row carries no address,
    so after an hour nothing in the database ties an address to the report it sent.
    """
    now = now or utcnow()
    if nonce is not None:
        used = session.scalar(select(WhistleAttempt.id).where(WhistleAttempt.nonce == nonce))
        if used is not None:
            raise invalid("form_token", "此表单已提交过，请刷新页面 / this form was already sent")
    session.execute(
        delete(WhistleAttempt).where(
            or_(
                and_(WhistleAttempt.kind != NONCE, WhistleAttempt.at <= now - WINDOW),
                WhistleAttempt.at <= now - TOKEN_MAX_AGE,
            )
        )
    )
    rows: list[dict[str, object]] = [{"ip_hash": ip_hash, "kind": kind, "at": now}]
    if nonce is not None:
        rows.append({"ip_hash": "", "kind": NONCE, "nonce": nonce, "at": now})
    session.execute(insert(WhistleAttempt), rows)
