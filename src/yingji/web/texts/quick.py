"""Texts of the quick report pages (灾情速报): the phone form, the verification queue, the
totals by region and the conflicts."""

TEXTS: dict[str, dict[str, str]] = {
    "nav.quick_reports": {"zh-CN": "灾情速报", "en": "Quick reports"},
    # the list
    "quick.title": {"zh-CN": "灾情速报", "en": "Quick reports"},
    "quick.intro": {
        "zh-CN": "村（社区）、网格上报的伤亡和损失，由乡镇（街道）核实后按区划汇总；同一地点只计"
        "最新一次已核实的数字，同一地点数字不一致时提示值班员。",
        "en": "Casualties and damage reported by villages and grids, verified by the "
        "township and added up by region; each place counts its latest verified figures "
        "once, and differing figures for one place are flagged for the duty officer.",
    },
    "quick.new": {"zh-CN": "上报灾情", "en": "Send a report"},
    "quick.to_list": {"zh-CN": "查看速报和汇总", "en": "Reports and totals"},
    "quick.all_incidents": {"zh-CN": "全部事件", "en": "All incidents"},
    "quick.status.all": {"zh-CN": "全部状态", "en": "Any status"},
    "quick.status.submitted": {"zh-CN": "待核实", "en": "Awaiting verification"},
    "quick.status.verified": {"zh-CN": "已核实", "en": "Verified"},
    "quick.status.rejected": {"zh-CN": "已退回", "en": "Sent back"},
    "quick.queue": {"zh-CN": "待核实速报", "en": "Awaiting verification"},
    "quick.list": {"zh-CN": "速报列表", "en": "Reports"},
    "quick.none": {"zh-CN": "暂无速报", "en": "No reports"},
    "quick.col.at": {"zh-CN": "时间", "en": "Time"},
    "quick.col.place": {"zh-CN": "地点", "en": "Place"},
    "quick.col.reporter": {"zh-CN": "上报人", "en": "Reporter"},
    "quick.col.figures": {"zh-CN": "伤亡和损失", "en": "Casualties and damage"},
    "quick.col.text": {"zh-CN": "情况说明", "en": "Details"},
    "quick.col.status": {"zh-CN": "状态", "en": "Status"},
    "quick.col.region": {"zh-CN": "区划", "en": "Region"},
    "quick.col.places": {"zh-CN": "地点数", "en": "Places"},
    "quick.col.field": {"zh-CN": "项目", "en": "Figure"},
    "quick.figures_none": {"zh-CN": "无伤亡和损失", "en": "No casualties or damage"},
    "quick.photo": {"zh-CN": "照片", "en": "Photo"},
    "quick.verify": {"zh-CN": "核实", "en": "Verify"},
    "quick.reject": {"zh-CN": "退回", "en": "Send back"},
    "quick.note": {"zh-CN": "核实说明", "en": "Note"},
    "quick.note_hint": {"zh-CN": "说明（退回时必填）", "en": "Note (required to send back)"},
    "quick.note_required": {"zh-CN": "退回须说明原因", "en": "Say why it is sent back"},
    "quick.decided_by": {"zh-CN": "处理人：{name}", "en": "Decided by {name}"},
    "quick.own_report": {
        "zh-CN": "本人上报，须由他人核实",
        "en": "Your own report: someone else verifies it",
    },
    "quick.in_conflict": {"zh-CN": "数字冲突", "en": "Conflicting"},
    "quick.totals": {"zh-CN": "按区划汇总", "en": "Totals by region"},
    "quick.totals_hint": {
        "zh-CN": "每个地点只计最新一次已核实的速报，下级地点逐级相加；括号内为尚未核实的最新数字。",
        "en": "Each place counts its latest verified report once and places add up into "
        "the regions above; figures in brackets are newer reports not yet verified.",
    },
    "quick.own_level": {"zh-CN": "（本级）", "en": "(its own report)"},
    "quick.total": {"zh-CN": "合计", "en": "Total"},
    "quick.unverified": {"zh-CN": "未核实", "en": "unverified"},
    "quick.no_totals": {"zh-CN": "暂无上报的数字", "en": "No figures reported yet"},
    "quick.conflicts": {"zh-CN": "数字冲突", "en": "Conflicting figures"},
    "quick.conflicts_hint": {
        "zh-CN": "同一地点 {hours} 小时内两次速报（不同上报人，或已核实与未核实）数字不一致，"
        "请值班员核实。",
        "en": "Two reports of one place within {hours} hours (from different reporters, or "
        "one verified and one not) whose figures differ; the duty officer should check.",
    },
    "quick.no_conflicts": {"zh-CN": "没有数字冲突", "en": "No conflicting figures"},
    "quick.conflict_open": {"zh-CN": "待处理", "en": "Open"},
    "quick.conflict_settled": {"zh-CN": "均已核实", "en": "Both verified"},
    "quick.minutes_apart": {"zh-CN": "相隔 {n} 分钟", "en": "{n} minutes apart"},
    # the form
    "quick.new_title": {"zh-CN": "灾情速报", "en": "Send a quick report"},
    "quick.new_intro": {
        "zh-CN": "如实报告本地点的伤亡和损失。数字为本地点的累计数，再次上报将替代上一次。",
        "en": "Report your place's casualties and damage. Figures are running totals for "
        "the place: a new report replaces the previous one.",
    },
    "quick.cannot_report": {
        "zh-CN": "当前账号不能上报灾情速报。",
        "en": "This account cannot send quick reports.",
    },
    "quick.place": {"zh-CN": "地点", "en": "Place"},
    "quick.own_place_suffix": {"zh-CN": "（本辖区）", "en": " (your area)"},
    "quick.place_by_position": {"zh-CN": "按我的位置确定", "en": "From my position"},
    "quick.place_code_hint": {
        "zh-CN": "填写乡镇、村或网格的区划编码；留空则按位置确定",
        "en": "The township, village or grid code; empty takes the place from your position",
    },
    "quick.position": {"zh-CN": "位置", "en": "Position"},
    "quick.position_hint": {
        "zh-CN": "可选；提供时须在所选地点内",
        "en": "Optional; when given it must lie in the chosen place",
    },
    "quick.locate": {"zh-CN": "使用我的位置", "en": "Use my position"},
    "quick.locating": {"zh-CN": "正在定位…", "en": "Locating…"},
    "quick.located": {"zh-CN": "已定位：{lon}, {lat}", "en": "Located: {lon}, {lat}"},
    "quick.locate_failed": {
        "zh-CN": "无法获取位置，请检查定位权限",
        "en": "Could not get your position; check the location permission",
    },
    "quick.locate_unsupported": {
        "zh-CN": "此浏览器不支持定位",
        "en": "This browser cannot tell your position",
    },
    "quick.lon": {"zh-CN": "经度", "en": "Longitude"},
    "quick.lat": {"zh-CN": "纬度", "en": "Latitude"},
    "quick.incident": {"zh-CN": "关联事件", "en": "Incident"},
    "quick.incident_none": {"zh-CN": "不关联事件", "en": "Not linked to an incident"},
    "quick.figures": {"zh-CN": "伤亡和损失", "en": "Casualties and damage"},
    "quick.figures_hint": {
        "zh-CN": "本地点累计数，未填按 0 计",
        "en": "Running totals for the place; empty counts as 0",
    },
    "quick.open_incident": {"zh-CN": "立为事件", "en": "Open as incident"},
    "quick.fig.dead": {"zh-CN": "死亡（人）", "en": "Dead"},
    "quick.fig.missing": {"zh-CN": "失踪（人）", "en": "Missing"},
    "quick.fig.injured": {"zh-CN": "受伤（人）", "en": "Injured"},
    "quick.fig.trapped": {"zh-CN": "被困（人）", "en": "Trapped"},
    "quick.fig.affected": {"zh-CN": "受灾（人）", "en": "Affected"},
    "quick.fig.evacuated": {"zh-CN": "转移（人）", "en": "Evacuated"},
    "quick.fig.houses_collapsed": {"zh-CN": "倒塌房屋（间）", "en": "Houses collapsed"},
    "quick.fig.houses_damaged": {"zh-CN": "损坏房屋（间）", "en": "Houses damaged"},
    "quick.not_number": {"zh-CN": "请填写非负整数", "en": "Enter a whole number"},
    "quick.text": {"zh-CN": "情况说明", "en": "What happened"},
    "quick.text_hint": {
        "zh-CN": "灾害情况、被困位置、需要的救援…",
        "en": "What happened, where people are trapped, what help is needed…",
    },
    "quick.photos": {"zh-CN": "现场照片", "en": "Photos"},
    "quick.photos_hint": {
        "zh-CN": "最多 {n} 张，JPEG、PNG 或 WebP",
        "en": "Up to {n}, JPEG, PNG or WebP",
    },
    "quick.submit": {"zh-CN": "提交速报", "en": "Send report"},
    "quick.sending": {"zh-CN": "提交中…", "en": "Sending…"},
    "quick.sent": {
        "zh-CN": "速报已提交（编号 {id}，{place}），等待核实。",
        "en": "Report {id} sent ({place}); awaiting verification.",
    },
}
