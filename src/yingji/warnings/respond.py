"""Turning a warning into response instructions (响应指令): the ``warning.respond`` job.

The warning's matching plan rules (:mod:`yingji.warnings.plans.matching`) are grouped into
a few targeting questions over the warning's area (which roles at which layer inside which
subtree; which risk-point roles; which sectors), the answers merged per person — one
instruction per person, listing every reason with the plan and rule that gave it — and the
policy of the person's rules merged into one: the earliest deadline, every channel, the
escalation of the strictest rule. The instructions are written set-based together with one
delivery per channel (``notify.outbox``) and the deadline timer (``callresponse.jobs``).

Progressive response: persons already called for the same event (this warning or the ones
it updates) are skipped, so an upgrade only calls whom its stricter rules add.

:func:`write_calls` is the writing half, shared with direct reach (一键直达).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import clock, jobs
from yingji.config import Settings, get_settings
from yingji.db import utcnow
from yingji.notify import outbox
from yingji.notify.models import Purpose
from yingji.regions.models import Region
from yingji.warnings import service as warning_service
from yingji.warnings.callresponse import jobs as callresponse_jobs
from yingji.warnings.instruction_models import Instruction, InstructionState, ReasonKind
from yingji.warnings.instructions import already_called, call_key, insert_rows
from yingji.warnings.models import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    STAGE_LABELS,
    EarlyWarning,
    WarningRegion,
    WarningStatus,
)
from yingji.warnings.plans.matching import (
    Matched,
    Situation,
    match,
    top_paths,
)
from yingji.warnings.plans.schemas import CHANNELS, Rule
from yingji.warnings.targeting import (
    CHUNK,
    Area,
    Merge,
    Place,
    Target,
    area_of,
    enterprise_hits,
    region_hits,
    risk_point_hits,
)

log = logging.getLogger(__name__)
RESPOND_JOB = warning_service.RESPOND_JOB
DEFAULT_ESCALATION_ROLES: tuple[str, ...] = ("admin", "duty_leader")
"""Who an unanswered call climbs to when a rule does not say (行政责任人、带班领导)."""
NO_DEADLINE = "—"
_T = Instruction.__table__

RuleKey = tuple[str, int]
"""(plan code, rule index): how a reason names the rule that gave it."""


# --- policy ---------------------------------------------------------------------------------


def _minutes_by_level(settings: Settings, level: int) -> int | None:
    table: dict[Any, int | None] = settings.confirm_minutes_by_level
    return table.get(level, table.get(str(level)))  # type: ignore[call-overload]


def rule_policy(rule: Rule, situation: Situation, settings: Settings) -> dict[str, Any]:
    """The call-response policy one rule asks for, settings filling what it leaves out."""
    esc = rule.escalation
    deadline = rule.deadline_minutes
    if deadline is None:
        deadline = _minutes_by_level(settings, situation.effective_level)
    return {
        "channels": list(rule.channels),
        "deadline_minutes": deadline,
        "redials": settings.redial_count if esc.redials is None else esc.redials,
        "redial_minutes": (
            settings.redial_window_minutes if esc.redial_minutes is None else esc.redial_minutes
        ),
        "escalation_roles": list(DEFAULT_ESCALATION_ROLES if esc.roles is None else esc.roles),
        "max_rounds": settings.escalation_max_rounds if esc.max_rounds is None else esc.max_rounds,
    }


def _strictness(policy: dict[str, Any]) -> tuple[float, int, int]:
    deadline = policy["deadline_minutes"]
    return (math.inf if deadline is None else deadline, -policy["max_rounds"], -policy["redials"])


def merge_policies(policies: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One policy for a person several rules call: the earliest deadline, the union of the
    channels, and the redials and escalation chain of the strictest rule (earliest
    deadline, then the most rounds, then the most redials)."""
    strictest = min(policies, key=_strictness)
    channels = {c for p in policies for c in p["channels"]}
    return {**strictest, "channels": [c for c in CHANNELS if c in channels]}


# --- who is called --------------------------------------------------------------------------


