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
    )
    assert response.status_code == 400  # the page again, with the form as typed
    page = response.content.decode()
    assert "The estimate was not saved" in page and "Build effort" in page
    assert not demand.cost_estimates.exists()


def _demand_estimated_after_filing(analyst, django_capture_on_commit_callbacks, **fields):
    """A demand scored at filing on the product's defaults (20 days), then estimated at 120: two assessments."""
    from triage import services

    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand(**fields)
    with django_capture_on_commit_callbacks(execute=True):
        services.cost_estimate_create(
            change_request=demand,
            effort_days=Decimal("120"),
            day_rate=Decimal("1000"),
            yearly_run_cost=Decimal("5000"),
            confidence="high",
            estimated_by=analyst,
        )
    return demand


def test_the_demand_page_explains_what_changed_between_two_assessments(
    client: Client, analyst, cio, django_capture_on_commit_callbacks
):
    demand = _demand_estimated_after_filing(analyst, django_capture_on_commit_callbacks)
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


def test_the_form_for_a_new_version_starts_with_an_empty_note(client: Client, cio):
    ScoringModel.objects.filter(is_active=True).update(note="v1 from DESIGN.md")
    client.force_login(cio)
    form = client.get("/triage/scoring-model/").context["form"]
    assert form["note"].value() == ""
    assert form["weight_roi"].value() == Decimal("40")


def test_the_form_groups_every_parameter_exactly_once():
    from triage.forms import ScoringModelForm

    names = [field.name for _key, _legend, fields in ScoringModelForm().groups() for field in fields]
    assert sorted(names) == sorted(ScoringModel.WEIGHT_FIELDS)
    assert [key for key, _legend, _fields in ScoringModelForm().groups()] == [
        "weights",
        "penalties",
        "curves",
        "tiers",
        "thresholds",
    ]


def test_an_old_version_is_shown_read_only_and_restored_as_a_new_version(
    client: Client, cio, django_capture_on_commit_callbacks
):
    client.force_login(cio)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/triage/scoring-model/", weights_form(weight_roi="25", note="less ROI"))
    page = client.get("/triage/scoring-model/v1/")
    assert page.status_code == 200
    assert all(field.disabled for field in page.context["form"].fields.values())
    assert "?restore=1" in page.content.decode()

    restoring = client.get("/triage/scoring-model/?restore=1")
    form = restoring.context["form"]
    assert (form["weight_roi"].value(), form["note"].value()) == (Decimal("40"), "Restored from v1")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/triage/scoring-model/", weights_form(weight_roi="40", note="Restored from v1"))
    v3 = ScoringModel.objects.get(is_active=True)
    assert (v3.version, v3.weight_roi) == (3, Decimal("40"))
    assert ScoringModel.objects.get(version=2).weight_roi == Decimal("25")


def test_an_analyst_reads_an_old_version_without_a_restore_button(client: Client, analyst):
    client.force_login(analyst)
    page = client.get("/triage/scoring-model/v1/")
    assert page.status_code == 200 and "restore=" not in page.content.decode()
    assert client.get("/triage/scoring-model/v99/").status_code == 404
    assert client.get("/triage/scoring-model/vx/").status_code == 404
    assert client.get("/triage/scoring-model/?restore=99").status_code == 404


