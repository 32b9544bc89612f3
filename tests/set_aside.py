"""Setting the demo's call-response records aside, for tests that count every delivery or
run every due timer (the demo's red warning leaves instructions, deliveries and timers)."""

from __future__ import annotations

from sqlalchemy import Engine, text


def set_aside_demo_calls(engine: Engine) -> None:
    """Remove the calls the demo's red warning left (instructions, deliveries) and cancel
    pending timers, for tests that count every delivery or run every due timer."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM delivery"))
        conn.execute(text("DELETE FROM instruction"))
        conn.execute(text("UPDATE job_timer SET state = 'cancelled' WHERE state = 'pending'"))


RESOURCE_TABLES = (
    "dispatch_order_line",
    "dispatch_order",
    "stock_batch",
    "reserve_standard",
    "region_reserve_class",
    "equipment",
    "warehouse",
    "rescue_team",
    "material",
)
"""Children first, so the deletes respect the foreign keys."""


def set_aside_demo_resources(engine: Engine) -> None:
    """Remove the demo's teams, warehouses, stock and standards, for tests that rank, count
    or allocate exactly what they created."""
    with engine.begin() as conn:
        for table in RESOURCE_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


INCIDENT_TABLES = (
    "corrective_action",
    "incident_review",
    "incident_task_update",
    "incident_task",
    "flow_step",
    "response_flow",
    "quick_report",
    "incident_report",
    "incident_event",
    "duty_log",
)
"""Children first; the incidents themselves go last (dispatch orders keep no link)."""


def set_aside_demo_incidents(engine: Engine) -> None:
    """Remove the demo's incidents (the flood in progress and the earthquake drill's), its
    response flow, tasks and quick reports, with their timers and notices, for tests that
    count exactly what they created."""
    with engine.begin() as conn:
        for table in INCIDENT_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("UPDATE dispatch_order SET incident_id = NULL"))
        conn.execute(text("DELETE FROM incident"))
        conn.execute(
            text(
                "UPDATE job_timer SET state = 'cancelled' WHERE state = 'pending'"
                " AND subject_kind IN ('incident', 'task')"
            )
        )
        conn.execute(
            text(
                "DELETE FROM notice_recipient WHERE notice_id IN"
                " (SELECT id FROM notice WHERE kind IN ('task', 'report_due'))"
            )
        )
        conn.execute(text("DELETE FROM notice WHERE kind IN ('task', 'report_due')"))
