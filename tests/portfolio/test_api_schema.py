"""The OpenAPI schema describes the API exactly: it validates, the docs work offline, and a fuzzer agrees."""

import io
import re

import pytest
import schemathesis
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings

from config.wsgi import application
from core.pagination import cursor_encode
from tests.factories import CustomerFactory, ProductFactory, ProjectFactory, file_demand

pytestmark = pytest.mark.django_db

# Bounded so the whole fuzzing run stays in seconds: examples per operation, across 5 operations.
FUZZ_EXAMPLES = 30


def test_schema_generates_and_validates_without_a_single_warning():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    assert '"openapi": "3.0.3"' in out.getvalue()


def test_schema_describes_every_api_endpoint_with_its_errors():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    webhooks = "/api/v1/webhooks/endpoints/"
    assert set(schema["paths"]) == {
        "/api/v1/projects/",
        "/api/v1/projects/changes/",
        "/api/v1/projects/{code}/",
        "/api/v1/portfolio/summary/",
        "/api/v1/requests/",
        "/api/v1/requests/{reference}/",
        "/api/v1/requests/{reference}/score/",
        "/api/v1/queue/",
        "/api/v1/services/",
        "/api/v1/services/{service_id}/unit-costs/",
        "/api/v1/partners/",
        "/api/v1/requests/{reference}/disclosure-plans/",
        "/api/v1/handovers/",
        "/api/v1/exposure/",
        webhooks,
        webhooks + "{endpoint_id}/",
        *(webhooks + "{endpoint_id}/" + action + "/" for action in ("pause", "resume", "rotate-secret", "ping")),
        webhooks + "{endpoint_id}/deliveries/",
        webhooks + "{endpoint_id}/deliveries/{delivery_id}/redeliver/",
    }
    project_list = schema["paths"]["/api/v1/projects/"]["get"]
    errors = {"400", "401", "403", "404", "406", "414", "429"}
    operation_ids = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            operation_ids[(path, method)] = operation["operationId"]
            assert errors <= set(operation["responses"]), (path, method)
            for status, response in operation["responses"].items():
                assert {"X-Request-ID", "RateLimit", "RateLimit-Policy", "Cache-Control"} <= set(response["headers"])
                if status >= "400":
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            if method == "get" and not path.endswith("/changes/") and "/webhooks/" not in path:
                assert "304" in operation["responses"] and "ETag" in operation["responses"]["200"]["headers"]
                assert "If-None-Match" in {parameter["name"] for parameter in operation["parameters"]}
    assert {key: value for key, value in operation_ids.items() if "/webhooks/" not in key[0]} == {
        ("/api/v1/projects/", "get"): "projects_list",
        ("/api/v1/projects/changes/", "get"): "projects_changes",
        ("/api/v1/projects/{code}/", "get"): "project_get",
        ("/api/v1/portfolio/summary/", "get"): "portfolio_summary",
        ("/api/v1/requests/", "post"): "request_create",
        ("/api/v1/requests/{reference}/", "get"): "request_get",
        ("/api/v1/requests/{reference}/score/", "get"): "request_score_get",
        ("/api/v1/queue/", "get"): "queue_list",
        ("/api/v1/services/", "get"): "services_list",
        ("/api/v1/services/{service_id}/unit-costs/", "get"): "service_unit_costs_list",
        ("/api/v1/services/{service_id}/unit-costs/", "post"): "service_unit_cost_record",
        ("/api/v1/partners/", "get"): "partners_list",
        ("/api/v1/requests/{reference}/disclosure-plans/", "get"): "request_disclosure_plans_list",
        ("/api/v1/handovers/", "get"): "handovers_list",
        ("/api/v1/exposure/", "get"): "exposure_register_get",
    }
    create = schema["paths"]["/api/v1/requests/"]["post"]["responses"]
    assert {"409", "413", "415", "422"} <= set(create)
    assert "Idempotent-Replayed" in create["200"]["headers"]
    assert "Retry-After" in project_list["responses"]["429"]["headers"]
    components = schema["components"]["schemas"]
    assert components["ChangeRequestOutput"]["properties"]["customer"]["nullable"] is True
    assert set(components["ChangeRequestOutput"]["required"]) == set(components["ChangeRequestOutput"]["properties"])
    assert components["DemandStatusEnum"]["enum"] == [
        "submitted",
        "scored",
        "needs_info",
        "approved",
        "rejected",
        "deferred",
        "withdrawn",
    ]
    assert components["DemandRef"]["properties"]["status"]["allOf"] == [
        {"$ref": "#/components/schemas/DemandStatusEnum"}
    ]
    summary_filters = {p["name"] for p in schema["paths"]["/api/v1/portfolio/summary/"]["get"]["parameters"]}
    assert {"status", "health", "agenda", "customer", "owner", "search", "updated_since"} <= summary_filters
    ordering = next(p for p in project_list["parameters"] if p["name"] == "ordering")
    assert (ordering["style"], ordering["explode"], ordering["schema"]["minItems"]) == ("form", True, 1)
    assert {"200", "304", "400", "401", "403", "404"} <= set(project_list["responses"])
    assert {p["name"] for p in project_list["parameters"]} >= {
        "status",
        "health",
        "agenda",
        "customer",
        "owner",
        "search",
        "ordering",
        "updated_since",
        "page",
        "page_size",
        "If-None-Match",
    }


