"""Staff in real headless Chromium: the CIO filters, reads and approves; an analyst's estimate moves the score."""

import re
from decimal import Decimal

import pytest

from intake.choices import CustomerTier
from intake.models import ChangeRequest
from portfolio.models import Project
from tests.e2e.browsing import log_in, screenshots
from tests.factories import CustomerFactory, ProductFactory, UserFactory, file_demand
from triage.services import change_request_ask_information

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def file_some_demands(analyst) -> dict[str, ChangeRequest]:
    """Committed and scored on commit (eager Celery), as the live server will show them."""
    product = ProductFactory(name="Billing Cloud")
    strategic = CustomerFactory(name="Northwind", tier=CustomerTier.STRATEGIC, domain__domain="northwind.example")
    CustomerFactory(name="Contoso", tier=CustomerTier.STANDARD, domain__domain="contoso.example")
    demands = {
        "sso": file_demand(
            product=product,
            title="Single sign-on with Azure AD",
            contact_email="it@northwind.example",
            revenue_at_stake=Decimal("900000"),
        ),
        "export": file_demand(product=product, title="Nightly export to SAP", contact_email="ops@contoso.example"),
        "theme": file_demand(
            product=product,
            title="Dark theme for the portal",
            contact_email="ux@contoso.example",
            revenue_at_stake=Decimal("5000"),
        ),
    }
    change_request_ask_information(
        change_request=demands["theme"], question="Which pages need it first?", asked_by=analyst
    )
    for demand in demands.values():
        demand.refresh_from_db()
    assert demands["sso"].customer == strategic
    assert demands["sso"].status == "scored" and demands["theme"].status == "needs_info"
    return demands


def test_the_cio_filters_the_queue_reads_the_breakdown_approves_and_finds_the_project(page, live_server, artifacts):
    UserFactory(username="cio", role="CIO")
    demands = file_some_demands(UserFactory(username="analyst", role="Analyst"))
    base = live_server.url
    log_in(page, base, "cio")
    assert page.get_by_test_id("queue-count").inner_text() == "3"

    # Filter: only scored demands; the one waiting for the customer's answer leaves the table.
    page.get_by_role("checkbox", name="Scored").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"status=scored"))
    assert page.get_by_test_id("queue-count").inner_text() == "2"
    assert page.get_by_role("link", name=demands["theme"].reference).count() == 0

    # Sort by revenue at stake, largest first; the filter stays in the URL.
    page.get_by_role("link", name="Revenue at stake").click()
    page.wait_for_url(re.compile(r"ordering=-revenue"))
    assert "status=scored" in page.url
    first_row = page.locator("table.queue tbody tr").first
    assert first_row.get_by_role("link").first.inner_text() == demands["sso"].reference
    assert page.locator("section.charts svg").count() == 5  # value against cost, scores, status, value type, agendas
    screenshots(page, artifacts, "queue")

    # The demand: the waterfall and the table add up to the score shown.
    page.get_by_role("link", name=demands["sso"].reference, exact=True).first.click()
    page.wait_for_url(f"{base}/triage/{demands['sso'].reference}/")
    score = Decimal(page.get_by_test_id("score").inner_text())
    assert score == demands["sso"].score
    waterfall = page.locator("svg.waterfall")
    assert waterfall.is_visible()
    assert waterfall.locator("rect").count() >= 5
    points = [Decimal(text) for text in page.locator("table.breakdown tbody td[data-component]").all_inner_texts()]
    assert len(points) >= 5
    assert sum(points) == Decimal(page.locator("table.breakdown tfoot strong").inner_text()) == score
    assert page.get_by_text("provisional", exact=True).first.is_visible()
    screenshots(page, artifacts, "demand")

    # Approve with a rationale: the decision and the project are made together, and the page says so.
    approve = page.locator("form[action$='/portfolio/approve/{}/']".format(demands["sso"].reference))
    approve.get_by_label("Rationale").fill("Strategic customer, renewal depends on it.")
    approve.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_url(re.compile(r"/portfolio/BT-\d+/$"))
    project = Project.objects.get()
    assert page.url.endswith(f"/portfolio/{project.code}/")
    assert page.get_by_text(f"{demands['sso'].reference} approved and delivered by {project.code}.").is_visible()
    demands["sso"].refresh_from_db()
    assert demands["sso"].status == "approved"

    # The portfolio lists it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolio").click()
    page.wait_for_url(f"{base}/portfolio/")
    assert page.get_by_role("link", name=re.compile(project.code)).first.is_visible()
    screenshots(page, artifacts, "portfolio")


def test_an_analyst_enters_an_estimate_and_sees_the_score_and_the_provisional_marker_change(
    page, live_server, artifacts
):
    analyst = UserFactory(username="analyst", role="Analyst")
    demand = file_some_demands(analyst)["export"]
    base = live_server.url
    log_in(page, base, "analyst")
    page.goto(f"{base}/triage/{demand.reference}/")
    before = Decimal(page.get_by_test_id("score").inner_text())
    assert page.locator(".badge.provisional").is_visible()
    assert page.get_by_role("heading", name="Decide").count() == 0  # an analyst cannot decide

    # A much cheaper build than the product's defaults: the return on IT cost, and so the score, goes up.
    page.get_by_label("Build effort (person-days)").fill("2")
    page.get_by_label("Day rate").fill("800")
    page.get_by_label("Run cost per year").fill("500")
    page.get_by_label("Confidence").select_option(index=1)
    page.get_by_role("button", name="Save estimate").click()
    page.wait_for_url(f"{base}/triage/{demand.reference}/")
    assert page.get_by_text("Estimate saved").is_visible()

    after = Decimal(page.get_by_test_id("score").inner_text())
    assert after > before
    assert page.locator(".badge.provisional").count() == 0
    assert page.get_by_text("Latest: 2.0 days").count() + page.get_by_text("Latest: 2 days").count() >= 1
    demand.refresh_from_db()
    assert demand.score == after and demand.score_is_provisional is False
    screenshots(page, artifacts, "demand-estimated")
