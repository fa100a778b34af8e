"""What operations endpoints show to the internet: /readyz a bare status, /metrics nothing, the API JSON only."""

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.processes import ROOT

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_readyz_shows_its_checks_to_this_host_and_a_bare_status_to_anyone_else():
    local = Client(REMOTE_ADDR="127.0.0.1").get("/readyz")
    assert local.status_code == 200 and local.json()["checks"]["database"]["ok"] is True
    outsider = Client(REMOTE_ADDR="203.0.113.5").get("/readyz")
    assert outsider.status_code == 200 and outsider.json() == {"status": "ok"}


def test_readyz_shows_its_checks_to_the_monitoring_networks(settings):
    settings.MONITORING_NETWORKS = ["192.0.2.0/24"]
    assert "checks" in Client(REMOTE_ADDR="192.0.2.10").get("/readyz").json()
    assert "checks" not in Client(REMOTE_ADDR="192.0.3.10").get("/readyz").json()


def test_behind_a_proxy_on_this_host_the_internet_is_not_local(settings):
    settings.TRUSTED_PROXY_NETWORKS = ["127.0.0.1/32"]
    through_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert through_proxy.get("/readyz").json() == {"status": "ok"}
    assert through_proxy.get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200  # the scraper on this host


def test_the_api_answers_a_browser_with_json_not_the_browsable_api(reader_client):
    response = reader_client.get("/api/v1/projects/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    refused = reader_client.get("/api/v1/projects/?format=api")  # no such renderer in production
    assert refused.status_code == 406 and refused.json()["code"] == "not_acceptable"


def test_the_browsable_api_is_there_with_debug_on():
    probe = "from django.conf import settings; print(json.dumps(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES']))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true", "DATABASE_URL": "sqlite://"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django, json; django.setup(); {probe}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ]
