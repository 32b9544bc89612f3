"""Direct reach (一键直达): one action sends a free-text message to the responsible persons
of chosen regions, by role, at chosen layers down to village and grid.

The message is a :class:`DirectMessage`; each person reached gets one instruction
(``d{id}:p{person}``, reasons of kind ``direct``) written by the same code as a warning's
calls, so delivery, confirmation, redials, escalation and the live board work unchanged.
A sender reaches only regions inside their own subtree.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from yingji import clock, reactions
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import NotFound, PermissionDenied, ValidationFailed
from yingji.people.models import Role
from yingji.regions.models import Region
from yingji.warnings import targeting
from yingji.warnings.board import Subject
from yingji.warnings.callresponse.policy import policy_of
from yingji.warnings.direct_models import DirectMessage
from yingji.warnings.instruction_models import ReasonKind
from yingji.warnings.targeting import Place, Target

LAYERS = (3, 4, 5, 6)
"""County, township, village, grid: the layers a message can reach."""
CHANNELS = ("sms", "voice", "inbox", "terminal", "email")
DEFAULT_CHANNELS = ["sms", "inbox"]
DEFAULT_ROLES = ["admin", "grid_member"]
MAX_TEXT = 1000
MAX_DEADLINE_MINUTES = 24 * 60
NOT_FOUND = "直达消息不存在 / direct message not found"


def _bad(field: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed(f"{zh} / {en}", [{"row": None, "field": field, "reason": en}])


# --- reading --------------------------------------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def scoped(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    """Messages sent from the actor's subtree, or from a region above it (a city-wide
    message reaches the township, whose board then shows its own people)."""
    if actor.region_path == "/":
        return stmt
    return stmt.where(
        or_(
            DirectMessage.region_path.startswith(actor.region_path, autoescape=True),
            DirectMessage.region_path.in_(_ancestor_paths(actor.region_path)),
        )
    )


def get(session: Session, actor: Actor, direct_id: int) -> DirectMessage:
    found = session.scalar(
        scoped(actor, select(DirectMessage)).where(DirectMessage.id == direct_id)
    )
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def list_messages(
    session: Session, actor: Actor, *, offset: int = 0, limit: int = 50
) -> tuple[list[DirectMessage], int]:
    """Newest first."""
    stmt = scoped(actor, select(DirectMessage))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(DirectMessage.created_at.desc(), DirectMessage.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total


def subject(session: Session, actor: Actor, direct_id: int) -> Subject:
    """The board subject of a direct message the actor sees."""
    message = get(session, actor, direct_id)
    return Subject(
        "direct", message.id, (message.id,), message.code, message.text[:80], message.created_at
    )


# --- checking -------------------------------------------------------------------------------


def _texts(values: Any, field: str) -> list[str]:
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").replace(" ", ",").split(",") if v]
    if not isinstance(values, list | tuple):
        raise _bad(field, f"{field} 须为列表", f"{field} must be a list")
    return list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))


def _regions(session: Session, actor: Actor, codes: list[str]) -> list[Region]:
    if not codes:
        raise _bad("region_codes", "请选择区划", "choose at least one region")
    found = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    missing = [c for c in codes if c not in found]
    if missing:
        raise _bad("region_codes", f"区划不存在 {missing}", f"unknown regions {missing}")
    outside = [c for c in codes if not actor.covers(found[c].path)]
    if outside:
        raise PermissionDenied(
            f"所选区划超出本账号辖区 {outside} / regions outside your area: {outside}"
        )
    return [found[c] for c in codes]


def check(session: Session, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """The message fields, cleaned; refuses bad fields and regions outside the actor's."""
    actor.require_write()
    text = str(data.get("text") or "").strip()
    if not text:
        raise _bad("text", "请填写消息内容", "the message text is empty")
    if len(text) > MAX_TEXT:
        raise _bad("text", f"消息不超过 {MAX_TEXT} 字", f"at most {MAX_TEXT} characters")
    regions = _regions(session, actor, _texts(data.get("region_codes") or [], "region_codes"))
    roles = _texts(data.get("roles") or DEFAULT_ROLES, "roles")
    unknown = [r for r in roles if r not in {x.value for x in Role}]
    if unknown:
        raise _bad("roles", f"未知角色 {unknown}", f"unknown roles {unknown}")
    try:
        layers = sorted({int(v) for v in (data.get("layers") or LAYERS)})
    except (TypeError, ValueError) as exc:
        raise _bad("layers", "层级须为 3–6", "layers are region levels 3-6") from exc
    if not layers or any(v not in LAYERS for v in layers):
        raise _bad("layers", "层级须为 3–6", "layers are region levels 3-6")
    channels = _texts(data.get("channels") or DEFAULT_CHANNELS, "channels")
    if not channels or any(c not in CHANNELS for c in channels):
        raise _bad("channels", f"渠道须为 {list(CHANNELS)}", f"channels are {list(CHANNELS)}")
    minutes = data.get("deadline_minutes")
    if minutes in ("", None):
        minutes = None
    else:
        try:
            minutes = int(minutes)
        except (TypeError, ValueError) as exc:
            raise _bad("deadline_minutes", "时限须为分钟数", "minutes as a number") from exc
        if not 1 <= minutes <= MAX_DEADLINE_MINUTES:
            raise _bad(
                "deadline_minutes",
                f"时限为 1–{MAX_DEADLINE_MINUTES} 分钟",
                f"between 1 and {MAX_DEADLINE_MINUTES} minutes",
            )
    return {
        "text": text,
        "regions": regions,
        "roles": roles,
        "layers": layers,
        "channels": channels,
        "deadline_minutes": minutes,
    }


