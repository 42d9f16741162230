"""``training_job`` becomes ``job`` with a real ``kind`` column (was ``params["kind"]``), so
listing one kind of job filters in SQL.

The table is rebuilt (create, copy, drop) rather than renamed in place: SQLite cannot rename
constraints, and the rebuilt table carries the names the models give on both databases.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"

_COPIED = (
    "id",
    "workspace_id",
    "state",
    "progress",
    "message",
    "params",
    "result",
    "created_at",
    "started_at",
    "finished_at",
    "heartbeat_at",
)


def _json() -> Any:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _create(name: str, *, with_kind: bool) -> sa.Table:
    """The job table as revision 0001 made it (``training_job``) or as this revision makes it."""
    when = [sa.Column(c, sa.DateTime(timezone=True)) for c in ("started_at", "finished_at", "heartbeat_at")]
    kind = [sa.Column("kind", sa.String(16), nullable=False)] if with_kind else []
    checks = (
        [sa.CheckConstraint("kind IN ('training', 'ingest')", name=f"ck_{name}_kind")] if with_kind else []
    )
    table = op.create_table(
        name,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        *kind,
        sa.Column("state", sa.String(16), server_default="queued", nullable=False),
        sa.Column("progress", sa.Float(), server_default="0", nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("params", _json(), nullable=True),
        sa.Column("result", _json(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *when,
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=f"fk_{name}_workspace_id_workspace", ondelete="CASCADE"
        ),
        *checks,
        sa.CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')", name=f"ck_{name}_state"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
    )
    assert table is not None
    return table


def _copy(source: str, target: sa.Table) -> None:
    """Copy every row of ``source`` into ``target`` in SQL (values untouched), ``kind`` ``training``."""
    columns = [sa.column(c) for c in _COPIED]
    kind = [sa.literal("training").label("kind")] if "kind" in target.c else []
    select = sa.select(*columns, *kind).select_from(sa.table(source))
    op.execute(target.insert().from_select([*_COPIED, *(["kind"] if kind else [])], select))
    if op.get_bind().dialect.name == "postgresql":  # the new table's id sequence continues after the copies
        next_id = sa.select(sa.func.coalesce(sa.func.max(target.c.id), 0) + 1).scalar_subquery()
        sequence = sa.func.pg_get_serial_sequence(target.name, "id")
        op.execute(sa.select(sa.func.setval(sequence, next_id, False)))


def _set_params(table: sa.Table, changes: list[dict[str, Any]]) -> None:
    if changes:
        values = {name: sa.bindparam(f"new_{name}") for name in changes[0] if name != "row_id"}
        op.get_bind().execute(
            table.update().where(table.c.id == sa.bindparam("row_id")).values(**values),
            [
                {("row_id" if k == "row_id" else f"new_{k}"): v for k, v in change.items()}
                for change in changes
            ],
        )


def upgrade() -> None:
    job = _create("job", with_kind=True)
    _copy("training_job", job)
    op.drop_table("training_job")
    rows = op.get_bind().execute(sa.select(job.c.id, job.c.params)).all()
    _set_params(
        job,
        [
            {
                "row_id": row_id,
                "kind": str(params["kind"]),
                "params": {k: v for k, v in params.items() if k != "kind"},
            }
            for row_id, params in rows
            if isinstance(params, dict) and "kind" in params
        ],
    )
    op.create_index("ix_job_workspace_id_kind", "job", ["workspace_id", "kind"])
    op.create_index("ix_job_state", "job", ["state"])


def downgrade() -> None:
    training_job = _create("training_job", with_kind=False)
    _copy("job", training_job)
    job = sa.table("job", sa.column("id"), sa.column("kind"), sa.column("params", _json()))
    rows = op.get_bind().execute(sa.select(job.c.id, job.c.kind, job.c.params)).all()
    _set_params(
        training_job,
        [{"row_id": row_id, "params": {**(params or {}), "kind": kind}} for row_id, kind, params in rows],
    )
    op.drop_table("job")
    op.create_index("ix_training_job_workspace_id_state", "training_job", ["workspace_id", "state"])
