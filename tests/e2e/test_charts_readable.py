"""The server-drawn SVG charts in real Chromium, on the demo data: no text cut at a chart's edge ("ecurity or personal
data"), none drawn under 12 px, at desktop and phone width, in English and French; nothing widens the page."""

import io

import pytest
from django.core.management import call_command

from intake.models import ChangeRequest
from portfolio.management.commands.seed_demo import DEMO_PASSWORD
from portfolio.models import Project
from tests.e2e.browsing import log_in
from tests.e2e.layout_checks import CHART_TEXT_PROBLEMS, PAGE_OVERFLOW

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_chart_text_is_whole_and_at_least_12_px_on_every_chart_page(page, live_server, language):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    log_in(page, live_server.url, "cio", DEMO_PASSWORD)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    with_penalty = ChangeRequest.objects.filter(risk_security=True).first()
    pages = ["/triage/", f"/triage/{with_penalty.reference}/", f"/portfolio/{Project.objects.first().code}/"]
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in pages:
            page.goto(live_server.url + path)
            assert page.locator("main svg text").count() > 0, path
            assert page.evaluate(CHART_TEXT_PROBLEMS) == [], (path, width)
            assert page.evaluate(PAGE_OVERFLOW) <= 0, (path, width)
