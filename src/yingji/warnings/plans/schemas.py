"""The rules of a response plan, and their validation.

A rule says who a warning calls at one layer once it is severe and close enough: keyed by
hazard category × level × stage × layer, optionally narrowed to one township (一乡镇一方案)
or extended to the enterprises of named sectors (一行业一措施), with the measures text, the
confirmation deadline, the channels and the escalation chain. A bad plan is rejected whole
with every problem named by rule index and field, so nothing half-valid is ever stored.
"""

from __future__ import annotations

import string
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from yingji.enterprises import industries
from yingji.errors import ValidationFailed
from yingji.people.models import ROLE_LABELS, Role
from yingji.warnings.models import CATEGORY_LABELS, Stage

CHANNELS: tuple[str, ...] = ("sms", "voice", "terminal", "email", "inbox")
"""Channel names in the order deliveries are listed (see the shared design)."""
LAYERS: dict[str, int] = {"county": 3, "township": 4, "village": 5, "grid": 6}
"""Rule layer → region level."""
LAYER_LABELS = {"county": "县", "township": "乡镇", "village": "村", "grid": "网格"}
STAGES: tuple[str, ...] = tuple(s.value for s in Stage)
"""Stages from the earliest (outlook) to the latest (imminent)."""
MEASURE_VARIABLES: dict[str, str] = {
    "region": "被叫应人所在区划名称 / region the person is called at",
    "level": "预警等级（红色…） / warning level",
    "category": "灾种（暴雨…） / hazard category",
    "stage": "阶段（预报…） / stage",
    "headline": "预警标题 / warning headline",
    "deadline": "确认时限（时:分） / confirmation deadline",
    "code": "确认码 / confirmation code",
}
"""Variables a measures template may use, e.g. ``{region}请于{deadline}前回复{code}``."""
ANY_CATEGORY = "*"
SECTIONS = frozenset(d.section for d in industries.divisions().values())


def template_fields(text: str) -> list[str]:
    """The variable names of a ``str.format`` template; ValueError when it is malformed."""
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"模板花括号不配对 / unbalanced braces in the template ({exc})") from exc
    for _lit, name, spec, conv in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conv:
            raise ValueError(f"变量写法无效 {{{name}}} / bad variable {{{name}}}")
        names.append(name)
    return names


def normalise_sector(code: str) -> str:
    """A GB/T 4754 prefix: 2-4 digits (``26``, ``2614``), a section letter (``B``), or a
    section letter with digits (``B06`` → ``06``); ValueError naming the problem."""
    code = (code or "").strip().upper()
    if len(code) == 1 and code in SECTIONS:
        return code
    if code[:1].isalpha():
        digits = code[1:]
        division = industries.check(digits)
        if division.section != code[0]:
            raise ValueError(
                f"行业门类不符 {code} / section {code[0]} does not hold division {digits[:2]}"
            )
        return digits
    industries.check(code)
    return code


class Escalation(BaseModel):
    """Who is told when a call goes unanswered, and how hard to try first; None fields
    take the installation's settings (redial_count, redial_window_minutes, ...)."""

    model_config = ConfigDict(extra="forbid")

    roles: list[str] | None = None
    redials: int | None = Field(default=None, ge=0, le=10)
    redial_minutes: int | None = Field(default=None, ge=1, le=240)
    max_rounds: int | None = Field(default=None, ge=0, le=5)

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _known_roles(value)


def _known_roles(value: list[str]) -> list[str]:
    unknown = [r for r in value if r not in ROLE_LABELS]
    if unknown:
        raise ValueError(f"未知角色 {', '.join(unknown)} / unknown role {', '.join(unknown)}")
    return list(dict.fromkeys(value))


