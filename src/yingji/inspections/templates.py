"""Checklist templates: the packaged ones, reading them, and writing new versions.

Editing never changes a version in place. A new version gets new item rows, so results of
inspections made against an older version keep their item texts and clauses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yingji.inspections.models import ChecklistItem, ChecklistTemplate

PACKAGED = ("hazchem_121.json", "industry_trade_order10.json", "fire_gb35181.json")
"""Files under ``yingji/inspections/data`` seeded as version 1 by migration 0005."""
_LIMITS = {"code": 32, "section": 100, "text_zh": 500, "text_en": 500, "clause": 200}


def packaged() -> list[dict[str, Any]]:
    """The shipped templates, checked, as the dicts :func:`check` returns."""
    folder = resources.files("yingji.inspections").joinpath("data")
    return [check(json.loads(folder.joinpath(name).read_text("utf-8"))) for name in PACKAGED]


def _problem(field: str, reason: str) -> dict[str, str]:
    return {"field": field, "reason": reason}


def _item(index: int, raw: Any, seen: set[str]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    where = f"items[{index}]"
    if not isinstance(raw, dict):
        return {}, [_problem(where, "每项须为对象 / each item must be an object")]
    item = {
        "code": str(raw.get("code") or "").strip(),
        "section": (str(raw.get("section") or "").strip() or None),
        "text_zh": str(raw.get("text_zh") or "").strip(),
        "text_en": str(raw.get("text_en") or "").strip(),
        "clause": str(raw.get("clause") or "").strip(),
        "major": raw.get("major", True),
    }
    problems = [
        _problem(f"{where}.{name}", "必填 / required")
        for name in ("code", "text_zh", "clause")
        if not item[name]
    ]
    problems += [
        _problem(f"{where}.{name}", f"超过 {limit} 字 / longer than {limit} characters")
        for name, limit in _LIMITS.items()
        if item[name] and len(item[name]) > limit
    ]
    if not isinstance(item["major"], bool):
        problems.append(_problem(f"{where}.major", "须为 true 或 false / must be a boolean"))
    if item["code"] in seen:
        problems.append(_problem(f"{where}.code", f"项目编码 {item['code']} 重复 / duplicate"))
    seen.add(item["code"])
    return item, problems


def check(data: dict[str, Any]) -> dict[str, Any]:
    """A template's fields cleaned, or every problem at once with its field."""
    code = str(data.get("code") or "").strip()
    name_zh = str(data.get("name_zh") or "").strip()
    problems = []
    if not code or len(code) > 32:
        problems.append(_problem("code", "编码必填且不超过 32 字 / code: 1 to 32 characters"))
    if not name_zh or len(name_zh) > 200:
        problems.append(_problem("name_zh", "名称必填且不超过 200 字 / name: 1 to 200 characters"))
    raw_items = data.get("items")
    items: list[dict[str, Any]] = []
    if not isinstance(raw_items, list) or not raw_items:
        problems.append(_problem("items", "至少需要一个检查项 / at least one item is required"))
    else:
        seen: set[str] = set()
        for index, raw in enumerate(raw_items):
            item, found = _item(index, raw, seen)
            items.append(item)
            problems += found
    if problems:
        raise ValidationFailed("检查表有误 / the checklist is invalid", problems)
    return {
        "code": code,
        "name_zh": name_zh,
        "name_en": str(data.get("name_en") or "").strip()[:200],
        "source": str(data.get("source") or "").strip(),
        "items": items,
    }


# --- reading ---------------------------------------------------------------------------


@dataclass
class TemplateView:
    template: ChecklistTemplate
    items: list[ChecklistItem]
    latest: bool


def list_templates(session: Session, *, all_versions: bool = False) -> list[tuple[Any, int]]:
    """(template, item count) rows, newest version of each code first unless ``all_versions``."""
    counts = (
        select(ChecklistItem.template_id, func.count().label("n"))
        .group_by(ChecklistItem.template_id)
        .subquery()
    )
    stmt = select(ChecklistTemplate, counts.c.n).join(
        counts, counts.c.template_id == ChecklistTemplate.id
    )
    if not all_versions:
        newest = (
            select(ChecklistTemplate.code, func.max(ChecklistTemplate.version).label("v"))
            .group_by(ChecklistTemplate.code)
            .subquery()
        )
        stmt = stmt.join(
            newest,
            (newest.c.code == ChecklistTemplate.code) & (newest.c.v == ChecklistTemplate.version),
        )
    stmt = stmt.order_by(ChecklistTemplate.code, ChecklistTemplate.version.desc())
    return [(t, n) for t, n in session.execute(stmt).all()]


def items_of(session: Session, template_id: int) -> list[ChecklistItem]:
    stmt = (
        select(ChecklistItem)
        .where(ChecklistItem.template_id == template_id)
        .order_by(ChecklistItem.position)
    )
    return list(session.scalars(stmt))


def _newest_version(session: Session, code: str) -> int | None:
    return session.scalar(
        select(func.max(ChecklistTemplate.version)).where(ChecklistTemplate.code == code)
    )


def get_template(session: Session, template_id: int) -> TemplateView:
    template = session.get(ChecklistTemplate, template_id)
    if template is None:
        raise NotFound(f"检查表 {template_id} 不存在 / checklist not found")
    latest = _newest_version(session, template.code) == template.version
    return TemplateView(template, items_of(session, template.id), latest)


def latest_by_code(session: Session, code: str) -> ChecklistTemplate:
    version = _newest_version(session, code)
    template = session.scalar(
        select(ChecklistTemplate).where(
            ChecklistTemplate.code == code, ChecklistTemplate.version == version
        )
    )
    if template is None:
        raise NotFound(f"检查表 {code} 不存在 / checklist {code} not found")
    return template


# --- writing ---------------------------------------------------------------------------


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("仅系统管理员可维护检查表 / only system admins edit checklists")


def _write(session: Session, actor: Actor, data: dict[str, Any], version: int) -> TemplateView:
    template = ChecklistTemplate(
        code=data["code"],
        version=version,
        name_zh=data["name_zh"],
        name_en=data["name_en"],
        source=data["source"],
        created_by_id=actor.user_id,
    )
    session.add(template)
    session.flush()
    items = [
        ChecklistItem(template_id=template.id, position=position, **item)
        for position, item in enumerate(data["items"], start=1)
    ]
    session.add_all(items)
    session.flush()
    return TemplateView(template, items, True)


def create_template(session: Session, actor: Actor, data: dict[str, Any]) -> TemplateView:
    """Version 1 of a new checklist; refuses a code already in use (edit it instead)."""
    _require_admin(actor)
    clean = check(data)
    if _newest_version(session, clean["code"]) is not None:
        raise Conflict(
            f"检查表编码 {clean['code']} 已存在，修改请提交新版本 / code exists: "
            "send a new version instead"
        )
    return _write(session, actor, clean, 1)


def new_version(session: Session, actor: Actor, code: str, data: dict[str, Any]) -> TemplateView:
    """The next version of checklist ``code``; earlier versions and their results stay."""
    _require_admin(actor)
    current = _newest_version(session, code)
    if current is None:
        raise NotFound(f"检查表 {code} 不存在 / checklist {code} not found")
    clean = check({**data, "code": code})
    return _write(session, actor, clean, current + 1)
