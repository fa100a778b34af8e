"""Every page, opened by the role that uses it on the demo data, audited with axe-core in headless Chromium.

The pages come from the URL resolver and the roles from the access matrix (the roles that get 200 on GET), so
a route added later is audited without an edit here, or fails `test_every_route_is_audited_or_skipped_with_a_reason`
until it has sample arguments or, if it is not an HTML page, a reason to skip it. Any violation of impact
"serious" or "critical" fails, with its rule, its help text and the elements it found. Pages are audited in
English and in French, and in the states a person meets: a form with its errors, a 403, a 404, a 429.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from intake.models import ChangeRequest, Product, SimilarDemand
from intake.selectors import change_request_by_tracking_token
from intake.tracking import tracking_token_new
from portfolio.management.commands.seed_demo import DEMO_PASSWORD
from portfolio.models import Milestone, Project
from tests.security.access_matrix import ADMIN, MATRIX
from tests.security.conftest import url_patterns
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
BLOCKING_IMPACTS = ("serious", "critical")

# Routes that answer GET with something other than an HTML page of ours: not audited, for the reason given.
NOT_HTML = {
    "healthz": "plain-text probe for load balancers",
    "readyz": "plain-text probe for load balancers",
    "metrics": "Prometheus text format",
    "api/schema/": "OpenAPI YAML",
    "track/<str:token>/attachments/<int:attachment_id>/": "a file download",
    "attachments/<int:attachment_id>/": "a file download",
}


# Regions drawn by third-party code that our templates and CSS do not control, left out of the audit: Swagger UI
# (drf-spectacular-sidecar) nests its operation buttons and colours its method badges below 4.5:1, upstream
# (swagger-api/swagger-ui). The page around it is still audited, and Redoc (/api/redoc/) documents the same API
# without a violation.
THIRD_PARTY_REGIONS = {"/api/docs/": ["#swagger-ui"]}


def not_html_reason(route: str) -> str | None:
    """Why a route is not audited, or None when it is a page."""
    if route in NOT_HTML:
        return NOT_HTML[route]
    if route.endswith(".csv"):
        return "a CSV export"
    if route.startswith("api/v1/"):
        return "the JSON API"
    return None


# Who opens a page: the customer roles when they may, else staff. In English, staff pages are audited as the
# CIO and as the portfolio manager (each sees forms the other does not); in French, as the first who may.
PAGE_ROLES = ("anonymous", "tracking_holder", "cio", "portfolio_manager", "analyst", "superuser")
DEMO_LOGINS = {"cio": "cio", "portfolio_manager": "pm", "analyst": "analyst", "superuser": "admin"}
# Demo demands by their seed index (idempotency key `demo:<n>`): the tracking pages of several states.
DEMO_SCORED, DEMO_REJECTED, DEMO_APPROVED, DEMO_NEEDS_INFO = 0, 2, 5, 7


def roles_allowed(route: str) -> list[str]:
    """The roles that get the page itself (200) on GET, in the order they are preferred as visitors."""
    answers = MATRIX[route].get("GET", {})
    return [role for role in PAGE_ROLES if answers.get(role) == 200]


def visitors(route: str, language: str) -> list[str]:
    allowed = roles_allowed(route)
    if language != "en" or not allowed or allowed[0] in ("anonymous", "tracking_holder"):
        return allowed[:1]
    staff = [role for role in ("cio", "portfolio_manager") if role in allowed]
    return staff or allowed[:1]


def demo_token(index: int) -> str:
    return tracking_token_new(idempotency_key=f"demo:{index}")


def sample_kwargs() -> dict[str, object]:
    """A real value from the demo data for every URL keyword argument a page uses."""
    demand = change_request_by_tracking_token(demo_token(DEMO_NEEDS_INFO))
    assert demand is not None, "the demo data has the demand that waits for an answer"
    project = Project.objects.order_by("code").first()
    assert project is not None, "the demo data has projects"
    return {
        "token": demo_token(DEMO_NEEDS_INFO),
        "reference": demand.reference,
        "code": project.code,
        "customer_id": demand.customer_id or ChangeRequest.objects.exclude(customer=None).first().customer_id,
        # The demo's service whose unit cost falls after its project (Billing Cloud): its trend chart is drawn.
        "service_id": Product.objects.get(name="Billing Cloud").pk,
        "pk": Milestone.objects.filter(project=project).first().pk,
        # The demo's paused endpoint (pages only GET it; the delivery id serves POST-only routes).
        "endpoint_id": WebhookDelivery.objects.order_by("pk").first().endpoint_id,
        "delivery_id": WebhookDelivery.objects.order_by("pk").first().pk,
        "version": "1",  # the demo's first scoring model, read-only
        # A password-reset link of user 1 with a made-up token: the "link no longer works" page.
        "uidb64": "MQ",
    }


def route_samples(route: str, samples: dict[str, object]) -> dict[str, object]:
    """The shared samples, except where a route needs its own: the link form opens an unlinked similar pair."""
    if route == "triage/<str:reference>/similar/<int:pk>/":
        pair = SimilarDemand.objects.filter(is_linked=False).select_related("change_request").order_by("pk").first()
        assert pair is not None, "the demo data has an unlinked similar pair"
        return {**samples, "reference": pair.change_request.reference, "pk": pair.pk}
    return samples


@dataclass
class Visit:
    """One page to audit: who opens it, where, and what it must answer."""

    role: str
    path: str
    status: int = 200
    label: str = ""
    # A form to send empty first (its submit button's selector), so the audit sees its errors.
    submit_empty: str = ""


def route_visits(language: str) -> tuple[list[Visit], list[str]]:
    """A visit per HTML page of the resolver (and per visiting role), and the routes that lack sample arguments."""
    samples = sample_kwargs()
    found, missing = [], []
    for route, name, kwarg_names in url_patterns():
        if not_html_reason(route) or not roles_allowed(route):
            continue  # not HTML, or not a page at all: no role gets a 200 for GET (a POST-only action, a redirect)
        if route == ADMIN:
            found.extend(Visit(role, reverse("admin:index")) for role in visitors(route, language))
            continue
        lacking = [key for key in kwarg_names if key not in samples]
        if lacking:
            missing.append(f"{route} (no sample for {', '.join(lacking)})")
            continue
        arguments = route_samples(route, samples)
        path = reverse(name, kwargs={key: arguments[key] for key in kwarg_names})
        found.extend(Visit(role, path) for role in visitors(route, language))
    return found, missing


def state_visits() -> list[Visit]:
    """Pages in the states a person meets beyond a plain GET."""
    return [
        Visit("anonymous", reverse("intake:new"), 400, "form with errors", submit_empty="form.form [type=submit]"),
        Visit("anonymous", "/accounts/login/", 200, "login with an error", submit_empty="form [type=submit].primary"),
        Visit("tracking_holder", reverse("intake:track", kwargs={"token": demo_token(DEMO_SCORED)})),
        Visit("tracking_holder", reverse("intake:track", kwargs={"token": demo_token(DEMO_APPROVED)})),
        Visit("tracking_holder", reverse("intake:track", kwargs={"token": demo_token(DEMO_REJECTED)})),
        Visit(
            "tracking_holder",
            reverse("intake:track", kwargs={"token": demo_token(DEMO_NEEDS_INFO)}),
            400,
            "empty answer",
            submit_empty="#question-heading ~ form [type=submit]",
        ),
        Visit("anonymous", "/no-such-page/", 404, "404"),
        Visit("analyst", reverse("audit"), 403, "403"),
        # The wrong-link limit is set to 1 in the test: the first miss is a 404, the next a 429.
        Visit("anonymous", reverse("intake:track", kwargs={"token": "x" * 43}), 404, "wrong link"),
        Visit("anonymous", reverse("intake:track", kwargs={"token": "y" * 43}), 429, "429"),
    ]


def run_axe(page, exclude: list[str] = ()) -> list[dict]:
    """axe-core's violations on the page as it is now.

    The page's Content-Security-Policy (script-src 'self') blocks inline scripts, which is what
    `page.add_script_tag(content=...)` or `(path=...)` inserts. `page.evaluate` runs through the DevTools
    protocol, which CSP does not govern, so axe is defined by evaluating its source wrapped in a function;
    the page keeps its real CSP, so what is audited is what a visitor gets (`bypass_csp=True` would change it).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate("() => {\n" + AXE_SOURCE + "\n}")
    return page.evaluate(
        """async (exclude) => {
          const context = exclude.length ? {exclude: exclude.map((selector) => [selector])} : document;
          const results = await window.axe.run(context, {resultTypes: ['violations']});
          return results.violations.map((violation) => ({
            id: violation.id, impact: violation.impact, help: violation.help,
            targets: violation.nodes.map((node) => node.target.join(' ') + ' — ' + node.failureSummary
              .replace(/\\s+/g, ' ').slice(0, 200)),
          }));
        }""",
        list(exclude),
    )


