"""Fixtures of the command tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.config import Settings, get_settings


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Point the CLI (which reads REDLENS_* variables) at the test database, models and data."""
    monkeypatch.setenv("REDLENS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDLENS_MODELS_DIR", str(settings.models_dir))
    monkeypatch.setenv("REDLENS_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()
