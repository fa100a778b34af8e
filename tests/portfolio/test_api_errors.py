"""One error shape everywhere, `{"detail", "fields"}`, and a 4xx (never a 5xx) for anything a client sends."""

import pytest

from intake.models import ChangeRequest
from tests.factories import ProductFactory, ProjectFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/projects/"


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "detail", "fields", "request_id"} and isinstance(body["detail"], str)
    assert body["request_id"] == response["X-Request-ID"]
    assert response["Cache-Control"] == "private, no-cache"
    return body["fields"]


def test_400_names_each_bad_field_of_a_filing(writer_client):
    response = writer_client.post("/api/v1/requests/", {"title": "abc", "contact_email": "nope"}, format="json")
    fields = assert_error(response, 400)
    assert set(fields) >= {"title", "description", "contact_name", "contact_email", "product"}
    assert fields["contact_email"] == ["Enter a valid email address."]


def test_400_for_a_body_that_is_not_json(writer_client):
    response = writer_client.post("/api/v1/requests/", "{not json", content_type="application/json")
    assert_error(response, 400)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"health": "purple"}, "health"),
        ({"agenda": "xx"}, "agenda"),
        ({"customer": "abc"}, "customer"),
        ({"customer": "99999999999999999999999"}, "customer"),
        ({"owner": "1.5"}, "owner"),
        ({"updated_since": "2026-13-45"}, "updated_since"),
        ({"search": "a\x00b"}, "search"),
        ({"search": "x" * 201}, "search"),
        ({"ordering": "owner__password"}, "ordering"),
    ],
)
def test_400_names_each_bad_filter(reader_client, query, field):
    for url in (LIST, "/api/v1/portfolio/summary/"):
        assert field in assert_error(reader_client.get(url, query), 400)


def test_401_without_or_with_a_wrong_token(api_client):
    assert_error(api_client.get(LIST), 401)
    assert_error(api_client.get(LIST, HTTP_AUTHORIZATION="Token dd_nope"), 401)


def test_403_for_a_read_only_token_writing(reader_client):
    assert_error(reader_client.post("/api/v1/requests/", {}, format="json"), 403)


@pytest.mark.parametrize(
    "url",
    [
        f"{LIST}BT-0404/",
        f"{LIST}BT%000001/",
        "/api/v1/requests/CR-2026-99999/",
        "/api/v1/requests/CR%00/",
        "/api/v1/nothing-here/",
        "/api/v1/projects/BT-0001/milestones/",
        f"{LIST}?page=99",
    ],
)
def test_404_for_what_does_not_exist(reader_client, url):
    ProjectFactory(code="BT-0001")
    assert_error(reader_client.get(url), 404)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", LIST),
        ("put", f"{LIST}BT-0001/"),
        ("patch", f"{LIST}BT-0001/"),
        ("delete", f"{LIST}BT-0001/"),
        ("post", "/api/v1/portfolio/summary/"),
        ("delete", "/api/v1/requests/CR-2026-00001/"),
    ],
)
def test_405_for_a_method_an_endpoint_does_not_have(writer_client, method, url):
    ProjectFactory(code="BT-0001")
    body = getattr(writer_client, method)(url, {}, format="json")
    assert_error(body, 405)


def test_fields_a_client_must_not_set_are_ignored_when_filing(writer_client):
    product = ProductFactory()
    payload = {
        "title": "Export invoices to SAP",
        "description": "Every night, export all invoices of the day to our SAP system as IDocs.",
        "contact_name": "Maria Rossi",
        "contact_email": "maria@unknown-org.example",
        "product": product.pk,
        "status": "approved",
        "score": "99.00",
        "score_band": "fast_track",
        "customer": 1,
        "reference": "CR-2000-00001",
        "tier": "strategic",
    }
    response = writer_client.post("/api/v1/requests/", payload, format="json")
    assert response.status_code == 201
    demand = ChangeRequest.objects.get()
    assert demand.status == "submitted" and demand.score is None and demand.customer is None
    assert demand.reference != "CR-2000-00001" and demand.score_band == ""


def test_an_idempotency_key_replay_returns_the_first_demand(writer_client):
    payload = {
        "title": "Export invoices to SAP",
        "description": "Every night, export all invoices of the day to our SAP system as IDocs.",
        "contact_name": "Maria Rossi",
        "contact_email": "maria@unknown-org.example",
        "product": ProductFactory().pk,
    }
    first = writer_client.post("/api/v1/requests/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    replay = writer_client.post("/api/v1/requests/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, replay.status_code) == (201, 200)
    assert first.json()["reference"] == replay.json()["reference"]
    assert ChangeRequest.objects.count() == 1


@pytest.mark.parametrize(
    "moment", ["2395-09-05T20:50:49-23:53", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]
)
def test_updated_since_with_an_exotic_offset_is_a_200_or_a_400_never_a_database_error(reader_client, moment):
    ProjectFactory()
    response = reader_client.get(LIST, {"updated_since": moment})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "updated_since" in response.json()["fields"]


@pytest.mark.parametrize(("page_size", "status"), [("0", 400), ("201", 400), ("abc", 400), ("200", 200)])
def test_page_size_outside_1_to_200_is_a_400(reader_client, page_size, status):
    response = reader_client.get(LIST, {"page_size": page_size})
    assert response.status_code == status
    if status == 400:
        assert response.json()["fields"] == {"page_size": ["Ask for 1 to 200 per page."]}


@pytest.mark.parametrize("param", ["updated_since", "customer", "agenda", "search", "ordering"])
def test_an_api_filter_given_empty_is_a_400_ordering_included(reader_client, param):
    response = reader_client.get(LIST, {param: ""})
    assert response.status_code == 400
    assert response.json()["fields"] == {param: ["This field may not be blank."]}
