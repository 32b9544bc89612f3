"""Imports every model module so metadata (and Alembic) sees all tables, and installs the
audit hook that records every ORM write."""

import yingji.auth.audit  # noqa: F401  (registers the flush hook)
from yingji.auth.models import ApiToken, AuditEntry, AuditHead, LoginFailure, User
from yingji.enterprises.models import Enterprise
from yingji.files.models import Attachment
from yingji.hazards.models import Hazard, HazardEvent
from yingji.incidents.flow_models import FlowStep, ResponseFlow, Task, TaskUpdate
from yingji.incidents.models import DutyLog, Incident, IncidentEvent, IncidentReport
from yingji.incidents.quick_models import QuickReport
from yingji.incidents.review_models import CorrectiveAction, Review
from yingji.inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionResult,
    InspectionSchedule,
)
from yingji.jobs.models import Timer
from yingji.notices.models import Notice, NoticeRecipient
from yingji.notify.models import Delivery
from yingji.people.models import Assignment, CommitteeMember, DutyShift, Organisation, Person
from yingji.quake.models import QuakeAssessment, QuakeImpact
from yingji.regions.models import Region
from yingji.resources.models import (
    DispatchOrder,
    Equipment,
    Material,
    OrderLine,
    RegionClass,
    RescueTeam,
    ReserveStandard,
    StockBatch,
    Warehouse,
)
from yingji.risk.models import RiskCategory, RiskPoint
from yingji.stats.models import HazardStatFlow, HazardStatMark, HazardStatOpen, HazardStatState
from yingji.warnings.direct_models import DirectMessage
from yingji.warnings.instruction_models import Instruction
from yingji.warnings.models import EarlyWarning, WarningRegion
from yingji.warnings.plans.models import PlanVersion, ResponsePlan
from yingji.whistle.models import (
    WhistleAttempt,
    WhistleEvent,
    WhistlePayout,
    WhistleReport,
    WhistleReward,
)

__all__ = [
    "ApiToken",
    "Assignment",
    "Attachment",
    "AuditEntry",
    "AuditHead",
    "ChecklistItem",
    "ChecklistTemplate",
    "CommitteeMember",
    "CorrectiveAction",
    "Delivery",
    "DirectMessage",
    "DispatchOrder",
    "DutyLog",
    "DutyShift",
    "EarlyWarning",
    "Enterprise",
    "Equipment",
    "FlowStep",
    "Hazard",
    "HazardEvent",
    "HazardStatFlow",
    "HazardStatMark",
    "HazardStatOpen",
    "HazardStatState",
    "Incident",
    "IncidentEvent",
    "IncidentReport",
    "Inspection",
    "InspectionResult",
    "InspectionSchedule",
    "Instruction",
    "LoginFailure",
    "Material",
    "Notice",
    "NoticeRecipient",
    "OrderLine",
    "Organisation",
    "Person",
    "PlanVersion",
    "QuakeAssessment",
    "QuakeImpact",
    "QuickReport",
    "Region",
    "RegionClass",
    "RescueTeam",
    "ReserveStandard",
    "ResponseFlow",
    "ResponsePlan",
    "Review",
    "RiskCategory",
    "RiskPoint",
    "StockBatch",
    "Task",
    "TaskUpdate",
    "Timer",
    "User",
    "Warehouse",
    "WarningRegion",
    "WhistleAttempt",
    "WhistleEvent",
    "WhistlePayout",
    "WhistleReport",
    "WhistleReward",
]
