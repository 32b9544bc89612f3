"""Demo whistleblower reports in each state, filed through the public service and handled
by the township operator as in daily use: one just received, one being verified, one
verified into a hazard with its reward decided and paid, one rejected, one duplicate.

Each report comes from its own made-up documentation address (RFC 5737) with a form token
served a minute earlier, so the anti-spam checks run exactly as they do for a person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.service import actor_for
from yingji.people.phones import demo_number
from yingji.regions.models import Region
from yingji.whistle import antispam, public, service
from yingji.whistle.models import WhistleReport

REPORTS = (
    ("received", "夜间有货车往废弃矿洞倾倒桶装液体", "村道尽头废弃矿洞", None, True),
    ("verifying", "加油站卸油时无人监护、未接静电接地", "镇中心加油站", "某石化加油站", False),
    ("accepted", "小作坊在居民楼内违规存放烟花爆竹", "老街 12 号一楼", None, False),
    ("rejected", "工地塔吊夜间作业噪音扰民", "新区工地", "某建设工程项目部", True),
    ("duplicate", "居民楼一楼存放大量烟花爆竹", "老街 12 号", None, True),
)
"""(final state, what, where, enterprise named, anonymous)."""
NAMES = ("陈先生", "刘女士", "张先生")


def _answer(question: str) -> str:
    a, b = (int(x) for x in question.split("+"))
    return str(a + b)


def _file(
    session: Session, n: int, spec: tuple[Any, ...], region: Region, at: dt.datetime
) -> WhistleReport:
    _state, title, address, enterprise, anonymous = spec
    token, question = antispam.issue_form(at - dt.timedelta(minutes=3))
    sub = public.Submission(
        title=title,
        region_code=region.code,
        address=address,
        enterprise_name=enterprise,
        anonymous=anonymous,
        name=None if anonymous else NAMES[n % len(NAMES)],
        phone=None if anonymous else demo_number(9_000_000 + n),
        form_token=token,
        answer=_answer(question),
    )
    report, _receipt = public.submit(session, sub, f"192.0.2.{n + 1}", now=at)
    return report


def load(session: Session, rng: np.random.Generator, now: dt.datetime) -> dict[str, int]:
    user = session.scalar(select(User).where(User.username == "twp_operator"))
    if user is None:
        return {"whistle_reports": 0}
    actor = actor_for(session, user)
    region = session.get_one(Region, user.region_id)
    ages = np.sort(rng.integers(2, 40, len(REPORTS)))[::-1]
    reports = []
    for n, spec in enumerate(REPORTS):
        at = now - dt.timedelta(days=int(ages[n]), hours=int(rng.integers(0, 12)))
        report = _file(session, n, spec, region, at)
        reports.append(report)
        state = spec[0]
        later = at + dt.timedelta(days=1)
        if state in ("verifying", "accepted"):
            service.act(session, actor, report.id, "verify", now=later)
        if state == "accepted":
            service.act(session, actor, report.id, "accept", {"comment": "现场核实属实"}, now=later)
            service.decide_reward(
                session, actor, report.id, "2000", "举报奖励办法：查证属实的一般隐患", now=later
            )
            service.record_payout(
                session, actor, report.id, {"method": "bank_transfer", "reference": "DEMO-0001"}
            )
        elif state == "rejected":
            reason = "经核查，塔吊作业在许可时段内，不属于安全生产隐患"
            service.act(session, actor, report.id, "reject", {"reason": reason}, now=later)
        elif state == "duplicate":
            original = reports[2].code
            service.act(session, actor, report.id, "duplicate", {"duplicate_of": original})
    return {"whistle_reports": len(reports)}
