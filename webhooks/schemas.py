"""The payload of each webhook event as a schema, published in the OpenAPI document (`x-webhooks` and components).

OpenAPI 3.0 has no `webhooks` section (3.1 added it), so the schema carries each event as a component,
`Webhook<Event>` (the envelope with its `data`), and the vendor extension `x-webhooks` maps each event type to a
POST with that body, as 3.1's `webhooks` would. tests/webhooks/test_schemas.py validates real deliveries of each
event against them. Amounts are strings with two decimals, always beside their `currency`.
"""

from typing import Any

from webhooks.choices import EventType


def _string(description: str = "", **extra: Any) -> dict[str, Any]:
    return {"type": "string", **({"description": description} if description else {}), **extra}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


_MONEY = _string("Two decimals, in `currency`.", format="decimal", pattern=r"^\d+\.\d{2}$", example="120000.00")
_DEMAND = {
    "reference": _string(example="CR-2026-00019"),
    "title": _string(),
    "kind": _string("customization, new_capability, integration, compliance or other."),
    "status": _string("The demand's status."),
    "agenda": _string("bt or it."),
    "product_id": {"type": "integer"},
    "customer_id": _nullable({"type": "integer", "description": "null when no customer matched."}),
    "revenue_at_stake": _MONEY,
    "currency": _string(example="EUR"),
    "desired_date": _nullable(_string(format="date")),
    "filed_at": _string(format="date-time"),
    "url": _string("The demand's triage page.", format="uri"),
}
_SCORE = _string(format="decimal", pattern=r"^\d+\.\d{2}$", example="71.20")
_PROJECT = {
    "code": _string(example="BT-0001"),
    "name": _string(),
    "status": _string("planned, active, on_hold, delivered or cancelled."),
    "health": _string("green, amber or red."),
    "agenda": _string("bt or it."),
    "progress": {"type": "integer", "minimum": 0, "maximum": 100},
    "start_date": _nullable(_string(format="date")),
    "target_date": _nullable(_string(format="date")),
    "url": _string("The project's page.", format="uri"),
}
# How deeply a component is revealed (partners.choices.DisclosureDepth), in a plan or a handover.
_DEPTH = {
    "type": "integer",
    "minimum": 1,
    "maximum": 5,
    "description": "1 interface specification, 2 binaries, 3 source under escrow, 4 source read-only, "
    "5 source with modification rights.",
}
EVENT_DATA: dict[str, dict[str, Any]] = {
    EventType.DEMAND_SUBMITTED: _DEMAND,
    EventType.DEMAND_SCORED: {
        "reference": _string(),
        "status": _string(),
        "score": _SCORE,
        "band": _string("fast_track, review or decline."),
        "previous_score": _nullable(_SCORE),
        "previous_band": _nullable(_string()),
        "provisional": {"type": "boolean"},
        "scoring_model_version": {"type": "integer"},
        "scored_at": _string(format="date-time"),
    },
    EventType.DEMAND_DECIDED: {
        **_DEMAND,
        "outcome": _string("approved, rejected or deferred."),
        "decided_at": _string(format="date-time"),
        "defer_until": _nullable(_string(format="date")),
    },
    EventType.PROJECT_STATUS_CHANGED: {**_PROJECT, "previous_status": _string()},
    EventType.PROJECT_HEALTH_CHANGED: {**_PROJECT, "previous_health": _string(), "note": _string()},
    EventType.DISCLOSURE_SIGNED_OFF: {
        "reference": _string(example="CR-2026-00019"),
        "plan_version": {"type": "integer", "minimum": 1},
        "content_hash": _string("SHA-256 of what the signed version reveals.", pattern=r"^[0-9a-f]{64}$"),
        "partner_id": {"type": "integer"},
        "partner": _string("The partner's name."),
        "competitor_risk": _string("low, medium or high (likely competitor)."),
        "agreement_reference": _nullable(_string("null when no agreement covers the plan.")),
        "agreement_expires_on": _nullable(_string(format="date")),
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["component", "is_core_ip", "depth"],
                "additionalProperties": False,
                "properties": {
                    "component": _string(),
                    "is_core_ip": {"type": "boolean"},
                    "depth": _DEPTH,
                },
            },
        },
        "signed_off_by": _string("The CIO who signed it off."),
        "signed_off_at": _string(format="date-time"),
        "url": _string("The demand's triage page.", format="uri"),
    },
    EventType.DISCLOSURE_OUTSIDE_PLAN: {
        "handover_id": {"type": "integer"},
        "project_code": _string(example="BT-0001"),
        "reference": _string("The demand whose signed plan the handover departs from.", example="CR-2026-00019"),
        "plan_version": _nullable({"type": "integer", "minimum": 1, "description": "null: no signed plan in force."}),
        "partner_id": {"type": "integer"},
        "partner": _string("The partner's name."),
        "competitor_risk": _string("low, medium or high (likely competitor)."),
        "agreement_reference": _string(),
        "agreement_expires_on": _string(format="date"),
        "component": _string(),
        "is_core_ip": {"type": "boolean"},
        "depth": _DEPTH,
        "handed_over_on": _string(format="date"),
        "recipient": _string("The person at the partner."),
        "outside_plan": {"type": "array", "items": _string(), "description": "How it departs from the signed plan."},
        "exception_reason": _string("Why the CIO accepted it."),
        "accepted_by": _string("The CIO who accepted it."),
        "url": _string("The project's page.", format="uri"),
    },
}


def component_name(event_type: str) -> str:
    """`demand.submitted` → `WebhookDemandSubmitted`."""
    return "Webhook" + "".join(part.title() for part in event_type.replace(".", "_").split("_"))


def event_schema(event_type: str) -> dict[str, Any]:
    """The whole body of one event's delivery: the envelope and its `data`."""
    data = EVENT_DATA[event_type]
    return {
        "type": "object",
        "required": ["id", "type", "created_at", "data"],
        "additionalProperties": False,
        "properties": {
            "id": _string("The event's id: the same for every endpoint and every retry.", format="uuid"),
            "type": _string(enum=[str(event_type)]),
            "created_at": _string(format="date-time"),
            "data": {"type": "object", "required": sorted(data), "additionalProperties": False, "properties": data},
        },
    }


def openapi_webhooks() -> tuple[dict[str, Any], dict[str, Any]]:
    """(components, x-webhooks) for the OpenAPI document."""
    components = {component_name(event): event_schema(event) for event in EVENT_DATA}
    webhooks = {
        str(event): {
            "post": {
                "summary": str(EventType(event).label),
                "description": "Signed as docs/api.md describes (X-DemandDesk-Signature); answer any 2xx.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                },
                "responses": {"2XX": {"description": "Received."}},
            }
        }
        for event, name in ((event, component_name(event)) for event in EVENT_DATA)
    }
    return components, webhooks


def webhooks_postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: each event's payload as a component, and `x-webhooks` (3.1's `webhooks`, for 3.0)."""
    components, webhooks = openapi_webhooks()
    result.setdefault("components", {}).setdefault("schemas", {}).update(components)
    result["x-webhooks"] = webhooks
    return result
