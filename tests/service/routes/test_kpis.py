"""POST /v1/kpis: out-of-range numbers are a 422 problem that names the field, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.utils.client import auth
from tests.utils.factories import World


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ad_spend": None, "agency_cost": 1e26}, "agency_cost"),  # found by schemathesis
        ({"fee": "-1e30"}, "fee"),
        ({"impressions": 10**18, "likes": 1}, "impressions"),
    ],
)
def test_out_of_range_numbers_are_a_422_naming_the_field(
    client: TestClient, world: World, body: dict[str, object], field: str
) -> None:
    response = client.post("/v1/kpis", json=body, headers=auth(world.a.reader))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.json()["detail"]


def test_large_legal_amounts_are_computed(client: TestClient, world: World) -> None:
    body = {"fee": "999999999999999.99", "revenue": "1000000000000000", "impressions": 10**15}
    response = client.post("/v1/kpis", json=body, headers=auth(world.a.reader))
    assert response.status_code == 200, response.text
    assert response.json()["metrics"]["total_cost"]["value"] == "999999999999999.99"
