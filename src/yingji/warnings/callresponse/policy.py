"""The call-response policy frozen on each instruction, read with the installation's defaults.

The JSON is written when the call is made (by the plan rule or the direct message), so a
plan edited mid-event never changes a call in progress; a key missing from it (an older
row, a hand-written test row) falls back to the settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from yingji.config import get_settings

DEFAULT_CHANNELS: tuple[str, ...] = ("sms", "voice", "inbox")
DEFAULT_ESCALATION_ROLES: tuple[str, ...] = ("admin", "duty_leader")


@dataclass(frozen=True)
class Policy:
    channels: tuple[str, ...]
    deadline_minutes: float | None
    redials: int
    redial_minutes: float
    escalation_roles: tuple[str, ...]
    max_rounds: int

    @property
    def redial_step_seconds(self) -> float:
        """Seconds between two redials: the window shared evenly between them."""
        return self.redial_minutes * 60 / self.redials if self.redials else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "channels": list(self.channels),
            "deadline_minutes": self.deadline_minutes,
            "redials": self.redials,
            "redial_minutes": self.redial_minutes,
            "escalation_roles": list(self.escalation_roles),
            "max_rounds": self.max_rounds,
        }


def policy_of(raw: dict[str, Any] | None) -> Policy:
    """The policy of one instruction, with the settings filling what it leaves out."""
    raw = raw or {}
    settings = get_settings()
    return Policy(
        channels=tuple(raw.get("channels") or DEFAULT_CHANNELS),
        deadline_minutes=raw.get("deadline_minutes"),
        redials=int(raw.get("redials", settings.redial_count)),
        redial_minutes=float(raw.get("redial_minutes", settings.redial_window_minutes)),
        escalation_roles=tuple(raw.get("escalation_roles") or DEFAULT_ESCALATION_ROLES),
        max_rounds=int(raw.get("max_rounds", settings.escalation_max_rounds)),
    )


@lru_cache(maxsize=256)
def policy_from_text(text: str | None) -> Policy:
    """The policy of a JSON text read straight from the database: 100,000 rows of one
    warning share a handful of texts, so each is parsed once."""
    return policy_of(json.loads(text) if text else None)
