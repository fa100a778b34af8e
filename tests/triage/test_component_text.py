"""A score's components read in the reader's language, written from the stored keys, inputs and model."""

from decimal import Decimal

import pytest
from django.utils import translation

from tests.factories import file_demand, signed_in
from triage import services
from triage.component_text import components_shown

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}


@pytest.fixture
def assessment():
    demand = file_demand(revenue_at_stake="400000", risk_security=True)
    return services.assessment_compute(change_request_id=demand.pk)


def by_key(components: list[dict]) -> dict[str, dict]:
    return {component["key"]: component for component in components}


def test_components_are_named_and_explained_in_french(assessment):
    with translation.override("fr"):
        shown = by_key(components_shown(assessment))
    assert shown["roi"]["label"] == "Retour sur coût SI"
    assert shown["revenue"]["label"] == "Chiffre d’affaires en jeu"
    assert shown["revenue"]["explanation"].startswith("400\xa0000 sur une échelle logarithmique de 1\xa0000")
    assert shown["breadth"]["explanation"] == "1 client demandeur"
    assert shown["urgency"]["explanation"] == "pas de date souhaitée"
    assert shown["penalty_security"]["label"] == "Touche à la sécurité ou aux données personnelles"
    assert shown["penalty_security"]["explanation"] == "déclaré par le client"


def test_english_reads_as_the_stored_text_in_proper_plural(assessment):
    stored = by_key(assessment.components)
    with translation.override("en"):
        shown = by_key(components_shown(assessment))
    for key in ("roi", "revenue", "urgency", "strategic", "penalty_security"):
        assert shown[key]["label"] == stored[key]["label"], key
        assert shown[key]["explanation"] == stored[key]["explanation"], key
    assert shown["breadth"]["explanation"] == "1 customer asking"  # stored: "1 customer(s) asking"
    assert shown["revenue"]["points"] == Decimal(stored["revenue"]["points"])


def test_an_unknown_component_or_unreadable_inputs_keep_the_stored_text(assessment):
    assessment.components = [*assessment.components, {"key": "future", "label": "Future", "explanation": "later"}]
    assessment.inputs = {"value": "not a number"}
    with translation.override("fr"):
        shown = by_key(components_shown(assessment))
    assert shown["future"]["label"] == "Future"
    assert shown["roi"]["label"] == "Retour sur coût SI"
    assert shown["roi"]["explanation"] == by_key(assessment.components)["roi"]["explanation"]


def test_the_french_demand_page_explains_the_score_in_french(assessment, cio):
    page = signed_in(cio).get(f"/triage/{assessment.change_request.reference}/", **FRENCH).content.decode()
    assert "Retour sur coût SI" in page and "Return on IT cost" not in page
    assert ">D’après</th>" in page and "Depuis" not in page  # the column says where the points come from
    revenue = by_key(assessment.components)["revenue"]["points"].replace(".", ",")
    assert f'data-component="revenue">{revenue}</td>' in page  # points in the French number format


def test_model_v2_parts_read_in_french_and_the_roi_weighs_the_value_scoring_weighs(cio):
    """Under v2 the return on IT cost weighs revenue, savings over the years and capped risk together (issue 17):
    the sentence shown must say the value scoring used, and the savings and risk parts have their own words."""
    from triage import scoring

    services.scoring_model_create_version(changes=dict(scoring.V2_CHANGES), note="v2", created_by=cio)
    demand = file_demand(
        agenda="it",
        revenue_at_stake=Decimal("0"),
        hours_saved_per_year=Decimal("1200"),
        loaded_hourly_rate=Decimal("50"),
        risk_exposure_avoided=Decimal("20000"),
    )
    assessment = services.assessment_compute(change_request_id=demand.pk)
    stored = by_key(assessment.components)
    assert {"savings", "risk"} <= set(stored)
    with translation.override("en"):
        shown = by_key(components_shown(assessment))
    for key in ("roi", "savings", "risk"):
        assert shown[key]["explanation"] == stored[key]["explanation"], key
    assert shown["roi"]["explanation"].startswith("value 200,000 against IT cost")  # 60,000 × 3 years + 20,000
    with translation.override("fr"):
        french = by_key(components_shown(assessment))
    assert (french["savings"]["label"], french["risk"]["label"]) == ("Économies", "Risque évité")
    assert french["savings"]["explanation"].startswith("60\xa0000/an × 3,0 ans = 180\xa0000 sur une échelle")
    assert french["risk"]["explanation"] == "20\xa0000 d’exposition évitée, comptée jusqu’à 1\xa0000\xa0000"
