"""Hostile or clumsy input on the public form: always a clear 4xx or a stored demand, never a 500."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from intake.forms import DEMAND_FIELDS
from intake.models import ChangeRequest
from tests.factories import ProductFactory, form_data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "abc", "at least 5 characters"),
        ("title", "x" * 201, "at most 200 characters"),
        ("description", "short", "at least 20 characters"),
        ("description", "x" * 20_001, "at most 20000 characters"),
        ("contact_name", "", "This field is required"),
        ("contact_name", "x" * 201, "at most 200 characters"),
        ("contact_email", "maria-at-example", "valid email"),
        ("organization_name", "x" * 201, "at most 200 characters"),
        ("business_justification", "x" * 10_001, "at most 10000 characters"),
        ("product", "999999", "Select a valid choice"),
        ("product", "abc", "Select a valid choice"),
        ("product", str(2**70), "Select a valid choice"),
        ("kind", "hack", "Select a valid choice"),
        ("revenue_at_stake", "-1", "greater than or equal to 0"),
        ("revenue_at_stake", "NaN", "Enter a number"),
        ("revenue_at_stake", "1e400", "digits"),
        ("revenue_at_stake", "123456789012345", "no more than 14 digits"),
        ("currency", "XXX", "Select a valid choice"),
        ("desired_date", "2026-13-45", "Enter a valid date"),
        ("agenda", "cio", "Select a valid choice"),
        ("form_token", "forged", "This form has expired"),
        ("description", "A description with a NUL \x00 byte inside it", "Null characters are not allowed"),
    ],
)
@pytest.mark.django_db
def test_each_field_limit_is_a_400_with_the_message_next_to_the_field(field, value, message):
    response = Client().post("/requests/new/", {**form_data(ProductFactory()), field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_hostile_text_that_is_valid_is_stored_and_shown_back_exactly(client):
    title = "RTL \u202eexe.pdf and CRLF\r\nin a title"
    response = client.post(
        "/requests/new/", form_data(ProductFactory(), title=title, contact_name="Ana\r\nBcc: x@y.example")
    )
    # A title is one line: Django's CharField keeps CR/LF, so either refusal or faithful storage is fine.
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        demand = ChangeRequest.objects.get()
        assert demand.contact_name == "Ana\r\nBcc: x@y.example"
        assert "\u202e" in demand.title


@pytest.mark.django_db
def test_a_1_mb_description_is_refused_cleanly(client):
    response = client.post("/requests/new/", form_data(ProductFactory(), description="x" * 1_000_000))
    assert response.status_code == 400


@pytest.mark.django_db
def test_bytes_that_are_not_utf8_are_a_400_or_stored_replaced_never_a_500(client):
    from urllib.parse import urlencode

    body = urlencode(form_data(ProductFactory())).encode() + b"&title=Bad%ED%A0%80bytes+here%FF"
    response = client.post("/requests/new/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (302, 400)


@pytest.mark.django_db
def test_a_get_with_query_junk_still_renders_the_form(client):
    assert client.get("/requests/new/?product=%00&title=<script>").status_code == 200


FIELDS = [*DEMAND_FIELDS, "form_token", "website"]
hostile_text = st.one_of(
    # A browser cannot send a lone surrogate (it is not UTF-8); the raw-bytes test below covers that.
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300),
    st.sampled_from(["", " ", "\x00", "NaN", "-0", "1e999", "9" * 30, "<script>", "2026-02-30", "../.."]),
)


@pytest.mark.django_db
@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(overrides=st.dictionaries(st.sampled_from(FIELDS), hostile_text, max_size=6))
def test_no_form_input_makes_a_500(settings, overrides):
    settings.INTAKE_FORM_RATE_PER_IP = "100000/hour"
    settings.INTAKE_FORM_RATE_PER_DOMAIN = "100000/hour"
    product = ProductFactory()
    data = {**form_data(product), **overrides}
    response = Client(raise_request_exception=False).post("/requests/new/", data)
    assert response.status_code in (200, 302, 400), response.status_code