def test_docs_load_their_scripts_and_styles_from_our_own_static_files():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    assert all(asset.startswith("/") for asset in assets), assets  # nothing from a CDN
    assert "<script>" not in html  # the start-up script is a file too, so the CSP needs no inline script
    script_url = next(asset for asset in assets if "script" in asset and "static" not in asset)
    script = Client().get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200 and "/api/schema/" in script.content.decode()
    bundle = next(asset for asset in assets if asset.endswith("swagger-ui-bundle.js"))
    assert bundle.startswith("/static/drf_spectacular_sidecar/")


@pytest.fixture
def fuzz_data(cio):
    """A little of everything, so the fuzzer meets real rows as well as misses."""
    sponsor = CustomerFactory()
    product = ProductFactory()
    ProjectFactory(code="BT-0001", sponsors=[sponsor])
    ProjectFactory(code="BT-0002", status="active", health="red")
    file_demand()
    return {"product": product.pk}


@pytest.fixture
def in_process_connection():
    """As Django's test client does, keep the test's connection (and its transaction) open across
    requests to the WSGI app instead of closing it when each request finishes."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded from the running app itself (in-process WSGI, no network) when the tests are collected.
# (`schemathesis.pytest.from_fixture` would load it lazily, but does not work with pytest 9 yet.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# Valid and invalid data alike. Unknown query parameters are ignored on purpose (the schema's description
# says so: clients add cache-busters such as `?_=123`), so the fuzzer is not asked to add any.
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE], allow_extra_parameters=False
)


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_never_answers_5xx_and_every_answer_matches_the_schema(case, fuzz_data, write_token, in_process_connection):
    """Schemathesis in-process against the WSGI app, with a staff read-write token, every check."""
    positive = case.meta and case.meta.generation.mode == schemathesis.GenerationMode.POSITIVE
    if isinstance(case.body, dict) and positive:
        # A valid filing names a product that exists: the schema can say "an integer", not which ones.
        case.body["product"] = fuzz_data["product"]
    if isinstance(case.query, dict) and "cursor" in case.query and positive:
        # A valid cursor is one the server wrote: the schema can give its alphabet, not its meaning.
        case.query["cursor"] = cursor_encode(timezone.now(), 1)
    excluded = []
    if case.operation.method.upper() == "POST":
        # Text is trimmed before its length is checked ("abcd\x1e" is 4 characters): JSON Schema cannot say
        # that, so a filing the schema allows may still be a 400 naming the field. Every other check holds.
        excluded.append(schemathesis.checks.positive_data_acceptance)
    case.call_and_validate(headers={"Authorization": f"Token {write_token}"}, excluded_checks=excluded)


# The inputs that once broke the API (issue 21), replayed through Schemathesis with every check: each answer
# is a documented 4xx in the error body, never a 5xx, HTML or a 304 for a bad request.
KNOWN_BAD_INPUTS = [
    ("/api/v1/projects/", "GET", {"query": {"ordering": "code,"}}, 400),
    ("/api/v1/projects/", "GET", {"query": {"ordering": ","}}, 400),
    ("/api/v1/projects/", "GET", {"query": {"ordering": ",code"}}, 400),
    ("/api/v1/portfolio/summary/", "GET", {"query": {"ordering": "code,"}}, 400),
    ("/api/v1/projects/", "GET", {"query": {"ordering": ""}}, 400),
    ("/api/v1/projects/", "GET", {"query": {"format": "xml"}}, 406),
    ("/api/v1/projects/", "GET", {"query": {"page": "0"}}, 400),
    ("/api/v1/projects/", "GET", {"query": {"page": "-1"}}, 400),
    ("/api/v1/projects/", "GET", {"query": {"page": "abc"}}, 400),
    ("/api/v1/projects/", "GET", {"query": {"page": "-961"}, "headers": {"If-None-Match": "*"}}, 400),
    ("/api/v1/projects/", "GET", {"query": {"search": "x" * 9000}}, 414),
    ("/api/v1/queue/", "GET", {"query": {"page": "-961"}, "headers": {"If-None-Match": "*"}}, 400),
    ("/api/v1/services/", "GET", {"query": {"page": "0"}, "headers": {"If-None-Match": "*"}}, 400),
    ("/api/v1/services/{service_id}/unit-costs/", "GET", {"path_parameters": {"service_id": "x"}}, 404),
    ("/api/v1/requests/", "POST", {"body": {"title": "x"}, "media_type": "application/json"}, 400),
]


@pytest.mark.parametrize(("path", "method", "parts", "status"), KNOWN_BAD_INPUTS)
def test_inputs_that_once_broke_the_api_are_documented_4xx(
    path, method, parts, status, fuzz_data, write_token, in_process_connection
):
    case = schema[path][method].Case(**parts)
    headers = {"Authorization": f"Token {write_token}", **parts.get("headers", {})}
    response = case.call_and_validate(headers=headers)
    assert response.status_code == status
    assert response.json()["code"] and response.json()["request_id"]


def test_a_deeply_nested_body_and_a_multipart_file_are_documented_4xx(fuzz_data, write_token, in_process_connection):
    operation = schema["/api/v1/requests/"]["POST"]
    nested = operation.Case(body={}, media_type="application/json")
    response = nested.call(
        headers={"Authorization": f"Token {write_token}"},
        data="[" * 100_000 + "]" * 100_000,
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    multipart = nested.call(
        headers={"Authorization": f"Token {write_token}", "Content-Type": "multipart/form-data; boundary=x"},
        data=b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        + b"0" * (12 * 1024 * 1024)
        + b"\r\n--x--\r\n",
    )
    assert multipart.status_code in (413, 415) and multipart.json()["code"] in (
        "request_too_large",
        "unsupported_media_type",
    )