@dataclass
class Calls:
    """The outcome of applying a warning's rules: targets, and the rules behind them."""

    situation: Situation
    targets: list[Target]
    rules: dict[RuleKey, Matched] = field(default_factory=dict)

    def rules_of(self, target: Target) -> list[Matched]:
        keys = dict.fromkeys((r["plan"], r["rule"]) for r in target.reasons)
        return [self.rules[k] for k in keys]


def _key(m: Matched) -> RuleKey:
    return (m.source.code, m.index)


def collect(
    session: Session, area: Area, situation: Situation, matched: Sequence[Matched], day: dt.date
) -> Calls:
    """Apply the matched rules to ``area``: one assignment query per layer for all the
    rules and subtrees at that layer (each hit credited to the rules whose role and subtree
    it falls in), one per risk-point role set, one per sector rule; every reason names its
    plan and rule index."""
    merge = Merge()
    calls = Calls(situation, [])
    by_level: dict[int, dict[str, list[Matched]]] = {}
    by_point_role: dict[str, list[Matched]] = {}
    for m in matched:
        calls.rules.setdefault(_key(m), m)
        roles = by_level.setdefault(m.rule.level_of_layer, {})
        for role in m.rule.roles:
            roles.setdefault(role, []).append(m)
        for role in m.rule.risk_point_roles:
            by_point_role.setdefault(role, []).append(m)
    levels = _places_by_level(area)
    for level, roles in by_level.items():
        withins = top_paths([m.within for ms in roles.values() for m in ms])
        places = _inside(levels.get(level, {}), withins)
        for hit in region_hits(session, places, list(roles), day):
            for m in _crediting(roles[hit[1]], hit[4].path):
                merge.add(ReasonKind.region_role.value, hit, rule=m.index, plan=m.source.code)
    if by_point_role:
        withins = top_paths([m.within for ms in by_point_role.values() for m in ms])
        for within in withins:
            for hit in risk_point_hits(session, area, list(by_point_role), day, within):
                for m in _crediting(by_point_role[hit[1]], hit[4].path):
                    merge.add(ReasonKind.risk_point.value, hit, rule=m.index, plan=m.source.code)
    for m in matched:
        if m.rule.sectors:
            for hit in enterprise_hits(session, area.within(m.within), m.rule.sectors):
                merge.add(ReasonKind.enterprise.value, hit, rule=m.index, plan=m.source.code)
    calls.targets = _dedupe_reasons(merge.result())
    return calls


def _places_by_level(area: Area) -> dict[int, dict[int, Place]]:
    out: dict[int, dict[int, Place]] = {}
    for rid, place in area.places.items():
        out.setdefault(place.level, {})[rid] = place
    return out


def _inside(places: dict[int, Place], withins: Sequence[str]) -> dict[int, Place]:
    """The places inside any of the (disjoint) subtrees ``withins``."""
    prefixes = tuple(withins)
    return {rid: p for rid, p in places.items() if p.path.startswith(prefixes)}


def _crediting(ms: list[Matched], path: str) -> list[Matched]:
    """The distinct rules among ``ms`` whose subtree holds ``path``."""
    return list({_key(m): m for m in ms if path.startswith(m.within)}.values())


def _dedupe_reasons(targets: list[Target]) -> list[Target]:
    """Overlapping subtrees (a county and a township both named) find a reason twice."""
    for t in targets:
        seen: dict[tuple[Any, ...], dict[str, Any]] = {}
        for r in t.reasons:
            seen.setdefault(tuple(sorted(r.items())), r)
        t.reasons = list(seen.values())
    return targets


def covered_paths(session: Session, warning: EarlyWarning) -> list[str]:
    paths = session.scalars(
        select(WarningRegion.path).where(WarningRegion.warning_id == warning.id)
    )
    return top_paths(list(paths))


def situation_of(warning: EarlyWarning) -> Situation:
    return Situation(warning.category, warning.level, warning.stage, bool(warning.key_period))


# --- measures -------------------------------------------------------------------------------


