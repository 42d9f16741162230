"""The KPI engine over raw numbers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from models.kpi import KPIInput, KPIInputJSON, compute_kpis
from service.bodies import CheckedJSONRoute
from service.campaigns import kpi_config_for
from service.deps import WorkspaceDep
from service.errors import problem_responses

router = APIRouter(
    prefix="/kpis",
    tags=["kpis"],
    responses=problem_responses(401, 403, 422, 429),
    route_class=CheckedJSONRoute,
)


@router.post("", summary="Every KPI of one note, KOL or campaign from raw counts and money")
def kpis(
    body: Annotated[
        KPIInputJSON,
        Body(
            openapi_examples={
                "note": {
                    "summary": "one sponsored note with economics",
                    "value": {
                        "followers": 52000,
                        "impressions": 120000,
                        "reach": 80000,
                        "views": 45000,
                        "likes": 2100,
                        "comments": 180,
                        "saves": 960,
                        "shares": 75,
                        "clicks": 1100,
                        "add_to_carts": 240,
                        "orders": 96,
                        "fee": "12000.00",
                        "revenue": "18240.00",
                        "currency": "CNY",
                        "category": "beauty",
                        "content_format": "video",
                    },
                }
            }
        ),
    ],
    workspace: WorkspaceDep,
) -> dict[str, Any]:
    """Engagement, reach, conversion and economics KPIs (``redlens.kpis/1``), compared with the tier
    and category benchmarks, using the workspace's EMV rate card. Undefined KPIs carry a reason."""
    config, warnings = kpi_config_for(workspace)
    result = compute_kpis(KPIInput.from_dict(body), config)
    result["warnings"] = [*result.get("warnings", []), *warnings]
    return result
