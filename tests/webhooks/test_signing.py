"""The wire format: a stable JSON body, and a signature a receiver can recompute."""

import hashlib
import hmac
import json
from datetime import UTC, datetime

from webhooks import signing

CREATED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def body(**payload) -> bytes:
    return signing.body_for(event_id="e-1", event_type="demand.submitted", created_at=CREATED, payload=payload)


def test_the_body_is_the_same_bytes_whatever_order_the_payload_came_in():
    assert body(reference="CR-1", score="71.20") == body(score="71.20", reference="CR-1")
    assert json.loads(body(reference="CR-1")) == {
        "id": "e-1",
        "type": "demand.submitted",
        "created_at": "2026-11-23T09:30:00+00:00",
        "data": {"reference": "CR-1"},
    }


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_with_the_secret():
    payload = body(reference="CR-2026-00001", title="Café ünïcode")
    expected = hmac.new(b"whsec_test", b"1795400000." + payload, hashlib.sha256).hexdigest()
    assert signing.signature_for(secret="whsec_test", timestamp=1795400000, body=payload) == f"sha256={expected}"


def test_verification_refuses_another_body_timestamp_or_secret():
    payload = body(reference="CR-1")
    signature = signing.signature_for(secret="s3cret", timestamp=100, body=payload)
    assert signing.signature_is_valid(secret="s3cret", timestamp="100", body=payload, signature=signature)
    assert not signing.signature_is_valid(
        secret="s3cret", timestamp="100", body=body(reference="CR-2"), signature=signature
    )
    assert not signing.signature_is_valid(secret="s3cret", timestamp="101", body=payload, signature=signature)
    assert not signing.signature_is_valid(secret="other", timestamp="100", body=payload, signature=signature)
    assert not signing.signature_is_valid(secret="s3cret", timestamp="soon", body=payload, signature=signature)


def test_headers_name_the_event_the_delivery_and_the_signature():
    headers = signing.headers_for(event_type="demand.scored", delivery_id=42, timestamp=7, signature="sha256=ab")
    assert headers["X-DemandDesk-Event"] == "demand.scored"
    assert headers["X-DemandDesk-Delivery"] == "42"
    assert headers["X-DemandDesk-Timestamp"] == "7"
    assert headers["X-DemandDesk-Signature"] == "sha256=ab"
    assert headers["Content-Type"] == "application/json"