def test_the_estimate_form_starts_from_the_latest_estimate(client: Client, analyst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand()
    client.force_login(analyst)
    assert client.get(f"/triage/{demand.reference}/").context["estimate_form"]["day_rate"].value() == (
        demand.product.default_day_rate
    )
    estimate = {"effort_days": "40", "day_rate": "900", "yearly_run_cost": "5000", "confidence": "high", "note": ""}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/triage/{demand.reference}/estimate/", estimate)
    form = client.get(f"/triage/{demand.reference}/").context["estimate_form"]
    assert {name: str(form[name].value()) for name in ("effort_days", "day_rate", "yearly_run_cost", "confidence")} == {
        "effort_days": "40.0",
        "day_rate": "900.00",
        "yearly_run_cost": "5000.00",
        "confidence": "high",
    }


def test_a_failed_estimate_keeps_what_was_typed_and_shows_the_error_next_to_its_field(client: Client, analyst):
    demand = file_demand()
    client.force_login(analyst)
    typed = {"effort_days": "0", "day_rate": "875", "yearly_run_cost": "1234", "confidence": "low", "note": "rough"}
    response = client.post(f"/triage/{demand.reference}/estimate/", typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_effort_days_error"' in page and 'value="875"' in page and "rough</textarea>" in page
    assert 'value="low" selected' in page or '<option value="low" selected>' in page
    assert not demand.cost_estimates.exists()


def test_a_failed_reject_or_defer_keeps_the_typed_text_with_the_error_beside_the_field(client: Client, cio):
    demand = file_demand()
    client.force_login(cio)
    response = client.post(
        f"/triage/{demand.reference}/decide/rejected/",
        {"reject-rationale": "Too costly for what it brings.", "reject-customer_message": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Too costly for what it brings.</textarea>" in page
    assert 'id="id_reject-customer_message_error"' in page
    assert "<details open><summary>Reject</summary>" in page

    response = client.post(
        f"/triage/{demand.reference}/decide/deferred/",
        {"defer-rationale": "Next year.", "defer-customer_message": "Later.", "defer-defer_until": "soon"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Next year.</textarea>" in page and 'value="soon"' in page and 'id="id_defer-defer_until_error"' in page
    demand.refresh_from_db()
    assert demand.is_decidable


def test_a_failed_approval_keeps_the_rationale_and_the_project_code(client: Client, cio):
    demand = file_demand()
    client.force_login(cio)
    response = client.post(
        f"/portfolio/approve/{demand.reference}/",
        {"approve-rationale": "Worth it.", "approve-customer_message": "", "approve-project": "BT-9999"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Worth it.</textarea>" in page and 'value="BT-9999"' in page and 'id="id_approve-project_error"' in page


def test_an_empty_question_is_refused_next_to_the_field(client: Client, analyst):
    demand = file_demand()
    client.force_login(analyst)
    response = client.post(f"/triage/{demand.reference}/ask/", {"question": "   "})
    assert response.status_code == 400
    assert 'id="id_question_error"' in response.content.decode()


def test_a_person_is_named_the_same_everywhere(client: Client, cio, django_capture_on_commit_callbacks):
    demand = file_demand()
    client.force_login(cio)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/triage/scoring-model/", weights_form(weight_urgency="25", note="deadlines"))
        client.post(
            f"/triage/{demand.reference}/decide/rejected/",
            {"reject-rationale": "No.", "reject-customer_message": "Sorry."},
        )
    scoring_page = client.get("/triage/scoring-model/").content.decode()
    demand_page = client.get(f"/triage/{demand.reference}/").content.decode()
    for page in (scoring_page, demand_page):
        assert "Carla Ionescu" in page and "Sign out Carla Ionescu" in page
        assert " cio<" not in page and "by cio" not in page and "· cio" not in page


def test_a_decision_message_reads_as_a_sentence(client: Client, cio):
    demand = file_demand()
    client.force_login(cio)
    page = client.post(
        f"/triage/{demand.reference}/decide/rejected/",
        {"reject-rationale": "No.", "reject-customer_message": "Sorry."},
        follow=True,
    ).content.decode()
    assert f"{demand.reference} was rejected." in page and "recorded" not in page


@pytest.mark.django_db
def test_the_staff_timeline_names_the_project_steps_the_customer_was_told(cio_client, cio):
    from portfolio.services import change_request_approve, project_update

    demand = file_demand()
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Yes.", customer_message="")
    project_update(project=project, status="delivered", progress=100, actor=cio)
    page = cio_client.get(f"/triage/{demand.reference}/").content.decode()
    assert "<strong>Project: Delivered</strong>" in page


def test_what_changed_the_score_reads_in_french_inputs_and_model_parameters(
    client: Client, analyst, cio, django_capture_on_commit_callbacks
):
    """Issue 15, item 8: the comparison's "Because" column was English sentences on a French page."""
    from triage import scoring, services

    demand = _demand_estimated_after_filing(
        analyst, django_capture_on_commit_callbacks, revenue_at_stake=Decimal("1200000")
    )
    client.force_login(cio)
    page = client.get(f"/triage/{demand.reference}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "effort (jours-personnes) 20 → 120" in page and "effort (person-days)" not in page
    with django_capture_on_commit_callbacks(execute=True):
        services.scoring_model_create_version(changes=dict(scoring.V2_CHANGES), note="v2", created_by=cio)
    page = client.get(f"/triage/{demand.reference}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "modèle : " in page and "model savings years" not in page
    assert "1\xa0000\xa0000" in page  # the risk cap, grouped as French writes it
    english = client.get(f"/triage/{demand.reference}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "model: " in english
