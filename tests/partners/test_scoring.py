"""A plan version rescores its demand under model v3; the page explains the penalty item by item and its change."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from partners.choices import DisclosureDepth
from tests.factories import ProductFactory, component, file_demand, partner_with_agreement, propose_plan, signed_in
from triage import scoring
from triage.models import Assessment
from triage.services import assessment_compute, scoring_model_create_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def v3(cio):
    scoring_model_create_version(changes={**scoring.V2_CHANGES, **scoring.V3_CHANGES}, note="v3", created_by=cio)


def disclosure_points(demand) -> Decimal | None:
    latest = Assessment.objects.filter(change_request=demand).order_by("-created_at", "-pk").first()
    return next((Decimal(c["points"]) for c in latest.components if c["key"] == "penalty_disclosure"), None)


@pytest.mark.embedded
def test_each_plan_version_rescores_the_demand_and_the_page_explains_and_compares(
    v3, cio, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    demand = file_demand(product=product, risk_shares_ip=True)
    engine = component(product, "Pricing engine", core_ip=True)
    reports = component(product, "Reports")
    partner = partner_with_agreement(agreement_kind="licence")
    assessment_compute(change_request_id=demand.pk)
    assert disclosure_points(demand) is None  # no plan yet: the flat penalty

    with django_capture_on_commit_callbacks(execute=True):
        propose_plan(demand, partner, [(engine, DisclosureDepth.SOURCE_MODIFY)])
    assert disclosure_points(demand) == Decimal("-15.00")  # 1.0 × 1.0 × 1.0 × 15, covered by the licence

    # v2: the engine as an interface specification, the reports as binaries under an expired NDA (uncovered).
    expired = partner_with_agreement(
        name="Old Partner",
        competitor_risk="medium",
        agreement_kind="nda",
        reference="NDA-OLD",
        starts_on=date.today() - timedelta(days=400),
        expires_on=date.today() - timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        propose_plan(demand, expired, [(engine, DisclosureDepth.INTERFACE_SPEC), (reports, DisclosureDepth.BINARIES)])
    # (0.1 × 1.0 × 0.6 + 0.25 × 0.3 × 0.6) × 1.5 = (0.06 + 0.045) × 1.5 = 0.1575 × 15 = 2.3625 → 2.36.
    assert disclosure_points(demand) == Decimal("-2.36")

    client = signed_in(cio)
    page = client.get(f"/triage/{demand.reference}/").content.decode()
    assert 'data-component="penalty_disclosure">-2.36' in page
    assert "Pricing engine (core IP), interface specification: 0.06" in page
    assert "× 1.5, not covered by the agreement" in page
    # What changed the score: the disclosure penalty, with the exposure that moved it.
    assert "exposure covered by the agreement 1 → 0; exposure not covered 0 → 0.105" in page

    client.cookies["django_language"] = "fr"
    page = client.get(f"/triage/{demand.reference}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Divulgation à un partenaire" in page
    assert "Pricing engine (PI cœur), spécification d’interface : 0,06" in page
