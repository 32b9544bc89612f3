"""Plans, deliveries, direct messages and call-response columns

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 11:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import yingji.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "direct_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "region_codes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "roles",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "layers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "policy",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            server_default="{}",
        ),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("region_path", sa.String(length=400), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_direct_message_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_message")),
        sa.UniqueConstraint("code", name=op.f("uq_direct_message_code")),
    )
    with op.batch_alter_table("direct_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_direct_message_region_path"), ["region_path"], unique=False
        )

    op.create_table(
        "response_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("region_path", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_response_plan_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_plan")),
        sa.UniqueConstraint("code", name=op.f("uq_response_plan_code")),
    )
    with op.batch_alter_table("response_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_response_plan_region_id"), ["region_id"], unique=False)

    op.create_table(
        "response_plan_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "rules",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["response_plan.id"],
            name=op.f("fk_response_plan_version_plan_id_response_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_plan_version")),
        sa.UniqueConstraint("plan_id", "version", name="uq_plan_version"),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("instruction_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("due_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("gateway_id", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("key_press", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["instruction.id"],
            name=op.f("fk_delivery_instruction_id_instruction"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("key", name=op.f("uq_delivery_key")),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_delivery_channel_state_due", ["channel", "state", "due_at"], unique=False
        )
        batch_op.create_index("ix_delivery_gateway_id", ["gateway_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_delivery_instruction_id"), ["instruction_id"], unique=False
        )

    with op.batch_alter_table("instruction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("direct_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("region_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("plan_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("round", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column(
                "about",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("measures", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column(
                "policy",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="{}",
            )
        )
        batch_op.add_column(sa.Column("confirm_code", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("deadline_at", yingji.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("next_action_at", yingji.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("redials", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("sent_at", yingji.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("delivered_at", yingji.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("confirmed_at", yingji.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("confirmed_via", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("escalated_at", yingji.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "report",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("reported_at", yingji.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column("warning_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.drop_constraint("uq_instruction_warning_person", type_="unique")
        batch_op.create_index(batch_op.f("ix_instruction_direct_id"), ["direct_id"], unique=False)
        batch_op.create_index("ix_instruction_next_action", ["next_action_at"], unique=False)
        batch_op.drop_index("ix_instruction_warning_state")
        batch_op.create_index(
            "ix_instruction_warning_round_state", ["warning_id", "round", "state"], unique=False
        )
        batch_op.create_index(
            "ix_instruction_person_code", ["person_id", "confirm_code"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_instruction_plan_version_id_response_plan_version"),
            "response_plan_version",
            ["plan_version_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_instruction_region_id_region"), "region", ["region_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_instruction_direct_id_direct_message"),
            "direct_message",
            ["direct_id"],
            ["id"],
            ondelete="CASCADE",
        )

    # instructions written before keys existed were one per person per warning
    op.execute(sa.text(r"UPDATE instruction SET key = 'w' || warning_id || '\:p' || person_id"))
    with op.batch_alter_table("instruction", schema=None) as batch_op:
        batch_op.alter_column("key", existing_type=sa.String(length=200), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_instruction_key"), ["key"])


def downgrade() -> None:
    with op.batch_alter_table("instruction", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_instruction_direct_id_direct_message"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_instruction_region_id_region"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_instruction_plan_version_id_response_plan_version"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_instruction_key"), type_="unique")
        batch_op.drop_index("ix_instruction_person_code")
        batch_op.drop_index("ix_instruction_next_action")
        batch_op.drop_index("ix_instruction_warning_round_state")
        batch_op.create_index("ix_instruction_warning_state", ["warning_id", "state"], unique=False)
        batch_op.drop_index(batch_op.f("ix_instruction_direct_id"))
        batch_op.create_unique_constraint(
            "uq_instruction_warning_person", ["warning_id", "person_id"]
        )
        batch_op.alter_column("warning_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("reported_at")
        batch_op.drop_column("report")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("confirmed_via")
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("redials")
        batch_op.drop_column("next_action_at")
        batch_op.drop_column("deadline_at")
        batch_op.drop_column("confirm_code")
        batch_op.drop_column("policy")
        batch_op.drop_column("measures")
        batch_op.drop_column("about")
        batch_op.drop_column("round")
        batch_op.drop_column("plan_version_id")
        batch_op.drop_column("region_id")
        batch_op.drop_column("direct_id")
        batch_op.drop_column("key")

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_instruction_id"))
        batch_op.drop_index("ix_delivery_gateway_id")
        batch_op.drop_index("ix_delivery_channel_state_due")

    op.drop_table("delivery")
    op.drop_table("response_plan_version")
    with op.batch_alter_table("response_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_plan_region_id"))

    op.drop_table("response_plan")
    with op.batch_alter_table("direct_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_direct_message_region_path"))

    op.drop_table("direct_message")
