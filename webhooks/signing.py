"""The wire format of a delivery: its JSON body, its headers and its signature. Pure: no ORM, no I/O."""

import hashlib
import hmac
import json
from datetime import datetime

SIGNATURE_PREFIX = "sha256="


def body_for(*, event_id: str, event_type: str, created_at: datetime, payload: dict) -> bytes:
    """The JSON body, byte for byte the same at every attempt of a delivery (sorted keys, no spaces)."""
    envelope = {"id": event_id, "type": event_type, "created_at": created_at.isoformat(), "data": payload}
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature_for(*, secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 with the endpoint's secret over `"<timestamp>.<body>"`."""
    message = f"{timestamp}.".encode() + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_is_valid(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (docs/api.md): recompute and compare in constant time."""
    try:
        expected = signature_for(secret=secret, timestamp=int(timestamp), body=body)
    except ValueError:
        return False
    return hmac.compare_digest(expected, signature)


def headers_for(*, event_type: str, delivery_id: int, timestamp: int, signature: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "DemandDesk-Webhooks/1",
        "X-DemandDesk-Event": event_type,
        "X-DemandDesk-Delivery": str(delivery_id),
        "X-DemandDesk-Timestamp": str(timestamp),
        "X-DemandDesk-Signature": signature,
    }
