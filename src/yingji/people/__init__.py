"""Organisations, persons, responsibility assignments (责任体系) and duty rosters (值班)."""
