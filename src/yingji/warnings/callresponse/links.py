"""Signed confirm links: one tap in the SMS confirms, without a login.

The token is the instruction id signed with the deployment's secret key (salted, so a
token made for another purpose never passes here); it carries no expiry because a late
answer is still an answer, and confirming twice changes nothing.
"""

from __future__ import annotations

from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer

from yingji.config import get_settings

SALT = "yingji.instruction.confirm"
PATH = "/c/"
"""Public page of a confirm link: ``{public_url}/c/{token}``."""


def _serializer() -> URLSafeSerializer:
    return _serializer_for(get_settings().secret_key.get_secret_value())


@lru_cache(maxsize=4)
def _serializer_for(secret: str) -> URLSafeSerializer:
    """Built once per key: building one costs a third of composing a message."""
    return URLSafeSerializer(secret, salt=SALT)


def token_for(instruction_id: int) -> str:
    return _serializer().dumps(instruction_id)


def instruction_from_token(token: str) -> int | None:
    """The instruction id a token was made for; None for a forged or damaged token."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def confirm_link(instruction_id: int) -> str:
    return get_settings().public_url.rstrip("/") + PATH + token_for(instruction_id)
