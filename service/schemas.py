"""Request and response bodies of the API (shown with examples in /docs).

Families: ``...In`` (request bodies), ``...Out`` (what the API returns). Rates are fractions
(0.053), money is a decimal string with its currency, times are ISO 8601 UTC. Large nested
results computed by the domain engines (authenticity evidence, KPI tables, report sections) are
typed at their top level here and documented by their engines' schemas (``redlens.kpis/1``,
``redlens.campaign_report/1``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.comments import MAX_TEXT_CHARS
from models.labels import INTENTS, SENTIMENTS

SentimentLabel = Literal["positive", "neutral", "negative"]
MAX_ANALYZE_BATCH = 1000


def with_examples(*examples: dict[str, Any], from_attributes: bool = True) -> ConfigDict:
    """Settings of a schema whose ``examples`` show in /docs; response schemas read rows too."""
    return ConfigDict(from_attributes=from_attributes, json_schema_extra={"examples": list(examples)})


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --------------------------------------------------------------------------- health


class HealthOut(_Out):
    status: Literal["ok"] = "ok"


class ReadyOut(_Out):
    model_config = with_examples(
        {
            "status": "ready",
            "database": True,
            "models_loaded": True,
            "model_version": "sentiment:20261124-233348-eac1b8+intents:20261124-233703-bdc2f5",
        }
    )

    status: Literal["ready", "not_ready"]
    database: bool
    models_loaded: bool
    model_version: str | None = None
    detail: str | None = None


# --------------------------------------------------------------------------- comments


class CommentIn(BaseModel):
    """One comment to analyse. ``text`` is checked per item: an empty, over-long or non-string
    text gets an error entry of its own and the rest of the batch is still answered."""

    model_config = with_examples(
        {"id": "c1", "text": "求链接！黄皮能用吗", "note_title": "秋冬口红合集"}, from_attributes=False
    )

    id: str | int | None = Field(default=None, description="your id for the comment, echoed back")
    text: Any = Field(
        default=None,
        description=f"the comment text (1-{MAX_TEXT_CHARS} characters); an item without it gets an error entry",
        json_schema_extra={"type": "string"},
    )
    note_title: str | None = Field(
        default=None,
        max_length=500,
        description="title of the note commented on; echoed back (the current models read the comment only)",
    )


class AnalyzeIn(BaseModel):
    model_config = with_examples(
        {
            "comments": [
                {"id": "c1", "text": "求链接！黄皮能用吗"},
                {"id": "c2", "text": "滤镜太重了吧，真的假的"},
                {"id": "c3", "text": ""},
            ]
        },
        from_attributes=False,
    )

    comments: list[CommentIn] = Field(min_length=1, max_length=MAX_ANALYZE_BATCH)


class IntentOut(_Out):
    probability: float = Field(ge=0, le=1)
    flag: bool = Field(description="probability at or above the intent's tuned threshold")


class CommentResultOut(_Out):
    index: int = Field(description="position of the comment in the request")
    id: str | int | None = None
    note_title: str | None = None
    status: Literal["ok"] = "ok"
    sentiment: SentimentLabel
    sentiment_proba: dict[str, float] = Field(description="probability per sentiment, summing to 1")
    intents: dict[str, IntentOut] = Field(description=f"one entry per intent: {', '.join(INTENTS)}")
    low_effort: bool = Field(description="generic praise or emoji only (a rule, not a model)")
    model_version: str


class CommentErrorOut(_Out):
    index: int
    id: str | int | None = None
    note_title: str | None = None
    status: Literal["error"] = "error"
    error: str


class AnalyzeOut(_Out):
    model_config = with_examples(
        {
            "model_version": "sentiment:20261124-225943-f7d0ad+intents:20261124-230033-b24fc4",
            "analyzed": 1,
            "errors": 1,
            "results": [
                {
                    "index": 0,
                    "id": "c1",
                    "status": "ok",
                    "sentiment": "positive",
                    "sentiment_proba": {"positive": 0.71, "neutral": 0.24, "negative": 0.05},
                    "intents": {
                        "purchase_intent": {"probability": 0.93, "flag": True},
                        "skepticism": {"probability": 0.02, "flag": False},
                        "paid_suspicion": {"probability": 0.01, "flag": False},
                        "question": {"probability": 0.81, "flag": True},
                        "spam": {"probability": 0.0, "flag": False},
                    },
                    "low_effort": False,
                    "model_version": "sentiment:20261124-225943-f7d0ad+intents:20261124-230033-b24fc4",
                },
                {"index": 1, "id": "c3", "status": "error", "error": "empty text"},
            ],
        },
    )

    model_version: str
    analyzed: int
    errors: int
    results: list[Annotated[CommentResultOut | CommentErrorOut, Field(discriminator="status")]]


# --------------------------------------------------------------------------- jobs and ingest


class JobOut(_Out):
    model_config = with_examples(
        {
            "id": 7,
            "kind": "training",
            "state": "running",
            "progress": 0.42,
            "message": "sentiment: evaluating",
            "created_at": "2026-11-25T08:00:00Z",
            "started_at": "2026-11-25T08:00:01Z",
            "finished_at": None,
            "heartbeat_at": "2026-11-25T08:00:31Z",
            "result": None,
            "cancel_requested_at": None,
            "links": {"self": "/v1/training-jobs/7", "cancel": "/v1/jobs/7/cancel"},
        }
    )

    id: int
    kind: Literal["training", "ingest"]
    state: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    progress: float = Field(ge=0, le=1)
    message: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    heartbeat_at: dt.datetime | None = None
    result: dict[str, Any] | None = Field(
        default=None,
        description="when succeeded: the ingest summary, or per task the new model's metrics next to the "
        "current model's on the same test rows",
    )
    cancel_requested_at: dt.datetime | None = Field(
        default=None,
        description="when the workspace asked the job to stop; a running job stops at its next checkpoint",
    )
    links: dict[str, str] = Field(default_factory=dict)

    @field_validator("params", mode="before")
    @classmethod
    def _stored_without_params(cls, value: Any) -> Any:
        """A job stored without parameters (``NULL``) shows an empty object."""
        return {} if value is None else value


class JobListOut(_Out):
    items: list[JobOut]


class RowErrorOut(_Out):
    file: str
    line: int
    column: str | None = None
    reason: str
    value: str | None = None


class FileSummaryOut(_Out):
    path: str
    format: str | None = None
    kind: str | None = None
    ok: bool
    rows: int
    inserted: int
    updated: int
    unchanged: int
    duplicates: int
    rejected: int
    created: dict[str, int] = Field(default_factory=dict)
    errors: list[RowErrorOut] = Field(default_factory=list)
    errors_not_shown: int = 0
    warnings: list[str] = Field(default_factory=list)
    coverage: list[dict[str, Any]] = Field(default_factory=list)
    failed: str | None = Field(default=None, description="why the file was not imported at all")
    incomplete: str | None = Field(
        default=None,
        description="why reading stopped before the end of the file: the rows after it were not imported",
    )
    seconds: float = 0.0


_EXAMPLE_COUNTS = {"rows": 3, "inserted": 2, "updated": 0, "unchanged": 0, "duplicates": 0, "rejected": 1}


class IngestOut(_Out):
    model_config = with_examples(
        {
            "ok": True,
            "totals": _EXAMPLE_COUNTS,
            "files": [
                {
                    "path": "comments.csv",
                    "format": "mediacrawler_comments_v1",
                    "kind": "comments",
                    "ok": True,
                    **_EXAMPLE_COUNTS,
                    "errors": [
                        {
                            "file": "comments.csv",
                            "line": 4,
                            "column": "create_time",
                            "reason": "not a time",
                            "value": "yesterday",
                        }
                    ],
                }
            ],
            "comments_analyzed": 2,
            "model_version": "sentiment:20261124-225943-f7d0ad+intents:20261124-230033-b24fc4",
        },
    )

    ok: bool
    totals: dict[str, int]
    files: list[FileSummaryOut]
    comments_analyzed: int = 0
    model_version: str | None = None
    touched: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict,
        description="the KOLs, notes and campaigns the import created or updated, each with its page "
        "(``url``); a KOL whose follower count is unknown has ``needs_figures`` true",
    )


# --------------------------------------------------------------------------- KOLs


class KolOut(_Out):
    id: int
    platform_user_id: str
    creator_hash: str | None = None
    nickname: str | None = None
    followers: int | None = None
    following: int | None = None
    notes_count: int | None = None
    likes_and_collects: int | None = None
    category: str | None = None
    tier: str | None = None
    ip_location: str | None = None
    profile_url: str | None = None
    updated_at: dt.datetime


class KolListOut(_Out):
    model_config = with_examples(
        {
            "total": 1,
            "limit": 50,
            "offset": 0,
            "items": [
                {
                    "id": 3,
                    "platform_user_id": "5fa0000000000000000000a1",
                    "nickname": "美妆博主A",
                    "followers": 52000,
                    "category": "beauty",
                    "tier": "micro",
                    "updated_at": "2026-11-25T08:00:00Z",
                }
            ],
        },
    )

    total: int
    limit: int
    offset: int
    items: list[KolOut]


class NoteOut(_Out):
    id: int
    platform_note_id: str
    title: str | None = None
    type: str | None = None
    published_at: dt.datetime | None = None
    liked_count: int | None = None
    collected_count: int | None = None
    comment_count: int | None = None
    share_count: int | None = None
    sponsored: bool = False
    is_placeholder: bool = False
    note_url: str | None = None


class FollowerPointOut(_Out):
    date: dt.date
    followers: int | None = None
    following: int | None = None


class KolDetailOut(KolOut):
    model_config = with_examples(
        {
            "id": 3,
            "platform_user_id": "5fa0000000000000000000a1",
            "nickname": "美妆博主A",
            "followers": 52000,
            "category": "beauty",
            "updated_at": "2026-11-25T08:00:00Z",
            "notes": [
                {
                    "id": 11,
                    "platform_note_id": "64533a53000000001203ef7d",
                    "title": "秋冬口红试色",
                    "type": "video",
                    "published_at": "2026-03-02T12:00:00Z",
                    "liked_count": 12000,
                    "collected_count": 3456,
                    "comment_count": 210,
                    "share_count": 88,
                    "sponsored": True,
                }
            ],
            "comments_stored": 180,
            "follower_history": [{"date": "2026-03-01", "followers": 51800, "following": 120}],
        }
    )

    notes: list[NoteOut] = Field(description="most recent notes first (up to 50)")
    comments_stored: int
    follower_history: list[FollowerPointOut]


class ReasonOut(_Out):
    code: str = Field(description="stable reason code, e.g. authenticity_high_risk")
    effect: Literal["avoid", "caution", "info", "support"]
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)


class VerdictOut(_Out):
    decision: Literal["recommend", "caution", "avoid"]
    reasons: list[ReasonOut]
    thresholds: dict[str, float | int]


class CommentMixOut(_Out):
    """The comment mix over real commenters when ``screened`` (likely bots, coordinated copies and
    spam left out: ``excluded``, by reason), with ``raw``, the mix over every comment, beside it."""

    total: int
    analyzed: int
    sentiment_counts: dict[str, int]
    sentiment_shares: dict[str, float | None]
    intent_counts: dict[str, int]
    intent_shares: dict[str, float | None]
    low_effort_count: int
    low_effort_share: float | None = None
    net_sentiment: float | None = None
    screened: bool = False
    excluded: int = 0
    excluded_share: float | None = None
    excluded_reasons: dict[str, int] = Field(default_factory=dict)
    raw: CommentMixOut | None = None


class VettingOut(_Out):
    model_config = with_examples(
        {
            "kol": {"id": 3, "platform_user_id": "5fa0000000000000000000a1", "nickname": "美妆博主A"},
            "verdict": {
                "decision": "caution",
                "reasons": [
                    {
                        "code": "paid_suspicion",
                        "effect": "caution",
                        "message": "18.0% of comments are calling the content an ad (caution at 15.0%)",
                        "evidence": {"share": 0.18, "count": 36, "analyzed": 200, "threshold": 0.15},
                    }
                ],
                "thresholds": {"min_comments": 30},
            },
            "window": {
                "notes": 12,
                "first_note": "2026-01-02T10:00:00Z",
                "last_note": "2026-03-28T12:00:00Z",
            },
        },
    )

    schema_: str = Field(alias="schema", serialization_alias="schema")
    kol: dict[str, Any]
    verdict: VerdictOut
    authenticity: dict[str, Any] = Field(
        description="status, score (0-100: 100 x (1 - P(manipulated))) with score_interval, risk, confidence, "
        "findings in words, flags with evidence, signals (data status, finding, score alone)"
    )
    comments: CommentMixOut
    kpis: dict[str, Any] = Field(
        description="KPIs of the recent notes (redlens.kpis/1) with benchmark verdicts"
    )
    themes: dict[str, Any] | None = Field(
        description="top comment themes: keywords, share, sentiment and intent mix"
    )
    audience: dict[str, Any] | None = Field(
        default=None,
        description="commenter regions (real commenters, coverage), fan portrait, target and fit score",
    )
    sponsorship: dict[str, Any] | None = Field(
        default=None,
        description="sponsored notes with evidence and brands, sponsored-to-organic engagement ratio, "
        "quoted prices with CPM / CPE against the tier benchmark",
    )
    window: dict[str, Any]
    model_version: str
    evaluated_at: dt.datetime


# --------------------------------------------------------------------------- campaigns


class CampaignOut(_Out):
    id: int
    name: str
    brand: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    currency: str
    notes: int = Field(default=0, description="notes attached to the campaign")


class CampaignListOut(_Out):
    model_config = with_examples(
        {
            "items": [
                {
                    "id": 1,
                    "name": "Spring Glow",
                    "brand": "Glow Lab",
                    "start_date": "2026-03-01",
                    "end_date": "2026-03-31",
                    "currency": "CNY",
                    "notes": 24,
                }
            ]
        }
    )

    items: list[CampaignOut]


class CampaignReportOut(_Out):
    model_config = with_examples(
        {
            "schema": "redlens.campaign_report/1",
            "currency": "CNY",
            "overview": {"notes": 8, "kols": 4, "metrics": {"roas": {"value": 2.4, "unit": "ratio"}}},
            "kol_breakdown": [],
            "content_performance": {"top": [], "bottom": []},
            "funnel": {"steps": []},
            "brand_health": {"daily": []},
            "competitive_context": {"groups": []},
            "themes": {"n_comments": 0, "themes": []},
            "warnings": [],
        },
    )

    schema_: str = Field(alias="schema", serialization_alias="schema")
    currency: str
    overview: dict[str, Any]
    kol_breakdown: list[dict[str, Any]]
    content_performance: dict[str, Any]
    funnel: dict[str, Any]
    brand_health: dict[str, Any]
    competitive_context: dict[str, Any]
    themes: dict[str, Any] | None
    theme_comparison: dict[str, Any] | None = Field(
        default=None,
        description="aspect themes per KOL (by_kol) and before / after the campaign's first note "
        "(before_after): per aspect, the share of comments and its sentiment on each side",
    )
    warnings: list[str]
    model_version: str | None = None
    generated_at: dt.datetime | None = None
    market: dict[str, Any] | None = Field(
        default=None,
        description="the campaign's brand against tracked competitors: share of voice over the campaign's "
        "dates, UGC re-creation and branded search lift around its first note",
    )
    audience_fit: dict[str, Any] | None = Field(
        default=None,
        description="per campaign KOL: fit score 0-100 against the workspace's target audience, the "
        "dimension driving it, commenter-location coverage, or the reason there is no score; and the "
        "campaign's follower-weighted mean over the KOLs with audience data",
    )


# --------------------------------------------------------------------------- models


class ModelVersionOut(_Out):
    task: Literal["sentiment", "intents"]
    version: str
    created_at: dt.datetime
    is_current: bool
    promoted_at: dt.datetime | None = None
    origin: Literal["shipped", "this_workspace"] = Field(
        description="shipped with RedLens (or trained outside the API), or trained by this workspace's job"
    )
    trained_by: str | None = Field(
        default=None, description="slug of the workspace whose training job produced it; null when shipped"
    )
    metrics: dict[str, Any] | None = None


class ServingOut(_Out):
    sentiment: str
    intents: str
    model_version: str
    promoted_by_workspace: list[str] = Field(
        default_factory=list,
        description="tasks whose version this workspace promoted for itself; the others follow the "
        "deployment's current version",
    )


class ModelsOut(_Out):
    model_config = with_examples(
        {
            "serving": {
                "sentiment": "20261124-233348-eac1b8",
                "intents": "20261124-233703-bdc2f5",
                "model_version": "sentiment:20261124-233348-eac1b8+intents:20261124-233703-bdc2f5",
                "promoted_by_workspace": [],
            },
            "versions": [
                {
                    "task": "sentiment",
                    "version": "20261124-233348-eac1b8",
                    "created_at": "2026-11-24T23:33:48Z",
                    "is_current": True,
                    "promoted_at": "2026-11-25T08:00:00Z",
                    "origin": "shipped",
                    "trained_by": None,
                    "metrics": {"xhs_real_test": {"n": 1869}},
                }
            ],
        }
    )

    serving: ServingOut | None
    versions: list[ModelVersionOut]


class PromotionOut(_Out):
    model_config = with_examples(
        {
            "task": "sentiment",
            "version": "20261125-081500-3c9e21",
            "previous_version": "20261124-225943-f7d0ad",
            "serving": "sentiment:20261125-081500-3c9e21+intents:20261124-230033-b24fc4",
        },
    )

    task: str
    version: str = Field(description="the version now current")
    previous_version: str | None
    serving: str = Field(description="the model version this process serves now")


# --------------------------------------------------------------------------- keys and identity


class WorkspaceOut(_Out):
    id: int
    slug: str
    name: str
    currency: str


class ApiKeyOut(_Out):
    id: int
    name: str
    prefix: str = Field(description="first characters of the key, to recognise it")
    scopes: list[str]
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None


class ApiKeyCreatedOut(ApiKeyOut):
    model_config = with_examples(
        {
            "id": 4,
            "name": "report builder",
            "prefix": "rl_Q4kJ7qo",
            "scopes": ["read"],
            "created_at": "2026-11-25T08:00:00Z",
            "last_used_at": None,
            "secret": "rl_Q4kJ7qoLdHmKGkRLxWnrnffH4yeau2Di69Jk78hLjzM",
        }
    )

    secret: str = Field(description="the key itself: shown once, stored only as a hash")


class ApiKeyIn(BaseModel):
    model_config = with_examples({"name": "report builder", "scopes": ["read"]}, from_attributes=False)

    name: str = Field(min_length=1, max_length=100)
    scopes: list[Literal["read", "write", "admin"]] = Field(min_length=1, max_length=3)


class MeOut(_Out):
    model_config = with_examples(
        {
            "workspace": {"id": 1, "slug": "demo", "name": "Demo brand", "currency": "CNY"},
            "key": {
                "id": 1,
                "name": "demo",
                "prefix": "rl_RxIOI-Z",
                "scopes": ["admin", "read", "write"],
                "created_at": "2026-11-25T08:00:00Z",
                "last_used_at": "2026-11-25T08:05:00Z",
            },
            "scopes": ["admin", "read", "write"],
        }
    )

    workspace: WorkspaceOut
    key: ApiKeyOut
    scopes: list[str] = Field(description="effective scopes (admin includes write, write includes read)")


__all__ = [name for name in dir() if name.endswith(("In", "Out"))] + ["INTENTS", "SENTIMENTS"]
