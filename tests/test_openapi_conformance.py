"""Schemathesis against our own OpenAPI document: every answer of the API is declared in the schema (status
code, content type, body shape) and no generated input, however odd, gets a 5xx."""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from kezek.core.clock import now
from tests.factories import LocalityFactory

# Cross-field rules (age_from < age_to, …) are checked by the handlers with a 422, so "schema-valid
# input must be accepted" is not one of our checks; everything about the answers is.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("KEZEK_SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Schemathesis calls the WSGI app directly, not through Django's test client, so Django's
    request_started/finished handlers would close the test's database connection (PostgreSQL)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def some_data() -> None:
    LocalityFactory.create(code="oskemen")
    assert now()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
