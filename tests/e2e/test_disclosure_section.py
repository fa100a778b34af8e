"""The demand page's partner disclosure section in real Chromium: labels over their own selects, nothing overflowing,
a plan proposed through the form, and the approval refused until the CIO signs it off."""

import pytest

from intake.models import ChangeRequest
from tests.e2e.browsing import log_in
from tests.e2e.layout_checks import LABELS_MISPLACED, PAGE_OVERFLOW
from tests.factories import ProductFactory, UserFactory, component, file_demand, partner_with_agreement

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 390])
def test_a_plan_is_proposed_and_the_approval_waits_for_the_sign_off(page, live_server, artifacts, width):
    UserFactory(username="cio", first_name="Carla", last_name="Ionescu", role="CIO")
    product = ProductFactory(name="Sovereign Ledger")
    demand = file_demand(product=product, title="Sovereign edition for the national bank", risk_shares_ip=True)
    component(product, "Pricing engine", core_ip=True)
    component(product, "Reporting module")
    component(product, "Public API")
    partner_with_agreement(name="Nordic Sovereign JV")
    log_in(page, live_server.url, "cio")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/triage/{demand.reference}/")
    section = page.locator("#disclosure")
    assert page.evaluate(LABELS_MISPLACED) == []
    assert page.evaluate(PAGE_OVERFLOW) <= 0

    section.get_by_label("Partner:", exact=True).select_option(label="Nordic Sovereign JV")
    section.get_by_label("Pricing engine (core IP)").select_option(label="Source with modification rights")
    section.get_by_label("Reporting module").select_option(label="Binaries")
    section.get_by_role("button", name="Save the plan and rescore").click()
    page.wait_for_url(f"**/triage/{demand.reference}/#disclosure")
    assert "Waiting for the CIO’s sign-off" in page.get_by_test_id("disclosure-status").inner_text()
    assert page.get_by_test_id("disclosure-items").locator("tbody tr").count() == 2
    page.screenshot(path=str(artifacts / f"disclosure-section-{width}.png"), full_page=True)
    assert page.evaluate(LABELS_MISPLACED) == []
    assert page.evaluate(PAGE_OVERFLOW) <= 0

    # The CIO who proposed the plan cannot approve the demand before someone signs it off.
    page.locator("#id_approve-rationale").fill("A strategic sovereign edition.")
    page.locator("#decide").get_by_role("button", name="Approve", exact=True).click()
    assert "cannot be approved" in page.get_by_test_id("approve-errors").inner_text()
    assert page.locator("#id_approve-rationale").input_value() == "A strategic sovereign edition."
    assert ChangeRequest.objects.get(pk=demand.pk).status != "approved"