def blocking(violations: list[dict]) -> list[str]:
    return [
        f"{violation['impact']} {violation['id']}: {violation['help']}\n      " + "\n      ".join(violation["targets"])
        for violation in violations
        if violation["impact"] in BLOCKING_IMPACTS
    ]


class Browsers:
    """One browser context per role, logged in through the real form once, in one language."""

    def __init__(self, browser, base_url: str, language: str) -> None:
        self.browser, self.base_url, self.language = browser, base_url, language
        self.pages: dict[str, object] = {}
        self.console_errors: list[str] = []

    def page_for(self, role: str):
        if role not in self.pages:
            locale = "fr-FR" if self.language == "fr" else "en-US"
            context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on("console", lambda message: self._console(page, message))
            if role in DEMO_LOGINS:
                page.goto(f"{self.base_url}/accounts/login/")
                page.locator("#id_username").fill(DEMO_LOGINS[role])
                page.locator("#id_password").fill(DEMO_PASSWORD)
                page.locator("form [type=submit].primary").click()
                page.wait_for_load_state("load")
                assert "/accounts/login/" not in page.url, f"demo login of {role} failed"
            self.pages[role] = page
        return self.pages[role]

    def _console(self, page, message) -> None:
        # An expected 4xx is logged as "Failed to load resource"; anything else in red on our pages is a fault
        # (an SVG attribute the browser cannot parse, a CSP violation). The API docs are drf-spectacular's pages,
        # whose inline styles the CSP refuses (they render without them).
        ours = "/api/" not in page.url
        if ours and message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(f"{page.url}: {message.text}")

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


