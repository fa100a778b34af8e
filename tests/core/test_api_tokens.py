"""API tokens: hashed, scoped, revocable, optionally expiring; made in the admin or by a management command."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core.choices import TokenScope
from core.models import ApiToken, token_hash
from core.services import api_token_create
from tests.factories import ProductFactory, ProjectFactory, UserFactory, file_demand

pytestmark = pytest.mark.django_db

LIST = "/api/v1/projects/"


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def filing(product) -> dict:
    return {
        "title": "Export invoices to SAP",
        "description": "Every night, export all invoices of the day to our SAP system as IDocs.",
        "contact_name": "Maria Rossi",
        "contact_email": "maria@unknown-org.example",
        "product": product.pk,
    }


def test_only_a_digest_and_a_short_prefix_of_the_key_are_stored(cio):
    token, key = api_token_create(user=cio, name="BI", scope=TokenScope.READ)
    token.refresh_from_db()
    assert token.key_hash == token_hash(key) and len(token.key_hash) == 64
    assert token.prefix == key[:10] and len(key) > 40
    stored = [str(value) for value in ApiToken.objects.values_list(*[f.attname for f in ApiToken._meta.fields]).get()]
    assert key not in stored


def test_a_valid_token_reads_projects(read_token):
    ProjectFactory()
    assert client_with(read_token).get(LIST).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Token dd_wrong", "Token", "Token two words", "Bearer dd_x", "bearer", "Token \u00e9\u00e8"],
)
def test_a_wrong_or_malformed_token_is_a_401_in_the_error_shape(api_client, header):
    response = api_client.get(LIST, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert set(response.json()) == {"code", "detail", "fields", "request_id"}
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_the_key_is_accepted_after_token_or_bearer(read_token, keyword):
    ProjectFactory()
    response = APIClient().get(LIST, HTTP_AUTHORIZATION=f"{keyword} {read_token}")
    assert response.status_code == 200


def test_a_revoked_token_is_refused_like_a_wrong_one(cio):
    token, key = api_token_create(user=cio, name="old")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    response = client_with(key).get(LIST)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid, revoked or expired token."


def test_an_expired_token_is_refused_and_one_not_yet_expired_works(cio):
    expired, expired_key = api_token_create(user=cio, name="expired")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    valid, valid_key = api_token_create(user=cio, name="valid")
    ApiToken.objects.filter(pk=valid.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert client_with(expired_key).get(LIST).status_code == 401
    assert client_with(valid_key).get(LIST).status_code == 200


def test_the_token_of_a_deactivated_user_is_refused(cio, read_token):
    cio.is_active = False
    cio.save()
    assert client_with(read_token).get(LIST).status_code == 401


def test_a_read_only_token_gets_403_on_a_write_and_nothing_is_filed(read_token):
    from intake.models import ChangeRequest

    response = client_with(read_token).post("/api/v1/requests/", filing(ProductFactory()), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["detail"] == "This token is read-only."
    assert not ChangeRequest.objects.exists()


def test_a_read_write_token_files_a_demand(write_token):
    response = client_with(write_token).post("/api/v1/requests/", filing(ProductFactory()), format="json")
    assert response.status_code == 201
    assert re.fullmatch(r"CR-\d{4}-\d{5}", response.json()["reference"])


def test_demands_are_read_by_reference_with_staff_tokens_only(cio):
    demand = file_demand()
    _token, staff_key = api_token_create(user=cio, name="staff")
    _token, outsider_key = api_token_create(user=UserFactory(username="bi-robot", is_staff=False), name="bi")
    url = f"/api/v1/requests/{demand.reference}/"
    body = client_with(staff_key).get(url).json()
    assert body["reference"] == demand.reference and body["status"] == "submitted"
    refused = client_with(outsider_key).get(url)
    assert refused.status_code == 403
    assert (refused.json()["code"], refused.json()["detail"]) == (
        "permission_denied",
        "This token's user has no role that may read this.",
    )
    assert client_with(staff_key).get("/api/v1/requests/CR-1999-00001/").status_code == 404


def test_a_staff_token_acts_with_its_users_role_not_with_staff_status(analyst, portfolio_manager):
    demand = file_demand(contact_name="Maria Rossi", contact_email="maria@acme.example")
    keys = {
        name: api_token_create(user=user, name=name)[1]
        for name, user in (("analyst", analyst), ("pm", portfolio_manager), ("no role", UserFactory(username="nr")))
    }
    url = f"/api/v1/requests/{demand.reference}/"
    analyst_view = client_with(keys["analyst"]).get(url).json()
    manager_view = client_with(keys["pm"]).get(url).json()
    assert (analyst_view["contact_name"], analyst_view["contact_email"]) == ("Maria Rossi", "maria@acme.example")
    assert (manager_view["contact_name"], manager_view["contact_email"]) == (None, None)
    assert manager_view["title"] == analyst_view["title"] == demand.title
    # Staff, but in no role: the pages refuse it, and so does its token.
    assert client_with(keys["no role"]).get(url).status_code == 403


def test_demand_detail_carries_an_etag_and_answers_a_matching_poll_with_304(read_token):
    demand = file_demand()
    url = f"/api/v1/requests/{demand.reference}/"
    etag = client_with(read_token).get(url)["ETag"]
    assert client_with(read_token).get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_use_is_recorded_at_most_once_a_minute_so_polls_do_not_write(cio):
    token, key = api_token_create(user=cio, name="poller")
    client = client_with(key)
    client.get(LIST)
    first_use = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first_use is not None
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)
    assert not [query for query in queries if query["sql"].startswith("UPDATE")]
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    client.get(LIST)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first_use


def test_management_command_prints_a_working_key_once_and_stores_its_digest(cio):
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token_create", user="cio", name="BI nightly", scope="read", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(key_hash=token_hash(key))
    assert token.user == cio and token.scope == "read" and token.name == "BI nightly"
    assert token.expires_at is None and "cannot be shown again" in err.getvalue()
    ProjectFactory()
    assert client_with(key).get(LIST).status_code == 200
    assert client_with(key).post("/api/v1/requests/", {}, format="json").status_code == 403


def test_management_command_sets_scope_and_expiry(cio):
    out = io.StringIO()
    call_command(
        "api_token_create",
        user="cio",
        name="CRM",
        scope="read_write",
        expires_days=30,
        stdout=out,
        stderr=io.StringIO(),
    )
    token = ApiToken.objects.get(key_hash=token_hash(out.getvalue().strip()))
    assert token.scope == "read_write"
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"user": "nobody", "name": "x"}, "No active user 'nobody'"),
        ({"user": "cio", "name": "x", "expires_days": 0}, "--expires-days must be between 1 and 3650"),
    ],
)
def test_management_command_refuses_unknown_users_and_bad_expiry(cio, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("api_token_create", stdout=io.StringIO(), stderr=io.StringIO(), **options)
    assert not ApiToken.objects.exists()


def test_management_command_refuses_an_unknown_scope(cio):
    with pytest.raises(CommandError, match="invalid choice: 'admin'"):
        call_command("api_token_create", "--user=cio", "--name=x", "--scope=admin")


def test_staff_create_a_token_in_the_admin_and_see_its_key_once(cio):
    admin = UserFactory(username="root", is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    expires = (timezone.now() + timedelta(days=7)).replace(microsecond=0)
    response = browser.post(
        "/admin/core/apitoken/add/",
        {
            "name": "Account tool",
            "user": cio.pk,
            "scope": "read",
            "expires_at_0": expires.strftime("%Y-%m-%d"),
            "expires_at_1": expires.strftime("%H:%M:%S"),
        },
        follow=True,
    )
    assert response.status_code == 200
    key = re.search(r"it will not be shown again: (dd_[\w-]+)", response.content.decode()).group(1)
    token = ApiToken.objects.get(key_hash=token_hash(key))
    assert token.name == "Account tool" and token.expires_at == expires
    assert key not in browser.get(f"/admin/core/apitoken/{token.pk}/change/").content.decode()


def test_staff_revoke_a_token_in_the_admin_and_it_stops_working(cio, read_token):
    admin = UserFactory(username="root", is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    token = ApiToken.objects.get(key_hash=token_hash(read_token))
    now = timezone.now()
    response = browser.post(
        f"/admin/core/apitoken/{token.pk}/change/",
        {
            "name": token.name,
            "user": cio.pk,
            "scope": "read",
            "revoked_at_0": now.strftime("%Y-%m-%d"),
            "revoked_at_1": now.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302
    assert client_with(read_token).get(LIST).status_code == 401


def test_management_command_revokes_a_token_by_its_prefix(cio, read_token):
    out = io.StringIO()
    call_command("api_token_revoke", read_token[:10], stdout=out)
    assert out.getvalue().startswith("Revoked test read")
    assert client_with(read_token).get(LIST).status_code == 401
    first = ApiToken.objects.get(key_hash=token_hash(read_token)).revoked_at
    call_command("api_token_revoke", read_token[:10], stdout=out)
    assert ApiToken.objects.get(key_hash=token_hash(read_token)).revoked_at == first


def test_management_command_refuses_to_revoke_an_unknown_prefix(read_token):
    with pytest.raises(CommandError, match="0 tokens have the prefix 'dd_nothing'"):
        call_command("api_token_revoke", "dd_nothing")
    assert client_with(read_token).get(LIST).status_code == 200


@pytest.mark.embedded
def test_the_one_query_lookup_loads_what_the_orm_loads(django_user_model):
    """core.authentication.token_with_user is `select_related("user").get(key_hash=...)`, field for field."""
    from core.authentication import token_with_user

    user = UserFactory(username="reader", is_staff=True)
    user.last_login = timezone.now()
    user.save()
    token, key = api_token_create(user=user, name="ci", scope=TokenScope.READ_WRITE)
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() + timedelta(days=3), last_used_at=timezone.now()
    )
    orm = ApiToken.objects.select_related("user").get(key_hash=token_hash(key))
    loaded = token_with_user(key_hash=token_hash(key))
    assert loaded is not None and token_with_user(key_hash=token_hash(key + "x")) is None
    for model_pair in ((orm, loaded), (orm.user, loaded.user)):
        fields = type(model_pair[0])._meta.concrete_fields
        assert [getattr(model_pair[1], f.attname) for f in fields] == [
            getattr(model_pair[0], f.attname) for f in fields
        ]
    assert loaded.is_usable and loaded.user.is_active and not loaded._state.adding
