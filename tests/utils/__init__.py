"""Builders shared by the test suites (factories of rows, tiny models, settings, clients)."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
"""tests/fixtures: small input files, one folder per area (api, ingest, kpis, web)."""
