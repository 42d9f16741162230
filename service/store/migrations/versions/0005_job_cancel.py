"""Jobs can be cancelled: state ``cancelled`` and ``cancel_requested_at`` (a running job stops at
its next checkpoint once it is set).

On SQLite the table is rebuilt by Alembic's batch mode (the named check constraint is carried
over, then replaced); PostgreSQL alters it in place.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-15
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"

_STATES_BEFORE = ("queued", "running", "succeeded", "failed")
_STATES_AFTER = (*_STATES_BEFORE, "cancelled")


def _states(states: Sequence[str]) -> str:
    return "state IN (" + ", ".join(f"'{s}'" for s in states) + ")"


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint("ck_job_state", type_="check")
        batch.create_check_constraint("ck_job_state", _states(_STATES_AFTER))


def downgrade() -> None:
    job = sa.table("job", sa.column("state", sa.String()), sa.column("message", sa.Text()))
    op.execute(
        job.update()
        .where(job.c.state == "cancelled")
        .values(state="failed", message=sa.func.coalesce(job.c.message, "cancelled"))
    )
    with op.batch_alter_table("job") as batch:
        batch.drop_constraint("ck_job_state", type_="check")
        batch.create_check_constraint("ck_job_state", _states(_STATES_BEFORE))
        batch.drop_column("cancel_requested_at")
