"""What the public side does without signing in: file a report, and check it by receipt.

The reporter's actor has no user id and no scope; it only ever creates a report and its
photos. What a receipt shows is built here from an allow-list of fields, so an internal
comment, the handler's name or the linked hazard can never leak through it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.config import get_settings
from yingji.db import utcnow
from yingji.errors import ValidationFailed, invalid
from yingji.files import service as files
from yingji.people.phones import PhoneError, normalise
from yingji.regions import geo
from yingji.regions.models import Region, RegionLevel
from yingji.risk import service as risk
from yingji.whistle import antispam, crypto
from yingji.whistle.models import (
    STATE_LABELS,
    TARGET,
    WhistleEvent,
    WhistlePayout,
    WhistleReport,
    WhistleReward,
    WhistleState,
)

PUBLIC = Actor(username="public", role=UserRole.viewer, region_path="/")
"""Whoever submits the public form; stored as the author of the report's first step."""
MAX_PHOTOS = 5
PHOTO_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


@dataclass
class Photo:
    filename: str
    data: bytes


@dataclass
class Submission:
    """The form as sent; ``website`` is the honeypot, ``form_token``/``answer`` the check."""

    title: str
    description: str | None = None
    region_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    address: str | None = None
    enterprise_name: str | None = None
    anonymous: bool = True
    name: str | None = None
    phone: str | None = None
    form_token: str = ""
    answer: str | None = None
    website: str | None = None
    photos: list[Photo] = field(default_factory=list)


# --- where --------------------------------------------------------------------------------


def region_choices(session: Session) -> list[dict[str, Any]]:
    """Counties that have townships loaded (the installation's area) with their townships,
    for the form's region list: ``[{"code", "name", "townships": [{"code", "name"}]}]``."""
    county = Region.__table__.alias("county")
    rows = session.execute(
        select(county.c.code, county.c.name, Region.code, Region.name)
        .join(county, county.c.id == Region.parent_id)
        .where(Region.level == RegionLevel.township, county.c.level == RegionLevel.county)
        .order_by(county.c.code, Region.code)
    ).all()
    out: dict[str, dict[str, Any]] = {}
    for c_code, c_name, t_code, t_name in rows:
        entry = out.setdefault(c_code, {"code": c_code, "name": c_name, "townships": []})
        entry["townships"].append({"code": t_code, "name": t_name})
    return list(out.values())


def _region(session: Session, sub: Submission) -> Region:
    """The region chosen, else the one the map point lies in; only counties and townships
    of the installation's area are accepted."""
    if sub.region_code:
        region = session.scalar(select(Region).where(Region.code == sub.region_code.strip()))
        if region is None or region.level not in (RegionLevel.county, RegionLevel.township):
            raise invalid("region_code", "请从列表中选择区县或乡镇 / choose a county or township")
        if region.level == RegionLevel.county:
            has_towns = session.scalar(select(func.count()).where(Region.parent_id == region.id))
            if not has_towns:
                raise invalid("region_code", "该区县不在本平台受理范围 / outside this platform")
        return region
    if sub.lon is not None and sub.lat is not None:
        try:
            geo.check_lonlat(sub.lon, sub.lat)
        except ValidationFailed as exc:
            raise invalid("lon", exc.message) from exc
        ids, _ = risk.locate(session, [sub.lon], [sub.lat])
        if ids[0] < 0:
            raise invalid(
                "lon", "该位置不在本平台受理范围内 / the point lies outside this platform"
            )
        return session.get_one(Region, int(ids[0]))
    raise invalid(
        "region_code", "请选择所在区县/乡镇或给出位置 / choose a region or give a position"
    )


# --- who ------------------------------------------------------------------------------------


def _identity(sub: Submission) -> str | None:
    if sub.anonymous:
        return None
    name = (sub.name or "").strip()
    if not name:
        raise invalid("name", "实名举报须填写姓名 / a name is required unless anonymous")
    if len(name) > 50:
        raise invalid("name", "姓名过长 / name too long")
    try:
        phone = normalise(sub.phone or "")
    except PhoneError as exc:
        raise invalid("phone", str(exc)) from exc
    return crypto.seal_identity(name, phone)


# --- photos ---------------------------------------------------------------------------------


