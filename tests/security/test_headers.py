"""Security headers on every HTML answer, and `check --deploy` clean with production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.access_matrix import ROLES
from tests.security.conftest import get_paths

BASE_DIR = Path(__file__).resolve().parents[2]
STRICT_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def header_problems(response) -> list[str]:
    problems = []
    csp = csp_directives(response.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    if not scripts:
        problems.append("no script-src or default-src")
    elif "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
        problems.append(f"script-src {scripts}")
    if csp.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {csp.get('frame-ancestors')}")
    if csp.get("object-src") != ["'none'"]:
        problems.append(f"object-src {csp.get('object-src')}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if response.get("Referrer-Policy") not in STRICT_REFERRER_POLICIES:
        problems.append(f"Referrer-Policy {response.get('Referrer-Policy')}")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options {response.get('X-Frame-Options')}")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_html_response_carries_csp_nosniff_frame_ancestors_and_a_strict_referrer_policy(world, role):
    client = world.clients[role]
    html_pages = 0
    problems = {}
    for path in get_paths(world, role):
        response = client.get(path, follow=True)
        if response.get("Content-Type", "").startswith("text/html"):
            html_pages += 1
            if found := header_problems(response):
                problems[path] = found
    assert html_pages >= 8  # the public pages, the login page, the error pages and, for staff, every staff page
    assert problems == {}


@pytest.mark.django_db
def test_the_header_check_notices_an_inline_script_policy(client, settings):
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "script-src": ["'self'", "'unsafe-inline'"]}
    }
    assert header_problems(client.get("/")) == ["script-src [\"'self'\", \"'unsafe-inline'\"]"]


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="demands.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
        EMAIL_URL="smtp+tls://demands:secret@smtp.example.com:587",
    )
    return env


def test_check_deploy_passes_at_warning_level_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "backend", ["django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.filebased.EmailBackend"]
)
def test_check_deploy_refuses_the_development_email_backends_in_production(settings, backend):
    from django.core.checks import run_checks

    settings.EMAIL_BACKEND = backend  # they write each e-mail, with its private tracking link, to a log or a file
    assert [message.id for message in run_checks(include_deployment_checks=True) if message.id == "core.E002"] == [
        "core.E002"
    ]
    settings.DEBUG = True
    assert "core.E002" not in {message.id for message in run_checks(include_deployment_checks=True)}


PRODUCTION_PROBE = """
from django.test import Client
response = Client().get("/healthz", secure=True, HTTP_HOST="demands.example.com")
plain = Client().get("/requests/new/", HTTP_HOST="demands.example.com")
print(response.status_code, plain.status_code, plain.get("Location"))
print(response.get("Strict-Transport-Security"))
print(response.get("Content-Security-Policy"))
from django.conf import settings as s
print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE)
"""


def test_production_settings_send_hsts_redirect_to_https_and_secure_cookies(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRODUCTION_PROBE],
        cwd=BASE_DIR,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    statuses, hsts, csp, cookies = result.stdout.strip().splitlines()[-4:]
    assert statuses == "200 301 https://demands.example.com/requests/new/"
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert cookies == "True True True Lax"
