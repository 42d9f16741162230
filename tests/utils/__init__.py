"""Builders shared by the test suites (factories of rows, tiny models, settings, clients)."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
"""tests/fixtures: small input files, one folder per area (api, ingest, kpis, web)."""


def skip_or_fail(reason: str | None, required_by: str) -> None:
    """Skip a test that lacks something (``reason``), or fail it when the environment variable
    ``required_by`` is ``1`` (CI, where the thing must be there)."""
    import os

    import pytest

    if reason is None:
        return
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{reason} ({required_by}=1)", pytrace=False)
    pytest.skip(reason)
