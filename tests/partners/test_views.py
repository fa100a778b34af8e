"""The demand page's partner disclosure section, the approval gate, the register pages, and what customers never see."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import Client

from core.models import OutboundEmail
from partners.choices import DisclosureDepth
from partners.models import DisclosurePlan, Partner, PlanSignOff, ProductComponent
from partners.services import disclosure_plan_sign_off
from portfolio.services import change_request_approve
from tests.factories import (
    ProductFactory,
    UserFactory,
    component,
    file_demand_with_token,
    partner_with_agreement,
    propose_plan,
    signed_in,
)
from triage.services import change_request_ask_information

pytestmark = pytest.mark.django_db

PARTNER = "Sovereign Systems JV"
ENGINE = "Quantum pricing engine"
REPORTS = "Ledger reports"


@pytest.fixture
def sovereign():
    product = ProductFactory(name="Sovereign Ledger")
    demand, token = file_demand_with_token(product=product, risk_shares_ip=True)
    return {
        "demand": demand,
        "token": token,
        "engine": component(product, ENGINE, core_ip=True),
        "reports": component(product, REPORTS),
        "partner": partner_with_agreement(name=PARTNER),
    }


@pytest.mark.embedded
def test_an_analyst_proposes_a_plan_from_the_demand_page_and_sees_it_pending(analyst, sovereign):
    client = signed_in(analyst)
    demand = sovereign["demand"]
    page = client.get(f"/triage/{demand.reference}/").content.decode()
    assert "Partner disclosure" in page and 'data-testid="plan-form"' in page
    # Each depth select has its own label, for its own input.
    engine_field = f"plan-depth_{sovereign['engine'].pk}"
    assert f'<label for="id_{engine_field}">' in page and f'id="id_{engine_field}"' in page
    response = client.post(
        f"/triage/{demand.reference}/disclosure/",
        {
            "plan-partner": sovereign["partner"].pk,
            "plan-agreement": sovereign["partner"].agreements.get().pk,
            engine_field: DisclosureDepth.SOURCE_MODIFY,
            f"plan-depth_{sovereign['reports'].pk}": "",
            "plan-note": "The JV must maintain the engine.",
        },
    )
    assert response.status_code == 302
    plan = DisclosurePlan.objects.get(change_request=demand)
    assert [(item.component.name, item.depth) for item in plan.items.all()] == [(ENGINE, 5)]
    page = client.get(f"/triage/{demand.reference}/").content.decode()
    assert "Waiting for the CIO’s sign-off" in page
    assert "Likely competitor" in page and "LIC-001" in page
    assert 'data-testid="least-disclosure"' in page  # source under escrow suggested for the core engine
    assert 'data-testid="sign-off-form"' not in page  # an analyst cannot sign


def test_an_empty_plan_is_refused_with_the_form_kept(analyst, sovereign):
    response = signed_in(analyst).post(
        f"/triage/{sovereign['demand'].reference}/disclosure/",
        {"plan-partner": sovereign["partner"].pk, "plan-note": "Nothing chosen"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose at least one component to reveal" in page
    assert "Nothing chosen" in page
    assert not DisclosurePlan.objects.exists()


def test_the_cio_signs_off_from_the_page_and_the_status_names_them(cio, sovereign):
    plan = propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], 1)])
    client = signed_in(cio)
    reference = sovereign["demand"].reference
    page = client.get(f"/triage/{reference}/").content.decode()
    assert 'data-testid="sign-off-form"' in page
    response = client.post(f"/triage/{reference}/disclosure/sign-off/", {"sign_off-plan": plan.pk})
    assert response.status_code == 302
    page = client.get(f"/triage/{reference}/").content.decode()
    assert "Version 1 signed off by Carla Ionescu" in page


def test_refusing_without_a_reason_is_a_400_that_says_why(cio, sovereign):
    plan = propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], 5)])
    response = signed_in(cio).post(
        f"/triage/{sovereign['demand'].reference}/disclosure/refuse/", {"sign_off-plan": plan.pk}
    )
    assert response.status_code == 400
    assert "Say why the plan is refused" in response.content.decode()
    assert not PlanSignOff.objects.exists()


def test_an_analyst_cannot_sign_off(analyst, sovereign):
    plan = propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], 1)])
    response = signed_in(analyst).post(
        f"/triage/{sovereign['demand'].reference}/disclosure/sign-off/", {"sign_off-plan": plan.pk}
    )
    assert response.status_code == 403


def test_the_proposer_is_told_another_cio_must_sign(cio, sovereign):
    plan = propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], 1)], actor=cio)
    client = signed_in(cio)
    page = client.get(f"/triage/{sovereign['demand'].reference}/").content.decode()
    assert "You proposed this plan" in page
    response = client.post(f"/triage/{sovereign['demand'].reference}/disclosure/sign-off/", {"sign_off-plan": plan.pk})
    assert response.status_code == 400
    assert "someone else must sign it off" in response.content.decode()


@pytest.mark.embedded
def test_approving_before_the_sign_off_is_refused_with_the_form_kept(cio, sovereign):
    demand = sovereign["demand"]
    plan = propose_plan(demand, sovereign["partner"], [(sovereign["engine"], 5)])
    client = signed_in(cio)
    form = {"approve-rationale": "Strategic sovereign edition.", "approve-customer_message": "", "approve-project": ""}
    response = client.post(f"/portfolio/approve/{demand.reference}/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be approved" in page and 'data-testid="approve-errors"' in page
    assert "Strategic sovereign edition." in page
    demand.refresh_from_db()
    assert demand.status != "approved"
    disclosure_plan_sign_off(plan=plan, actor=cio)
    assert client.post(f"/portfolio/approve/{demand.reference}/", form).status_code == 302
    demand.refresh_from_db()
    assert demand.status == "approved"


def test_a_plan_without_core_ip_does_not_hold_the_approval(cio, sovereign):
    propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["reports"], 5)])
    change_request_approve(change_request=sovereign["demand"], decided_by=cio, rationale="Fine.")


def test_the_tracking_page_and_customer_emails_never_name_the_partner_or_components(cio, sovereign, client: Client):
    demand = sovereign["demand"]
    plan = propose_plan(demand, sovereign["partner"], [(sovereign["engine"], 5), (sovereign["reports"], 2)])
    disclosure_plan_sign_off(plan=plan, actor=cio)
    change_request_ask_information(change_request=demand, question="Which regulator?", asked_by=cio)
    page = client.get(f"/track/{sovereign['token']}/").content.decode()
    assert demand.title in page
    sent = [f"{email.subject}\n{email.body}" for email in OutboundEmail.objects.all()]
    sent += [f"{message.subject}\n{message.body}" for message in mail.outbox]
    assert sent, "the filing and the question each e-mail the customer"
    for text in (page, *sent):
        for secret in (PARTNER, ENGINE, REPORTS, "LIC-001", "disclosure", "Disclosure"):
            assert secret not in text


def test_the_register_lists_partners_with_expiring_agreements_and_enters_a_new_one(analyst):
    partner_with_agreement(name="Soon Ltd", expires_on=date.today() + timedelta(days=30), reference="NDA-SOON")
    client = signed_in(analyst)
    page = client.get("/partners/").content.decode()
    assert "Soon Ltd" in page and 'data-testid="expiring"' in page
    response = client.post(
        "/partners/new/",
        {
            "partner-name": "Gulf Integrator",
            "partner-country": "Oman",
            "partner-relationship": "integrator",
            "partner-competitor_risk": "medium",
            "partner-competitor_risk_reason": "Builds its own ERP add-ons.",
            "partner-kind": "nda",
            "partner-reference": "NDA-GULF",
            "partner-starts_on": "2026-01-01",
            "partner-expires_on": "2025-01-01",
        },
    )
    assert response.status_code == 400  # expires before it starts
    assert "Gulf Integrator" in response.content.decode()
    assert not Partner.objects.filter(name="Gulf Integrator").exists()


def test_components_are_listed_and_added_and_a_portfolio_manager_only_reads(analyst, portfolio_manager):
    product = ProductFactory(name="Payroll")
    client = signed_in(analyst)
    response = client.post("/partners/components/", {"product": product.pk, "name": "Tax engine", "is_core_ip": "on"})
    assert response.status_code == 302
    assert ProductComponent.objects.get(name="Tax engine").is_core_ip
    assert "Tax engine" in client.get("/partners/components/").content.decode()
    reader = signed_in(portfolio_manager)
    assert reader.get("/partners/components/").status_code == 200
    assert reader.post("/partners/components/", {"product": product.pk, "name": "X"}).status_code == 403


def test_the_section_is_not_shown_to_a_role_that_does_not_read_the_register(sovereign):
    viewer = UserFactory(username="viewer")
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_assessment"))
    propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], 5)])
    page = signed_in(viewer).get(f"/triage/{sovereign['demand'].reference}/").content.decode()
    assert PARTNER not in page and ENGINE not in page
