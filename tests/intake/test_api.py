"""POST /api/v1/requests/: the form's validation, JSON field errors, idempotent replays."""

import json

import pytest

from intake.models import ChangeRequest
from tests.factories import ProductFactory


def payload(product_row, /, **overrides) -> dict:
    data = {
        "title": "Export invoices to SAP every night",
        "description": "Every night, export all invoices of the day to our SAP system as IDocs.",
        "contact_name": "Maria Rossi",
        "contact_email": "maria@unknown-org.example",
        "product": product_row.pk,
        "revenue_at_stake": "1000.00",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_valid_request_creates_a_demand_with_reference_and_tracking_url(writer_client):
    response = writer_client.post("/api/v1/requests/", payload(ProductFactory()), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["reference"] == ChangeRequest.objects.get().reference
    assert body["status"] == "submitted" and "/track/" in body["tracking_url"]


@pytest.mark.django_db
def test_an_idempotency_key_replay_returns_200_with_the_same_reference(writer_client):
    data = payload(ProductFactory())
    first = writer_client.post("/api/v1/requests/", data, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    replay = writer_client.post("/api/v1/requests/", data, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert (first.status_code, replay.status_code) == (201, 200)
    assert first.json() == replay.json()
    assert replay["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert ChangeRequest.objects.count() == 1
    other = writer_client.post("/api/v1/requests/", data, format="json", HTTP_IDEMPOTENCY_KEY="abc-124")
    assert other.status_code == 201 and other.json()["reference"] != first.json()["reference"]


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_409_and_files_nothing(writer_client):
    product = ProductFactory()
    first = writer_client.post("/api/v1/requests/", payload(product), format="json", HTTP_IDEMPOTENCY_KEY="k")
    other = payload(product, title="A different demand altogether")
    response = writer_client.post("/api/v1/requests/", other, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "idempotency_key_reused" and first.json()["reference"] in body["detail"]
    assert ChangeRequest.objects.count() == 1
    # Key order is not a different body.
    reordered = dict(reversed(list(payload(product).items())))
    assert (
        writer_client.post("/api/v1/requests/", reordered, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 200
    )


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_a_blank_or_over_long_key_is_a_400_never_cut(writer_client, key):
    response = writer_client.post(
        "/api/v1/requests/", payload(ProductFactory()), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert not ChangeRequest.objects.exists()


@pytest.mark.django_db
def test_two_long_keys_sharing_their_first_255_characters_are_two_keys(writer_client):
    product = ProductFactory()
    stem = "k" * 250
    one = writer_client.post("/api/v1/requests/", payload(product), format="json", HTTP_IDEMPOTENCY_KEY=stem + "one")
    two = writer_client.post("/api/v1/requests/", payload(product), format="json", HTTP_IDEMPOTENCY_KEY=stem + "two")
    assert (one.status_code, two.status_code) == (201, 201)
    assert ChangeRequest.objects.count() == 2


@pytest.mark.django_db
def test_a_key_is_scoped_to_its_token(writer_client, cio):
    from rest_framework.test import APIClient

    from core.choices import TokenScope
    from core.services import api_token_create

    product = ProductFactory()
    first = writer_client.post("/api/v1/requests/", payload(product), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    other_client = APIClient()
    other_key = api_token_create(user=cio, name="other", scope=TokenScope.READ_WRITE)[1]
    other_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_key}")
    second = other_client.post("/api/v1/requests/", payload(product), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["reference"] != second.json()["reference"]


@pytest.mark.django_db
def test_a_key_past_its_lifetime_is_a_422_and_files_nothing(writer_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    product = ProductFactory()
    writer_client.post("/api/v1/requests/", payload(product), format="json", HTTP_IDEMPOTENCY_KEY="old")
    ChangeRequest.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_LIFETIME_HOURS, seconds=1)
    )
    response = writer_client.post("/api/v1/requests/", payload(product), format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_expired"
    assert ChangeRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "abc"}, "title"),
        ({"title": "     "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "too short"}, "description"),
        ({"description": "x" * 20_001}, "description"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"contact_name": ""}, "contact_name"),
        ({"product": 999_999}, "product"),
        ({"product": "abc"}, "product"),
        ({"product": 2**70}, "product"),
        ({"revenue_at_stake": "-5"}, "revenue_at_stake"),
        ({"revenue_at_stake": "NaN"}, "revenue_at_stake"),
        ({"revenue_at_stake": "1e400"}, "revenue_at_stake"),
        ({"revenue_at_stake": [1]}, "revenue_at_stake"),
        ({"currency": "XXX"}, "currency"),
        ({"kind": "anything"}, "kind"),
        ({"desired_date": "31/12/2026"}, "desired_date"),
        ({"risk_security": "maybe"}, "risk_security"),
        ({"description": "A description with a NUL \x00 byte in the middle of it"}, "description"),
        ({"title": "Lone surrogate \ud800 here"}, "title"),
    ],
)
@pytest.mark.django_db
def test_bad_fields_get_400_with_the_field_named(writer_client, overrides, field):
    # json.dumps escapes a lone surrogate as \\ud800, as a hostile client would send it.
    body = json.dumps(payload(ProductFactory(), **overrides))
    response = writer_client.post("/api/v1/requests/", body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_an_inactive_product_is_refused_like_on_the_form(writer_client):
    product = ProductFactory(is_active=False)
    response = writer_client.post("/api/v1/requests/", payload(product), format="json")
    assert response.status_code == 400 and "product" in response.json()["fields"]


@pytest.mark.django_db
def test_status_and_score_sent_by_a_client_are_ignored(writer_client):
    response = writer_client.post(
        "/api/v1/requests/", payload(ProductFactory(), status="approved", score=100), format="json"
    )
    assert response.status_code == 201
    demand = ChangeRequest.objects.get()
    assert demand.status in ("submitted", "scored") and demand.score != 100


@pytest.mark.django_db
def test_a_body_that_is_not_json_or_not_an_object_is_a_400(writer_client):
    assert writer_client.post("/api/v1/requests/", "{not json", content_type="application/json").status_code == 400
    assert writer_client.post("/api/v1/requests/", [1, 2], format="json").status_code == 400


@pytest.mark.django_db
def test_a_read_only_token_cannot_file(reader_client):
    response = reader_client.post("/api/v1/requests/", payload(ProductFactory()), format="json")
    assert response.status_code == 403
