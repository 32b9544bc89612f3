"""Texts of the hazard pages."""

TEXTS: dict[str, dict[str, str]] = {
    "nav.hazards": {"zh-CN": "隐患", "en": "Hazards"},
}
