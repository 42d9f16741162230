"""One router per resource; :data:`API_ROUTERS` are mounted under ``/v1`` by the app factory."""

from __future__ import annotations

from fastapi import APIRouter

from service.routes import (
    audience,
    campaigns,
    comments,
    ingest,
    jobs,
    keys,
    kols,
    kpis,
    market,
    training,
    versions,
)

API_ROUTERS: tuple[APIRouter, ...] = (
    comments.router,
    ingest.router,
    jobs.router,
    kols.router,
    campaigns.router,
    kpis.router,
    market.router,
    versions.router,
    training.router,
    keys.router,
    audience.router,
)

__all__ = ["API_ROUTERS"]
