"""Texts of the statistics dashboard."""

TEXTS: dict[str, dict[str, str]] = {
    "nav.dashboard": {"zh-CN": "统计", "en": "Dashboard"},
    "stats.title": {"zh-CN": "隐患排查治理统计", "en": "Hazard statistics"},
    "stats.from": {"zh-CN": "开始日期", "en": "From"},
    "stats.to": {"zh-CN": "结束日期", "en": "To"},
    "stats.quarter": {"zh-CN": "排名季度", "en": "Ranking quarter"},
    "stats.apply": {"zh-CN": "统计", "en": "Show"},
    "stats.download": {"zh-CN": "下载 Excel", "en": "Download Excel"},
    "stats.bad_date": {
        "zh-CN": "日期格式应为 YYYY-MM-DD，且结束日期不早于开始日期",
        "en": "Dates must be YYYY-MM-DD, the end not before the start",
    },
    "stats.bad_quarter": {"zh-CN": "季度格式应为 2026Q3", "en": "Quarter must look like 2026Q3"},
    "stats.no_access": {
        "zh-CN": "企业账号不提供统计",
        "en": "Statistics are not available to enterprise accounts",
    },
    "stats.window": {
        "zh-CN": "{first} 至 {last}（{days} 天）",
        "en": "{first} to {last} ({days} days)",
    },
    "stats.as_of": {"zh-CN": "统计日期 {today}", "en": "As of {today}"},
    "stats.found": {"zh-CN": "排查隐患", "en": "Found"},
    "stats.rectified": {"zh-CN": "销号隐患", "en": "Rectified"},
    "stats.rate": {"zh-CN": "整改率", "en": "Rectification rate"},
    "stats.open": {"zh-CN": "未销号", "en": "Open"},
    "stats.overdue": {"zh-CN": "逾期未整改", "en": "Overdue"},
    "stats.major_open": {"zh-CN": "重大隐患未销号", "en": "Major hazards open"},
    "stats.found_major": {"zh-CN": "发现重大隐患", "en": "Major found"},
    "stats.yoy": {"zh-CN": "同比", "en": "YoY"},
    "stats.pop": {"zh-CN": "环比", "en": "PoP"},
    "stats.pp": {"zh-CN": "个百分点", "en": "pp"},
    "stats.now_note": {"zh-CN": "截至统计日期", "en": "as of today"},
    "stats.trend": {"zh-CN": "月度趋势（排查与销号）", "en": "Monthly trend (found and rectified)"},
    "stats.by_region": {"zh-CN": "按区划（含下级）", "en": "By region (with subregions)"},
    "stats.by_industry": {"zh-CN": "按行业（GB/T 4754 大类）", "en": "By industry (GB/T 4754)"},
    "stats.by_department": {"zh-CN": "按监管部门", "en": "By supervising department"},
    "stats.ranking_region": {
        "zh-CN": "{quarter} 区划排名（晾晒）",
        "en": "{quarter} ranking of regions",
    },
    "stats.ranking_department": {
        "zh-CN": "{quarter} 部门排名（晾晒）",
        "en": "{quarter} ranking of departments",
    },
    "stats.rank": {"zh-CN": "名次", "en": "Rank"},
    "stats.rank_change": {"zh-CN": "较上季度", "en": "vs last quarter"},
    "stats.new": {"zh-CN": "新上榜", "en": "new"},
    "stats.name": {"zh-CN": "名称", "en": "Name"},
    "stats.department_region": {"zh-CN": "所在区划", "en": "Region"},
    "stats.rule": {
        "zh-CN": "排名规则：整改率高者在前；相同则逾期少者在前，再按排查数多者在前；"
        "本季度未排查隐患的排在最后。",
        "en": "Ranked by rectification rate (high first), then fewer overdue, then more "
        "found; units that found nothing in the quarter come last.",
    },
    "stats.definitions": {
        "zh-CN": "排查：发现日期在统计期内；销号：销号日期在统计期内；整改率：统计期内发现的隐患"
        "中截至目前已销号的比例；未销号、逾期、重大隐患未销号为截至统计日期的数；不予认定的隐患不计。",
        "en": "Found: found in the window; rectified: closed in the window; rate: share of "
        "those found in the window closed by now; open, overdue and major open are as of "
        "today; dismissed reports are not counted.",
    },
}
