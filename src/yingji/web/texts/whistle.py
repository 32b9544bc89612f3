"""Texts of the whistleblower pages: the public form and receipt look-up, and the handlers'
list and detail."""

TEXTS: dict[str, dict[str, str]] = {
    "nav.whistle": {"zh-CN": "举报", "en": "Reports"},
    # --- public form -------------------------------------------------------------------------
    "whistle.public_title": {"zh-CN": "安全生产有奖举报", "en": "Report a safety hazard"},
    "whistle.intro": {
        "zh-CN": "发现安全隐患或瞒报事故，无需登录即可举报。可以匿名；实名举报的姓名和电话"
        "加密保存，仅指定人员可以查阅，每次查阅都有记录。查证属实的可获奖励。",
        "en": "Report a safety hazard or a concealed accident without signing in. You may stay "
        "anonymous; a name and phone you give are stored encrypted, readable only by designated "
        "staff, and every reading is recorded. Verified reports may be rewarded.",
    },
    "whistle.what": {"zh-CN": "举报事项", "en": "What is wrong"},
    "whistle.what_hint": {
        "zh-CN": "例如：某加油站夜间违规卸油",
        "en": "e.g. a petrol station unloads fuel at night unsupervised",
    },
    "whistle.description": {"zh-CN": "详细情况", "en": "Details"},
    "whistle.region": {"zh-CN": "所在区县 / 乡镇", "en": "County / township"},
    "whistle.region_choose": {"zh-CN": "请选择", "en": "Choose"},
    "whistle.region_county_whole": {
        "zh-CN": "{name}（不确定乡镇）",
        "en": "{name} (township not known)",
    },
    "whistle.region_or_point": {
        "zh-CN": "选择区域，或使用手机定位",
        "en": "Choose the area, or use your phone's position",
    },
    "whistle.locate": {"zh-CN": "使用我的位置", "en": "Use my position"},
    "whistle.located": {"zh-CN": "已定位", "en": "Position taken"},
    "whistle.locate_failed": {
        "zh-CN": "无法获取位置，请从列表选择",
        "en": "No position available; choose from the list",
    },
    "whistle.address": {"zh-CN": "详细地址", "en": "Address"},
    "whistle.enterprise": {"zh-CN": "被举报单位（选填）", "en": "Enterprise concerned (optional)"},
    "whistle.photos": {
        "zh-CN": "照片（选填，最多 5 张）",
        "en": "Photos (optional, up to 5)",
    },
    "whistle.photos_hint": {
        "zh-CN": "照片中的拍摄位置、设备等隐藏信息会被去除",
        "en": "Hidden details in photos (position, camera) are removed",
    },
    "whistle.identity": {"zh-CN": "举报方式", "en": "How to report"},
    "whistle.anonymous": {"zh-CN": "匿名举报", "en": "Anonymously"},
    "whistle.named": {
        "zh-CN": "实名举报（便于核实与领取奖励）",
        "en": "With my name (helps verification and rewards)",
    },
    "whistle.name": {"zh-CN": "姓名", "en": "Name"},
    "whistle.phone": {"zh-CN": "手机号", "en": "Mobile number"},
    "whistle.question": {"zh-CN": "请计算：{q} = ?", "en": "Please work out: {q} = ?"},
    "whistle.honeypot": {"zh-CN": "请勿填写", "en": "Leave empty"},
    "whistle.submit": {"zh-CN": "提交举报", "en": "Send the report"},
    "whistle.check_status": {"zh-CN": "查询举报进度", "en": "Check a report's progress"},
    "whistle.new_report": {"zh-CN": "我要举报", "en": "Make a report"},
    "whistle.fix": {"zh-CN": "请修改后重新提交：", "en": "Please correct and send again:"},
    "whistle.throttled": {
        "zh-CN": "提交过于频繁，请 {minutes} 分钟后再试",
        "en": "Too many attempts; try again in {minutes} minutes",
    },
    # --- receipt and status ------------------------------------------------------------------
    "whistle.receipt_title": {"zh-CN": "举报已受理", "en": "Report received"},
    "whistle.receipt_intro": {
        "zh-CN": "请抄写或截图保存下面的回执码，凭它查询进度、领取奖励。回执码只显示这一次，"
        "丢失后无法找回。",
        "en": "Write down or screenshot the receipt code below: it is how you follow the report "
        "and claim a reward. It is shown only this once and cannot be recovered.",
    },
    "whistle.receipt": {"zh-CN": "回执码", "en": "Receipt code"},
    "whistle.status_submit": {"zh-CN": "查询", "en": "Look up"},
    "whistle.status_not_found": {
        "zh-CN": "没有找到该回执码，请检查后重试",
        "en": "No report has this receipt code; check it and retry",
    },
    "whistle.state": {"zh-CN": "状态", "en": "Status"},
    "whistle.received_at": {"zh-CN": "受理时间", "en": "Received"},
    "whistle.decided_at": {"zh-CN": "办结时间", "en": "Decided"},
    "whistle.reject_reason": {"zh-CN": "不予采纳理由", "en": "Reason for rejection"},
    "whistle.notes": {"zh-CN": "处理进展", "en": "Progress"},
    "whistle.reward": {"zh-CN": "奖励", "en": "Reward"},
    "whistle.reward_granted": {
        "zh-CN": "已决定给予奖励 {amount} 元",
        "en": "A reward of {amount} yuan was granted",
    },
    "whistle.reward_paid": {"zh-CN": "奖励已发放", "en": "The reward has been paid"},
    "whistle.reward_unpaid": {
        "zh-CN": "奖励待发放，请凭回执码联系受理单位领取",
        "en": "Not yet paid: contact the office with your receipt code",
    },
    # --- states, actions, methods --------------------------------------------------------------
    "whistle_state.received": {"zh-CN": "已受理", "en": "Received"},
    "whistle_state.verifying": {"zh-CN": "核查中", "en": "Being verified"},
    "whistle_state.accepted": {"zh-CN": "查证属实", "en": "Verified"},
    "whistle_state.rejected": {"zh-CN": "不予采纳", "en": "Rejected"},
    "whistle_state.duplicate": {"zh-CN": "重复举报", "en": "Duplicate"},
    "whistle_action.verify": {"zh-CN": "开始核查", "en": "Start verifying"},
    "whistle_action.accept": {"zh-CN": "属实，转为隐患", "en": "Verified: open a hazard"},
    "whistle_action.reject": {"zh-CN": "不予采纳", "en": "Reject"},
    "whistle_action.duplicate": {"zh-CN": "标记为重复", "en": "Mark as duplicate"},
    "whistle_action.submit": {"zh-CN": "提交举报", "en": "Submitted"},
    "whistle_action.reward": {"zh-CN": "奖励决定", "en": "Reward decided"},
    "whistle_action.payout": {"zh-CN": "奖励发放", "en": "Reward paid"},
    "payout_method.bank_transfer": {"zh-CN": "银行转账", "en": "Bank transfer"},
    "payout_method.cash": {"zh-CN": "现金", "en": "Cash"},
    "payout_method.mobile_payment": {"zh-CN": "移动支付", "en": "Mobile payment"},
    # --- handlers' pages -----------------------------------------------------------------------
    "whistle.list_title": {"zh-CN": "举报受理", "en": "Whistleblower reports"},
    "whistle.all": {"zh-CN": "全部举报", "en": "All reports"},
    "whistle.all_states": {"zh-CN": "全部状态", "en": "All states"},
    "whistle.q_placeholder": {"zh-CN": "事项、编号或单位", "en": "Subject, code or enterprise"},
    "whistle.public_link": {"zh-CN": "公众举报入口", "en": "Public report form"},
    "whistle.code": {"zh-CN": "编号", "en": "Code"},
    "whistle.place": {"zh-CN": "地点", "en": "Place"},
    "whistle.reporter": {"zh-CN": "举报人", "en": "Reporter"},
    "whistle.hazard": {"zh-CN": "转立隐患", "en": "Hazard opened"},
    "whistle.duplicate_of": {"zh-CN": "原举报编号", "en": "Earlier report's code"},
    "whistle.next_steps": {"zh-CN": "办理", "en": "Handle"},
    "whistle.comment": {
        "zh-CN": "内部意见（举报人看不到）",
        "en": "Internal comment (not shown to the reporter)",
    },
    "whistle.public_note": {
        "zh-CN": "告知举报人（选填，举报人可见）",
        "en": "Note to the reporter (optional, shown to them)",
    },
    "whistle.reason": {
        "zh-CN": "不予采纳理由（举报人可见）",
        "en": "Reason for rejection (shown to the reporter)",
    },
    "whistle.hazard_title": {
        "zh-CN": "隐患名称（默认同举报事项）",
        "en": "Hazard title (default: the report's subject)",
    },
    "whistle.enterprise_id": {"zh-CN": "企业 ID（选填）", "en": "Enterprise id (optional)"},
    "whistle.identity_read": {
        "zh-CN": "查看举报人信息（查阅将被记录）",
        "en": "Show the reporter (this reading is recorded)",
    },
    "whistle.identity_shown": {
        "zh-CN": "举报人 {name}，电话 {phone}。本次查阅已记入审计日志。",
        "en": "Reporter {name}, phone {phone}. This reading was written to the audit log.",
    },
    "whistle.timeline": {"zh-CN": "处理记录", "en": "Timeline"},
    "whistle.photos_title": {"zh-CN": "照片", "en": "Photos"},
    "whistle.reward_decide": {"zh-CN": "决定奖励", "en": "Decide a reward"},
    "whistle.amount": {"zh-CN": "金额（元）", "en": "Amount (yuan)"},
    "whistle.basis": {"zh-CN": "奖励依据", "en": "Basis of the reward"},
    "whistle.payout": {"zh-CN": "登记发放", "en": "Record a payment"},
    "whistle.method": {"zh-CN": "发放方式", "en": "Method"},
    "whistle.paid_at": {"zh-CN": "发放时间", "en": "Paid on"},
    "whistle.reference": {"zh-CN": "凭证号", "en": "Reference"},
    "whistle.paid_total": {
        "zh-CN": "已发放 {paid} / {amount} 元",
        "en": "{paid} of {amount} yuan paid",
    },
    "whistle.decided_by": {"zh-CN": "决定人", "en": "Decided by"},
}
