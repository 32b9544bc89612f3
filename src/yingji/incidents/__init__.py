"""Incident command: the duty desk, incidents and their upward reports, quick reports from
the grassroots, one-page response flows and their tasks, the timeline, one map, review."""