class Rule(BaseModel):
    """One rule; see the module docstring. ``level`` and ``stage`` are thresholds: the rule
    applies at that level or a more severe one (1 red … 4 blue) and at that stage or a
    later one."""

    model_config = ConfigDict(extra="forbid")

    category: str = ANY_CATEGORY
    level: int = Field(default=4, ge=1, le=4)
    stage: Literal["outlook", "forecast", "nowcast", "imminent"] = "outlook"
    layer: Literal["county", "township", "village", "grid"]
    township: str | None = None
    """A township's region code: the rule applies only inside it (一乡镇一方案)."""
    sectors: list[str] = Field(default_factory=list)
    """GB/T 4754 prefixes: principal and safety manager of those enterprises (一行业一措施)."""
    roles: list[str] = Field(default_factory=list)
    risk_point_roles: list[str] = Field(default_factory=list)
    measures: str = Field(default="", max_length=2000)
    deadline_minutes: int | None = Field(default=None, ge=1, le=1440)
    """None: the installation's deadline for the warning's level (blue: none)."""
    channels: list[str] = Field(default_factory=lambda: ["sms", "voice", "inbox"], min_length=1)
    escalation: Escalation = Field(default_factory=Escalation)

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value != ANY_CATEGORY and value not in CATEGORY_LABELS:
            raise ValueError(f"未知灾种 {value} / unknown category {value}")
        return value

    @field_validator("roles", "risk_point_roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        return _known_roles(value)

    @field_validator("township")
    @classmethod
    def _township(cls, value: str | None) -> str | None:
        if value is not None and not (value.isdigit() and len(value) == 9):
            raise ValueError(f"乡镇区划代码须为 9 位 {value} / a township code has 9 digits")
        return value

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, value: list[str]) -> list[str]:
        out = []
        for code in value:
            try:
                out.append(normalise_sector(code))
            except ValueError as exc:
                raise ValueError(f"行业代码无效 {code} / bad sector {code}: {exc}") from exc
        return list(dict.fromkeys(out))

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CHANNELS]
        if unknown:
            raise ValueError(f"未知渠道 {', '.join(unknown)} / unknown channel")
        return [c for c in CHANNELS if c in value]

    @field_validator("measures")
    @classmethod
    def _measures(cls, value: str) -> str:
        unknown = [n for n in template_fields(value) if n not in MEASURE_VARIABLES]
        if unknown:
            names = ", ".join("{" + n + "}" for n in unknown)
            raise ValueError(f"未知变量 {names} / unknown variable {names}")
        return value

    @property
    def level_of_layer(self) -> int:
        return LAYERS[self.layer]


def _reason(error: Any) -> str:
    message = str(error.get("msg", ""))
    if error.get("type") == "value_error":
        return message.removeprefix("Value error, ")
    if error.get("type") == "missing":
        return "必填 / required"
    if error.get("type") == "extra_forbidden":
        return "未知字段 / unknown field"
    return f"取值无效 / {message}"


def parse_rules(raw: Any) -> list[Rule]:
    """Rules from JSON-like data, or ValidationFailed listing every problem as
    ``{"field": "rules[3].roles", "reason": "未知角色 x / unknown role x"}``."""
    if not isinstance(raw, list):
        raise ValidationFailed(
            "规则须为列表 / rules must be a list",
            [{"field": "rules", "reason": "规则须为列表 / rules must be a list"}],
        )
    rules: list[Rule] = []
    problems: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        try:
            rule = Rule.model_validate(item)
        except ValidationError as exc:
            for error in exc.errors():
                loc = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
                field = f"rules[{i}]" + (f".{loc}" if loc else "")
                problems.append({"field": field, "reason": _reason(error)})
            continue
        if not (rule.roles or rule.risk_point_roles or rule.sectors):
            problems.append(
                {
                    "field": f"rules[{i}].roles",
                    "reason": "规则未指定任何被叫应人 / the rule calls nobody "
                    "(give roles, risk_point_roles or sectors)",
                }
            )
        rules.append(rule)
    if problems:
        first = problems[0]
        raise ValidationFailed(f"方案规则有误: {first['field']}: {first['reason']}", problems)
    return rules


def dump_rules(rules: list[Rule]) -> list[dict[str, Any]]:
    """Rules as stored in a plan version: JSON without defaults left implicit."""
    return [r.model_dump(mode="json") for r in rules]


def role_choices() -> list[str]:
    return [r.value for r in Role]
