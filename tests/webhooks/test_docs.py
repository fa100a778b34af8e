"""The receiver's verification snippet in docs/api.md works against what Demand Desk really sends."""

import re
import time
from datetime import UTC, datetime
from pathlib import Path

from webhooks import signing

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def documented_verify():
    section = DOCS.read_text().split("### Verifying a delivery", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace["verify"]


def signed(secret: str, timestamp: int) -> tuple[dict[str, str], bytes]:
    body = signing.body_for(
        event_id="e-1", event_type="demand.submitted", created_at=datetime(2026, 11, 23, tzinfo=UTC), payload={"a": 1}
    )
    signature = signing.signature_for(secret=secret, timestamp=timestamp, body=body)
    headers = signing.headers_for(
        event_type="demand.submitted", delivery_id=1, timestamp=timestamp, signature=signature
    )
    return headers, body


def test_the_documented_snippet_accepts_a_real_signature_and_refuses_tampering_and_replays():
    verify = documented_verify()
    now = int(time.time())
    headers, body = signed("whsec_abc", now)
    assert verify("whsec_abc", headers, body)
    assert verify("whsec_abc", {name.upper(): value for name, value in headers.items()}, body)
    assert not verify("whsec_other", headers, body)
    assert not verify("whsec_abc", headers, body.replace(b'"a":1', b'"a":2'))
    old_headers, old_body = signed("whsec_abc", now - 3600)
    assert not verify("whsec_abc", old_headers, old_body)
