"""OpenAPI-driven fuzzing (schemathesis) of every documented operation, with requests that fit
the schema and requests that do not: no 5xx, ever, and every answer documented - its status code,
its content type (errors are ``application/problem+json``), its headers and its body's schema.

A bounded number of generated requests per operation (``max_examples=20``, or
``REDLENS_FUZZ_EXAMPLES``), sent with an admin
key of a seeded workspace so that routes run past authentication. ``DELETE /v1/keys/{key_id}`` is
left out: generated ids would revoke the key the fuzzing uses (it is tested in test_isolation).
Operations are walked in one test (schemathesis' lazy pytest fixtures do not run on this pytest
version); every failing operation is reported with its request.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode

from tests.utils.client import TestClient, auth
from tests.utils.factories import seed_world

# REDLENS_FUZZ_EXAMPLES raises the count for a longer exploration run on a developer's machine.
MAX_EXAMPLES = int(os.environ.get("REDLENS_FUZZ_EXAMPLES", "20"))
SKIPPED = {("DELETE", "/v1/keys/{key_id}")}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
def test_no_operation_answers_a_server_error(app: FastAPI) -> None:
    with TestClient(app):  # runs the lifespan: models loaded, job runner started
        world = seed_world(app.state.services.session_factory)
        headers = auth(world.a.admin)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        failures: list[str] = []
        tried: list[str] = []
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result.err()
            operation = result.ok()
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue
            tried.append(f"{operation.method.upper()} {operation.path}")

            @given(
                case=operation.as_strategy(GenerationMode.POSITIVE)
                | operation.as_strategy(GenerationMode.NEGATIVE)
            )
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                response = case.call(headers=headers)
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except FailureGroup as group:
                    failures.append(
                        f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:200]} "
                        f"-> {response.status_code} {response.headers.get('content-type')} {response.text[:300]}: "
                        + "; ".join(sorted({failure.title for failure in group.exceptions}))
                    )

            run()
    assert len(tried) >= 20, tried
    assert failures == [], "\n".join(failures[:40])
