"""Which plan rules a warning triggers (分段分级分层分类).

The active plans whose region lies on the path of a region the warning covers (the
province's, the city's, the county's plan), or inside one (a township's own plan),
contribute their rules, each applying only inside its plan's region (and inside its
township, when it names one). A rule matches when its category fits and the warning's
*effective* level and stage reach the rule's thresholds. In a key period (降标提级) the
effective level is one higher (at most red) and the effective stage one later (at most
imminent), so the response starts earlier and harder.

Built-in default: a covered region that no matching rule of any plan on its path reaches
gets :data:`DEFAULT_RULES` (the :data:`~yingji.warnings.targeting.DEFAULT_ROLES` at every
layer, the risk points' monitoring and administrative persons, the installation's
deadlines, redials and escalation), so a warning always reaches people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yingji.regions.models import Region
from yingji.warnings.plans.models import PlanStatus, PlanVersion, ResponsePlan
from yingji.warnings.plans.schemas import ANY_CATEGORY, STAGES, Rule
from yingji.warnings.plans.service import ancestor_paths
from yingji.warnings.targeting import DEFAULT_ROLES, RISK_POINT_ROLES

DEFAULT_MEASURES = (
    "【{category}{level}预警】{headline}。请立即组织防范，于{deadline}前回复确认码{code}确认收到。"
)
DEFAULT_RULES: tuple[Rule, ...] = tuple(
    Rule(
        layer=layer,
        roles=list(DEFAULT_ROLES),
        risk_point_roles=list(RISK_POINT_ROLES) if layer == "county" else [],
        measures=DEFAULT_MEASURES,
    )
    for layer in ("county", "township", "village", "grid")
)
"""What a warning calls where no plan rule matches (see the module docstring)."""
DEFAULT_CODE = "default"


@dataclass(frozen=True)
class Situation:
    """The warning fields rules are keyed by."""

    category: str
    level: int
    stage: str
    key_period: bool = False

    @property
    def effective_level(self) -> int:
        return max(1, self.level - 1) if self.key_period else self.level

    @property
    def effective_stage(self) -> str:
        i = STAGES.index(self.stage)
        return STAGES[min(len(STAGES) - 1, i + 1)] if self.key_period else self.stage


@dataclass(frozen=True)
class PlanRules:
    """One plan version's rules (or the built-in default, ``plan_id`` None)."""

    plan_id: int | None
    code: str
    version_id: int | None
    region_path: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Matched:
    """A rule that applies, where it applies (``within``: a region path), and its source."""

    source: PlanRules
    index: int
    rule: Rule
    within: str


def applies(rule: Rule, situation: Situation) -> bool:
    """Category fits, and the effective level and stage reach the rule's thresholds."""
    return (
        rule.category in (ANY_CATEGORY, situation.category)
        and situation.effective_level <= rule.level
        and STAGES.index(situation.effective_stage) >= STAGES.index(rule.stage)
    )


def active_plans(session: Session, covered_paths: Sequence[str]) -> list[PlanRules]:
    """The current version of every active plan on the path of, or inside, a covered region."""
    if not covered_paths:
        return []
    above = sorted({p for path in covered_paths for p in ancestor_paths(path)})
    inside = or_(
        *(ResponsePlan.region_path.startswith(p, autoescape=True) for p in set(covered_paths))
    )
    rows = session.execute(
        select(ResponsePlan.id, ResponsePlan.code, ResponsePlan.region_path, PlanVersion)
        .join(
            PlanVersion,
            (PlanVersion.plan_id == ResponsePlan.id)
            & (PlanVersion.version == ResponsePlan.version),
        )
        .where(
            ResponsePlan.status == PlanStatus.active,
            or_(ResponsePlan.region_path.in_(above), inside),
        )
        .order_by(ResponsePlan.region_path, ResponsePlan.code)
    ).all()
    return [
        PlanRules(pid, code, version.id, path, tuple(Rule.model_validate(r) for r in version.rules))
        for pid, code, path, version in rows
    ]


def _township_paths(session: Session, plans: Sequence[PlanRules]) -> dict[str, str]:
    codes = sorted({r.township for p in plans for r in p.rules if r.township})
    if not codes:
        return {}
    stmt = select(Region.code, Region.path).where(Region.code.in_(codes))
    return {code: path for code, path in session.execute(stmt)}


def _narrowest(a: str, b: str) -> str | None:
    """The smaller of two subtrees when one holds the other, else None (disjoint)."""
    if a.startswith(b):
        return a
    if b.startswith(a):
        return b
    return None


def top_paths(paths: Sequence[str]) -> list[str]:
    """The covered regions not inside another covered region."""
    unique = sorted(set(paths))
    return [p for p in unique if not any(p != q and p.startswith(q) for q in unique)]


def match(
    session: Session,
    situation: Situation,
    covered_paths: Sequence[str],
    plans: Sequence[PlanRules] | None = None,
) -> list[Matched]:
    """Every applying rule with the subtree it applies in; the default where none does.

    ``plans`` replaces the active plans (a dry run of unsaved rules)."""
    covered_paths = top_paths(covered_paths)
    plans = active_plans(session, covered_paths) if plans is None else plans
    townships = _township_paths(session, plans)
    out: list[Matched] = []
    for plan in plans:
        for i, rule in enumerate(plan.rules):
            if not applies(rule, situation):
                continue
            within: str | None = plan.region_path
            if rule.township:
                tp = townships.get(rule.township)
                within = _narrowest(within, tp) if tp else None
            if within is None:
                continue
            for covered in covered_paths:
                narrow = _narrowest(within, covered)
                if narrow is not None:
                    out.append(Matched(plan, i, rule, narrow))
    reached = [m.source.region_path for m in out]
    for covered in covered_paths:
        if any(covered.startswith(path) for path in reached):
            continue
        default = PlanRules(None, DEFAULT_CODE, None, covered, DEFAULT_RULES)
        out += [Matched(default, i, rule, covered) for i, rule in enumerate(DEFAULT_RULES)]
    return out