def _scrub(photo: Photo) -> bytes:
    """The photo re-encoded without metadata: EXIF carries GPS fixes, the camera's serial and
    the owner's name, any of which could identify the reporter."""
    limit = get_settings().max_upload_mb * 1024 * 1024
    if not photo.data:
        raise invalid("photos", f"文件 {photo.filename} 为空 / file is empty")
    if len(photo.data) > limit:
        raise invalid("photos", f"图片 {photo.filename} 超过大小上限 / photo larger than the limit")
    try:
        kind = PHOTO_FORMATS[files.sniff(photo.data, images_only=True)]
    except ValidationFailed as exc:
        raise invalid("photos", f"{photo.filename}: {exc.message}") from exc
    with Image.open(io.BytesIO(photo.data)) as image:
        image.load()
        if kind == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format=kind, **({"quality": 90} if kind != "PNG" else {}))
    return out.getvalue()


# --- submit ---------------------------------------------------------------------------------


def _text(value: str | None, name: str, limit: int, *, required: bool = False) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise invalid(name, "此项必填 / this field is required")
    if len(text) > limit:
        raise invalid(name, f"超过 {limit} 字 / longer than {limit} characters")
    return text or None


def submit(
    session: Session, sub: Submission, client_address: str, *, now: dt.datetime | None = None
) -> tuple[WhistleReport, str]:
    """File a public report: (the report, its receipt code, shown to the reporter once)."""
    now = now or utcnow()
    address_hash = crypto.ip_hash(client_address)
    antispam.check_rate(session, address_hash, "submit", now)
    nonce = antispam.check_form(sub.form_token, sub.answer, sub.website, now)
    title = _text(sub.title, "title", 200, required=True)
    description = _text(sub.description, "description", 5000)
    address = _text(sub.address, "address", 300)
    enterprise_name = _text(sub.enterprise_name, "enterprise_name", 200)
    region = _region(session, sub)
    cipher = _identity(sub)
    if len(sub.photos) > MAX_PHOTOS:
        raise invalid("photos", f"最多 {MAX_PHOTOS} 张照片 / at most {MAX_PHOTOS} photos")
    photos = [_scrub(p) for p in sub.photos]
    antispam.record(session, address_hash, "submit", nonce, now)
    receipt = crypto.new_receipt()
    report = WhistleReport(
        receipt_hash=crypto.receipt_hash(receipt),
        state=WhistleState.received.value,
        title=title,
        description=description,
        region_id=region.id,
        region_path=region.path,
        lon=sub.lon,
        lat=sub.lat,
        address=address,
        enterprise_name=enterprise_name,
        anonymous=cipher is None,
        identity_cipher=cipher,
        received_at=now,
    )
    session.add(report)
    session.flush()
    report.code = f"JB{now:%Y%m%d}{report.id:06d}"
    session.add(
        WhistleEvent(
            report_id=report.id,
            action="submit",
            from_state=None,
            to_state=report.state,
            at=now,
            actor_name=PUBLIC.username,
            public_note="举报已受理，我们将尽快核查 / report received; we will look into it",
        )
    )
    for n, data in enumerate(photos, 1):
        # A neutral name: the phone's file name may carry the reporter's own name.
        files.store(session, PUBLIC, TARGET, report.id, f"photo-{n}", data, images_only=True)
    session.flush()
    return report, receipt


# --- look up by receipt ---------------------------------------------------------------------


def status(
    session: Session, receipt: str, client_address: str, *, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """What the reporter may see, or None for an unknown receipt. Every look-up counts
    against the address's allowance (the caller commits even on None)."""
    address_hash = crypto.ip_hash(client_address)
    antispam.check_rate(session, address_hash, "lookup", now)
    antispam.record(session, address_hash, "lookup", None, now)
    report = session.scalar(
        select(WhistleReport).where(WhistleReport.receipt_hash == crypto.receipt_hash(receipt))
    )
    if report is None:
        return None
    notes = session.execute(
        select(WhistleEvent.at, WhistleEvent.to_state, WhistleEvent.public_note)
        .where(WhistleEvent.report_id == report.id, WhistleEvent.public_note.is_not(None))
        .order_by(WhistleEvent.id)
    ).all()
    reward = session.scalar(select(WhistleReward).where(WhistleReward.report_id == report.id))
    paid = None
    if reward is not None:
        paid = session.scalar(
            select(func.coalesce(func.sum(WhistlePayout.amount_yuan), 0)).where(
                WhistlePayout.reward_id == reward.id
            )
        )
    return {
        "state": report.state,
        "state_label": STATE_LABELS[report.state],
        "title": report.title,
        "received_at": report.received_at,
        "decided_at": report.decided_at,
        "reject_reason": report.reject_reason,
        "notes": [{"at": at, "state": st, "note": note} for at, st, note in notes],
        "reward_granted": reward is not None,
        "reward_yuan": reward.amount_yuan if reward else None,
        "reward_paid": bool(reward and paid is not None and paid >= reward.amount_yuan),
    }
