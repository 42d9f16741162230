"""Comment analysis."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.bodies import CheckedJSONRoute
from service.comment_analysis import analyze_items
from service.deps import ModelsDep, ReadPrincipal, ServicesDep
from service.errors import problem_responses
from service.schemas import AnalyzeIn, AnalyzeOut

router = APIRouter(
    prefix="/comments",
    tags=["comments"],
    responses=problem_responses(401, 403, 413, 422, 429, 503),
    route_class=CheckedJSONRoute,
)


@router.post(
    "/analyze", response_model=AnalyzeOut, summary="Sentiment, intents and low-effort flag per comment"
)
def analyze(
    principal: ReadPrincipal, body: AnalyzeIn, models: ModelsDep, services: ServicesDep
) -> dict[str, Any]:
    """Analyse up to 1,000 comments. A bad item (missing, empty, over 2,000 characters, not a
    string) gets its own error entry; every other item is answered."""
    with services.model_slots:
        result = analyze_items([item.model_dump() for item in body.comments], models)
    services.metrics.comments_analyzed.labels("api").inc(result["analyzed"])
    return result
