"""The CIO in headless Chromium: registers a webhook to a local receiver, sees a delivery, presses Redeliver."""

import json
import re

import pytest

from tests.e2e.browsing import log_in, screenshots
from tests.factories import ProductFactory, UserFactory, file_demand

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_cio_registers_an_endpoint_sees_the_delivery_of_a_filed_demand_and_redelivers_it(
    page, live_server, artifacts, receiver
):
    UserFactory(username="cio", role="CIO")
    base = live_server.url
    log_in(page, base, "cio")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    page.wait_for_url(f"{base}/webhooks/")
    page.get_by_label("Name").fill("Local receiver")
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_role("checkbox", name="A demand was filed").check()
    page.get_by_role("button", name="Register endpoint").click()
    page.get_by_role("heading", name="Endpoint registered").wait_for()
    receiver.secret = page.get_by_test_id("webhook-secret").inner_text().strip()
    assert receiver.secret.startswith("whsec_")
    page.get_by_role("link", name="Continue to the endpoint").click()
    page.wait_for_url(re.compile(r"/webhooks/\d+/$"))
    assert page.get_by_test_id("endpoint-status").inner_text() == "Active"
    assert receiver.secret not in page.content()

    # A customer files a demand; its delivery is made once the filing commits.
    demand = file_demand(product=ProductFactory(name="Billing Cloud"), title="Nightly export to SAP")
    receiver.wait_for(1)
    page.reload()
    row = page.get_by_test_id("delivery-row").first
    assert "demand.submitted" in row.inner_text()
    assert row.get_by_test_id("delivery-status").inner_text() == "Delivered"
    assert row.get_by_test_id("attempt").count() == 1 and "HTTP 200" in row.get_by_test_id("attempt").inner_text()
    screenshots(page, artifacts, "webhook-endpoint")

    row.get_by_role("button", name=re.compile("Redeliver")).click()
    page.get_by_text(re.compile(r"Delivery \d+ queued for another attempt\.")).wait_for()
    receiver.wait_for(2)
    page.reload()
    assert page.get_by_test_id("delivery-row").first.get_by_test_id("attempt").count() == 2
    assert [request.signature_valid for request in receiver.received] == [True, True]
    assert json.loads(receiver.received[1].body)["data"]["reference"] == demand.reference
    page.screenshot(path="/tmp/webhooks-detail.png", full_page=True)
