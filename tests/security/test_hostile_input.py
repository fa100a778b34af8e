"""Hostile text and forged fields, where tests/intake and tests/portfolio leave gaps.

Covered there already: the form's per-field limits (a 1 MB description, a NUL in the description), RTL and CRLF
stored through the form, non-UTF-8 bytes, Hypothesis on the form; the API's read-only 403, unknown ids, and
status/score/customer/reference/tier ignored when filing. Here: the same hostile text through the API, text
shown back exactly on the staff and tracking pages, bodies beyond Django's upload limit, and the remaining
fields a client must never set.
"""

import json
from html import escape
from urllib.parse import urlsplit

import pytest
from django.test import Client

from core.choices import TokenScope
from core.services import api_token_create
from intake.models import ChangeRequest
from tests.factories import CustomerFactory, ProductFactory, UserFactory, form_data
from tests.intake.test_api import payload

pytestmark = pytest.mark.django_db

RTL_AND_CRLF = {
    "title": "RTL \u202eexe.pdf\u202c and \u200fmarks\u200e in a title",
    "contact_name": "Ana\r\nBcc: someone@elsewhere.example",
    "organization_name": "\u05e2\u05de\u05d5\u05ea\u05d4 \u202bmixed\u202c Org",
    "description": "Line one\r\nLine two with \u2028 a line separator and a zero\u200bwidth space, twenty chars.",
}


def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="analyst", role="Analyst"))
    return client


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "x" * 1_000_000),
        ("title", "A NUL \x00 in a title"),
        ("contact_name", "Maria\x00Rossi"),
        ("organization_name", "Org\x00"),
        ("description", "A lone surrogate \ud800 inside a long enough description"),
        ("title", "Lone low surrogate \udfff"),
    ],
    ids=["1MB-description", "NUL-title", "NUL-name", "NUL-organization", "lone-surrogate", "lone-low-surrogate"],
)
def test_the_api_refuses_hostile_text_with_a_400_naming_the_field(writer_client, field, value):
    # json.dumps writes a lone surrogate as the escape \ud800, exactly what a hostile client would send.
    body = json.dumps(payload(ProductFactory(), **{field: value}))
    response = writer_client.post("/api/v1/requests/", body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert ChangeRequest.objects.count() == 0


def test_a_nul_byte_in_any_text_field_of_the_form_is_a_400():
    product = ProductFactory()
    for field in ("title", "contact_name", "organization_name", "business_justification"):
        response = Client().post("/requests/new/", form_data(product, **{field: f"Some text \x00 here {field}"}))
        assert response.status_code == 400, field
    assert ChangeRequest.objects.count() == 0


def test_bodies_beyond_the_upload_limit_are_a_400_or_413_not_a_500(writer_client, settings):
    # The bulk rides in a field both would ignore, so only the size limit can refuse these.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
    junk = "x" * 2_000_000
    form = Client(raise_request_exception=False).post("/requests/new/", {**form_data(ProductFactory()), "junk": junk})
    api = writer_client.post(
        "/api/v1/requests/", json.dumps({**payload(ProductFactory()), "junk": junk}), content_type="application/json"
    )
    assert (form.status_code, api.status_code) == (400, 413)
    assert api.json()["code"] == "request_too_large"
    assert ChangeRequest.objects.count() == 0


def test_rtl_marks_crlf_and_separators_through_the_api_are_stored_and_shown_back_exactly(writer_client):
    response = writer_client.post("/api/v1/requests/", payload(ProductFactory(), **RTL_AND_CRLF), format="json")
    assert response.status_code == 201
    demand = ChangeRequest.objects.get()
    for field, value in RTL_AND_CRLF.items():
        assert getattr(demand, field) == value, field
    page = staff_client().get(f"/triage/{demand.reference}/").content.decode()
    for field in ("title", "contact_name", "organization_name"):
        assert escape(RTL_AND_CRLF[field], quote=False) in page, field
    tracking = Client().get(urlsplit(response.json()["tracking_url"]).path)
    assert escape(RTL_AND_CRLF["title"], quote=False) in tracking.content.decode()


def test_rtl_marks_and_crlf_through_the_form_are_shown_back_exactly_on_the_staff_page():
    response = Client().post("/requests/new/", form_data(ProductFactory(), **RTL_AND_CRLF))
    assert response.status_code == 302
    demand = ChangeRequest.objects.get()
    assert (demand.title, demand.contact_name) == (RTL_AND_CRLF["title"], RTL_AND_CRLF["contact_name"])
    page = staff_client().get(f"/triage/{demand.reference}/").content.decode()
    assert escape(RTL_AND_CRLF["contact_name"], quote=False) in page
    assert escape(RTL_AND_CRLF["organization_name"], quote=False) in page


def test_the_public_form_ignores_status_score_customer_and_reference_sent_by_a_client():
    customer = CustomerFactory(name="Big Spender", domain__domain="spender.example")
    forged = {
        "status": "approved",
        "score": "99",
        "score_band": "fast_track",
        "score_is_provisional": "false",
        "it_cost": "1",
        "customer": str(customer.pk),
        "reference": "CR-2000-00001",
        "tracking_token_hash": "0" * 64,
    }
    response = Client().post("/requests/new/", {**form_data(ProductFactory()), **forged})
    assert response.status_code == 302
    demand = ChangeRequest.objects.get()
    assert demand.status in ("submitted", "scored") and demand.customer is None
    assert demand.reference != "CR-2000-00001" and demand.tracking_token_hash != "0" * 64
    assert demand.score is None or demand.score < 99


def test_the_api_ignores_cost_provisional_flag_token_and_timestamps_sent_by_a_client(writer_client):
    forged = {
        "it_cost": "1.00",
        "score_is_provisional": False,
        "tracking_token_hash": "0" * 64,
        "idempotency_key": "chosen",
        "created_at": "2000-01-01T00:00:00Z",
        "scored_at": "2000-01-01T00:00:00Z",
        "id": 1,
        "pk": 1,
    }
    response = writer_client.post("/api/v1/requests/", payload(ProductFactory(), **forged), format="json")
    assert response.status_code == 201
    demand = ChangeRequest.objects.get()
    assert demand.it_cost != 1 and demand.tracking_token_hash != "0" * 64 and demand.idempotency_key != "chosen"
    assert demand.created_at.year != 2000
    assert demand.scored_at is None or demand.scored_at.year != 2000


def test_a_non_staff_token_cannot_tell_an_existing_demand_from_a_missing_one():
    _token, key = api_token_create(user=UserFactory(username="bi", is_staff=False), name="bi", scope=TokenScope.READ)
    writer = api_token_create(user=UserFactory(username="crm", is_staff=False), name="crm", scope=TokenScope.READ_WRITE)
    client = Client(headers={"Authorization": f"Token {writer[1]}"})
    reference = client.post("/api/v1/requests/", payload(ProductFactory()), content_type="application/json").json()[
        "reference"
    ]
    reader = Client(headers={"Authorization": f"Token {key}"})
    known, unknown = reader.get(f"/api/v1/requests/{reference}/"), reader.get("/api/v1/requests/CR-2026-99999/")
    assert known.status_code == unknown.status_code == 403
    assert known.json() | {"request_id": ""} == unknown.json() | {"request_id": ""}
