"""Handling whistleblower reports in scope: verify, accept into the hazard register, reject,
mark duplicate; read the reporter's identity (designated users, audited); rewards.

Reports are read by system administrators, operators and viewers of the report's region
subtree. Enterprise users and grid members never see them: a report may be about their own
enterprise or neighbourhood, and that is exactly who the reporter needs protection from.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from yingji.auth.audit import Change, record_many
from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.config import get_settings
from yingji.db import utcnow
from yingji.errors import Conflict, NotFound, PermissionDenied, invalid
from yingji.files import service as files
from yingji.hazards import service as hazards
from yingji.hazards.models import HazardSource
from yingji.paging import Page, paginate
from yingji.regions.paths import under
from yingji.whistle import crypto
from yingji.whistle.models import (
    OPEN_STATES,
    TARGET,
    WhistleEvent,
    WhistlePayout,
    WhistleReport,
    WhistleReward,
    WhistleState,
)

_SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"
READERS = frozenset({UserRole.system_admin, UserRole.operator, UserRole.viewer})
HIDDEN = "已加密 / encrypted"
ANONYMOUS = "匿名 / anonymous"
S = WhistleState


class Action(StrEnum):
    verify = "verify"  # 开始核查
    accept = "accept"  # 查证属实，转为隐患
    reject = "reject"  # 不予采纳
    duplicate = "duplicate"  # 标记重复


TRANSITIONS: dict[Action, dict[WhistleState, WhistleState]] = {
    Action.verify: {S.received: S.verifying},
    Action.accept: {S.verifying: S.accepted},
    Action.reject: {S.received: S.rejected, S.verifying: S.rejected},
    Action.duplicate: {S.received: S.duplicate, S.verifying: S.duplicate},
}
"""A report is checked on the spot (verifying) before it becomes a hazard; an obvious
non-report or a repeat may be closed straight from received."""

ACTION_LABELS = {
    "verify": "开始核查",
    "accept": "属实转隐患",
    "reject": "不予采纳",
    "duplicate": "重复举报",
}
DEFAULT_NOTES = {
    Action.verify: "正在核查中 / being verified",
    Action.accept: "经核查属实，已列入隐患整改 / verified; the hazard is being dealt with",
    Action.duplicate: "与此前的举报重复，合并处理 / duplicate of an earlier report",
}
PAYOUT_METHODS = {"bank_transfer": "银行转账", "cash": "现金", "mobile_payment": "移动支付"}


def allowed(state: str) -> list[Action]:
    return [a for a, moves in TRANSITIONS.items() if state in moves]


# --- reading ------------------------------------------------------------------------------


def _require_reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise PermissionDenied("当前角色不能查看举报 / this role may not see whistle reports")


def scoped(actor: Actor, stmt: Select[Any] | None = None) -> Select[Any]:
    _require_reader(actor)
    stmt = select(WhistleReport) if stmt is None else stmt
    return actor.by_path(stmt, WhistleReport.region_path)


def get(session: Session, actor: Actor, report_id: int) -> WhistleReport:
    report = session.scalar(scoped(actor).where(WhistleReport.id == report_id))
    if report is None:
        raise NotFound(f"举报 {report_id} {_SCOPE}")
    return report


@dataclass
class ReportFilter:
    state: list[str] | None = None
    under_path: str | None = None
    q: str | None = None
    open_only: bool = False

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        if self.state:
            stmt = stmt.where(WhistleReport.state.in_(self.state))
        if self.open_only:
            stmt = stmt.where(WhistleReport.state.in_([s.value for s in OPEN_STATES]))
        if self.under_path:
            stmt = stmt.where(under(WhistleReport.region_path, self.under_path))
        if self.q:
            pattern = f"%{self.q}%"
            stmt = stmt.where(
                or_(
                    WhistleReport.title.ilike(pattern),
                    WhistleReport.code.ilike(pattern),
                    WhistleReport.enterprise_name.ilike(pattern),
                )
            )
        return stmt


def list_reports(
    session: Session, actor: Actor, filters: ReportFilter, offset: int = 0, limit: int = 50
) -> Page[WhistleReport]:
    stmt = filters.apply(scoped(actor)).order_by(
        WhistleReport.received_at.desc(), WhistleReport.id.desc()
    )
    return paginate(session, stmt, offset, limit)


def timeline(session: Session, actor: Actor, report_id: int) -> list[WhistleEvent]:
    get(session, actor, report_id)
    stmt = select(WhistleEvent).where(WhistleEvent.report_id == report_id)
    return list(session.scalars(stmt.order_by(WhistleEvent.id)))


def identity_label(report: WhistleReport) -> str:
    """What everyone who may not read the identity sees instead of it."""
    return ANONYMOUS if report.anonymous else HIDDEN


def may_read_identity(actor: Actor) -> bool:
    return actor.user_id is not None and actor.username in get_settings().whistle_identity_readers


def read_identity(session: Session, actor: Actor, report_id: int) -> dict[str, str]:
    """The reporter's name and phone, for a designated user; every read is audited."""
    report = get(session, actor, report_id)
    if not may_read_identity(actor):
        raise PermissionDenied(
            "您未被指定为举报人信息查阅人 / you are not designated to read reporter identities"
        )
    if report.identity_cipher is None:
        raise Conflict("匿名举报，无举报人信息 / anonymous report: there is no identity")
    identity = crypto.open_identity(report.identity_cipher)
    session.info["actor"] = actor
    record_many(
        session, [Change("read", TARGET, str(report.id), None, {"read": ["name", "phone"]})]
    )
    return identity