def region_names(session: Session, region_ids: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    ids = sorted(region_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        stmt = select(Region.id, Region.name).where(Region.id.in_(chunk))
        out.update((rid, name) for rid, name in session.connection().execute(stmt))
    return out


def deadline_text(deadline_at: dt.datetime | None) -> str:
    return local_hhmm(deadline_at) if deadline_at else NO_DEADLINE


def local_hhmm(moment: dt.datetime) -> str:
    return moment.astimezone(clock.zone()).strftime("%H:%M")


def render(templates: Sequence[str], variables: dict[str, str]) -> str:
    """The distinct rendered measures of a person's rules, one per line."""
    texts = [t.format(**variables).strip() for t in templates if t.strip()]
    return "\n".join(dict.fromkeys(t for t in texts if t))


def warning_variables(category: str, level: int, stage: str, headline: str) -> dict[str, str]:
    """The measures variables every person of a warning shares."""
    return {
        "category": CATEGORY_LABELS.get(category, category),
        "level": LEVEL_LABELS.get(level, str(level)),
        "stage": STAGE_LABELS.get(stage, stage),
        "headline": headline,
    }


# --- writing --------------------------------------------------------------------------------


def _codes(n: int) -> list[str]:
    return [f"{secrets.randbelow(1_000_000):06d}" for _ in range(n)]


def _insert(
    session: Session, rows: list[dict[str, Any]], subject: Any, before: set[int]
) -> list[tuple[int, int]]:
    """Insert instruction rows (a key already there is left alone; see
    ``instructions.insert_rows``), then read back (id, person) of the subject's round-0 rows
    not in ``before``: cheaper than RETURNING row by row on 100,000 rows."""
    insert_rows(session, rows)
    conn = session.connection()
    if not rows:
        return []
    read = select(_T.c.id, _T.c.person_id).where(subject, _T.c.round == 0)
    return [(iid, pid) for iid, pid in conn.execute(read) if pid not in before]


def _called(session: Session, subject: Any) -> set[int]:
    stmt = select(_T.c.person_id).where(subject, _T.c.round == 0)
    return set(session.connection().execute(stmt).scalars())


def write_calls(
    session: Session,
    *,
    warning: EarlyWarning | None = None,
    direct: Any = None,
    targets: Sequence[Target],
    policy_for: Callable[[Target], dict[str, Any]],
    measures_for: Callable[[Target, str, dt.datetime | None], str],
    now: dt.datetime,
    plan_version_for: Callable[[Target], int | None] | None = None,
) -> list[int]:
    """Write one round-0 instruction per target (for ``warning`` or the direct message
    ``direct``) with its frozen policy, measures, a random 6-digit confirm code, deadline
    and next action; one ``call`` delivery per channel; and the deadline timer at the
    earliest deadline. Persons already called for the warning's event are skipped. Only
    flushes; returns the ids of the instructions written."""
    if (warning is None) == (direct is None):
        raise ValueError("write_calls needs exactly one of warning and direct")
    session.flush()
    subject = _T.c.warning_id == warning.id if warning is not None else _T.c.direct_id == direct.id
    before = _called(session, subject)
    skip = already_called(session, warning) if warning is not None else before
    todo = [t for t in targets if t.person_id not in skip]
    rows: list[dict[str, Any]] = []
    channels: dict[int, list[str]] = {}
    earliest: dt.datetime | None = None
    for t, code in zip(todo, _codes(len(todo)), strict=True):
        policy = policy_for(t)
        minutes = policy.get("deadline_minutes")
        deadline_at = now + dt.timedelta(minutes=minutes) if minutes else None
        if deadline_at is not None and (earliest is None or deadline_at < earliest):
            earliest = deadline_at
        channels[t.person_id] = list(policy["channels"])
        rows.append(
            {
                "key": call_key(warning.id, t.person_id)
                if warning is not None
                else f"d{direct.id}:p{t.person_id}",
                "warning_id": warning.id if warning is not None else None,
                "direct_id": direct.id if direct is not None else None,
                "person_id": t.person_id,
                "region_id": t.region_id,
                "plan_version_id": plan_version_for(t) if plan_version_for else None,
                "round": 0,
                "reasons": t.reasons,
                "about": None,
                "layer": t.layer,
                "measures": measures_for(t, code, deadline_at),
                "policy": policy,
                "state": InstructionState.pending.value,
                "confirm_code": code,
                "deadline_at": deadline_at,
                "next_action_at": deadline_at,
                "redials": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
    written = _insert(session, rows, subject, before)
    deliveries = [(iid, ch) for iid, pid in written for ch in channels[pid]]
    if deliveries:
        outbox.enqueue(session, deliveries, Purpose.call, now)
    if written and earliest is not None:
        subject = ("warning", warning.id) if warning is not None else ("direct", direct.id)
        callresponse_jobs.schedule_due(session, subject[0], subject[1], earliest)
    return [iid for iid, _pid in written]


class Policies:
    """Merged policy and measures per person, memoised by the set of rules (most persons
    share a handful of rule sets)."""

    def __init__(self, calls: Calls, settings: Settings, variables: dict[str, str]) -> None:
        self.calls = calls
        self.settings = settings
        self.variables = variables
        self._memo: dict[tuple[RuleKey, ...], tuple[dict[str, Any], list[str], int | None]] = {}
        self.names: dict[int, str] = {}
        self._last: tuple[Target, tuple[dict[str, Any], list[str], int | None]] | None = None
        self._deadlines: dict[dt.datetime | None, str] = {}

    def _of(self, target: Target) -> tuple[dict[str, Any], list[str], int | None]:
        if self._last is not None and self._last[0] is target:
            return self._last[1]
        rules = self.calls.rules_of(target)
        key = tuple(sorted(_key(m) for m in rules))
        if key not in self._memo:
            policy = merge_policies(
                [rule_policy(m.rule, self.calls.situation, self.settings) for m in rules]
            )
            templates = [m.rule.measures for m in rules]
            sources = [m.source for m in rules if m.source.version_id is not None]
            version = max(sources, key=lambda s: len(s.region_path)).version_id if sources else None
            self._memo[key] = (policy, templates, version)
        self._last = (target, self._memo[key])
        return self._memo[key]

    def policy(self, target: Target) -> dict[str, Any]:
        return self._of(target)[0]

    def version(self, target: Target) -> int | None:
        return self._of(target)[2]

    def _deadline(self, deadline_at: dt.datetime | None) -> str:
        text = self._deadlines.get(deadline_at)
        if text is None:
            text = self._deadlines[deadline_at] = deadline_text(deadline_at)
        return text

    def measures(self, target: Target, code: str, deadline_at: dt.datetime | None) -> str:
        variables = {
            **self.variables,
            "region": self.names.get(target.region_id or 0, ""),
            "code": code,
            "deadline": self._deadline(deadline_at),
        }
        return render(self._of(target)[1], variables)


def _plan(session: Session, warning: EarlyWarning, now: dt.datetime) -> tuple[Calls, Policies]:
    situation = situation_of(warning)
    area = area_of(session, warning)
    matched = match(session, situation, covered_paths(session, warning))
    calls = collect(session, area, situation, matched, clock.today(now))
    variables = warning_variables(warning.category, warning.level, warning.stage, warning.headline)
    policies = Policies(calls, get_settings(), variables)
    return calls, policies


def issue(session: Session, warning: EarlyWarning, now: dt.datetime | None = None) -> int:
    """Call the persons ``warning``'s rules reach and who were not called for its event
    yet; how many instructions were written. Only flushes; the caller commits."""
    now = now or utcnow()
    calls, policies = _plan(session, warning, now)
    skip = already_called(session, warning)
    todo = [t for t in calls.targets if t.person_id not in skip]
    policies.names = region_names(session, {t.region_id for t in todo if t.region_id})
    ids = write_calls(
        session,
        warning=warning,
        targets=todo,
        policy_for=policies.policy,
        measures_for=policies.measures,
        now=now,
        plan_version_for=policies.version,
    )
    log.info("warning %s: %d instructions", warning.id, len(ids))
    return len(ids)


@jobs.handler(RESPOND_JOB)
def respond_job(session: Session, job: jobs.Job) -> None:
    """Call out a stored warning; one that was cancelled or updated before the job ran is
    left alone (its update calls for the event)."""
    warning = session.get(EarlyWarning, job.subject_id)
    if warning is None or warning.status != WarningStatus.active:
        return
    if warning.cap_status != "Actual":
        return
    issue(session, warning, job.now)
