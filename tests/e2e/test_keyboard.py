"""A customer with a keyboard and no mouse: file a demand, follow the link, answer a question, withdraw.

Only `page.keyboard` drives the pages (no click, no fill). Every element that takes focus on the way must
show it (a visible outline), and a form sent with errors must bring the error summary into focus.
"""

import re

import pytest

from intake.models import ChangeRequest
from tests.factories import ProductFactory, UserFactory
from triage.services import change_request_ask_information

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  return {
    id: element.id, tag: element.tagName.toLowerCase(), type: element.type || '', text: element.innerText || '',
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    inMain: !!element.closest('main'),
    onScreen: box.right > 0 && box.bottom > 0 && box.left < innerWidth && box.top < innerHeight,
  };
}"""


class Keyboard:
    """Tab, type and press, recording every element that took focus and whether it showed it."""

    def __init__(self, page) -> None:
        self.page = page
        self.unfocused_looking: list[str] = []

    def focused(self) -> dict:
        return self.page.evaluate(FOCUSED)

    def tab_to(self, css: str, *, most: int = 40) -> list[str]:
        """Press Tab until the focused element matches `css`; the ids (or tags) met on the way, in order."""
        met: list[str] = []
        for _ in range(most):
            self.page.keyboard.press("Tab")
            focused = self.focused()
            name = focused["id"] or f"{focused['tag']}:{focused['text'][:30]}"
            if not met or met[-1] != name:  # a date input's month, day and year are one field here
                met.append(name)
            if focused["tag"] != "body" and not (focused["outline"] and focused["onScreen"]):
                self.unfocused_looking.append(name)
            if self.page.evaluate("(css) => document.activeElement.matches(css)", css):
                return met
        raise AssertionError(f"{css} never took focus after {most} Tabs; met {met}")


def test_a_customer_files_follows_answers_and_withdraws_with_the_keyboard_only(browser, live_server, settings):
    settings.INTAKE_FORM_RATE_PER_IP = "1000/hour"
    ProductFactory(name="Billing Cloud")
    ProductFactory(name="Fleet Tracker")
    analyst = UserFactory(username="analyst", role="Analyst")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    keys = Keyboard(page)
    try:
        page.goto(f"{live_server.url}/requests/new/")

        # The first Tab shows the skip link; following it lands the next Tab on the form's first field.
        keys.tab_to(".skip-link", most=1)
        page.keyboard.press("Enter")
        assert keys.tab_to("#id_contact_name", most=1) == ["id_contact_name"]

        # Sent empty (Enter in a text field): the error summary takes focus; its first link leads to the field.
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert keys.focused()["id"] == "error-summary"
        assert "Please correct" in page.locator("#error-summary").inner_text()
        keys.tab_to("#error-summary a")
        page.keyboard.press("Enter")
        assert keys.focused()["id"] == "id_contact_name"

        page.keyboard.type("Maria Rossi")
        keys.tab_to("#id_contact_email", most=1)
        page.keyboard.type("maria@unknown-org.example")
        keys.tab_to("#id_organization_name", most=1)
        page.keyboard.type("Unknown Org")
        keys.tab_to("#id_product", most=1)
        page.keyboard.type("Fleet")  # a closed select picks the option its typed letters begin
        keys.tab_to("#id_kind", most=1)
        page.keyboard.press("ArrowDown")  # from "Customization …" to "New capability"
        keys.tab_to("#id_title", most=1)
        page.keyboard.type("Live ETA sharing with end customers")
        keys.tab_to("#id_description", most=1)
        page.keyboard.type("Share the live arrival time of each delivery with the person waiting for it.")
        keys.tab_to("#id_business_justification", most=1)
        page.keyboard.type("Two renewals depend on it.")
        keys.tab_to("#id_agenda_0", most=1)
        page.keyboard.press("Space")  # the first radio: "Our customers"
        keys.tab_to("#id_revenue_at_stake", most=1)
        page.keyboard.type("250000")
        keys.tab_to("#id_currency", most=1)
        page.keyboard.press("ArrowDown")  # EUR → USD
        keys.tab_to("#id_desired_date", most=1)
        page.keyboard.type("06152027")  # month, day, year in an en-US date field
        # The date's parts, then the seven savings questions an internal unit answers (a customer skips them).
        met = keys.tab_to("#id_risk_shares_ip", most=4 + 7)
        assert met[-1] == "id_risk_shares_ip"
        keys.tab_to("#id_risk_exclusive", most=1)
        keys.tab_to("#id_risk_security", most=1)
        page.keyboard.press("Space")
        keys.tab_to("#id_attachments", most=1)
        keys.tab_to("form.form [type=submit]", most=1)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/track/[^/]+/submitted/$"))

        reference = page.get_by_test_id("reference").inner_text()
        demand = ChangeRequest.objects.get(reference=reference)
        assert (demand.product.name, demand.kind, demand.agenda, demand.currency) == (
            "Fleet Tracker",
            "new_capability",
            "bt",
            "USD",
        )
        assert demand.risk_security and not demand.risk_exclusive and str(demand.desired_date) == "2027-06-15"

        # An analyst asks a question; the customer follows the private link from the confirmation.
        change_request_ask_information(change_request=demand, question="Which carriers do you use?", asked_by=analyst)
        keys.tab_to("[data-testid=tracking-link]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/track/[^/]+/$"))
        assert "Which carriers do you use?" in page.locator("main").inner_text()

        keys.tab_to("#id_answer")
        page.keyboard.type("DHL and a regional carrier.")
        keys.tab_to("button.primary", most=1)
        assert keys.focused()["text"] == "Send my answer"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Thank you, your answer was sent" in page.locator(".messages").inner_text()

        keys.tab_to("#id_reason")
        page.keyboard.type("We found another way.")
        keys.tab_to("#id_confirm", most=1)  # withdrawing asks for confirmation (issue 15, item 9)
        page.keyboard.press("Space")
        keys.tab_to("button.danger", most=1)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Your demand is withdrawn." in page.locator(".messages").inner_text()
        demand.refresh_from_db()
        assert demand.status == "withdrawn"
        assert keys.unfocused_looking == [], "these took focus without showing it"
    finally:
        context.close()


def test_the_form_fields_come_in_reading_order_when_tabbing(browser, live_server):
    ProductFactory(name="Billing Cloud")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/requests/new/")
        keys = Keyboard(page)
        keys.tab_to(".skip-link", most=1)
        page.keyboard.press("Enter")
        met = keys.tab_to("form.form [type=submit]")
        assert met == [
            "id_contact_name",
            "id_contact_email",
            "id_organization_name",
            "id_product",
            "id_kind",
            "id_title",
            "id_description",
            "id_business_justification",
            "id_agenda_0",
            "id_revenue_at_stake",
            "id_currency",
            "id_desired_date",
            "id_hours_saved_per_year",
            "id_loaded_hourly_rate",
            "id_licences_retired_per_year",
            "id_transactions_per_year",
            "id_cost_per_transaction_before",
            "id_cost_per_transaction_after",
            "id_risk_exposure_avoided",
            "id_risk_shares_ip",
            "id_risk_exclusive",
            "id_risk_security",
            "id_attachments",
            "button:Send my demand",
        ]
        assert keys.unfocused_looking == []
    finally:
        context.close()
