"""Whistleblower reports, their timeline, rewards, payouts and the public form's attempt log

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 07:51:54.706328
"""

import sqlalchemy as sa
from alembic import op

import yingji.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whistle_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=True),
        sa.Column("at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whistle_attempt")),
        sa.UniqueConstraint("nonce", name=op.f("uq_whistle_attempt_nonce")),
    )
    with op.batch_alter_table("whistle_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_whistle_attempt_ip_kind_at", ["ip_hash", "kind", "at"], unique=False
        )

    op.create_table(
        "whistle_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("region_path", sa.String(length=400), nullable=False),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("identity_cipher", sa.Text(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("received_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["app_user.id"],
            name=op.f("fk_whistle_report_decided_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["whistle_report.id"],
            name=op.f("fk_whistle_report_duplicate_of_id_whistle_report"),
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazard.id"], name=op.f("fk_whistle_report_hazard_id_hazard")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_whistle_report_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whistle_report")),
        sa.UniqueConstraint("code", name=op.f("uq_whistle_report_code")),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_whistle_report_receipt_hash")),
    )
    with op.batch_alter_table("whistle_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_whistle_report_hazard_id"), ["hazard_id"], unique=False
        )
        batch_op.create_index(
            "ix_whistle_report_path_received",
            ["region_path", "received_at"],
            unique=False,
            postgresql_ops={"region_path": "varchar_pattern_ops"},
        )
        batch_op.create_index(
            batch_op.f("ix_whistle_report_region_id"), ["region_id"], unique=False
        )
        batch_op.create_index("ix_whistle_report_state", ["state"], unique=False)

    op.create_table(
        "whistle_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("public_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_whistle_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["whistle_report.id"],
            name=op.f("fk_whistle_event_report_id_whistle_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whistle_event")),
    )
    with op.batch_alter_table("whistle_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_whistle_event_report_id"), ["report_id"], unique=False)

    op.create_table(
        "whistle_reward",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("amount_yuan", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["app_user.id"],
            name=op.f("fk_whistle_reward_decided_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["whistle_report.id"],
            name=op.f("fk_whistle_reward_report_id_whistle_report"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whistle_reward")),
        sa.UniqueConstraint("report_id", name=op.f("uq_whistle_reward_report_id")),
    )
    op.create_table(
        "whistle_payout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reward_id", sa.Integer(), nullable=False),
        sa.Column("amount_yuan", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("paid_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["app_user.id"],
            name=op.f("fk_whistle_payout_recorded_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"],
            ["whistle_reward.id"],
            name=op.f("fk_whistle_payout_reward_id_whistle_reward"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whistle_payout")),
    )
    with op.batch_alter_table("whistle_payout", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_whistle_payout_reward_id"), ["reward_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("whistle_payout", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_whistle_payout_reward_id"))

    op.drop_table("whistle_payout")
    op.drop_table("whistle_reward")
    with op.batch_alter_table("whistle_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_whistle_event_report_id"))

    op.drop_table("whistle_event")
    with op.batch_alter_table("whistle_report", schema=None) as batch_op:
        batch_op.drop_index("ix_whistle_report_state")
        batch_op.drop_index(batch_op.f("ix_whistle_report_region_id"))
        batch_op.drop_index(
            "ix_whistle_report_path_received", postgresql_ops={"region_path": "varchar_pattern_ops"}
        )
        batch_op.drop_index(batch_op.f("ix_whistle_report_hazard_id"))

    op.drop_table("whistle_report")
    with op.batch_alter_table("whistle_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_whistle_attempt_ip_kind_at")

    op.drop_table("whistle_attempt")
