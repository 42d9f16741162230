"""Settings, read once from ``REDLENS_*`` environment variables (or a ``.env`` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REDLENS_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'var' / 'redlens.db'}",
        description="SQLAlchemy URL; SQLite file by default, postgresql+psycopg://... for a shared server",
    )
    models_dir: Path = Field(default=ROOT / "models", description="where versioned model artifacts live")
    data_dir: Path = Field(default=ROOT / "var", description="uploads, job files, reports")
    shared_corpora_dir: Path = Field(
        default=ROOT.parent / "shared" / "corpora",
        description="public corpora read at training and evaluation time (never copied into the project); "
        "the one place their folder is resolved: REDLENS_SHARED_CORPORA_DIR, else ../shared/corpora next to "
        "the checkout",
    )
    max_request_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    rate_limit_per_minute: int = Field(
        default=600, ge=1, description="requests a minute per API key or sign-in session (429 above it)"
    )
    rate_limit_burst: int | None = Field(
        default=None,
        ge=1,
        description="requests a key may make at once before the per-minute rate applies "
        "(default: rate_limit_per_minute)",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:port/db: rate limits shared by every worker and process using it; "
        "without it each process keeps its own",
    )
    max_in_flight: int = Field(
        default=8, ge=1, le=1000, description="requests one server process works on at once (probes excluded)"
    )
    max_queued: int = Field(
        default=16, ge=0, description="requests one server process lets wait for a free slot; more get 503"
    )
    queue_wait_seconds: float = Field(
        default=1.0, ge=0, le=60, description="longest wait for a free slot before a 503"
    )
    model_concurrency: int = Field(
        default=1,
        ge=1,
        le=64,
        description="comment-model runs one server process does at once for API requests; they share "
        "the interpreter lock, so more only slow the process's other requests and its probes down",
    )
    database_pool_size: int = Field(default=5, ge=1, description="connections each process keeps open")
    database_max_overflow: int = Field(default=10, ge=0, description="extra connections under load")
    database_pool_timeout_seconds: float = Field(
        default=2.0, gt=0, le=60, description="longest wait for a free connection before a 503"
    )
    readiness_timeout_seconds: float = Field(
        default=2.0, gt=0, le=30, description="/readyz reports the database down when it takes longer"
    )
    session_hours: float = Field(
        default=7 * 24, gt=0, le=90 * 24, description="how long a web sign-in lasts before signing in again"
    )
    cors_origins: list[str] = Field(default_factory=list)
    cookie_secure: bool = True
    chromium: Path | None = Field(
        default=None,
        description="the Chromium that prints PDF reports (default: `chromium` on PATH, else Playwright's own)",
    )
    log_level: str = "INFO"
    # API service (service/main.py, service/jobs.py)
    training_corpus_dir: Path = Field(
        default=ROOT / "corpora" / "xhs_comments",
        description="labelled project corpus that training jobs retrain on (tests point at a tiny one)",
    )
    training_public_data: bool = Field(
        default=True, description="add the public sentiment corpora to training jobs (slow; off in tests)"
    )
    ingest_job_threshold_bytes: int = Field(
        default=2 * 1024 * 1024, ge=0, description="uploads larger than this are ingested as a background job"
    )
    job_max_queued_per_workspace: int = Field(
        default=10, ge=1, description="queued jobs one workspace may have; more are refused with 429"
    )
    job_heartbeat_seconds: float = Field(default=5.0, gt=0)
    job_stale_after_seconds: float = Field(
        default=120.0, gt=0, description="a running job without heartbeat for this long is marked failed"
    )
    model_check_seconds: float = Field(
        default=10.0, ge=0, description="how often a process looks for a model promoted by another process"
    )

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                f"REDLENS_DATABASE_URL={value!r} is not supported: use sqlite:///path/to.db "
                "or postgresql+psycopg://user@host:port/db"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                f"REDLENS_REDIS_URL={value!r} is not a Redis URL: use redis://host:port/db (rediss:// for TLS)"
            )
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
