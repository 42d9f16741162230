"""Analysts' label corrections on comment rows (``label_correction``, each undoable). A KOL's
price per note is a quote of revision 0008 (``kol_quote``), not a column of ``kol``.

Revision ID: 0006, revises 0005 (2026-12-16).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"


#: referred table -> what deleting its row does to a correction
_REFERS = {"workspace": "CASCADE", "comment": "CASCADE", "labelled_example": "SET NULL"}
_TIMES = ("created_at", "undone_at")


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "label_correction",
        sa.Column("id", sa.Integer(), primary_key=True),
        *(sa.Column(f"{table}_id", sa.Integer(), nullable=table == "labelled_example") for table in _REFERS),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("value", _json(), nullable=False),
        sa.Column("previous", _json(), nullable=True),
        *(sa.Column(name, sa.DateTime(timezone=True), nullable=name == "undone_at") for name in _TIMES),
        *(
            sa.ForeignKeyConstraint(
                [f"{table}_id"],
                [f"{table}.id"],
                name=f"fk_label_correction_{table}_id_{table}",
                ondelete=action,
            )
            for table, action in _REFERS.items()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_label_correction"),
    )
    op.create_index(
        "ix_label_correction_workspace_id_comment_id", "label_correction", ["workspace_id", "comment_id"]
    )


def downgrade() -> None:
    op.drop_table("label_correction")
