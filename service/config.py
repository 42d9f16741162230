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
    rate_limit_per_minute: int = Field(default=600, ge=1)
    cors_origins: list[str] = Field(default_factory=list)
    cookie_secure: bool = True
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