def audit(browsers: Browsers, visits: list[Visit]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for visit in visits:
        page = browsers.page_for(visit.role)
        response = page.goto(browsers.base_url + visit.path)
        if page.locator("script[src]").count():
            page.wait_for_load_state("networkidle")  # pages drawn by JavaScript (the API docs) are audited drawn
        if visit.submit_empty:
            with page.expect_navigation():
                page.locator(visit.submit_empty).first.click()
            response = None
        where = f"{visit.path} as {visit.role}" + (f" ({visit.label})" if visit.label else "")
        status = response.status if response is not None else visit.status
        content_type = page.evaluate("() => document.contentType")
        if status != visit.status or content_type != "text/html":
            problems[where] = [f"answered {status} {content_type}, expected {visit.status} text/html"]
            continue
        lang = page.evaluate("() => document.documentElement.lang")
        expected_lang = "en" if visit.path.startswith("/api/") else browsers.language  # the API docs are English
        if lang != expected_lang:
            problems.setdefault(where, []).append(f'<html lang="{lang}">, expected "{expected_lang}"')
        found = blocking(run_axe(page, THIRD_PARTY_REGIONS.get(visit.path, [])))
        if found:
            problems.setdefault(where, []).extend(found)
    return problems


def standalone_pages(language: str) -> dict[str, str]:
    """Templates served without the live server's help: the 500 and 503 pages and the sign-in lock-out page."""
    request = RequestFactory().get("/")
    with translation.override(language):
        return {
            "500.html": render_to_string("500.html"),
            "503.html": render_to_string("503.html"),
            "registration/locked_out.html": render_to_string("registration/locked_out.html", request=request),
        }


@pytest.fixture
def demo_data(settings):
    settings.INTAKE_TRACK_MISSES_PER_IP = "1/hour"
    call_command("seed_demo", force=True, verbosity=0)


def test_every_route_is_audited_or_skipped_with_a_reason(demo_data):
    visits, missing = route_visits("en")
    assert missing == [], "give these routes a sample argument in sample_kwargs(), or a reason in NOT_HTML"
    audited = {visit.path for visit in visits}
    assert reverse("intake:new") in audited and reverse("triage:queue") in audited
    assert any(path.startswith("/track/") for path in audited)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_page_has_a_serious_or_critical_accessibility_violation(demo_data, browser, live_server, language):
    visits, missing = route_visits(language)
    assert missing == []
    browsers = Browsers(browser, live_server.url, language)
    try:
        problems = audit(browsers, visits + state_visits())
        blank = browsers.page_for("anonymous")
        for name, html in standalone_pages(language).items():
            blank.set_content(html)
            found = blocking(run_axe(blank))
            if found:
                problems[name] = found
        console_errors = list(browsers.console_errors)
    finally:
        browsers.close()
    report = "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items())
    assert problems == {}, f"{len(problems)} page(s) with problems:\n{report}"
    assert console_errors == []
