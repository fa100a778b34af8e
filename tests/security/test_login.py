"""Staff login, beyond tests/triage/test_decisions.py: session rotation, cookie flags, lockout window, unknown users."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


def attempt(client: Client, username: str, password: str, address: str = "10.0.0.5"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_signing_in_rotates_the_session_key_and_signing_out_ends_the_session(client: Client, cio):
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = before

    signed_in = attempt(client, "cio", "pw-for-tests-1")
    assert signed_in.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert client.get("/triage/").status_code == 200

    client.post("/accounts/logout/")
    assert client.get("/triage/").status_code == 302
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = after
    assert stolen.get("/triage/").status_code == 302  # the old cookie opens nothing once signed out


def test_the_session_cookie_is_httponly_and_samesite_lax(client: Client, cio):
    attempt(client, "cio", "pw-for-tests-1")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_an_unknown_username_is_locked_out_exactly_like_a_real_one(client: Client, cio):
    answers = {}
    for username in ("cio", "nobody-here"):
        for _ in range(5):
            attempt(client, username, "wrong", address="10.0.0.6")
        answers[username] = attempt(client, username, "wrong", address="10.0.0.6")
    assert answers["cio"].status_code == answers["nobody-here"].status_code == 429
    assert answers["cio"].content == answers["nobody-here"].content


def test_the_lock_holds_for_15_minutes_and_then_lifts(client: Client, cio):
    for _ in range(5):
        attempt(client, "cio", "wrong")
    assert attempt(client, "cio", "pw-for-tests-1").status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert attempt(client, "cio", "pw-for-tests-1").status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, "cio", "pw-for-tests-1").status_code == 302