# --- handling -----------------------------------------------------------------------------


def _event(
    session: Session,
    actor: Actor,
    report: WhistleReport,
    action: str,
    from_state: str | None,
    comment: str | None,
    public_note: str | None,
    at: dt.datetime,
) -> None:
    session.add(
        WhistleEvent(
            report_id=report.id,
            action=action,
            from_state=from_state,
            to_state=report.state,
            at=at,
            actor_id=actor.user_id,
            actor_name=actor.username,
            comment=comment,
            public_note=public_note,
        )
    )
    session.flush()


def _writable(session: Session, actor: Actor, report_id: int) -> WhistleReport:
    report = get(session, actor, report_id)
    actor.require_write()
    return report


def _accept(session: Session, actor: Actor, report: WhistleReport, data: dict[str, Any]) -> None:
    """Open the hazard in the same transaction; the report keeps its id."""
    title = (data.get("title") or "").strip() or report.title
    parts = [report.description, report.address and f"地点：{report.address}"]
    parts.append(report.enterprise_name and f"被举报单位：{report.enterprise_name}")
    parts.append(f"来源：群众举报 {report.code}")
    hazard = hazards.report(
        session,
        actor,
        {
            "title": title,
            "description": "\n".join(p for p in parts if p),
            "source": HazardSource.whistle.value,
            "enterprise_id": data.get("enterprise_id"),
            "region_id": report.region_id,
            "lon": report.lon,
            "lat": report.lat,
            "comment": f"群众举报 {report.code} 查证属实",
        },
    )
    report.hazard_id = hazard.id


def _duplicate(session: Session, actor: Actor, report: WhistleReport, data: dict) -> None:
    ref = str(data.get("duplicate_of") or "").strip()
    if not ref:
        raise invalid("duplicate_of", "须给出重复的原举报编号 / give the earlier report's code")
    stmt = scoped(actor).where(
        or_(WhistleReport.code == ref, WhistleReport.id == (int(ref) if ref.isdigit() else -1))
    )
    original = session.scalar(stmt)
    if original is None or original.id == report.id:
        raise invalid("duplicate_of", f"原举报 {ref} {_SCOPE}")
    report.duplicate_of_id = original.id


def act(
    session: Session,
    actor: Actor,
    report_id: int,
    action: str,
    data: dict[str, Any] | None = None,
    *,
    now: dt.datetime | None = None,
) -> WhistleReport:
    """One handling step; ``comment`` stays internal, ``public_note`` is shown on the receipt."""
    data = data or {}
    try:
        step = Action(action)
    except ValueError as exc:
        raise invalid("action", f"未知操作 {action} / unknown action") from exc
    report = _writable(session, actor, report_id)
    to_state = TRANSITIONS[step].get(WhistleState(report.state))
    if to_state is None:
        names = "、".join(f"{ACTION_LABELS[a]}({a})" for a in allowed(report.state)) or "无 / none"
        raise Conflict(
            f"举报处于「{report.state}」状态，不能「{ACTION_LABELS[step]}」；可执行：{names}"
            f" / cannot {step} a report in state {report.state}",
            {"state": report.state, "allowed": [a.value for a in allowed(report.state)]},
        )
    at = now or utcnow()
    comment = (data.get("comment") or "").strip() or None
    note = (data.get("public_note") or "").strip() or DEFAULT_NOTES.get(step)
    if step == Action.reject:
        reason = (data.get("reason") or "").strip()
        if not reason:
            raise invalid("reason", "不予采纳须说明理由 / a rejection needs a reason")
        report.reject_reason = reason
        note = (data.get("public_note") or "").strip() or reason
    elif step == Action.accept:
        _accept(session, actor, report, data)
    elif step == Action.duplicate:
        _duplicate(session, actor, report, data)
    if step != Action.verify:
        report.decided_at, report.decided_by_id = at, actor.user_id
    from_state = report.state
    report.state = to_state.value
    _event(session, actor, report, step.value, from_state, comment, note, at)
    return report


