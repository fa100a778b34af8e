"""portfolio.services.handover_record and the project page's handovers: every handover checked against the signed
plan, an exception only by the CIO with a reason, and never one dated before the sign-off."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.choices import AuditAction
from core.models import AuditEvent
from partners.choices import DisclosureDepth
from partners.models import PlanSignOff
from partners.services import agreement_add, disclosure_plan_propose, disclosure_plan_sign_off
from portfolio.models import Handover
from portfolio.services import HandoverRefusal, change_request_approve, handover_record
from tests.factories import (
    ProductFactory,
    UserFactory,
    component,
    file_demand,
    partner_with_agreement,
    propose_plan,
    signed_in,
    webhook_endpoint,
)
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]  # on the SQLite default too

INTERFACE_SPEC = DisclosureDepth.INTERFACE_SPEC
SOURCE_ESCROW = DisclosureDepth.SOURCE_ESCROW
SOURCE_MODIFY = DisclosureDepth.SOURCE_MODIFY


@pytest.fixture
def delivery(cio):
    """A demand whose plan (engine as interface spec, connector as binaries, under a licence) the CIO signed off,
    approved into a project."""
    product = ProductFactory(name="Data Hub")
    demand = file_demand(product=product)
    engine = component(product, "Query engine", core_ip=True)
    connector = component(product, "Connector SDK")
    admin = component(product, "Admin console")
    partner = partner_with_agreement(name="Sovra Data JV", reference="LIC-SOVRA")
    plan = propose_plan(demand, partner, [(engine, INTERFACE_SPEC), (connector, DisclosureDepth.BINARIES)])
    disclosure_plan_sign_off(plan=plan, actor=cio)
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Go.")
    return {
        "demand": demand,
        "project": project,
        "plan": plan,
        "engine": engine,
        "connector": connector,
        "admin": admin,
        "partner": partner,
        "agreement": partner.agreements.get(),
    }


def record(delivery, actor, **overrides):
    fields = {
        "project": delivery["project"],
        "component": delivery["engine"],
        "depth": INTERFACE_SPEC,
        "partner": delivery["partner"],
        "agreement": delivery["agreement"],
        "handed_over_on": timezone.localdate(),
        "recipient": "Dr. Ines Calder",
        "actor": actor,
    }
    return handover_record(**(fields | overrides))


def test_a_handover_that_follows_the_signed_plan_is_recorded_with_its_audit_row(delivery, portfolio_manager):
    handover = record(delivery, portfolio_manager, depth=INTERFACE_SPEC)
    assert not handover.is_exception
    assert handover.change_request == delivery["demand"]
    audit = AuditEvent.objects.get(action=AuditAction.HANDOVER)
    assert audit.object_reference == delivery["project"].code
    assert audit.details["plan_version"] == 1 and audit.details["component"] == "Query engine"


def test_deeper_than_signed_is_refused_naming_the_component_and_both_depths(delivery, portfolio_manager):
    with pytest.raises(HandoverRefusal) as refused:
        record(delivery, portfolio_manager, depth=SOURCE_MODIFY)
    message = refused.value.message
    assert "Query engine" in message and "Interface specification" in message
    assert "Source with modification rights" in message
    assert not Handover.objects.exists()


def test_a_component_outside_the_plan_and_another_partner_are_refused(delivery, portfolio_manager):
    with pytest.raises(HandoverRefusal) as refused:
        record(delivery, portfolio_manager, component=delivery["admin"])
    assert "Admin console is not in the signed plan" in refused.value.message
    other = partner_with_agreement(name="Nordlys Integration", reference="NDA-NORDLYS", agreement_kind="nda")
    with pytest.raises(HandoverRefusal) as refused:
        record(delivery, portfolio_manager, partner=other, agreement=other.agreements.get())
    assert "Sovra Data JV, not Nordlys Integration" in refused.value.message
    assert "NDA-NORDLYS is not the one the signed plan names" in refused.value.message


def test_an_agreement_of_another_partner_is_refused_always(delivery, cio):
    other = partner_with_agreement(name="Nordlys Integration", reference="NDA-NORDLYS", agreement_kind="nda")
    with pytest.raises(HandoverRefusal) as refused:
        record(delivery, cio, agreement=other.agreements.get(), is_exception=True, exception_reason="Urgent.")
    assert refused.value.field == "agreement"


def test_an_agreement_not_in_force_on_the_date_is_outside_the_plan(delivery, portfolio_manager):
    # The plan was signed long ago; the handover is dated before its agreement came into force.
    today = timezone.localdate()
    PlanSignOff.objects.filter(plan=delivery["plan"]).update(created_at=timezone.now() - timedelta(days=900))
    with pytest.raises(HandoverRefusal) as refused:
        record(delivery, portfolio_manager, handed_over_on=today - timedelta(days=400))
    assert "LIC-SOVRA is not in force on" in refused.value.message


def test_a_handover_dated_before_the_sign_off_is_refused_even_as_an_exception(delivery, cio):
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(HandoverRefusal) as refused:
        record(delivery, cio, handed_over_on=yesterday, is_exception=True, exception_reason="We had to.")
    assert refused.value.field == "handed_over_on"
    assert "signed off on" in refused.value.message


def test_a_handover_in_the_future_is_refused(delivery, portfolio_manager):
    with pytest.raises(HandoverRefusal) as refused:
        record(delivery, portfolio_manager, handed_over_on=timezone.localdate() + timedelta(days=1))
    assert refused.value.field == "handed_over_on"


def test_only_the_cio_accepts_an_exception_and_must_say_why_then_the_event_is_published(
    delivery, portfolio_manager, cio
):
    webhook_endpoint("https://hooks.example/x", events=("disclosure.outside_plan",))
    with pytest.raises(HandoverRefusal) as refused:
        record(delivery, portfolio_manager, depth=SOURCE_ESCROW, is_exception=True, exception_reason="Needed.")
    assert refused.value.field == "is_exception"
    with pytest.raises(HandoverRefusal) as refused:
        record(delivery, cio, depth=SOURCE_ESCROW, is_exception=True, exception_reason="  ")
    assert refused.value.field == "exception_reason"
    assert not WebhookDelivery.objects.exists()

    handover = record(delivery, cio, depth=SOURCE_ESCROW, is_exception=True, exception_reason="The regulator asked.")
    assert handover.is_exception and handover.exception_by == cio
    event = WebhookDelivery.objects.get(event_type="disclosure.outside_plan")
    assert event.payload["component"] == "Query engine" and event.payload["depth"] == SOURCE_ESCROW
    assert event.payload["plan_version"] == 1 and event.payload["exception_reason"] == "The regulator asked."
    assert event.payload["outside_plan"] == [
        "Query engine was signed off at Interface specification, not Source under escrow."
    ]
    audit = AuditEvent.objects.get(action=AuditAction.HANDOVER)
    assert audit.details["exception_reason"] == "The regulator asked."


def test_a_demand_approved_without_a_signed_plan_has_every_handover_outside_it(delivery, portfolio_manager, cio):
    demand = file_demand(product=delivery["engine"].product)
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="No partner planned.")
    with pytest.raises(HandoverRefusal) as refused:
        record(delivery, portfolio_manager, project=project)
    assert f"{demand.reference} has no signed disclosure plan in force" in refused.value.message


def test_a_component_of_a_product_the_project_does_not_deliver_is_refused(delivery, portfolio_manager):
    foreign = component(ProductFactory(name="Payroll"), "Payslip renderer", core_ip=True)
    with pytest.raises(HandoverRefusal) as refused:
        record(delivery, portfolio_manager, component=foreign)
    assert refused.value.field == "component"


def test_an_analyst_may_not_record_a_handover(delivery, analyst):
    with pytest.raises(HandoverRefusal):
        record(delivery, analyst)


# The project page


def test_the_portfolio_manager_records_one_on_the_project_page_and_sees_it_listed(delivery, portfolio_manager):
    page = signed_in(portfolio_manager)
    url = f"/portfolio/{delivery['project'].code}/"
    form = page.get(url).content.decode()
    assert 'for="id_handover_recipient"' in form and 'id="id_handover_recipient"' in form
    assert "id_handover_is_exception" not in form  # only the CIO may accept an exception
    data = {
        "component": delivery["engine"].pk,
        "depth": INTERFACE_SPEC,
        "partner": delivery["partner"].pk,
        "agreement": delivery["agreement"].pk,
        "handed_over_on": timezone.localdate().isoformat(),
        "recipient": "Dr. Ines Calder",
    }
    response = page.post(url + "handovers/", data)
    assert response.status_code == 302
    listed = page.get(url).content.decode()
    assert "Dr. Ines Calder" in listed and "Query engine" in listed

    refused = page.post(url + "handovers/", data | {"depth": SOURCE_MODIFY})
    assert refused.status_code == 400
    assert "Outside the signed plan" in refused.content.decode()
    assert Handover.objects.count() == 1


def test_the_cio_sees_the_exception_fields_and_an_analyst_may_not_post(delivery, cio, analyst):
    url = f"/portfolio/{delivery['project'].code}/"
    assert 'id="id_handover_exception_reason"' in signed_in(cio).get(url).content.decode()
    assert "handover-form" not in signed_in(analyst).get(url).content.decode()
    assert signed_in(analyst).post(url + "handovers/", {}).status_code == 403


def test_bad_input_is_the_page_again_with_field_errors_never_a_500(delivery, portfolio_manager):
    page = signed_in(portfolio_manager)
    response = page.post(
        f"/portfolio/{delivery['project'].code}/handovers/",
        {"component": "x", "depth": "9", "handed_over_on": "someday"},
    )
    assert response.status_code == 400
    assert not Handover.objects.exists()


def test_expired_agreement_added_later_does_not_change_an_earlier_record(delivery, portfolio_manager):
    record(delivery, portfolio_manager)
    today = timezone.localdate()
    agreement_add(
        partner=delivery["partner"],
        kind="nda",
        reference="NDA-OLD",
        starts_on=today - timedelta(days=400),
        expires_on=today - timedelta(days=10),
    )
    assert Handover.objects.get().agreement.reference == "LIC-SOVRA"


def test_a_handover_is_never_edited_nor_deleted_and_the_admin_only_reads_it(delivery, portfolio_manager):
    from portfolio.models import HandoverRefused
    from tests.factories import UserFactory

    handover = record(delivery, portfolio_manager)
    handover.recipient = "Someone else"
    with pytest.raises(HandoverRefused):
        handover.save()
    with pytest.raises(HandoverRefused):
        handover.delete()
    admin = UserFactory(username="root", is_superuser=True)
    page = signed_in(admin)
    assert page.get("/admin/portfolio/handover/").status_code == 200
    assert page.get(f"/admin/portfolio/handover/{handover.pk}/delete/").status_code == 403


def test_the_project_page_costs_the_same_queries_whatever_its_handovers(delivery, portfolio_manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page = signed_in(portfolio_manager)
    url = f"/portfolio/{delivery['project'].code}/"
    counts = []
    for _round in range(2):
        record(delivery, portfolio_manager)
        record(delivery, portfolio_manager, component=delivery["connector"], depth=DisclosureDepth.BINARIES)
        page.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert page.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_plan_signed_without_an_agreement_takes_any_agreement_in_force_with_its_partner(portfolio_manager, cio):
    product = ProductFactory(name="Ledger")
    demand = file_demand(product=product)
    engine = component(product, "Pricing engine", core_ip=True)
    partner = partner_with_agreement(name="Sovra Data JV", reference="LIC-SOVRA")
    plan = disclosure_plan_propose(
        change_request=demand,
        partner=partner,
        agreement=None,
        items=[(engine, INTERFACE_SPEC)],
        actor=portfolio_manager,
    )
    assert plan.agreement is None
    disclosure_plan_sign_off(plan=plan, actor=UserFactory(username="cio2", role="CIO"))
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Go.")
    handover = handover_record(
        project=project,
        component=engine,
        depth=INTERFACE_SPEC,
        partner=partner,
        agreement=partner.agreements.get(),
        handed_over_on=timezone.localdate(),
        recipient="Their architect",
        actor=portfolio_manager,
    )
    assert not handover.is_exception


def test_a_role_that_reads_projects_but_not_partners_does_not_see_the_handovers(delivery, portfolio_manager):
    from django.contrib.auth.models import Group, Permission

    from tests.factories import UserFactory

    record(delivery, portfolio_manager)
    group = Group.objects.create(name="Projects only")
    group.permissions.add(Permission.objects.get(codename="view_project", content_type__app_label="portfolio"))
    reader = UserFactory(username="projects-only")
    reader.groups.add(group)
    body = signed_in(reader).get(f"/portfolio/{delivery['project'].code}/").content.decode()
    assert "Dr. Ines Calder" not in body and "handover-list" not in body
