"""Market context: tracked brands (``market_brand``), the keyword and crawl time of notes found by
keyword searches (``search_hit``), and branded search-index values (``search_index_point``).
Revision 0007, after 0008 (written after 0005, chained after main's 0008 at the merge; 2026-12-20).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

#: Alembic reads these two; this revision has no branch labels and no other dependencies.
revision, down_revision = "0007", "0008"


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _create(
    table: str, columns: dict[str, tuple[sa.types.TypeEngine[object], bool]], *extra: sa.schema.SchemaItem
) -> None:
    """A workspace-owned table: ``id``, ``workspace_id`` (its foreign key), then ``columns`` (name ->
    type, nullable) and the ``extra`` constraints."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        *(sa.Column(name, kind, nullable=nullable) for name, (kind, nullable) in columns.items()),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=f"fk_{table}_workspace_id_workspace", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        *extra,
    )


def upgrade() -> None:
    moment = sa.DateTime(timezone=True)
    own = sa.Column("own", sa.Boolean(), server_default=sa.false(), nullable=False)
    brand = {"name": (sa.String(200), False), "aliases": (_json(), True), "products": (_json(), True)}
    brand |= {"hashtags": (_json(), True), "created_at": (moment, False)}
    _create(
        "market_brand",
        brand,
        own,
        sa.UniqueConstraint("workspace_id", "name", name="uq_market_brand_workspace_id_name"),
    )
    hit = {"note_id": (sa.Integer(), False), "keyword": (sa.String(200), False), "crawled_at": (moment, True)}
    hit |= {"imported_at": (moment, False)}
    note_fk = sa.ForeignKeyConstraint(
        ["note_id"], ["note.id"], name="fk_search_hit_note_id_note", ondelete="CASCADE"
    )
    _create(
        "search_hit",
        hit,
        note_fk,
        sa.UniqueConstraint("note_id", "keyword", name="uq_search_hit_note_id_keyword"),
    )
    op.create_index("ix_search_hit_workspace_id_keyword", "search_hit", ["workspace_id", "keyword"])
    point = {"keyword": (sa.String(200), False), "day": (sa.Date(), False), "value": (sa.BigInteger(), False)}
    point |= {
        "source": (sa.String(16), False),
        "entered_by": (sa.String(100), True),
        "updated_at": (moment, False),
    }
    unique = sa.UniqueConstraint(
        "workspace_id", "keyword", "day", name="uq_search_index_point_workspace_id_keyword_day"
    )
    _create("search_index_point", point, unique)


def downgrade() -> None:
    op.drop_table("search_index_point")
    op.drop_index("ix_search_hit_workspace_id_keyword", table_name="search_hit")
    op.drop_table("search_hit")
    op.drop_table("market_brand")
