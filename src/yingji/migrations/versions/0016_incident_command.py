"""incident command: incidents, timeline, reports, duty log, quick reports, flows,
tasks, reviews

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import yingji.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("type_code", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column(
            "region_path",
            sa.String(length=400).with_variant(sa.String(length=400, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("occurred_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_ref", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("dead", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("injured", sa.Integer(), nullable=False),
        sa.Column("seriously_injured", sa.Integer(), nullable=False),
        sa.Column("trapped", sa.Integer(), nullable=False),
        sa.Column("affected", sa.Integer(), nullable=False),
        sa.Column("direct_loss_yuan", sa.Float(), nullable=False),
        sa.Column("figures_changed_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("damage", sa.Text(), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("grade_basis", sa.String(length=200), nullable=True),
        sa.Column("response_level", sa.Integer(), nullable=True),
        sa.Column(
            "perimeter",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "dead >= 0 AND missing >= 0 AND injured >= 0",
            name=op.f("ck_incident_incident_casualties_nonneg"),
        ),
        sa.CheckConstraint("direct_loss_yuan >= 0", name=op.f("ck_incident_incident_loss_nonneg")),
        sa.CheckConstraint(
            "grade IS NULL OR grade BETWEEN 1 AND 4", name=op.f("ck_incident_incident_grade_range")
        ),
        sa.CheckConstraint(
            "response_level IS NULL OR response_level BETWEEN 1 AND 4",
            name=op.f("ck_incident_incident_level_range"),
        ),
        sa.CheckConstraint(
            "seriously_injured >= 0 AND trapped >= 0 AND affected >= 0",
            name=op.f("ck_incident_incident_people_nonneg"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_incident_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("code", name=op.f("uq_incident_code")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_incident_source_ref")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_region_path"), ["region_path"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_type_code"), ["type_code"], unique=False)

    op.create_table(
        "response_flow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "type_codes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column(
            "region_path",
            sa.String(length=400).with_variant(sa.String(length=400, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_response_flow_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_flow")),
        sa.UniqueConstraint("code", "version", name="response_flow_code_version"),
    )
    with op.batch_alter_table("response_flow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_response_flow_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_response_flow_region_path"), ["region_path"], unique=False
        )

    op.create_table(
        "incident_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_event_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_event")),
    )
    with op.batch_alter_table("incident_event", schema=None) as batch_op:
        batch_op.create_index("ix_incident_event_incident_at", ["incident_id", "at"], unique=False)

    op.create_table(
        "incident_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("to_level", sa.Integer(), nullable=False),
        sa.Column("at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "figures",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_report_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_report")),
    )
    with op.batch_alter_table("incident_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_report_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "incident_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column(
            "metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_review_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_review")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_review_incident_id")),
    )
    op.create_table(
        "quick_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column(
            "region_path",
            sa.String(length=400).with_variant(sa.String(length=400, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reporter", sa.String(length=100), nullable=False),
        sa.Column("dead", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("injured", sa.Integer(), nullable=False),
        sa.Column("trapped", sa.Integer(), nullable=False),
        sa.Column("affected", sa.Integer(), nullable=False),
        sa.Column("evacuated", sa.Integer(), nullable=False),
        sa.Column("houses_collapsed", sa.Integer(), nullable=False),
        sa.Column("houses_damaged", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        sa.Column("verified_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "affected >= 0 AND evacuated >= 0 AND houses_collapsed >= 0 AND houses_damaged >= 0",
            name=op.f("ck_quick_report_quick_report_impact_nonneg"),
        ),
        sa.CheckConstraint(
            "dead >= 0 AND missing >= 0 AND injured >= 0 AND trapped >= 0",
            name=op.f("ck_quick_report_quick_report_casualties_nonneg"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_quick_report_incident_id_incident"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_quick_report_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quick_report")),
    )
    with op.batch_alter_table("quick_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quick_report_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index("ix_quick_report_place_at", ["region_id", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quick_report_region_path"), ["region_path"], unique=False
        )

    op.create_table(
        "corrective_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["incident_review.id"],
            name=op.f("fk_corrective_action_review_id_incident_review"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_action")),
    )
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrective_action_review_id"), ["review_id"], unique=False
        )

    op.create_table(
        "flow_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("min_level", sa.Integer(), nullable=False),
        sa.Column(
            "type_codes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "min_level BETWEEN 1 AND 4", name=op.f("ck_flow_step_flow_step_level_range")
        ),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_flow_step_flow_step_minutes_positive")),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["response_flow.id"],
            name=op.f("fk_flow_step_flow_id_response_flow"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_flow_step_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_flow_step_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_step")),
    )
    with op.batch_alter_table("flow_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flow_step_flow_id"), ["flow_id"], unique=False)

    op.create_table(
        "duty_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column(
            "region_path",
            sa.String(length=400).with_variant(sa.String(length=400, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("caller", sa.String(length=100), nullable=True),
        sa.Column("caller_phone", sa.String(length=20), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("shift_id", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_duty_log_incident_id_incident"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_duty_log_region_id_region")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["duty_shift.id"],
            name=op.f("fk_duty_log_shift_id_duty_shift"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_log")),
    )
    with op.batch_alter_table("duty_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_duty_log_region_path"), ["region_path"], unique=False)

    op.create_table(
        "incident_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_task_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_incident_task_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_incident_task_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["flow_step.id"],
            name=op.f("fk_incident_task_step_id_flow_step"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_task")),
        sa.UniqueConstraint("incident_id", "step_id", name="task_once_per_step"),
    )
    with op.batch_alter_table("incident_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_task_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incident_task_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incident_task_status"), ["status"], unique=False)

    op.create_table(
        "incident_task_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["incident_task.id"],
            name=op.f("fk_incident_task_update_task_id_incident_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_task_update")),
    )
    with op.batch_alter_table("incident_task_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_task_update_task_id"), ["task_id"], unique=False
        )

    with op.batch_alter_table("direct_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_direct_message_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_direct_message_incident_id_incident"),
            "incident",
            ["incident_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("dispatch_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_dispatch_order_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_dispatch_order_incident_id_incident"),
            "incident",
            ["incident_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("dispatch_order", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_dispatch_order_incident_id_incident"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_dispatch_order_incident_id"))
        batch_op.drop_column("incident_id")

    with op.batch_alter_table("direct_message", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_direct_message_incident_id_incident"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_direct_message_incident_id"))
        batch_op.drop_column("incident_id")

    with op.batch_alter_table("incident_task_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_task_update_task_id"))

    op.drop_table("incident_task_update")
    with op.batch_alter_table("incident_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_task_status"))
        batch_op.drop_index(batch_op.f("ix_incident_task_incident_id"))
        batch_op.drop_index(batch_op.f("ix_incident_task_due_at"))

    op.drop_table("incident_task")
    with op.batch_alter_table("duty_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_log_region_path"))
        batch_op.drop_index(batch_op.f("ix_duty_log_at"))

    op.drop_table("duty_log")
    with op.batch_alter_table("flow_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_step_flow_id"))

    op.drop_table("flow_step")
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_action_review_id"))

    op.drop_table("corrective_action")
    with op.batch_alter_table("quick_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quick_report_region_path"))
        batch_op.drop_index("ix_quick_report_place_at")
        batch_op.drop_index(batch_op.f("ix_quick_report_incident_id"))

    op.drop_table("quick_report")
    op.drop_table("incident_review")
    with op.batch_alter_table("incident_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_report_incident_id"))

    op.drop_table("incident_report")
    with op.batch_alter_table("incident_event", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_event_incident_at")

    op.drop_table("incident_event")
    with op.batch_alter_table("response_flow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_flow_region_path"))
        batch_op.drop_index(batch_op.f("ix_response_flow_code"))

    op.drop_table("response_flow")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_type_code"))
        batch_op.drop_index(batch_op.f("ix_incident_status"))
        batch_op.drop_index(batch_op.f("ix_incident_region_path"))
        batch_op.drop_index(batch_op.f("ix_incident_region_id"))

    op.drop_table("incident")
