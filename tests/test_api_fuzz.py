"""The API description is valid and the app keeps it: schemathesis fuzzes every described operation."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Response
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from portal import create_app
from portal.api.spec import load_spec

MAX_EXAMPLES = 30
# Area codes are the city's data, not the description's: an unknown one is a documented 400, so the
# "schema-valid request rejected" check cannot apply. Every other check does (no 500, status codes,
# content types, response bodies and headers as described).
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


def served_routes() -> set[str]:
    """The routes this build serves (the referral API lands from another branch)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "collect-only", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "PORTAL_INDEX_DIR": "/nonexistent-index", "PORTAL_TILE_URL": ""})  # fmt: skip
    return {rule.rule for rule in app.url_map.iter_rules()}


ROUTES = served_routes()
# Each described operation is fuzzed when this build serves it: collected only then, never skipped.
FUZZED = [path for path in ("/search", "/referral") if f"/api/v1{path}" in ROUTES]


def test_the_description_is_a_valid_openapi_document():
    validate(load_spec())


def test_the_description_covers_search_and_the_referral_contract():
    paths = load_spec()["paths"]
    assert set(paths) >= {"/search", "/referral"}
    names = {p["name"] for p in paths["/referral"]["get"]["parameters"]}
    assert names >= {"who", "ages", "concerns", "danger", "consent", "area"}


def test_the_description_is_served_as_json(demo_client):
    response = demo_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["paths"]["/search"]["get"]["operationId"] == "searchListings"


@pytest.fixture(scope="module")
def api_schema(demo_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_app)


@pytest.mark.parametrize("path", FUZZED)
def test_fuzzed_requests_never_get_a_500_or_break_the_description(api_schema, demo_app, path):
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
    def check(case):
        with demo_app.app_context():
            response = case.call()
        assert response.status_code < 500, f"{case.as_curl_command()} → {response.status_code}"
        case.validate_response(response, excluded_checks=EXCLUDED)

    check()


def test_the_fuzzing_would_notice_a_broken_promise(api_schema, demo_app, monkeypatch):
    """The check can fail: a response that breaks the description is reported."""
    import portal.api.views as views

    broken = Response('{"total": "many"}', mimetype="application/json")
    monkeypatch.setattr(views, "jsonify", lambda **kw: broken)
    case = api_schema["/search"]["GET"].Case(query={"q": "サロン"})
    with demo_app.app_context():
        response = case.call()
    with pytest.raises(schemathesis.checks.FailureGroup, match="1 sub-exception|violates"):
        case.validate_response(response, excluded_checks=EXCLUDED)
