"""The text of a delivery: what a responsible person reads (SMS, e-mail, inbox) or hears.

Plain functions of the facts the sender loads for a whole batch in one query, so composing
10,000 messages costs no query at all. The confirm hint (reply the code, or tap the signed
link) is added by each channel in its own form (SMS template, spoken key, e-mail footer).
Messages to persons are in Chinese: they go to Chinese phones and are the authority's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_NAMES = 20
"""Unanswered names listed in an escalation; more are counted, not listed (SMS length)."""


@dataclass(frozen=True, slots=True)
class Facts:
    """What one delivery's text is made of."""

    purpose: str
    """call | redial | escalation."""
    headline: str | None = None
    """The warning's headline; None for a direct message."""
    authority: str | None = None
    direct_text: str | None = None
    measures: str = ""
    about: Sequence[dict[str, Any]] | None = None
    """Escalations: the unanswered persons ``{"id", "name", "region"}``."""
    redials: int = 0


def _subject(facts: Facts) -> str:
    if facts.direct_text is not None:
        return facts.direct_text
    headline = facts.headline or ""
    if facts.authority and facts.authority not in headline:
        return f"{facts.authority}：{headline}"
    return headline


def _names(about: Sequence[dict[str, Any]]) -> str:
    names = [str(p.get("name") or p.get("id")) for p in about[:MAX_NAMES]]
    text = "、".join(names)
    if len(about) > MAX_NAMES:
        text += f"等{len(about)}人"
    return text


def compose(facts: Facts) -> str:
    """The message text for one delivery (without the confirm hint)."""
    subject = _subject(facts)
    if facts.purpose == "escalation":
        about = facts.about or []
        return (
            f"【叫应上报】{subject}。以下责任人未在时限内确认：{_names(about)}。"
            "请立即督促落实并确认。"
        )
    text = subject
    if facts.measures:
        text += f"。请落实：{facts.measures}"
    if facts.purpose == "redial":
        text = f"【再次提醒】{text}"
    return text


def title(facts: Facts) -> str:
    """A one-line title (e-mail subject, inbox notice title), Chinese with English."""
    if facts.purpose == "escalation":
        return "叫应上报 / Unanswered call escalated"
    if facts.direct_text is not None:
        return "应急直达通知 / Emergency message"
    headline = facts.headline or ""
    return f"{headline} / Warning instruction" if headline else "响应指令 / Warning instruction"
