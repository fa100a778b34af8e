"""Triage pages: the scoring-model page (CIO edits, analyst reads), and the demand page's actions."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from tests.factories import file_demand
from triage.models import RescoreJob, ScoringModel

pytestmark = pytest.mark.django_db


def weights_form(**overrides) -> dict:
    active = ScoringModel.objects.get(is_active=True)
    data = {name: str(getattr(active, name)) for name in ScoringModel.WEIGHT_FIELDS}
    data["note"] = ""
    data.update(overrides)
    return data


def test_the_cio_saves_new_weights_as_the_next_version_and_sees_the_rescore_progress(
    client: Client, cio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demands = [file_demand() for _ in range(3)]
    client.force_login(cio)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/triage/scoring-model/", weights_form(weight_urgency="25", note="deadlines matter"))
    assert response.status_code == 302
    v2 = ScoringModel.objects.get(is_active=True)
    assert (v2.version, v2.weight_urgency, v2.note) == (2, Decimal("25"), "deadlines matter")
    assert ScoringModel.objects.get(version=1).weight_urgency == Decimal("10")
    job = RescoreJob.objects.get(scoring_model=v2)
    page = client.get("/triage/scoring-model/").content.decode()
    assert f"{job.done} / {job.total}" in page and job.done == job.total == len(demands)
    assert "Scoring model v2" in page


def test_inconsistent_thresholds_are_refused_with_a_message_and_no_new_version(client: Client, cio):
    client.force_login(cio)
    response = client.post("/triage/scoring-model/", weights_form(review_threshold="80", fast_track_threshold="70"))
    assert response.status_code == 400
    assert ScoringModel.objects.count() == 1
    assert "errorlist" in response.content.decode()


def test_a_negative_weight_is_refused_next_to_its_field(client: Client, cio):
    client.force_login(cio)
    response = client.post("/triage/scoring-model/", weights_form(weight_roi="-5"))
    assert response.status_code == 400
    assert "greater than or equal to 0" in response.content.decode()


def test_an_analyst_reads_the_model_but_cannot_change_it(client: Client, analyst):
    client.force_login(analyst)
    page = client.get("/triage/scoring-model/")
    assert page.status_code == 200
    assert "read-only" in page.content.decode() and "and rescore</button>" not in page.content.decode()
    assert client.post("/triage/scoring-model/", weights_form(weight_roi="10")).status_code == 403
    assert ScoringModel.objects.count() == 1


def test_an_estimate_posted_by_an_analyst_rescores_the_demand(
    client: Client, analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand()
    demand.refresh_from_db()
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/triage/{demand.reference}/estimate/",
            {"effort_days": "400", "day_rate": "1200", "yearly_run_cost": "90000", "confidence": "high", "note": ""},
        )
    assert response.status_code == 302
    before = demand.score
    demand.refresh_from_db()
    assert demand.score < before and not demand.score_is_provisional


def test_an_invalid_estimate_is_refused_with_the_field_named(client: Client, analyst):
    demand = file_demand()
    client.force_login(analyst)
    response = client.post(
        f"/triage/{demand.reference}/estimate/",
        {"effort_days": "-3", "day_rate": "abc", "yearly_run_cost": "", "confidence": "high"},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The estimate was not saved" in page and "Build effort" in page
    assert not demand.cost_estimates.exists()


def test_the_demand_page_explains_what_changed_between_two_assessments(
    client: Client, analyst, cio, django_capture_on_commit_callbacks
):
    from triage import services

    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand()
    with django_capture_on_commit_callbacks(execute=True):
        services.cost_estimate_create(
            change_request=demand,
            effort_days=Decimal("120"),
            day_rate=Decimal("1000"),
            yearly_run_cost=Decimal("5000"),
            confidence="high",
            estimated_by=analyst,
        )
    client.force_login(cio)
    response = client.get(f"/triage/{demand.reference}/")
    comparison = response.context["comparison"]
    roi = next(line for line in comparison["differences"] if line.key == "roi")
    assert roi.delta < 0 and "effort (person-days) 20 → 120" in roi.reasons
    assert comparison["delta"] == comparison["after"].total - comparison["before"].total
    page = response.content.decode()
    assert "What changed the score" in page and "effort (person-days) 20 → 120" in page
    swapped = client.get(f"/triage/{demand.reference}/?before={comparison['after'].pk}&after={comparison['before'].pk}")
    assert swapped.context["comparison"]["delta"] == -comparison["delta"]
    assert client.get(f"/triage/{demand.reference}/?before=abc&after=99999999999999999999").status_code == 200


def test_the_demand_page_shows_each_normalized_component_as_a_percent(
    client: Client, cio, django_capture_on_commit_callbacks
):

    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand()
    client.force_login(cio)
    response = client.get(f"/triage/{demand.reference}/")
    components = response.context["assessment"].components
    page = response.content.decode()
    for component in components:
        if component.get("normalized") is not None:
            shown = f"{component['normalized'] * 100:.0f} %"
            assert re.search(rf'<td class="num">{re.escape(shown)}</td>', page), (component["key"], shown)


def _pair(django_capture_on_commit_callbacks, first_email: str, copy_email: str):
    from intake.models import SimilarDemand

    with django_capture_on_commit_callbacks(execute=True):
        first = file_demand(
            title="HL7 FHIR export of lab results", contact_email=first_email, revenue_at_stake=Decimal("100000")
        )
    with django_capture_on_commit_callbacks(execute=True):
        copy = file_demand(
            title="HL7 FHIR export of lab results",
            product=first.product,
            contact_email=copy_email,
            revenue_at_stake=Decimal("300000"),
        )
    first.refresh_from_db()
    return first, SimilarDemand.objects.get(change_request=copy, similar_to=first)


@pytest.mark.django_db
def test_the_link_form_previews_the_score_and_says_a_copy_from_the_same_organization_adds_nothing(
    analyst_client, django_capture_on_commit_callbacks
):
    """Issue 15, item 5: linking a copy filed from an unmatched address of the same organization counted a
    second customer and added its revenue (48.43, review, became 75.06, fast-track), with no warning."""
    first, pair = _pair(django_capture_on_commit_callbacks, "ana@clinic-nord.example", "bob@clinic-nord.example")
    page = analyst_client.get(f"/triage/{first.reference}/similar/{pair.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    now = re.search(r'data-testid="score-now">([\d.]+)<', html).group(1)
    linked = re.search(r'data-testid="score-linked">([\d.]+)<', html).group(1)
    assert now == linked == str(first.score)
    assert 'data-testid="link-same-customer"' in html and 'data-testid="link-warning"' not in html
    assert first.similar_candidates.model.objects.get(pk=pair.pk).is_linked is False  # nothing saved
    detail = analyst_client.get(f"/triage/{first.reference}/").content.decode()
    assert f'href="/triage/{first.reference}/similar/{pair.pk}/"' in detail


@pytest.mark.django_db
def test_the_link_form_warns_when_an_unmatched_contact_would_count_as_another_customer(
    analyst_client, django_capture_on_commit_callbacks
):
    from intake.models import SimilarDemand
    from triage.models import Assessment

    first, pair = _pair(django_capture_on_commit_callbacks, "ana@clinic-nord.example", "bob@clinic-sud.example")
    html = analyst_client.get(f"/triage/{first.reference}/similar/{pair.pk}/").content.decode()
    assert 'data-testid="link-warning"' in html and "300,000" in html
    linked_preview = Decimal(re.search(r'data-testid="score-linked">([\d.]+)<', html).group(1))
    assert linked_preview > first.score
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(f"/triage/{first.reference}/similar/{pair.pk}/", {"link": "1"})
    assert response.status_code == 302 and SimilarDemand.objects.get(pk=pair.pk).is_linked
    # The preview is what scoring then stores.
    assert Assessment.objects.filter(change_request=first).order_by("-pk").first().total == linked_preview


@pytest.mark.django_db
def test_the_provisional_score_note_reads_well_for_every_kind(analyst_client, django_capture_on_commit_callbacks):
    """Issue 15, item 9: "the product's defaults for a integration with another system stand in"."""
    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand(kind="integration")
    page = analyst_client.get(f"/triage/{demand.reference}/").content.decode()
    assert "defaults for this kind of demand (integration with another system) stand in" in page
    assert " a integration" not in page


@pytest.mark.django_db
def test_the_staff_timeline_names_the_project_steps_the_customer_was_told(cio_client, cio):
    from portfolio.services import change_request_approve, project_update

    demand = file_demand()
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Yes.", customer_message="")
    project_update(project=project, status="delivered", progress=100, actor=cio)
    page = cio_client.get(f"/triage/{demand.reference}/").content.decode()
    assert "<strong>Project: Delivered</strong>" in page
