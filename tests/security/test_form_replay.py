"""A form token is bound to the browser that loaded the form: replayed elsewhere, it never opens anyone's link."""

import re

import pytest
from django.test import Client

from intake.models import ChangeRequest
from tests.factories import ProductFactory, form_data

pytestmark = pytest.mark.django_db


def form_token_of(page) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page.content.decode()).group(1)


def test_a_form_token_replayed_from_another_browser_never_gets_the_first_customers_link():
    product = ProductFactory()
    customer = Client()
    page = customer.get("/requests/new/")
    token = form_token_of(page)
    sent = form_data(product, form_token=token)
    first = customer.post("/requests/new/", sent)
    assert first.status_code == 302
    private_link = first["Location"].removesuffix("submitted/")
    # The same browser posting the same form again (a double click, a retry) gets its one demand back.
    assert customer.post("/requests/new/", sent)["Location"] == first["Location"]

    attacker = Client()
    attacker.get("/requests/new/")  # a browser of its own, with its own cookie
    for replay in (sent, form_data(product, form_token=token, title="Someone else's words entirely")):
        response = attacker.post("/requests/new/", replay)
        assert response.status_code == 302 and not response["Location"].startswith(private_link)
        assert private_link not in attacker.get(response["Location"]).content.decode()
    cookieless = Client().post("/requests/new/", sent)
    assert cookieless.status_code == 302 and not cookieless["Location"].startswith(private_link)
    assert ChangeRequest.objects.count() == 3  # the replays filed their own demands, the first one is untouched


def test_the_form_page_is_never_stored_and_its_browser_cookie_is_httponly():
    page = Client().get("/requests/new/")
    assert "no-store" in page["Cache-Control"]
    cookie = page.cookies["dd_form_browser"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/requests/new/"
    assert cookie.value not in page.content.decode()
    refused = Client().post("/requests/new/", form_data(ProductFactory(), title="x"))
    assert refused.status_code == 400 and "no-store" in refused["Cache-Control"]


def test_an_expired_form_comes_back_with_a_fresh_token_so_sending_it_again_works():
    product = ProductFactory()
    customer = Client()
    refused = customer.post("/requests/new/", form_data(product, form_token="expired-or-forged"))
    assert refused.status_code == 400 and "This form has expired" in refused.content.decode()
    again = customer.post("/requests/new/", form_data(product, form_token=form_token_of(refused)))
    assert again.status_code == 302
