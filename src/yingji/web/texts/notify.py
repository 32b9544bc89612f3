"""Texts of instructions delivered to the in-app inbox (notice kind ``instruction``)."""

TEXTS: dict[str, dict[str, str]] = {
    "notice_kind.instruction": {"zh-CN": "响应指令", "en": "Instruction"},
}
