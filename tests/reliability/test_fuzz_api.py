"""
Fuzzing: schemathesis sends generated requests to every operation of /api/schema/ as staff.

In process, through the WSGI application (no server), against an empty clone of the search
engine. Every answer must be a non-5xx whose status, content type, headers and body are the
ones the schema documents. Hypothesis is derandomized (the same examples every run, so a
failure reproduces and CI is not flaky) and bounded per operation to stay well under a minute.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from schemathesis import checks

from logdash.wsgi import application
from tests.reliability.conftest import token_client

EXAMPLES_PER_OPERATION = 30
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def staff_authorization(users, db) -> dict[str, str]:
    return {"Authorization": token_client(users["staff"])._credentials["HTTP_AUTHORIZATION"]}


# The schema as the API serves it (read at collection: serving it needs no database), with calls
# going to the WSGI application in this process.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_operation_answers_as_documented(case, staff_authorization, search_engine):
    case.call_and_validate(headers=staff_authorization, checks=CHECKS)
