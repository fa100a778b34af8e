"""webhooks/schemas.py: every event's documented schema holds for what is really delivered."""

import copy
import json

import jsonschema
import pytest
from django.test import Client
from django.utils import timezone

from partners.services import disclosure_plan_sign_off
from portfolio.services import change_request_approve, handover_record, project_update, status_update_post
from tests.factories import component, file_demand, partner_with_agreement, propose_plan, webhook_endpoint
from triage.services import assessment_compute
from webhooks import signing
from webhooks.choices import EventType
from webhooks.models import WebhookDelivery
from webhooks.schemas import component_name, event_schema

pytestmark = pytest.mark.django_db


def as_json_schema(schema: dict) -> dict:
    """OpenAPI 3.0's `nullable` as JSON Schema's `"type": [..., "null"]`, for the validator."""
    schema = copy.deepcopy(schema)

    def fix(node):  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            if node.pop("nullable", False):
                node["type"] = [node["type"], "null"]
                node.pop("pattern", None)  # a pattern applies to strings only; null has none to match
            for value in node.values():
                fix(value)

    fix(schema)
    return schema


def test_every_event_delivered_matches_its_published_schema(cio):
    webhook_endpoint("https://hooks.example/x", events=tuple(EventType.values))
    demand = file_demand()
    assessment_compute(change_request_id=demand.pk)
    demand.refresh_from_db()
    partner, engine = partner_with_agreement(), component(demand.product, "Engine", core_ip=True)
    plan = propose_plan(demand, partner, [(engine, 1)])
    disclosure_plan_sign_off(plan=plan, actor=cio)
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Worth it.")
    handover_record(  # deeper than signed: accepted by the CIO as an exception, so `disclosure.outside_plan`
        project=project,
        component=engine,
        depth=5,
        partner=partner,
        agreement=partner.agreements.get(),
        handed_over_on=timezone.localdate(),
        recipient="Their architect",
        actor=cio,
        is_exception=True,
        exception_reason="The regulator asked for the source.",
    )
    project_update(project=project, status="active")
    status_update_post(project=project, author=cio, health="red", note="Supplier late.")
    seen = set()
    for delivery in WebhookDelivery.objects.order_by("pk"):
        body = signing.body_for(
            event_id=str(delivery.event_id),
            event_type=delivery.event_type,
            created_at=delivery.created_at,
            payload=delivery.payload,
        )
        jsonschema.validate(json.loads(body), as_json_schema(event_schema(delivery.event_type)))
        seen.add(delivery.event_type)
    assert seen == set(EventType.values)


def test_the_openapi_document_publishes_each_events_payload():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert set(schema["x-webhooks"]) == set(EventType.values)
    for event in EventType.values:
        reference = schema["x-webhooks"][event]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert reference == {"$ref": f"#/components/schemas/{component_name(event)}"}
        assert schema["components"]["schemas"][component_name(event)]["properties"]["type"]["enum"] == [event]
