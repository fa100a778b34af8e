"""The scoring-model form in real Chromium: each label sits over its own input, at desktop and at phone width."""

import pytest

from tests.e2e.browsing import log_in
from tests.e2e.layout_checks import LABELS_MISPLACED, PAGE_OVERFLOW
from tests.factories import UserFactory
from triage.models import ScoringModel

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 390])
def test_every_scoring_model_label_sits_directly_above_or_beside_its_own_input(page, live_server, width):
    UserFactory(username="cio", role="CIO")
    log_in(page, live_server.url, "cio")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/triage/scoring-model/")
    assert page.locator("fieldset.scoring-group legend").all_inner_texts() == [
        "Weights",
        "Penalties",
        "Curves",
        "Customer tiers",
        "Thresholds",
    ]
    assert page.evaluate(LABELS_MISPLACED) == []
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    # The label a CIO reads is the input they type into.
    page.get_by_label("Revenue weight").fill("33")
    assert page.locator("#id_weight_revenue").input_value() == "33"


@pytest.mark.parametrize("width", [1366, 390])
def test_an_old_version_reads_with_its_labels_in_place(page, live_server, width):
    cio = UserFactory(username="cio", role="CIO")
    ScoringModel.objects.filter(is_active=True).update(is_active=False)
    ScoringModel.objects.create(version=2, is_active=True, weight_roi=30, created_by=cio)
    log_in(page, live_server.url, "cio")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/triage/scoring-model/v1/")
    assert page.locator("#id_weight_roi").is_disabled()
    assert page.locator("#id_weight_roi").input_value() == "40.00"
    assert page.evaluate(LABELS_MISPLACED) == []
    page.get_by_test_id("restore").click()
    assert page.locator("#id_weight_roi").input_value() == "40.00"
    assert page.locator("#id_note").input_value() == "Restored from v1"
