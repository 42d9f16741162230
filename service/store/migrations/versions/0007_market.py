"""Market context: tracked brands (``market_brand``), the keyword and crawl time of notes found by
keyword searches (``search_hit``), and branded search-index values (``search_index_point``).
Revision 0007, after 0005 (2026-12-20).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

#: Alembic reads these two; this revision has no branch labels and no other dependencies.
revision, down_revision = "0007", "0005"


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"], ["workspace.id"], name=f"fk_{table}_workspace_id_workspace", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "market_brand",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("own", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("aliases", _json(), nullable=True),
        sa.Column("products", _json(), nullable=True),
        sa.Column("hashtags", _json(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _workspace_fk("market_brand"),
        sa.PrimaryKeyConstraint("id", name="pk_market_brand"),
        sa.UniqueConstraint("workspace_id", "name", name="uq_market_brand_workspace_id_name"),
    )
    op.create_table(
        "search_hit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("keyword", sa.String(200), nullable=False),
        sa.Column("crawled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        _workspace_fk("search_hit"),
        sa.ForeignKeyConstraint(
            ["note_id"], ["note.id"], name="fk_search_hit_note_id_note", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_search_hit"),
        sa.UniqueConstraint("note_id", "keyword", name="uq_search_hit_note_id_keyword"),
    )
    op.create_index("ix_search_hit_workspace_id_keyword", "search_hit", ["workspace_id", "keyword"])
    op.create_table(
        "search_index_point",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("keyword", sa.String(200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("entered_by", sa.String(100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _workspace_fk("search_index_point"),
        sa.PrimaryKeyConstraint("id", name="pk_search_index_point"),
        sa.UniqueConstraint(
            "workspace_id", "keyword", "day", name="uq_search_index_point_workspace_id_keyword_day"
        ),
    )


def downgrade() -> None:
    op.drop_table("search_index_point")
    op.drop_index("ix_search_hit_workspace_id_keyword", table_name="search_hit")
    op.drop_table("search_hit")
    op.drop_table("market_brand")
