"""The CIO in headless Chromium on the demo data: previews new weights, saves them, and reads the capacity."""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from intake.models import ChangeRequest
from portfolio.management.commands.seed_demo import DEMO_PASSWORD
from tests.e2e.browsing import log_in
from triage.models import Assessment, QuarterCapacity, RescoreJob, ScoringModel
from triage.quarters import quarter_label, quarter_start

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path("/tmp/demanddesk-whatif")  # looked at by hand; never part of the repository


def seed_demo() -> None:
    call_command("seed_demo", force=True, stdout=io.StringIO())


def test_the_cio_previews_new_weights_then_saves_them_and_reads_the_capacity_beside_the_queue(page, live_server):
    seed_demo()
    seed_demo()  # idempotent: the second run adds no capacity
    assert QuarterCapacity.objects.count() == 2
    SCREENSHOTS.mkdir(exist_ok=True)
    base = live_server.url
    log_in(page, base, "cio", DEMO_PASSWORD)

    # The queue: this quarter's capacity (120 person-days), the three demo approvals (60 estimated, 35 by default and
    # the sovereign edition's 20) and what is left.
    panel = page.get_by_test_id("capacity-panel")
    assert panel.is_visible()
    this_quarter = panel.locator(f"tr[data-quarter='{quarter_start(timezone.localdate()):%Y-%m-%d}']")
    assert quarter_label(quarter_start(timezone.localdate())) in this_quarter.inner_text()
    assert this_quarter.get_by_test_id("remaining").inner_text().strip() == "5.0"
    page.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)

    # The scoring model: urgency weighs far more, return on IT cost far less; Preview first.
    page.get_by_role("link", name="Scoring model").click()
    page.wait_for_url(f"{base}/triage/scoring-model/")
    page.get_by_label("Return on IT cost weight").fill("5")
    page.get_by_label("Urgency weight").fill("45")
    assessments_before = Assessment.objects.count()
    # The demo has models v1, v2 (issue 17: savings valued) and v3 (issue 18: disclosure plans), and their rescores ran.
    models_before, jobs_before = ScoringModel.objects.count(), RescoreJob.objects.count()
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("whatif-preview")
    preview.wait_for()
    moves = int(re.match(r"\d+", page.get_by_test_id("band-moves").inner_text()).group())
    assert moves > 0
    assert page.get_by_test_id("risers").locator("tbody tr").count() > 0
    assert page.get_by_test_id("fallers").locator("tbody tr").count() > 0
    assert preview.locator("svg[role='img'] title").count() == 1
    # The form is still as typed, and nothing was saved.
    assert page.get_by_label("Return on IT cost weight").input_value() == "5"
    assert page.get_by_label("Urgency weight").input_value() == "45"
    assert (ScoringModel.objects.count(), RescoreJob.objects.count()) == (models_before, jobs_before)
    assert Assessment.objects.count() == assessments_before
    page.screenshot(path=str(SCREENSHOTS / "preview.png"), full_page=True)

    # A riser links to its demand; back, then save the same weights.
    first_riser = page.get_by_test_id("risers").locator("tbody tr a").first
    reference = first_riser.inner_text()
    expected_score = Decimal(page.get_by_test_id("risers").locator("tbody tr td.num").nth(1).inner_text().split()[0])
    page.get_by_role("button", name=re.compile(rf"Save as v{models_before + 1} and rescore")).click()
    page.wait_for_url(f"{base}/triage/scoring-model/")
    assert page.get_by_text(f"Model v{models_before + 1} is active").is_visible()
    assert ScoringModel.objects.get(is_active=True).weight_urgency == Decimal("45")
    # The rescore (run eagerly here) stored exactly the score the preview announced.
    assert ChangeRequest.objects.get(reference=reference).score == expected_score

    # The demand page of the biggest demand: approving it would go over this quarter's capacity.
    fhir = ChangeRequest.objects.get(title="HL7 FHIR export of patient records")
    page.goto(f"{base}/triage/{fhir.reference}/")
    impact = page.get_by_test_id("approval-capacity")
    assert impact.is_visible()
    assert "-115.0" in page.get_by_test_id("remaining-after").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "demand.png"), full_page=True)
