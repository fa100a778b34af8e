"""CI proves the schema matches the server: a client generated from /api/schema/ by openapi-python-client (a tool
no one here wrote) runs a client developer's script against a live gunicorn.

The client is generated into the test's temporary directory, never committed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from core.choices import TokenScope
from core.services import api_token_create
from tests.factories import ProductFactory, ProjectFactory, UserFactory
from tests.ops.test_api_gunicorn import live_env
from tests.processes import Gunicorn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SCRIPT = Path(__file__).with_name("api_client_check.py")
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.mark.skipif(not GENERATOR.exists(), reason="openapi-python-client (a dev dependency) is not installed")
def test_a_generated_client_works_against_a_live_server(tmp_path):
    cio = UserFactory(username="cio", role="CIO")
    read_key = api_token_create(user=cio, name="client read", scope=TokenScope.READ)[1]
    write_key = api_token_create(user=cio, name="client write", scope=TokenScope.READ_WRITE)[1]
    product = ProductFactory()
    for number, status in enumerate(["active", "active", "planned", "on_hold", "delivered"], start=1):
        ProjectFactory(code=f"BT-{number:04d}", status=status)
    web = Gunicorn(live_env(tmp_path / "attachments", API_CHANGES_SETTLE_SECONDS="0")).start()
    try:
        schema = requests.get(f"{web.url}/api/schema/", params={"format": "json"}, timeout=30)
        assert schema.status_code == 200
        (tmp_path / "schema.json").write_bytes(schema.content)
        generated = subprocess.run(
            [str(GENERATOR), "generate", "--path", str(tmp_path / "schema.json"),
             "--output-path", str(tmp_path / "demand_desk_client"), "--meta", "none"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert generated.returncode == 0, generated.stdout + generated.stderr
        assert "Unable to" not in generated.stdout, generated.stdout  # every operation and model was generated
        run = subprocess.run(
            [sys.executable, str(SCRIPT), web.url, read_key, write_key, str(product.pk)],
            env={**os.environ, "PYTHONPATH": str(tmp_path)}, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0 and run.stdout.strip() == "ok", run.stdout + run.stderr + web.output()[-3000:]
    finally:
        web.stop()
