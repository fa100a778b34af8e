"""In real headless Chromium: the analyst hands demands to the CIO in bulk, the CIO's bell counts them, opening one
goes to the demand and the count drops; a saved view keeps the filters."""

import re

import pytest

from tests.e2e.browsing import log_in
from tests.factories import ProductFactory, UserFactory, file_demand

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_bulk_assignment_rings_the_owners_bell_and_a_saved_view_keeps_the_filters(browser, live_server):
    UserFactory(username="cio", first_name="Carla", last_name="Ionescu", role="CIO")
    UserFactory(username="analyst", role="Analyst")
    product = ProductFactory(name="Billing Cloud")
    first = file_demand(product=product, title="Nightly export to SAP")
    second = file_demand(product=product, title="Credit notes in the portal")
    file_demand(product=product, title="Left alone")
    base = live_server.url

    analyst = browser.new_context().new_page()
    log_in(analyst, base, "analyst")
    for demand in (first, second):
        analyst.get_by_role("checkbox", name=f"Select {demand.reference}").check()
    analyst.get_by_label("With the selected demands").select_option("assign")
    analyst.locator("#bulk-form select[name=owner]").select_option(label="Carla Ionescu")
    analyst.get_by_role("button", name="Apply to the selected demands").click()
    assert analyst.get_by_test_id("bulk-summary").inner_text() == "2 demands done, 0 not done."

    cio = browser.new_context().new_page()
    log_in(cio, base, "cio")
    assert cio.get_by_test_id("unread-count").inner_text().startswith("2")
    cio.get_by_test_id("bell").click()
    cio.wait_for_url(f"{base}/notifications/")
    assert cio.get_by_test_id("notification-row").count() == 2
    cio.get_by_test_id("notification-row").first.get_by_role("button", name="Open").click()
    cio.wait_for_url(re.compile(r"/triage/CR-"))
    assert cio.get_by_test_id("owner").first.inner_text() == "Carla Ionescu"
    assert cio.get_by_test_id("unread-count").inner_text().startswith("1")

    cio.goto(f"{base}/triage/?mine=true")
    assert cio.get_by_test_id("queue-count").inner_text() == "2"
    cio.get_by_label("Name of the view").fill("My demands")
    cio.get_by_role("button", name="Save these filters as a view").click()
    cio.wait_for_url(re.compile(r"mine=true"))
    assert (
        cio.get_by_test_id("saved-view").filter(has_text="My demands").get_by_test_id("saved-view-count").inner_text()
        == "2"
    )