# --- rewards ------------------------------------------------------------------------------


def _money(value: Any, field: str) -> decimal.Decimal:
    try:
        amount = decimal.Decimal(str(value)).quantize(decimal.Decimal("0.01"))
    except (decimal.InvalidOperation, ValueError) as exc:
        raise invalid(field, "金额须为数字（元）/ amount must be a number of yuan") from exc
    if not amount.is_finite() or amount <= 0 or amount >= decimal.Decimal("1e10"):
        raise invalid(field, "金额须大于 0 / amount must be above 0")
    return amount


def reward_of(session: Session, report_id: int) -> WhistleReward | None:
    return session.scalar(select(WhistleReward).where(WhistleReward.report_id == report_id))


def payouts_of(session: Session, reward_id: int) -> list[WhistlePayout]:
    stmt = select(WhistlePayout).where(WhistlePayout.reward_id == reward_id)
    return list(session.scalars(stmt.order_by(WhistlePayout.paid_at, WhistlePayout.id)))


def decide_reward(
    session: Session,
    actor: Actor,
    report_id: int,
    amount_yuan: Any,
    basis: str | None,
    *,
    now: dt.datetime | None = None,
) -> WhistleReward:
    """Grant a reward for an accepted report, once, with the rule it follows."""
    report = _writable(session, actor, report_id)
    if report.state != WhistleState.accepted:
        raise Conflict("只有查证属实的举报才能奖励 / only accepted reports are rewarded")
    if reward_of(session, report.id) is not None:
        raise Conflict("该举报已有奖励决定 / this report already has a reward decision")
    basis = (basis or "").strip()
    if not basis:
        raise invalid("basis", "须写明奖励依据 / the basis of the reward is required")
    at = now or utcnow()
    reward = WhistleReward(
        report_id=report.id,
        amount_yuan=_money(amount_yuan, "amount_yuan"),
        basis=basis,
        decided_by_id=actor.user_id,
        decided_at=at,
    )
    session.add(reward)
    session.flush()
    note = f"已决定给予奖励 {reward.amount_yuan} 元，凭回执码领取 / a reward was granted"
    _event(session, actor, report, "reward", report.state, basis, note, at)
    return reward


def record_payout(
    session: Session,
    actor: Actor,
    report_id: int,
    data: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> WhistlePayout:
    """Record money paid against the reward; the total paid never exceeds the decision."""
    report = _writable(session, actor, report_id)
    reward = reward_of(session, report.id)
    if reward is None:
        raise Conflict("尚无奖励决定 / there is no reward decision to pay")
    method = data.get("method")
    if method not in PAYOUT_METHODS:
        raise invalid("method", "发放方式须为 " + "/".join(PAYOUT_METHODS) + " / unknown method")
    paid_before = session.scalar(
        select(func.coalesce(func.sum(WhistlePayout.amount_yuan), 0)).where(
            WhistlePayout.reward_id == reward.id
        )
    )
    left = reward.amount_yuan - decimal.Decimal(paid_before or 0)
    amount = _money(data.get("amount_yuan", left), "amount_yuan")
    if amount > left:
        raise invalid("amount_yuan", f"超过未发放金额 {left} 元 / more than the {left} yuan unpaid")
    paid_at = data.get("paid_at") or now or utcnow()
    if isinstance(paid_at, dt.date) and not isinstance(paid_at, dt.datetime):
        paid_at = dt.datetime.combine(paid_at, dt.time(12), dt.UTC)
    if paid_at.tzinfo is None:
        raise invalid("paid_at", "发放时间须带时区 / paid_at needs a time zone")
    reference = (data.get("reference") or "").strip() or None
    payout = WhistlePayout(
        reward_id=reward.id,
        amount_yuan=amount,
        paid_at=paid_at,
        method=method,
        reference=reference[:100] if reference else None,
        recorded_by_id=actor.user_id,
    )
    session.add(payout)
    session.flush()
    note = "奖励已发放 / the reward was paid" if amount == left else None
    _event(session, actor, report, "payout", report.state, reference, note, now or utcnow())
    return payout


# --- photos -------------------------------------------------------------------------------


def _check_visible(session: Session, actor: Actor, report_id: int) -> None:
    get(session, actor, report_id)


files.register_owner(TARGET, _check_visible)
