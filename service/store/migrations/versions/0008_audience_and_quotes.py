"""``audience_profile`` (KOL fan portraits and the workspace's target audience, with who entered
them and when) and ``kol_quote`` (prices quoted per note format). Comment ``ip_location`` was
already stored (0001).

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _owned(table: str) -> list[sa.SchemaItem]:
    """Columns and constraints every new table has: id, workspace, who entered the row and when."""
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("entered_by", sa.String(200), nullable=False),
        sa.Column("entered_via", sa.String(16), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=f"fk_{table}_workspace_id_workspace", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["kol_id"], ["kol.id"], name=f"fk_{table}_kol_id_kol", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audience_profile",
        *_owned("audience_profile"),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("kol_id", sa.Integer(), nullable=True),
        sa.Column("shares", _json(), nullable=False),
        sa.Column("weights", _json(), nullable=True),
        sa.Column("source", sa.String(200), nullable=True),
        sa.CheckConstraint("kind IN ('kol', 'target')", name="ck_audience_profile_kind"),
    )
    op.create_index("ix_audience_profile_workspace_id_kind", "audience_profile", ["workspace_id", "kind"])
    op.create_index("ix_audience_profile_kol_id", "audience_profile", ["kol_id"])
    op.create_table(
        "kol_quote",
        *_owned("kol_quote"),
        sa.Column("kol_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("price", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.CheckConstraint("format IN ('image', 'video')", name="ck_kol_quote_format"),
    )
    op.create_index("ix_kol_quote_workspace_id", "kol_quote", ["workspace_id"])
    op.create_index("ix_kol_quote_kol_id", "kol_quote", ["kol_id"])


def downgrade() -> None:
    op.drop_table("kol_quote")
    op.drop_table("audience_profile")
