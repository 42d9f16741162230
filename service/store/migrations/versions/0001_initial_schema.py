"""Initial schema: workspaces, API keys, KOLs, notes, snapshots, comments, campaigns, models, jobs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None


def _json() -> Any:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _count(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.BigInteger(), nullable=True)


def _money(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Numeric(14, 2), nullable=True)


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _workspace_fk(table: str, nullable: bool = False) -> list[Any]:
    return [
        sa.Column("workspace_id", sa.Integer(), nullable=nullable),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=f"fk_{table}_workspace_id_workspace", ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    _accounts()
    _kols_and_notes()
    _snapshots_and_comments()
    _campaigns()
    _models_jobs_and_labels()


def _accounts() -> None:
    """Workspaces and their API keys."""
    op.create_table(
        "workspace",
        _id(),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), server_default="CNY", nullable=False),
        sa.Column("emv_rates", _json(), nullable=True),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspace"),
        sa.UniqueConstraint("slug", name="uq_workspace_slug"),
    )
    op.create_table(
        "api_key",
        _id(),
        *_workspace_fk("api_key"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("scopes", sa.String(100), nullable=False),
        _ts("created_at", nullable=False),
        _ts("last_used_at"),
        _ts("revoked_at"),
        sa.PrimaryKeyConstraint("id", name="pk_api_key"),
        sa.UniqueConstraint("secret_sha256", name="uq_api_key_secret_sha256"),
    )
    op.create_index("ix_api_key_workspace_id", "api_key", ["workspace_id"])


def _kols_and_notes() -> None:
    """KOLs and their notes."""
    op.create_table(
        "kol",
        _id(),
        *_workspace_fk("kol"),
        sa.Column("platform_user_id", sa.String(64), nullable=False),
        sa.Column("creator_hash", sa.String(64), nullable=True),
        sa.Column("nickname", sa.String(200), nullable=True),
        _count("followers"),
        _count("following"),
        _count("notes_count"),
        _count("likes_and_collects"),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("tier", sa.String(16), nullable=True),
        sa.Column("ip_location", sa.String(64), nullable=True),
        sa.Column("avatar_url", sa.Text(), nullable=True),
        sa.Column("profile_url", sa.Text(), nullable=True),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kol"),
        sa.UniqueConstraint("workspace_id", "platform_user_id", name="uq_kol_workspace_id_platform_user_id"),
    )
    op.create_index("ix_kol_workspace_id_creator_hash", "kol", ["workspace_id", "creator_hash"])

    op.create_table(
        "note",
        _id(),
        *_workspace_fk("note"),
        sa.Column("platform_note_id", sa.String(64), nullable=False),
        sa.Column("kol_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(16), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        _ts("published_at"),
        _ts("last_update_at"),
        _count("liked_count"),
        _count("collected_count"),
        _count("comment_count"),
        _count("share_count"),
        sa.Column("tags", _json(), nullable=True),
        sa.Column("image_urls", _json(), nullable=True),
        sa.Column("video_url", sa.Text(), nullable=True),
        sa.Column("note_url", sa.Text(), nullable=True),
        sa.Column("ip_location", sa.String(64), nullable=True),
        sa.Column("source_keyword", sa.String(200), nullable=True),
        sa.Column("sponsored", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_placeholder", sa.Boolean(), server_default=sa.false(), nullable=False),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["kol_id"], ["kol.id"], name="fk_note_kol_id_kol", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_note"),
        sa.UniqueConstraint("workspace_id", "platform_note_id", name="uq_note_workspace_id_platform_note_id"),
    )
    op.create_index("ix_note_kol_id", "note", ["kol_id"])


def _snapshots_and_comments() -> None:
    """Metrics and follower snapshots, comments."""
    op.create_table(
        "note_metrics_snapshot",
        _id(),
        *_workspace_fk("note_metrics_snapshot"),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.Date(), nullable=False),
        *(_count(c) for c in ("impressions", "reach", "views", "likes", "saves", "comments", "shares")),
        *(_count(c) for c in ("follows", "completions")),
        sa.Column("avg_watch_seconds", sa.Float(), nullable=True),
        _count("clicks"),
        sa.Column("cover_ctr", sa.Float(), nullable=True),
        _count("danmaku"),
        sa.ForeignKeyConstraint(
            ["note_id"], ["note.id"], name="fk_note_metrics_snapshot_note_id_note", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_note_metrics_snapshot"),
        sa.UniqueConstraint("note_id", "captured_at", name="uq_note_metrics_snapshot_note_id_captured_at"),
    )
    op.create_index("ix_note_metrics_snapshot_workspace_id", "note_metrics_snapshot", ["workspace_id"])

    op.create_table(
        "follower_snapshot",
        _id(),
        *_workspace_fk("follower_snapshot"),
        sa.Column("kol_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        _count("followers"),
        _count("following"),
        _count("notes"),
        _count("likes_and_collects"),
        sa.ForeignKeyConstraint(
            ["kol_id"], ["kol.id"], name="fk_follower_snapshot_kol_id_kol", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_follower_snapshot"),
        sa.UniqueConstraint("kol_id", "date", name="uq_follower_snapshot_kol_id_date"),
    )
    op.create_index("ix_follower_snapshot_workspace_id", "follower_snapshot", ["workspace_id"])

    op.create_table(
        "comment",
        _id(),
        *_workspace_fk("comment"),
        sa.Column("platform_comment_id", sa.String(64), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("parent_comment_id", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        _ts("created_at"),
        _count("like_count"),
        sa.Column("commenter_id", sa.String(64), nullable=True),
        sa.Column("commenter_hash", sa.String(64), nullable=True),
        sa.Column("nickname", sa.String(200), nullable=True),
        sa.Column("ip_location", sa.String(64), nullable=True),
        _count("sub_comment_count"),
        sa.Column("pictures", _json(), nullable=True),
        _ts("imported_at", nullable=False),
        sa.Column("sentiment", sa.String(16), nullable=True),
        sa.Column("p_positive", sa.Float(), nullable=True),
        sa.Column("p_neutral", sa.Float(), nullable=True),
        sa.Column("p_negative", sa.Float(), nullable=True),
        sa.Column("intents", _json(), nullable=True),
        sa.Column("low_effort", sa.Boolean(), nullable=True),
        sa.Column("model_version", sa.String(64), nullable=True),
        _ts("analyzed_at"),
        sa.ForeignKeyConstraint(["note_id"], ["note.id"], name="fk_comment_note_id_note", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_comment"),
        sa.UniqueConstraint(
            "workspace_id", "platform_comment_id", name="uq_comment_workspace_id_platform_comment_id"
        ),
    )
    op.create_index("ix_comment_note_id", "comment", ["note_id"])
    op.create_index("ix_comment_workspace_id_commenter_hash", "comment", ["workspace_id", "commenter_hash"])


def _campaigns() -> None:
    """Campaigns and their notes."""
    op.create_table(
        "campaign",
        _id(),
        *_workspace_fk("campaign"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("brand", sa.String(200), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(3), server_default="CNY", nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaign"),
        sa.UniqueConstraint("workspace_id", "name", name="uq_campaign_workspace_id_name"),
    )
    op.create_table(
        "campaign_note",
        _id(),
        *_workspace_fk("campaign_note"),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("kol_id", sa.Integer(), nullable=True),
        _money("fee"),
        _money("product_cost"),
        _money("paid_media"),
        _money("agency_cost"),
        sa.Column("promo_code", sa.String(64), nullable=True),
        _count("clicks"),
        _count("add_to_carts"),
        _count("orders"),
        _money("revenue"),
        _count("new_customers"),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name="fk_campaign_note_campaign_id_campaign", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["note.id"], name="fk_campaign_note_note_id_note", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["kol_id"], ["kol.id"], name="fk_campaign_note_kol_id_kol", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_note"),
        sa.UniqueConstraint("campaign_id", "note_id", name="uq_campaign_note_campaign_id_note_id"),
    )
    op.create_index("ix_campaign_note_workspace_id", "campaign_note", ["workspace_id"])
    op.create_index("ix_campaign_note_note_id", "campaign_note", ["note_id"])


def _models_jobs_and_labels() -> None:
    """Model versions, jobs, labelled examples."""
    op.create_table(
        "model_version",
        _id(),
        *_workspace_fk("model_version", nullable=True),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("metrics", _json(), nullable=True),
        _ts("created_at", nullable=False),
        sa.Column("is_current", sa.Boolean(), server_default=sa.false(), nullable=False),
        _ts("promoted_at"),
        sa.PrimaryKeyConstraint("id", name="pk_model_version"),
        sa.UniqueConstraint("task", "version", name="uq_model_version_task_version"),
    )
    op.create_index("ix_model_version_workspace_id_task", "model_version", ["workspace_id", "task"])

    op.create_table(
        "training_job",
        _id(),
        *_workspace_fk("training_job"),
        sa.Column("state", sa.String(16), server_default="queued", nullable=False),
        sa.Column("progress", sa.Float(), server_default="0", nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("params", _json(), nullable=True),
        sa.Column("result", _json(), nullable=True),
        _ts("created_at", nullable=False),
        _ts("started_at"),
        _ts("finished_at"),
        _ts("heartbeat_at"),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed')", name="ck_training_job_state"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_job"),
    )
    op.create_index("ix_training_job_workspace_id_state", "training_job", ["workspace_id", "state"])

    op.create_table(
        "labelled_example",
        _id(),
        *_workspace_fk("labelled_example"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sentiment", sa.String(16), nullable=True),
        sa.Column("intents", _json(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        _ts("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name="fk_labelled_example_comment_id_comment", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_labelled_example"),
    )
    op.create_index("ix_labelled_example_workspace_id", "labelled_example", ["workspace_id"])


def downgrade() -> None:
    for table in (
        "labelled_example",
        "training_job",
        "model_version",
        "campaign_note",
        "campaign",
        "comment",
        "follower_snapshot",
        "note_metrics_snapshot",
        "note",
        "kol",
        "api_key",
        "workspace",
    ):
        op.drop_table(table)
