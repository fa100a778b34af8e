"""Issue 18 in real headless Chromium, on the demo data: the sovereign edition's plan, its penalty explained
component by component and its sign-off; a demand whose core-IP plan is not signed cannot be approved; the
portfolio's exposure register and expiring agreements; the project's handovers and their form."""

import re

import pytest
from django.core.management import call_command

from intake.models import ChangeRequest
from portfolio.management.commands.seed_demo import DEMO_PASSWORD
from portfolio.management.demo_partners import (
    ESCROW_REFERENCE,
    JOINT_VENTURE,
    NDA_REFERENCE,
    PENDING_DEMAND,
    SOVEREIGN_DEMAND,
)
from tests.e2e.browsing import WIDEST, log_in
from tests.e2e.test_accessibility import blocking, run_axe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def screenshots(page, artifacts, name: str) -> None:
    """At 1366 and 390 px wide; on the phone nothing sticks out sideways."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=str(artifacts / f"{name}-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(WIDEST)
    page.screenshot(path=str(artifacts / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def labels_sit_over_their_own_inputs(page, form) -> None:
    """Every visible label of the form names an input whose box starts below the label's, in the same column."""
    misplaced = form.evaluate(
        """(form) => [...form.querySelectorAll('label[for]')].filter((label) => label.offsetParent !== null)
          .map((label) => [label, document.getElementById(label.htmlFor)])
          .filter(([label, input]) => !input || input.type === 'checkbox' ? false
            : input.getBoundingClientRect().top < label.getBoundingClientRect().bottom - 1
              || Math.abs(input.getBoundingClientRect().left - label.getBoundingClientRect().left) > 2)
          .map(([label]) => label.htmlFor)"""
    )
    assert misplaced == []


def test_the_sovereign_edition_shows_plan_penalty_and_sign_off_and_an_unsigned_plan_blocks_approval(
    page, live_server, artifacts
):
    call_command("seed_demo", "--force", verbosity=0)
    sovereign = ChangeRequest.objects.get(title=SOVEREIGN_DEMAND)
    pending = ChangeRequest.objects.get(title=PENDING_DEMAND)
    base = live_server.url
    log_in(page, base, "cio", DEMO_PASSWORD)

    # The sovereign edition: the plan in force (v2), signed off, with v1's refusal in the history.
    page.goto(f"{base}/triage/{sovereign.reference}/")
    status = page.get_by_test_id("disclosure-status")
    assert "Signed off" in status.inner_text() and "Version 2 signed off by Carla Ionescu" in status.inner_text()
    plan = page.get_by_test_id("disclosure-plan")
    assert JOINT_VENTURE in plan.inner_text() and "Likely competitor" in plan.inner_text()
    items = page.get_by_test_id("disclosure-items")
    for text in ("Query engine", "Interface specification", "Ingestion pipeline", "Source under escrow"):
        assert text in items.inner_text()
    history = page.get_by_test_id("disclosure-history")
    assert "Refused" in history.inner_text() and "source with modification rights" in history.inner_text()
    # The penalty, component by component, in the score's breakdown.
    penalty = page.locator("[aria-labelledby='score-heading'] td[data-component='penalty_disclosure']")
    assert penalty.is_visible()
    explanation = penalty.locator("xpath=following-sibling::td[1]").inner_text()
    assert "Query engine" in explanation and "Ingestion pipeline" in explanation
    screenshots(page, artifacts, "disclosure-signed-demand")

    # A demand whose plan reveals core IP and waits for the CIO: the approve attempt is refused, and says why.
    page.goto(f"{base}/triage/{pending.reference}/")
    assert "cannot be approved until the CIO signs it off" in page.get_by_test_id("disclosure-status").inner_text()
    approve = page.locator(f"form[action$='/portfolio/approve/{pending.reference}/']")
    approve.get_by_label("Rationale").fill("The partner needs it.")
    approve.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text(re.compile(rf"{pending.reference} cannot be approved")).first.is_visible()
    pending.refresh_from_db()
    assert pending.status != "approved"
    screenshots(page, artifacts, "disclosure-approval-refused")


def test_the_portfolio_shows_the_exposure_register_and_the_project_its_handovers(page, live_server, artifacts):
    call_command("seed_demo", "--force", verbosity=0)
    sovereign = ChangeRequest.objects.get(title=SOVEREIGN_DEMAND)
    base = live_server.url
    log_in(page, base, "cio", DEMO_PASSWORD)

    # The portfolio links the exposure register: what the partner holds, the likely competitors with core IP,
    # and the NDA that expires within 90 days.
    page.goto(f"{base}/portfolio/")
    page.get_by_test_id("exposure-link").click()
    page.wait_for_url(f"{base}/portfolio/exposure/")
    competitors = page.get_by_test_id("competitors-core-ip")
    assert JOINT_VENTURE in competitors.inner_text() and "Query engine" in competitors.inner_text()
    expiring = page.get_by_test_id("agreements-expiring")
    assert NDA_REFERENCE in expiring.inner_text()
    by_partner = page.get_by_test_id("exposure-by-partner")
    for text in ("Query engine", "Interface specification", "Ingestion pipeline", "Source under escrow", "Core IP"):
        assert text in by_partner.inner_text()
    by_component = page.get_by_test_id("exposure-by-component").inner_text()
    assert f"{JOINT_VENTURE} (Source under escrow)" in by_component and "Ingestion pipeline" in by_component
    assert blocking(run_axe(page)) == []
    screenshots(page, artifacts, "exposure-register")

    # The project's handovers follow the signed plan; the CIO's form has the exception fields, labels over inputs.
    project = sovereign.projects.get()
    page.goto(f"{base}/portfolio/{project.code}/")
    listed = page.get_by_test_id("handover-list")
    assert listed.locator("tbody tr").count() == 3
    form = page.get_by_test_id("handover-form")
    assert form.get_by_label("Why the exception").is_visible()
    labels_sit_over_their_own_inputs(page, form)
    # A handover deeper than signed is refused on the page, with the reason.
    form.get_by_label("Component").select_option(label="Data Hub / Query engine")
    form.get_by_label("Depth").select_option(label="Source with modification rights")
    form.get_by_label("Partner").select_option(label=JOINT_VENTURE)
    form.get_by_label("Agreement").select_option(label=f"{JOINT_VENTURE}: {ESCROW_REFERENCE} (Source escrow)")
    form.get_by_label("Recipient").fill("Dr. Ines Calder")
    form.get_by_role("button", name="Record handover").click()
    page.wait_for_load_state()
    errors = page.get_by_test_id("handover-errors")
    assert "Query engine was signed off at Interface specification" in errors.inner_text()
    assert page.get_by_test_id("handover-list").locator("tbody tr").count() == 3
    assert blocking(run_axe(page)) == []  # the page with the refused form's errors
    screenshots(page, artifacts, "project-handovers")
