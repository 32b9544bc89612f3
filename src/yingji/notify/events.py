"""What comes back from recipients, handed to whoever registered for it.

Channels sit below the domains that send through them, so they do not import call-response;
call-response registers here instead (a reply by SMS, a key pressed on a voice call), and
the sender and the inbound endpoint call :func:`replied` and :func:`key_pressed`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

ReplyListener = Callable[[Session, str, str, dt.datetime], bool]
"""``(session, mobile, text, at) -> handled``: an SMS reply from a mobile number."""
KeyListener = Callable[[Session, int, str, dt.datetime], bool]
"""``(session, instruction_id, digits, at) -> handled``: keys pressed on a voice call."""

_REPLY: list[ReplyListener] = []
_KEY: list[KeyListener] = []


def on_reply(fn: ReplyListener) -> ReplyListener:
    if fn not in _REPLY:
        _REPLY.append(fn)
    return fn


def on_key_press(fn: KeyListener) -> KeyListener:
    if fn not in _KEY:
        _KEY.append(fn)
    return fn


def replied(session: Session, mobile: str, text: str, at: dt.datetime) -> bool:
    """Offer an SMS reply to the listeners; True when one of them took it."""
    return any(fn(session, mobile, text, at) for fn in list(_REPLY))


def key_pressed(session: Session, instruction_id: int, digits: str, at: dt.datetime) -> bool:
    return any(fn(session, instruction_id, digits, at) for fn in list(_KEY))
