"""webhooks/api: endpoints managed through the API by tokens of the `webhooks` scope, one service per action."""

import json

import pytest
from rest_framework.test import APIClient

from core.choices import TokenScope
from core.services import api_token_create
from tests.factories import UserFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

BASE = "/api/v1/webhooks/endpoints/"


def client_for(user, scope=TokenScope.WEBHOOKS) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user, name='hooks', scope=scope)[1]}")
    return client


@pytest.fixture
def hooks(cio) -> APIClient:
    return client_for(cio)


def test_a_webhooks_token_registers_lists_pauses_resumes_and_rotates(hooks, receiver, settings):
    created = hooks.post(BASE, {"name": "CRM", "url": receiver.url, "events": ["demand.submitted"]}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["endpoint"]["events"] == ["demand.submitted"]
    endpoint_id = body["endpoint"]["id"]
    assert [row["id"] for row in hooks.get(BASE).json()] == [endpoint_id]
    assert "secret" not in json.dumps(hooks.get(f"{BASE}{endpoint_id}/").json())  # shown once, never listed
    assert hooks.post(f"{BASE}{endpoint_id}/pause/").json()["status"] == "paused"
    again = hooks.post(f"{BASE}{endpoint_id}/pause/")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert hooks.post(f"{BASE}{endpoint_id}/resume/").json()["status"] == "active"
    rotated = hooks.post(f"{BASE}{endpoint_id}/rotate-secret/").json()["secret"]
    assert rotated != body["secret"] and WebhookEndpoint.objects.get().secret == rotated


def test_a_ping_reaches_the_receiver_signed_and_shows_in_deliveries_and_can_be_redelivered(
    hooks, receiver, django_capture_on_commit_callbacks
):
    created = hooks.post(BASE, {"name": "CRM", "url": receiver.url, "events": ["demand.submitted"]}, format="json")
    endpoint_id, receiver.secret = created.json()["endpoint"]["id"], created.json()["secret"]
    with django_capture_on_commit_callbacks(execute=True):
        ping = hooks.post(f"{BASE}{endpoint_id}/ping/")
    assert ping.status_code == 202 and ping.json()["event_type"] == "ping"
    (request,) = receiver.received
    assert request.signature_valid and json.loads(request.body)["type"] == "ping"
    deliveries = hooks.get(f"{BASE}{endpoint_id}/deliveries/").json()
    rows = [(row["event_type"], row["status"], len(row["attempts"])) for row in deliveries]
    assert rows == [("ping", "succeeded", 1)]
    with django_capture_on_commit_callbacks(execute=True):
        redelivered = hooks.post(f"{BASE}{endpoint_id}/deliveries/{deliveries[0]['id']}/redeliver/")
    assert redelivered.status_code == 202 and len(receiver.received) == 2
    assert receiver.received[1].headers["x-demanddesk-delivery"] == request.headers["x-demanddesk-delivery"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "url": "http://10.0.0.1/hook", "events": ["demand.submitted"]}, "url"),
        ({"name": "x", "url": "https://hooks.example/x", "events": ["nope"]}, "events"),
        ({"name": "x", "url": "https://hooks.example/x", "events": []}, "events"),
    ],
)
def test_a_bad_registration_is_a_400_naming_the_field(hooks, payload, field):
    response = hooks.post(BASE, payload, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_other_scopes_and_users_without_the_permission_are_refused(cio, write_token):
    read_write = APIClient()
    read_write.credentials(HTTP_AUTHORIZATION=f"Token {write_token}")
    assert read_write.get(BASE).status_code == 403
    analyst = client_for(UserFactory(username="ana", role="Analyst"))
    assert analyst.get(BASE).status_code == 403
    assert client_for(cio).get(f"{BASE}999999/").status_code == 404
    assert not WebhookDelivery.objects.exists()
