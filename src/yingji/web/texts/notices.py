"""Texts of the inbox page and the notice kinds."""

TEXTS: dict[str, dict[str, str]] = {
    "nav.inbox": {"zh-CN": "消息", "en": "Inbox"},
    "inbox.title": {"zh-CN": "消息通知", "en": "Notices"},
    "inbox.mine": {"zh-CN": "发给我的", "en": "Addressed to me"},
    "inbox.all": {"zh-CN": "辖区全部", "en": "All in my area"},
    "inbox.unread_only": {"zh-CN": "只看未读", "en": "Unread only"},
    "inbox.unread_total": {"zh-CN": "未读 {count} 条", "en": "{count} unread"},
    "inbox.unread_badge": {"zh-CN": "{count} 条未读", "en": "{count} unread"},
    "inbox.mark_read": {"zh-CN": "标为已读", "en": "Mark read"},
    "inbox.mark_all_read": {"zh-CN": "全部标为已读", "en": "Mark all read"},
    "inbox.read": {"zh-CN": "已读", "en": "Read"},
    "inbox.unread": {"zh-CN": "未读", "en": "Unread"},
    "inbox.not_mine": {"zh-CN": "辖区抄送", "en": "In your area"},
    "inbox.empty": {"zh-CN": "暂无消息", "en": "No notices"},
    "inbox.open_hazard": {"zh-CN": "查看隐患", "en": "Open the hazard"},
    "inbox.kind": {"zh-CN": "类别", "en": "Kind"},
    "inbox.sent_at": {"zh-CN": "发出时间", "en": "Sent"},
    "notice_kind.prompt": {"zh-CN": "提示单", "en": "Prompt"},
    "notice_kind.urge": {"zh-CN": "督促函", "en": "Urge letter"},
    "notice_kind.circular": {"zh-CN": "通报", "en": "Circular"},
    "notice_kind.double_report": {"zh-CN": "重大隐患报告", "en": "Major hazard report"},
}
