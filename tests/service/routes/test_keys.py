"""/v1/me and /v1/keys: the caller's identity and the workspace's keys."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.utils.client import auth
from tests.utils.factories import World


def test_revoking_a_key_answers_204_without_a_body_and_the_key_stops_working(
    client: TestClient, world: World
) -> None:
    reader_id = client.get("/v1/me", headers=auth(world.a.reader)).json()["key"]["id"]
    response = client.delete(f"/v1/keys/{reader_id}", headers=auth(world.a.admin))
    assert (response.status_code, response.content) == (204, b"")
    assert "content-type" not in response.headers
    assert client.get("/v1/me", headers=auth(world.a.reader)).status_code == 401
    again = client.delete(f"/v1/keys/{reader_id}", headers=auth(world.a.admin))
    assert again.status_code == 404
