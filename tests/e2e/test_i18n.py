"""The language switcher in a real browser, on the pages a customer uses, the private tracking page included."""

import pytest

from tests.factories import ProductFactory, file_demand_with_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_customer_switches_to_french_on_the_tracking_page_and_the_form_follows(browser, live_server):
    _demand, token = file_demand_with_token(product=ProductFactory(name="Billing Cloud"))
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/track/{token}/")
        assert page.get_by_role("heading", name="Your demand").is_visible()
        # The tracking page sends no Referer (Referrer-Policy: no-referrer), so the browser posts with Origin: null.
        with page.expect_navigation():
            page.get_by_role("button", name="Français").click()
        assert page.url == f"{live_server.url}/track/{token}/"
        assert page.locator("html").get_attribute("lang") == "fr"
        for french in ("Votre demande", "Historique", "Retirer cette demande", "En cours d’examen"):
            assert page.get_by_text(french, exact=True).first.is_visible(), french

        page.goto(f"{live_server.url}/requests/new/")  # the choice is remembered
        assert page.get_by_role("heading", name="Déposer une demande").is_visible()
        assert page.get_by_label("Votre e-mail professionnel").is_visible()
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        assert page.get_by_role("button", name="Send my demand").is_visible()
    finally:
        context.close()


def test_a_french_browser_gets_the_form_in_french(browser, live_server):
    ProductFactory(name="Billing Cloud")
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/requests/new/")
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.get_by_role("button", name="Envoyer ma demande").is_visible()
        with page.expect_navigation():
            page.get_by_role("button", name="Envoyer ma demande").click()
        assert page.get_by_role("heading", name="Veuillez corriger 5 champs").is_visible()
        assert page.get_by_text("Votre nom * : Ce champ est obligatoire.").is_visible()
    finally:
        context.close()
