"""The receiver's verification snippet in docs/api.md works against what Demand Desk really sends."""

import json
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

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


def documented_node_snippet() -> str:
    section = DOCS.read_text().split("### Verifying a delivery", 1)[1]
    return re.search(r"```javascript\n(.*?)```", section, re.S).group(1)


NODE_CHECK = """
const fs = require("node:fs");
const { verify } = require("./verify.js");
const [secret, headersFile, bodyFile] = process.argv.slice(2);
const headers = JSON.parse(fs.readFileSync(headersFile, "utf8"));
const body = fs.readFileSync(bodyFile);
const tampered = Buffer.concat([body, Buffer.from(" ")]);
const verdicts = [secret, "whsec_other"].map((key) => verify(key, headers, body));
verdicts.push(verify(secret, headers, tampered));
console.log(JSON.stringify(verdicts));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
@pytest.mark.django_db
def test_the_python_and_node_snippets_verify_a_real_delivery(django_capture_on_commit_callbacks, receiver, tmp_path):
    from tests.factories import file_demand, webhook_endpoint

    _endpoint, secret = webhook_endpoint(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        file_demand()
    (request,) = receiver.received  # a real POST over HTTP, as a customer's receiver gets it
    verify = documented_verify()
    assert verify(secret, request.headers, request.body)
    assert not verify("whsec_other", request.headers, request.body)
    (tmp_path / "verify.js").write_text(documented_node_snippet())
    (tmp_path / "check.js").write_text(NODE_CHECK)
    (tmp_path / "headers.json").write_text(json.dumps(request.headers))
    (tmp_path / "body.bin").write_bytes(request.body)
    run = subprocess.run(
        ["node", "check.js", secret, "headers.json", "body.bin"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [True, False, False]