# --- targeting ------------------------------------------------------------------------------


def places(session: Session, regions: Sequence[Region], layers: Sequence[int]) -> dict[int, Place]:
    """{region id: place} of the regions at ``layers`` in the chosen subtrees (set-based:
    one prefix match per chosen region)."""
    inside = or_(*(Region.path.startswith(r.path, autoescape=True) for r in regions))
    stmt = select(Region.id, Region.code, Region.level, Region.path).where(
        inside, Region.level.in_(list(layers))
    )
    return {rid: Place(code, level, path) for rid, code, level, path in session.execute(stmt)}


def targets(
    session: Session,
    regions: Sequence[Region],
    roles: Sequence[str],
    layers: Sequence[int],
    day: dt.date | None = None,
) -> list[Target]:
    """Everyone the message reaches, one target per person with every (region, role)
    listed as a ``direct`` reason, called at their highest layer; assignments active on
    ``day``."""
    merge = targeting.Merge()
    reached = places(session, regions, layers)
    for hit in targeting.region_hits(session, reached, roles, day or clock.today()):
        merge.add(ReasonKind.direct.value, hit)
    return merge.result()


# --- sending --------------------------------------------------------------------------------


def policy(channels: Sequence[str], deadline_minutes: int | None) -> dict[str, Any]:
    """The call-response policy frozen on every instruction of the message: the chosen
    channels and deadline, with the installation's redials, escalation and rounds."""
    raw = {"channels": list(channels), "deadline_minutes": deadline_minutes}
    return policy_of(raw).as_json()


def _home(session: Session, regions: Sequence[Region]) -> Region:
    """The lowest region containing every chosen one (the message's scope)."""
    paths = [r.path.strip("/").split("/") for r in regions]
    common: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    home = session.scalar(select(Region).where(Region.code == common[-1])) if common else None
    if home is None:
        raise _bad("region_codes", "所选区划无共同上级", "the regions share no parent")
    return home


Writer = Callable[..., Any]


def _writer() -> Writer:
    """The shared instruction writer of warning call-outs (calls, codes, deadlines,
    deliveries and call-response timers in one transaction)."""
    from yingji.warnings.respond import write_calls

    return write_calls


def send(
    session: Session, actor: Actor, data: dict[str, Any], *, now: dt.datetime | None = None
) -> tuple[DirectMessage, int]:
    """Store the message and call everyone it reaches; (the message, instructions
    written). Only flushes: the caller's transaction commits it with its deliveries."""
    fields = check(session, actor, data)
    now = now or utcnow()
    home = _home(session, fields["regions"])
    message = DirectMessage(
        code=f"YJD-{secrets.token_hex(6).upper()}",
        text=fields["text"],
        region_codes=[r.code for r in fields["regions"]],
        roles=fields["roles"],
        layers=fields["layers"],
        policy=policy(fields["channels"], fields["deadline_minutes"]),
        region_id=home.id,
        region_path=home.path,
        incident_id=_incident_id(data),
        created_by=actor.username,
        created_at=now,
    )
    session.add(message)
    session.flush()
    found = targets(session, fields["regions"], fields["roles"], fields["layers"], clock.today(now))
    frozen = message.policy
    ids = _writer()(
        session,
        direct=message,
        targets=found,
        policy_for=lambda _target: frozen,
        measures_for=lambda _target, _code, _deadline: message.text,
        now=now,
    )
    reactions.emit(
        session,
        "direct.sent",
        direct_id=message.id,
        incident_id=message.incident_id,
        region_path=message.region_path,
        instructions=len(ids),
        text=message.text,
        by=actor.username,
        at=now,
    )
    return message, len(ids)


def _incident_id(data: dict[str, Any]) -> int | None:
    """The incident the message is for, when the sender says so (the incident's side
    checks it lies near the message's regions before writing on its timeline)."""
    raw = data.get("incident_id")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise _bad("incident_id", "事件编号应为整数", "incident_id must be a whole number") from exc
