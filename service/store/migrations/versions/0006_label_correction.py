"""Analysts' label corrections on comment rows (``label_correction``, each undoable) and a KOL's
price per note (``kol.price``, in the workspace's currency) entered when an export lacks it.

Revision ID: 0006, revises 0005 (2026-12-16).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("kol") as batch:
        batch.add_column(sa.Column("price", sa.Numeric(14, 2), nullable=True))
    op.create_table(
        "label_correction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("labelled_example_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("value", _json(), nullable=False),
        sa.Column("previous", _json(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name="fk_label_correction_workspace_id_workspace",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name="fk_label_correction_comment_id_comment", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["labelled_example_id"],
            ["labelled_example.id"],
            name="fk_label_correction_labelled_example_id_labelled_example",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_label_correction"),
    )
    op.create_index(
        "ix_label_correction_workspace_id_comment_id", "label_correction", ["workspace_id", "comment_id"]
    )


def downgrade() -> None:
    op.drop_table("label_correction")
    with op.batch_alter_table("kol") as batch:
        batch.drop_column("price")
