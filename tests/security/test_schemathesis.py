"""Property-based fuzzing of every /api/v1 operation from its own OpenAPI description
(issue 8, QUALITY.md S3): schemathesis loads /api/v1/openapi.json from the app (WSGI, no
server), generates requests for every operation, sends them signed in as a staff member
who may use the operation, and checks each answer:

- no status ≥ 500;
- the status is one the operation documents;
- the Content-Type is a documented one, and the body matches the documented schema;
- documented response headers are present and well formed.

Runs on SQLite only (one seeded database for the whole run; the PostgreSQL-specific
failure modes are what tests/security/test_hostile_input.py runs on both databases).
Derandomized with a bounded number of examples per operation, so a run is repeatable and
stays well under 90 s."""

from __future__ import annotations

import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service_center.openapi import load_spec

from ..conftest import DEMO_PASSWORD, _dispose, make_app
from .fuzzing import API, actor_for, rate_limits_off

MAX_EXAMPLES = 6
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


def _operations() -> list[tuple[str, str]]:
    spec = load_spec()
    return [(method.upper(), path) for path, item in spec["paths"].items()
            for method in item if method in ("get", "post", "put", "patch", "delete")]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, sqlite_templates):
    """The seeded demo on SQLite, one database for the whole module, the rate limiter off
    (a fuzzer sends hundreds of requests from one address; 429s would hide the rest)."""
    target = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copyfile(sqlite_templates["seeded"], target)
    application = make_app(f"sqlite:///{target}")
    with rate_limits_off():
        yield application
    _dispose(application)


@pytest.fixture(scope="module")
def tokens(fuzz_app):
    client = fuzz_app.test_client()
    cache: dict[str, str] = {}

    def token(username: str) -> str:
        if username not in cache:
            res = client.post(f"{API}/auth/token",
                              json={"username": username, "password": DEMO_PASSWORD})
            assert res.status_code == 200, res.get_json()
            cache[username] = res.get_json()["token"]
        return cache[username]

    return token


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    """Loaded the way a client loads it: GET /api/v1/openapi.json from the app."""
    return schemathesis.openapi.from_wsgi(f"{API}/openapi.json", fuzz_app)


def test_the_served_schema_lists_every_operation(api_schema):
    served = {(op.method.upper(), op.path)
              for op in (r.ok() for r in api_schema.get_all_operations())}
    # schemathesis leaves out the operation that serves the description itself
    assert served == set(_operations()) - {("GET", "/openapi.json")}


@pytest.mark.parametrize(("method", "path"), _operations(),
                         ids=[f"{m} {p}" for m, p in _operations()])
def test_every_operation_answers_as_documented(api_schema, tokens, method, path):
    operation = api_schema[path][method]
    headers = {}
    if operation.definition.raw.get("security"):
        headers["Authorization"] = f"Bearer {tokens(actor_for(method, path))}"
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=strategy)
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
