"""The queue as a work list, in real Chromium on the demo data: table first, open demands, every column in view at
1366 px, cards on a phone, the view kept when coming back from a demand, and "Decide & next" along the view."""

import io
import re

import pytest
from django.core.management import call_command

from intake.choices import OPEN_STATUSES
from intake.models import ChangeRequest
from portfolio.management.commands.seed_demo import DEMO_PASSWORD
from tests.e2e.browsing import log_in
from tests.e2e.layout_checks import PAGE_OVERFLOW

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Cells whose right edge is beyond what the table's scroll box shows without scrolling.
CELLS_OUT_OF_VIEW = """() => {
  const wrap = document.querySelector('[data-testid=queue-table]').parentElement.getBoundingClientRect();
  return [...document.querySelectorAll('table.queue th, table.queue td')]
    .filter((cell) => cell.getBoundingClientRect().right > Math.min(wrap.right, window.innerWidth) + 1)
    .map((cell) => cell.textContent.trim().slice(0, 30));
}"""


@pytest.fixture
def demo(page, live_server):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    log_in(page, live_server.url, "cio", DEMO_PASSWORD)
    return live_server.url


def test_at_1366_the_table_comes_first_with_every_column_and_flag_in_view(page, demo):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{demo}/triage/")
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    assert page.evaluate(CELLS_OUT_OF_VIEW) == []
    first_row = page.locator("table.queue tbody tr").first.bounding_box()
    assert first_row["y"] < 700, first_row  # under the header and the filters, not under four charts
    charts = page.locator("#charts").bounding_box()
    table = page.get_by_test_id("queue-table").bounding_box()
    assert charts["y"] > table["y"] + table["height"]
    statuses = set(page.get_by_test_id("queue-status").locator(".badge").first.all_inner_texts())
    assert statuses
    shown = {
        row.get_attribute("href").strip("/").split("/")[-1]
        for row in page.locator("table.queue tbody td.queue-ref a").all()
    }
    assert set(ChangeRequest.objects.filter(reference__in=shown).values_list("status", flat=True)) <= set(OPEN_STATUSES)

    # One click shows everything, decided and withdrawn included.
    page.get_by_test_id("queue-scope").get_by_role("link", name="All demands").click()
    page.wait_for_url(re.compile(r"scope=all"))
    assert int(page.get_by_test_id("queue-count").inner_text()) == ChangeRequest.objects.count()
    assert page.evaluate(CELLS_OUT_OF_VIEW) == []


def test_on_a_phone_each_demand_is_a_card_and_nothing_sticks_out(page, demo):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo}/triage/")
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    row = page.locator("table.queue tbody tr").first
    assert row.evaluate("(row) => getComputedStyle(row).display") == "block"
    status = row.get_by_test_id("queue-status")
    assert status.evaluate("(cell) => getComputedStyle(cell, '::before').content") == '"Status"'
    assert status.bounding_box()["x"] + status.bounding_box()["width"] <= 390


def test_the_view_is_kept_coming_back_and_decide_and_next_moves_along_it(page, demo):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{demo}/triage/")
    page.get_by_role("link", name="Revenue at stake").click()
    page.wait_for_url(re.compile(r"ordering=-revenue"))
    order = [link.inner_text() for link in page.locator("table.queue tbody td.queue-ref a").all()]
    assert len(order) >= 3

    page.get_by_role("link", name=order[0], exact=True).click()
    page.wait_for_url(f"{demo}/triage/{order[0]}/")
    decide = page.locator("#decide").bounding_box()
    assert decide["y"] < 600, decide  # near the top of the demand page
    page.get_by_role("link", name="Triage queue").click()
    page.wait_for_url(re.compile(r"ordering=-revenue"))

    page.get_by_role("link", name=order[0], exact=True).click()
    page.locator("#decide summary", has_text="Reject").click()
    page.get_by_label("Rationale").nth(1).fill("Not for this year.")
    page.locator("#id_reject-customer_message").fill("We will not build this.")
    page.get_by_role("button", name="Reject & next").click()
    page.wait_for_url(f"{demo}/triage/{order[1]}/")
    assert ChangeRequest.objects.get(reference=order[0]).status == "rejected"


def test_collapsed_charts_stay_collapsed_for_this_person(page, demo):
    page.goto(f"{demo}/triage/")
    assert page.locator("section.charts svg").count() == 5
    page.get_by_test_id("charts-toggle").click()
    page.wait_for_url(re.compile(r"/triage/"))
    assert page.locator("section.charts svg").count() == 0
    page.goto(f"{demo}/triage/")
    assert page.get_by_test_id("charts-toggle").inner_text() == "Show charts"
