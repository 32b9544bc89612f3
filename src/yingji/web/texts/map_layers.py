"""Texts of the map's bbox-loaded overlays (open hazards, the zoom-in hint) and of the
enterprise import kind on the data page."""

TEXTS: dict[str, dict[str, str]] = {
    "map.layer.hazards": {"zh-CN": "未整改隐患", "en": "Open hazards"},
    "map.zoom_hint": {
        "zh-CN": "{layer}：视野内共 {total} 个，仅显示 {shown} 个，请放大地图查看全部",
        "en": "{layer}: showing {shown} of {total} in view, zoom in to see all",
    },
    "map.hazard.major": {"zh-CN": "重大隐患", "en": "Major hazard"},
    "map.hazard.general": {"zh-CN": "一般隐患", "en": "General hazard"},
    "map.hazard.unconfirmed": {"zh-CN": "待确认", "en": "Not yet graded"},
    "map.hazard.grade": {"zh-CN": "隐患等级", "en": "Grade"},
    "map.hazard.state": {"zh-CN": "状态", "en": "State"},
    "map.hazard.place": {"zh-CN": "所在", "en": "Where"},
    "map.hazard.deadline": {"zh-CN": "整改期限", "en": "Deadline"},
    "map.hazard.open": {"zh-CN": "查看隐患详情 ›", "en": "Open the hazard ›"},
    "data.kind.enterprises": {"zh-CN": "企业", "en": "Enterprises"},
}
