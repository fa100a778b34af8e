"""The walking skeleton end to end: file on the form, scored by Celery, approved by the CIO, read by the API."""

import re

import pytest
from django.test import Client

from intake.models import ChangeRequest
from tests.factories import ProductFactory, form_data
from tests.processes import wait_for
from triage.models import Assessment


def walk_the_pipeline(cio, read_token: str) -> None:
    product = ProductFactory(name="Billing Cloud")
    customer_browser = Client()

    # 1. A customer files a demand and gets a reference and a private tracking link.
    response = customer_browser.post("/requests/new/", form_data(product), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    reference = re.search(r"CR-\d{4}-\d{5}", page).group(0)
    tracking_path = re.search(r'data-testid="tracking-link">https?://[^/]+(/track/[^/]+/)<', page).group(1)
    tracking_page = customer_browser.get(tracking_path)
    assert tracking_page.status_code == 200
    assert reference in tracking_page.content.decode()

    # 2. Committed first, then scored by a Celery task with model v1.
    demand = ChangeRequest.objects.get(reference=reference)
    wait_for(lambda: Assessment.objects.filter(change_request=demand).exists(), message="the demand scored by Celery")
    assessment = Assessment.objects.get(change_request=demand)
    assert assessment.scoring_model.version == 1
    assert {c["key"] for c in assessment.components} >= {"roi", "revenue", "breadth", "urgency", "strategic"}
    assert assessment.is_provisional  # no analyst estimate yet: the product's defaults stood in
    demand.refresh_from_db()
    assert demand.status == "scored" and demand.score == assessment.total

    # 3. The CIO sees it in the queue, opens it, reads the breakdown and approves it.
    staff_browser = Client()
    staff_browser.force_login(cio)
    assert reference in staff_browser.get("/triage/").content.decode()
    detail = staff_browser.get(f"/triage/{reference}/").content.decode()
    assert "Return on IT cost" in detail and str(assessment.total) in detail
    response = staff_browser.post(f"/portfolio/approve/{reference}/", {"approve-rationale": "Worth it."})
    assert response.status_code == 302
    code = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert re.fullmatch(r"BT-\d{4}", code)
    demand.refresh_from_db()
    assert demand.status == "approved"

    # 4. A REST client with a token reads the project.
    api = Client(HTTP_AUTHORIZATION=f"Token {read_token}")
    body = api.get("/api/v1/projects/").json()
    assert [project["code"] for project in body["results"]] == [code]
    assert "approved" in customer_browser.get(tracking_path).content.decode().lower()


@pytest.mark.postgres
@pytest.mark.worker
def test_pipeline_with_a_real_worker_on_redis_and_postgresql(celery_worker, cio, read_token):
    walk_the_pipeline(cio, read_token)


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_pipeline_on_the_embedded_default(cio, read_token):
    walk_the_pipeline(cio, read_token)
