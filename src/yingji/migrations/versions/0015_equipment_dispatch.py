"""equipment dispatch: units of an equipment lot out on orders, orders for equipment, and
the call that reaches a team's contact

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dispatch_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("equipment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("units", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("direct_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_dispatch_order_equipment_id"), ["equipment_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_dispatch_order_equipment_id_equipment"),
            "equipment",
            ["equipment_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_dispatch_order_direct_id_direct_message"),
            "direct_message",
            ["direct_id"],
            ["id"],
        )

    with op.batch_alter_table("equipment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deployed", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_equipment_equipment_deployed_range"), "deployed >= 0 AND deployed <= quantity"
        )


def downgrade() -> None:
    with op.batch_alter_table("equipment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_equipment_equipment_deployed_range"), type_="check")
        batch_op.drop_column("deployed")

    with op.batch_alter_table("dispatch_order", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_dispatch_order_direct_id_direct_message"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_dispatch_order_equipment_id_equipment"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_dispatch_order_equipment_id"))
        batch_op.drop_column("direct_id")
        batch_op.drop_column("units")
        batch_op.drop_column("equipment_id")
