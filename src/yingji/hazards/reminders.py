"""Deadline timers for hazards: prompt before, urge when overdue, circular after N days."""

from __future__ import annotations

from sqlalchemy.orm import Session

from yingji.hazards.models import Hazard, HazardEvent


def after_step(session: Session, hazard: Hazard, event: HazardEvent) -> None:
    """Keep this hazard's timers in step with the step just taken."""
