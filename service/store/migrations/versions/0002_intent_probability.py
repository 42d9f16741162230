"""Stored intents use the API's shape: ``{"purchase_intent": {"probability": 0.91, "flag": true}}``
(was ``{"p": 0.91, ...}``), so one serialiser of a prediction serves the API, files and storage.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"

_BATCH = 1000

comment = sa.table(
    "comment",
    sa.column("id", sa.Integer()),
    sa.column(
        "intents",
        sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql"),
    ),
)


def _renamed(intents: Any, old: str, new: str) -> Any:
    if not isinstance(intents, dict):
        return intents
    return {
        name: {(new if key == old else key): v for key, v in value.items()}
        if isinstance(value, dict)
        else value
        for name, value in intents.items()
    }


def _rename_key(old: str, new: str) -> None:
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(comment.c.id, comment.c.intents)
            .where(comment.c.id > last_id, comment.c.intents.is_not(None))
            .order_by(comment.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        changed = [
            {"row_id": row_id, "new_intents": _renamed(intents, old, new)}
            for row_id, intents in rows
            if _renamed(intents, old, new) != intents
        ]
        if changed:
            connection.execute(
                comment.update()
                .where(comment.c.id == sa.bindparam("row_id"))
                .values(intents=sa.bindparam("new_intents")),
                changed,
            )
        last_id = rows[-1][0]


def upgrade() -> None:
    _rename_key("p", "probability")


def downgrade() -> None:
    _rename_key("probability", "p")
