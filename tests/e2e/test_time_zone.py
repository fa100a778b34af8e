"""Times in the reader's time zone: chosen once from any page's footer, then every page shows times in it."""

import pytest
from django.utils import timezone, translation

from core.formats import datetime_display
from tests.e2e.test_xss import log_in
from tests.factories import UserFactory, file_demand

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_analyst_in_tokyo_chooses_tokyo_and_is_back_on_the_demand_with_tokyo_times(page, live_server):
    UserFactory(username="analyst", role="Analyst")
    demand = file_demand()
    with translation.override("en"), timezone.override("Asia/Tokyo"):
        tokyo = datetime_display(demand.created_at)
    log_in(page, live_server.url, "analyst")
    page.goto(f"{live_server.url}/triage/{demand.reference}/")
    assert page.get_by_text("Times are shown in UTC.").is_visible()

    page.get_by_role("link", name="Change the time zone").click()
    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/triage/{demand.reference}/")
    assert page.get_by_text("Times are shown in Asia/Tokyo.").is_visible()
    assert page.locator("ol.timeline time").first.inner_text() == tokyo
