"""Imports every model module so metadata (and Alembic) sees all tables, and installs the
audit hook that records every ORM write."""

import yingji.auth.audit  # noqa: F401  (registers the flush hook)
from yingji.auth.models import ApiToken, AuditEntry, AuditHead, LoginFailure, User
from yingji.people.models import Assignment, CommitteeMember, DutyShift, Organisation, Person
from yingji.regions.models import Region

__all__ = [
    "ApiToken",
    "Assignment",
    "AuditEntry",
    "AuditHead",
    "CommitteeMember",
    "DutyShift",
    "LoginFailure",
    "Organisation",
    "Person",
    "Region",
    "User",
]
