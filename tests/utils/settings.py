"""Settings of a test app: fast heartbeats, no rate limit in the way, no public corpora."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.config import Settings


def test_settings(
    *, database_url: str, models_dir: Path, data_dir: Path, training_corpus_dir: Path, **overrides: Any
) -> Settings:
    """Settings for an app under test; keyword arguments override the test defaults."""
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "models_dir": models_dir,
        "data_dir": data_dir,
        "training_corpus_dir": training_corpus_dir,
        "training_public_data": False,
        "rate_limit_per_minute": 10_000,
        "login_attempts_per_minute": 10_000,
        "cookie_secure": False,
        "job_heartbeat_seconds": 0.2,
        "model_check_seconds": 0.0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


test_settings.__test__ = False  # type: ignore[attr-defined]  # a builder, not a test


def settings_factory(**base: Any) -> Callable[..., Settings]:
    """``make(**overrides)``: :func:`test_settings` of ``base`` with ``overrides`` on top."""

    def make(**overrides: Any) -> Settings:
        return test_settings(**{**base, **overrides})

    return make
