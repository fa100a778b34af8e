"""Local accounts change their own password, and reset a forgotten one by e-mail without the page telling
whether the address has an account (core/passwords.py)."""

import re

import pytest
from django.test import Client

from core.models import OutboundEmail
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-and-long-passphrase-42"


def signs_in(username: str, password: str) -> bool:
    return Client().post("/accounts/login/", {"username": username, "password": password}).status_code == 302


def test_a_staff_member_who_is_not_a_superuser_changes_their_own_password(analyst):
    client = signed_in(analyst)
    assert client.get("/accounts/password/change/").status_code == 200

    changed = client.post(
        "/accounts/password/change/",
        {"old_password": "pw-for-tests-1", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert changed.status_code == 302 and changed["Location"] == "/accounts/password/change/done/"
    assert client.get("/triage/").status_code == 200  # this session goes on
    assert signs_in("analyst", NEW_PASSWORD) and not signs_in("analyst", "pw-for-tests-1")


def test_a_wrong_old_password_changes_nothing_and_says_so(analyst):
    answer = signed_in(analyst).post(
        "/accounts/password/change/",
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert answer.status_code == 200 and "Your old password was entered incorrectly" in answer.content.decode()
    assert signs_in("analyst", "pw-for-tests-1")


def reset(email: str, **headers):
    return Client().post("/accounts/password/reset/", {"email": email}, **headers)


def test_a_reset_answers_the_same_whether_or_not_the_address_has_an_account(analyst, settings):
    settings.SITE_URL = "https://demands.example.com"
    known, unknown = reset("analyst@example.com"), reset("nobody@example.com")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    (email,) = OutboundEmail.objects.all()
    assert email.to == "analyst@example.com"
    # The link is built on SITE_URL, never on the Host header the request brought.
    link = re.search(r"https://demands\.example\.com(/accounts/password/reset/\S+/\S+/)", email.body).group(1)

    client = Client()
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"
    assert signs_in("analyst", NEW_PASSWORD)
    assert "no longer works" in Client().get(link, follow=True).content.decode()  # a link works once


def test_no_reset_e_mail_for_an_account_without_a_local_password(settings):
    sso_only = UserFactory(username="sso-person", email="sso@example.com")
    sso_only.set_unusable_password()
    sso_only.save()
    UserFactory(username="local-analyst", email="local@example.com", role="Analyst")
    UserFactory(username="root", email="root@example.com", is_superuser=True)
    settings.LOCAL_PASSWORD_LOGIN = "superusers"  # staff sign in through SSO; only the break-glass account is local

    for address in ("sso@example.com", "local@example.com", "root@example.com"):
        assert reset(address).status_code == 302

    assert list(OutboundEmail.objects.values_list("to", flat=True)) == ["root@example.com"]


def test_reset_requests_are_limited_per_client_and_per_address(analyst, settings):
    settings.PASSWORD_RESET_RATE_PER_IP = "3/hour"
    settings.PASSWORD_RESET_RATE_PER_EMAIL = "2/hour"
    answers = [reset("analyst@example.com", REMOTE_ADDR="10.1.1.1").status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    assert OutboundEmail.objects.count() == 2  # the address got two e-mails, then no more this hour
    assert reset("analyst@example.com", REMOTE_ADDR="10.1.1.2").status_code == 302  # another client is not blocked


def test_the_password_pages_speak_french(analyst):
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    assert "Réinitialiser votre mot de passe" in Client().get("/accounts/password/reset/", **french).content.decode()
    change = signed_in(analyst).get("/accounts/password/change/", **french).content.decode()
    assert "Changer votre mot de passe" in change
