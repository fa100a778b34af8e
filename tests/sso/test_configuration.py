"""SSO is off until configured; configured, the login page offers it, local passwords stay for the break-glass
superuser, `manage.py check` catches a half-done configuration, and the ID token's issuer and audience count."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from core import roles
from core.sso import SsoBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(settings):
    settings.OIDC_RP_CLIENT_ID = "demand-desk"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_PROVIDER_NAME = "Acme Login"
    settings.OIDC_OP_ISSUER = "https://login.acme.example"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://login.acme.example/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://login.acme.example/token"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://login.acme.example/jwks"
    settings.OIDC_GROUP_ROLES = "dd-cio=CIO"
    return settings


def test_without_configuration_the_login_page_offers_passwords_only_and_sso_urls_are_not_found(client: Client):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" not in page and 'name="password"' in page
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_configured_the_login_page_offers_the_provider_first(client: Client, configured):
    page = client.get("/accounts/login/?next=/portfolio/").content.decode()
    assert 'href="/oidc/authenticate/?next=/portfolio/"' in page and "Sign in with Acme Login" in page
    assert "emergency account" not in page  # LOCAL_PASSWORD_LOGIN=all: the form below is for everyone
    french = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Se connecter avec Acme Login" in french


def test_with_sso_only_the_superusers_local_password_still_opens(configured):
    configured.LOCAL_PASSWORD_LOGIN = "superusers"
    UserFactory(username="root", is_superuser=True)
    UserFactory(username="analyst", role="Analyst")

    def answer(username: str) -> int:
        return Client().post("/accounts/login/", {"username": username, "password": "pw-for-tests-1"}).status_code

    assert answer("root") == 302
    assert answer("analyst") == 200  # the same "wrong username or password" as for anyone
    assert "emergency account" in Client().get("/accounts/login/").content.decode()


def test_a_session_opened_with_a_local_password_ends_when_local_passwords_are_restricted(settings):
    client = Client()
    client.post(
        "/accounts/login/",
        {"username": UserFactory(username="pm", role="Portfolio manager").username, "password": "pw-for-tests-1"},
    )
    assert client.get("/portfolio/").status_code == 200
    settings.LOCAL_PASSWORD_LOGIN = "superusers"
    assert client.get("/portfolio/").status_code == 302


def test_check_reports_a_half_configured_sso(configured):
    configured.OIDC_OP_JWKS_ENDPOINT = ""
    configured.OIDC_GROUP_ROLES = "dd-cio=CIO,dd-boss=Chief"
    with pytest.raises(SystemCheckError) as failure:
        call_command("check")
    assert "OIDC_OP_JWKS_ENDPOINT must be set" in str(failure.value)
    assert "'Chief' is not a role" in str(failure.value)


def test_group_roles_parse_gives_each_group_its_roles():
    mapping = roles.group_roles_parse(" dd-cio = CIO, dd-lead=CIO ,dd-lead=Analyst,, /corp/pm=Portfolio manager ")
    assert mapping == {"dd-cio": {"CIO"}, "dd-lead": {"CIO", "Analyst"}, "/corp/pm": {"Portfolio manager"}}
    assert roles.roles_for_groups(["dd-lead", "unrelated"], mapping) == {"CIO", "Analyst"}
    with pytest.raises(ValueError, match="not group=role"):
        roles.group_roles_parse("dd-cio")


@pytest.mark.parametrize(
    ("claim", "value", "reason"),
    [
        ("aud", "another-application", "Audience doesn't match"),
        ("iss", "https://evil.example", "Invalid issuer"),
        ("exp", int(time.time()) - 3600, "Signature has expired"),
    ],
)
def test_an_id_token_for_another_audience_or_issuer_or_expired_is_refused(configured, claim, value, reason):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": configured.OIDC_OP_ISSUER, "aud": "demand-desk", "sub": "alice", "iat": now, "exp": now + 300}
    backend = SsoBackend()
    good = jwt.encode(claims, key, algorithm="RS256")
    assert backend.get_payload_data(good, key.public_key())["sub"] == "alice"
    bad = jwt.encode({**claims, claim: value}, key, algorithm="RS256")
    with pytest.raises(SuspiciousOperation, match=reason):
        backend.get_payload_data(bad, key.public_key())
