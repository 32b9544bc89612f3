"""Risk points (风险点): categories, levels, geometry, responsible persons, import, map layers."""
