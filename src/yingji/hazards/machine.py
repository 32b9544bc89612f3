"""The hazard state machine as data: which action moves which state where, and who may act.

Keeping the table in one place lets the service refuse an illegal step by naming the steps
that are allowed, and lets the web page offer exactly those buttons.
"""

from __future__ import annotations

from enum import StrEnum

from yingji.auth.models import UserRole
from yingji.hazards.models import OPEN_STATES, HazardState

S = HazardState


class Action(StrEnum):
    report = "report"  # 上报
    confirm = "confirm"  # 确认定级
    dismiss = "dismiss"  # 不予认定
    assign = "assign"  # 交办
    start = "start"  # 开始整改
    progress = "progress"  # 整改进展
    suspend = "suspend"  # 停产整改
    resume = "resume"  # 恢复整改
    submit = "submit"  # 提交验收
    verify = "verify"  # 验收通过
    send_back = "send_back"  # 验收不通过
    close = "close"  # 销号
    reopen = "reopen"  # 重新打开
    transfer = "transfer"  # 移交


ACTION_LABELS = {
    "report": "上报",
    "confirm": "确认定级",
    "dismiss": "不予认定",
    "assign": "交办",
    "start": "开始整改",
    "progress": "整改进展",
    "suspend": "停产整改",
    "resume": "恢复整改",
    "submit": "提交验收",
    "verify": "验收通过",
    "send_back": "验收不通过",
    "close": "销号",
    "reopen": "重新打开",
    "transfer": "移交",
}

_STAY = {state: state for state in OPEN_STATES}

TRANSITIONS: dict[Action, dict[HazardState, HazardState]] = {
    Action.confirm: {S.reported: S.confirmed},
    Action.dismiss: {S.reported: S.dismissed},
    Action.assign: {S.confirmed: S.assigned},
    Action.start: {S.assigned: S.rectifying},
    Action.progress: {S.rectifying: S.rectifying, S.suspended: S.suspended},
    Action.suspend: {S.assigned: S.suspended, S.rectifying: S.suspended},
    Action.resume: {S.suspended: S.rectifying},
    Action.submit: {S.rectifying: S.submitted, S.suspended: S.submitted},
    Action.verify: {S.submitted: S.verified},
    Action.send_back: {S.submitted: S.rectifying},
    Action.close: {S.verified: S.closed},
    Action.reopen: {S.closed: S.confirmed, S.dismissed: S.reported},
    Action.transfer: _STAY,
}
"""action → {from state: to state}. ``report`` creates a hazard in ``reported``."""

REGULATORS = frozenset({UserRole.system_admin, UserRole.operator})
RECTIFIERS = REGULATORS | {UserRole.enterprise_user, UserRole.grid_member}
REPORTERS = RECTIFIERS

WHO: dict[Action, frozenset[UserRole]] = {
    Action.report: REPORTERS,
    Action.confirm: REGULATORS,
    Action.dismiss: REGULATORS,
    Action.assign: REGULATORS,
    Action.start: RECTIFIERS,
    Action.progress: RECTIFIERS,
    Action.suspend: REGULATORS,
    Action.resume: REGULATORS,
    Action.submit: RECTIFIERS,
    Action.verify: REGULATORS,
    Action.send_back: REGULATORS,
    Action.close: REGULATORS,
    Action.reopen: REGULATORS,
    Action.transfer: REGULATORS,
}
"""Regulators grade, assign, verify and close; the rectifying side reports its own progress.
Production resumes only when a regulator says so (resume), as the rules for major hazards
require."""

COMMENT_REQUIRED = frozenset({Action.dismiss, Action.send_back, Action.reopen, Action.suspend})
"""Steps that undo or stop something must say why."""


def allowed(state: str, role: UserRole | None = None) -> list[Action]:
    """The actions possible from ``state`` (for ``role``, when given), in table order."""
    return [
        action
        for action, moves in TRANSITIONS.items()
        if state in moves and (role is None or role in WHO[action])
    ]


def target(action: Action, state: str) -> HazardState | None:
    """Where ``action`` leads from ``state``, or None when it is not allowed there."""
    return TRANSITIONS.get(action, {}).get(HazardState(state))
