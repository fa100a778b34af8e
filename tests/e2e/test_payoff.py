"""Did it pay off, in real headless Chromium: a portfolio manager records realized revenue and sees expected
against realized move; the CIO opens the calibration view."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from portfolio.models import RevenueRecord
from portfolio.services import change_request_approve
from tests.e2e.browsing import WIDEST, log_in
from tests.factories import ProductFactory, UserFactory, file_demand

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_out(page) -> None:
    page.get_by_role("button", name=re.compile(r"^Sign out")).click()


def test_a_manager_records_revenue_and_the_cio_reads_the_calibration(page, live_server, artifacts):
    cio = UserFactory(username="cio", role="CIO")
    UserFactory(username="pm", role="Portfolio manager")
    # Committed and scored on commit (eager Celery): the score the CIO sees when approving is on record.
    demand = file_demand(product=ProductFactory(), title="Nightly export to SAP", revenue_at_stake=Decimal("200000"))
    demand.refresh_from_db()
    band = demand.get_score_band_display()
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Renewal depends on it.")
    base = live_server.url
    last_month = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).strftime("%Y-%m")

    # The portfolio manager records a month's revenue on the project page.
    log_in(page, base, "pm")
    page.goto(f"{base}/portfolio/{project.code}/")
    assert page.get_by_test_id("realized-revenue").inner_text().startswith("0")
    form = page.locator(f"form[action='/portfolio/{project.code}/revenue/']")

    # A correction without its reason is refused next to the note field, and nothing is recorded.
    form.get_by_label("Month").fill(last_month)
    form.get_by_label("Amount (EUR)").fill("-10")
    form.get_by_role("button", name="Record revenue").click()
    note_error = page.locator("#id_note_error")
    assert "A negative amount corrects an earlier record" in note_error.inner_text()
    assert RevenueRecord.objects.count() == 0

    form = page.locator(f"form[action='/portfolio/{project.code}/revenue/']")
    form.get_by_label("Month").fill(last_month)
    form.get_by_label("Amount (EUR)").fill("50000")
    form.get_by_label("Note").fill("Licences, invoice 2041")
    form.get_by_role("button", name="Record revenue").click()
    page.wait_for_url(re.compile(rf"/portfolio/{project.code}/#revenue$"))
    assert page.get_by_text(f"50,000.00 recorded as realized revenue for {last_month}.").is_visible()
    assert page.get_by_test_id("realized-revenue").inner_text() == "50,000 (25 % of expected)"
    history = page.get_by_test_id("revenue-history")
    assert history.get_by_role("cell", name="Licences, invoice 2041").is_visible()
    page.screenshot(path=str(artifacts / "payoff-project-desktop.png"), full_page=True)

    # The list shows expected against realized for the project and in total.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolio").click()
    assert page.get_by_test_id(f"realized-{project.code}").inner_text() == "50,000"
    assert page.get_by_test_id(f"realization-{project.code}").inner_text() == "25 %"
    assert page.get_by_test_id("total-realization").inner_text() == "25 %"
    sign_out(page)

    # The CIO opens the calibration view from the portfolio and finds the demand in the band it was approved in.
    log_in(page, base, "cio")
    page.goto(f"{base}/portfolio/")
    page.get_by_role("link", name="Did it pay off? Calibration").click()
    page.wait_for_url(f"{base}/portfolio/calibration/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Did it pay off?")
    assert page.get_by_test_id("how-to-read").is_visible()
    row = page.get_by_test_id("calibration-bands").locator(f"tr[data-key='{demand.score_band}']")
    assert row.get_by_role("rowheader").inner_text() == band
    assert row.locator("[data-cell='demands']").inner_text() == "1"
    assert row.locator("[data-cell='realized']").inner_text() == "50,000"
    assert row.locator("[data-cell='ratio']").inner_text() == "25 %"
    assert page.locator("svg.plan-actual[role='img'] title").count() >= 1
    page.screenshot(path=str(artifacts / "payoff-calibration-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(WIDEST)
