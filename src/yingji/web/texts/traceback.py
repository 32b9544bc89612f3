"""Texts of the trace-back and flag pages."""

TEXTS: dict[str, dict[str, str]] = {
    "traceback.title": {"zh-CN": "责任倒查", "en": "Accountability trace-back"},
    "traceback.from": {"zh-CN": "自", "en": "From"},
    "traceback.to": {"zh-CN": "至", "en": "To"},
    "traceback.build": {"zh-CN": "生成报告", "en": "Build report"},
    "traceback.pdf": {"zh-CN": "下载 PDF", "en": "Download PDF"},
    "traceback.window": {"zh-CN": "{start} 至 {end}", "en": "{start} to {end}"},
    "traceback.summary": {
        "zh-CN": "检查 {inspections} 次（四不两直 {unannounced} 次）；隐患 {hazards} 项，其中重大 "
        "{major} 项、未销号 {open} 项、逾期整改 {missed} 项；通知文书 {notices} 份。",
        "en": "{inspections} inspections ({unannounced} unannounced); {hazards} hazards, "
        "{major} major, {open} still open, {missed} past their deadline; {notices} notices.",
    },
    "traceback.responsible": {"zh-CN": "责任人", "en": "Answerable persons"},
    "traceback.inspections": {"zh-CN": "检查记录", "en": "Inspections"},
    "traceback.unannounced": {"zh-CN": "四不两直", "en": "unannounced"},
    "traceback.all_passed": {"zh-CN": "全部合格", "en": "all items passed"},
    "traceback.hazards": {"zh-CN": "隐患及处置过程", "en": "Hazards and what was done"},
    "traceback.late": {"zh-CN": "逾期 {days} 天", "en": "{days} days late"},
    "traceback.verified_by": {"zh-CN": "验收人", "en": "Verified by"},
    "traceback.notices": {"zh-CN": "通知文书", "en": "Notices"},
    "flags.title": {"zh-CN": "问题线索", "en": "Flags"},
    "flags.days": {"zh-CN": "天内", "en": "within days"},
    "flags.last": {"zh-CN": "上次检查 {last}", "en": "last inspected {last}"},
    "flags.after": {
        "zh-CN": "{code} 验收后 {days} 天复现",
        "en": "found again {days} days after {code} was verified",
    },
    "flag.overdue": {"zh-CN": "逾期未整改", "en": "Overdue"},
    "flag.false_closure": {"zh-CN": "验收后同项复现", "en": "Found again after closure"},
    "flag.not_inspected": {"zh-CN": "超期未检查", "en": "Not inspected in time"},
    "flag.major_not_reported": {"zh-CN": "重大隐患未上报", "en": "Major, not reported up"},
    "flags.hint.overdue": {
        "zh-CN": "未销号且已超过整改时限的隐患，逾期最久的在前。",
        "en": "Open hazards past their deadline, longest overdue first.",
    },
    "flags.hint.false_closure": {
        "zh-CN": "同一场所同一检查项在前一隐患验收后若干天内再次发现隐患，疑似假整改。",
        "en": "The same checklist item failed again at the same place soon after a fix was "
        "verified: the fix may not have been real.",
    },
    "flags.hint.not_inspected": {
        "zh-CN": "按检查计划应检未检的场所，从未检查的在前。",
        "en": "Places their inspection schedule says are overdue, never-inspected first.",
    },
    "flags.hint.major_not_reported": {
        "zh-CN": "确认超过 24 小时仍未向上级报告的重大隐患。",
        "en": "Major hazards confirmed more than 24 hours ago and not reported upward.",
    },
}
