"""Fixtures shared by the service tests outside tests/service/api (the tiny fitted models)."""

from tests.service.api.conftest import models_template

__all__ = ["models_template"]
