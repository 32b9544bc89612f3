"""Static tables of the demo: which bodies every city and county has, their duties, titles.

Kept apart from the generator so a reviewer who knows Chinese emergency management can
check the wording in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from yingji.people.models import OrganisationKind


@dataclass(frozen=True)
class Body:
    """An organisation every demo city and county has; ``key`` ends its code ORG-<adcode>-KEY."""

    key: str
    city_name: str
    county_name: str
    kind: str
    subtype: str
    head_title: str


EMERGENCY = "YJJ"
FIRE = "XFJY"
SAFETY_COMMITTEE = "AWH"
DISASTER_COMMITTEE = "FJJW"

BODIES: tuple[Body, ...] = (
    Body(EMERGENCY, "应急管理局", "应急管理局", OrganisationKind.department, "应急", "局长"),
    Body("SLJ", "水利局", "水利局", OrganisationKind.department, "水利", "局长"),
    Body(
        "GHZRZYJ",
        "规划和自然资源局",
        "规划和自然资源局",
        OrganisationKind.department,
        "自然资源",
        "局长",
    ),
    Body(
        "ZJW",
        "住房和城乡建设委员会",
        "住房城乡建委",
        OrganisationKind.department,
        "住房城乡建设",
        "主任",
    ),
    Body("JTJ", "交通运输委员会", "交通局", OrganisationKind.department, "交通运输", "局长"),
    Body(FIRE, "消防救援总队", "消防救援支队", OrganisationKind.rescue_team, "消防救援", "队长"),
    Body("QXJ", "气象局", "气象局", OrganisationKind.department, "气象", "局长"),
    Body(
        SAFETY_COMMITTEE,
        "安全生产委员会",
        "安全生产委员会",
        OrganisationKind.committee,
        "安委会",
        "主任",
    ),
    Body(
        DISASTER_COMMITTEE,
        "防灾减灾救灾委员会",
        "防灾减灾救灾委员会",
        OrganisationKind.committee,
        "防减救灾委",
        "主任",
    ),
)

DUTIES: dict[str, dict[str, str]] = {
    SAFETY_COMMITTEE: {
        EMERGENCY: "承担安委会办公室日常工作，负责安全生产综合监督管理"
        "和工矿商贸行业安全生产监督管理",
        "SLJ": "负责水利工程建设和运行安全的监督管理，指导水库、水电站大坝的安全管理",
        "GHZRZYJ": "负责矿产资源开发利用和地质勘查的安全监督管理，指导地质灾害防治工程安全",
        "ZJW": "负责房屋建筑和市政基础设施工程施工安全、城镇燃气安全的监督管理",
        "JTJ": "负责道路、水路运输和公路水运工程建设的安全生产监督管理",
        "QXJ": "负责防雷减灾安全监管，为安全生产提供气象服务",
    },
    DISASTER_COMMITTEE: {
        EMERGENCY: "承担防减救灾委办公室日常工作，组织编制总体应急预案，统筹救灾物资储备和灾情统计",
        "SLJ": "负责水旱灾害防御的组织、协调、指导，承担防御洪水应急抢险的技术支撑",
        "GHZRZYJ": "负责地质灾害防治的组织、协调、指导和监督，承担地质灾害应急救援的技术支撑",
        "ZJW": "负责受损房屋和市政设施的安全鉴定与抢修，指导受灾群众住房恢复重建",
        "JTJ": "负责受损交通设施的抢通保通，保障抢险救灾人员和物资运输",
        "QXJ": "负责灾害性天气的监测、预报和预警，及时发布气象灾害预警信息",
    },
}
"""Duties of each member department, per committee (三管三必须: each owns its sector's safety)."""

CORE_URBAN = frozenset({"500103", "500104", "500105", "500106", "500107", "500108"})
"""Chongqing's central districts, where almost every township is a 街道."""


def street_share(adcode: str, name: str) -> float:
    """Share of a county's townships that are 街道 rather than 镇/乡."""
    if adcode == "500103":
        return 1.0
    if adcode in CORE_URBAN:
        return 0.8
    return 0.3 if name.endswith("区") else 0.15


def short_name(county: str) -> str:
    """万州区 -> 万州, 石柱土家族自治县 -> 石柱, 忠县 -> 忠县 (one-character names keep 县)."""
    if county.endswith("自治县"):
        return county[:2]
    return county[:-1] if len(county) > 2 else county


def county_titles(name: str) -> tuple[str, str, str]:
    """(head, deputy in charge of emergencies, other deputy) for a 区 or a 县."""
    unit = "区" if name.endswith("区") else "县"
    return f"{unit}长", f"副{unit}长（分管应急管理）", f"副{unit}长"


def township_titles(name: str) -> tuple[str, str, str]:
    """(party secretary, head, deputy) for a 街道, 镇 or 乡."""
    if name.endswith("街道"):
        return "街道党工委书记", "街道办事处主任", "街道办事处副主任"
    unit = name[-1]
    return f"{unit}党委书记", f"{unit}长", f"副{unit}长"


def village_head_title(name: str) -> str:
    """Most villages have one person as party secretary and committee head (一肩挑)."""
    if name.endswith("社区"):
        return "社区党委书记、居委会主任"
    return "村党支部书记、村委会主任"
