"""Imports every model module so metadata (and Alembic) sees all tables, and installs the
audit hook that records every ORM write."""

import yingji.auth.audit  # noqa: F401  (registers the flush hook)
from yingji.auth.models import ApiToken, AuditEntry, AuditHead, LoginFailure, User
from yingji.enterprises.models import Enterprise
from yingji.files.models import Attachment
from yingji.hazards.models import Hazard, HazardEvent
from yingji.people.models import Assignment, CommitteeMember, DutyShift, Organisation, Person
from yingji.regions.models import Region
from yingji.risk.models import RiskCategory, RiskPoint

__all__ = [
    "ApiToken",
    "Assignment",
    "Attachment",
    "AuditEntry",
    "AuditHead",
    "CommitteeMember",
    "DutyShift",
    "Enterprise",
    "Hazard",
    "HazardEvent",
    "LoginFailure",
    "Organisation",
    "Person",
    "Region",
    "RiskCategory",
    "RiskPoint",
    "User",
]
