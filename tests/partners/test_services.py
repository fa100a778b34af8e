"""partners/services.py and selectors.py: the register, plan versions, the CIO's sign-off and its status."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core.choices import AuditAction
from core.models import AuditEvent
from intake.choices import EventVisibility
from partners.choices import DisclosureDepth, SignOffState
from partners.selectors import (
    disclosure_plan_current,
    disclosure_plan_sign_off_status,
    least_disclosure_alternatives,
    plan_requires_sign_off,
    plan_signed_in_force,
)
from partners.services import (
    DisclosureNotSignedOff,
    DisclosurePlanConflict,
    SignOffAlreadyDecided,
    SignOffNotAllowed,
    agreement_add,
    disclosure_approval_check,
    disclosure_plan_refuse,
    disclosure_plan_sign_off,
    partner_create,
)
from tests.factories import (
    ProductFactory,
    UserFactory,
    approved_demand,
    component,
    file_demand,
    partner_with_agreement,
    propose_plan,
    webhook_endpoint,
)
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

SOURCE_MODIFY = DisclosureDepth.SOURCE_MODIFY
INTERFACE_SPEC = DisclosureDepth.INTERFACE_SPEC


@pytest.fixture
def sovereign(db):
    """A demand on a product with a core-IP engine and a plain reporting module, and a likely-competitor partner."""
    product = ProductFactory(name="Ledger")
    demand = file_demand(product=product)
    return {
        "demand": demand,
        "engine": component(product, "Pricing engine", core_ip=True),
        "reports": component(product, "Reporting module"),
        "partner": partner_with_agreement(),
    }


def test_a_partner_without_an_agreement_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as refused:
        partner_create(
            name="Lonely Ltd",
            country="France",
            relationship="integrator",
            competitor_risk="low",
            competitor_risk_reason="Small integrator.",
            agreements=[],
        )
    assert "agreement" in refused.value.message_dict["agreements"][0]


def test_an_agreement_that_expires_before_it_starts_is_refused():
    partner = partner_with_agreement()
    with pytest.raises(ValidationError) as refused:
        agreement_add(
            partner=partner, kind="nda", reference="NDA-9", starts_on=date(2026, 5, 1), expires_on=date(2026, 1, 1)
        )
    assert "expires_on" in refused.value.message_dict


def test_proposing_numbers_versions_hashes_content_and_writes_a_staff_only_line_and_an_audit_row(
    sovereign, django_capture_on_commit_callbacks
):
    demand = sovereign["demand"]
    with django_capture_on_commit_callbacks() as callbacks:
        first = propose_plan(demand, sovereign["partner"], [(sovereign["engine"], SOURCE_MODIFY)])
    second = propose_plan(demand, sovereign["partner"], [(sovereign["engine"], INTERFACE_SPEC)])
    same_as_first = propose_plan(demand, sovereign["partner"], [(sovereign["engine"], SOURCE_MODIFY)])
    assert (first.version, second.version, same_as_first.version) == (1, 2, 3)
    assert first.content_hash != second.content_hash
    assert first.content_hash == same_as_first.content_hash
    assert disclosure_plan_current(demand) == same_as_first
    line = demand.events.filter(note_key="disclosure_proposed").first()
    assert line is not None and line.visibility == EventVisibility.INTERNAL
    assert AuditEvent.objects.filter(action=AuditAction.DISCLOSURE_PLAN, object_reference=demand.reference).count() == 3
    assert callbacks, "the rescoring is enqueued once the plan commits"
    demand.refresh_from_db()
    assert demand.scoring_requested_at is not None


def test_a_component_of_another_product_is_refused_naming_it(sovereign):
    foreign = component(ProductFactory(name="Payroll"), "Payslip renderer")
    with pytest.raises(ValidationError) as refused:
        propose_plan(sovereign["demand"], sovereign["partner"], [(foreign, INTERFACE_SPEC)])
    message = refused.value.message_dict["items"][0]
    assert "Payslip renderer" in message and "Payroll" in message


def test_an_agreement_of_another_partner_and_an_empty_plan_are_refused(sovereign):
    other = partner_with_agreement(name="Other Partner", reference="NDA-OTHER", agreement_kind="nda")
    with pytest.raises(ValidationError) as refused:
        propose_plan(
            sovereign["demand"],
            sovereign["partner"],
            [(sovereign["engine"], INTERFACE_SPEC)],
            agreement=other.agreements.get(),
        )
    assert "Other Partner" in refused.value.message_dict["agreement"][0]
    with pytest.raises(ValidationError) as empty:
        propose_plan(sovereign["demand"], sovereign["partner"], [])
    assert "items" in empty.value.message_dict


def test_a_decided_demand_gets_no_new_plan(cio, sovereign):
    demand = approved_demand(decided_by=cio, product=sovereign["engine"].product)
    with pytest.raises(DisclosurePlanConflict):
        propose_plan(demand, sovereign["partner"], [(sovereign["engine"], INTERFACE_SPEC)])


@pytest.mark.embedded
def test_core_ip_needs_a_sign_off_and_the_status_follows_each_version(cio, sovereign):
    demand = sovereign["demand"]
    assert disclosure_plan_sign_off_status(demand).state == SignOffState.NO_PLAN
    plain = propose_plan(demand, sovereign["partner"], [(sovereign["reports"], SOURCE_MODIFY)])
    assert not plan_requires_sign_off(plain)
    assert disclosure_plan_sign_off_status(demand).state == SignOffState.NOT_REQUIRED
    disclosure_approval_check(change_request=demand)  # nothing to sign: approval open

    v2 = propose_plan(demand, sovereign["partner"], [(sovereign["engine"], SOURCE_MODIFY)])
    assert plan_requires_sign_off(v2)
    assert disclosure_plan_sign_off_status(demand).state == SignOffState.PENDING
    with pytest.raises(DisclosureNotSignedOff) as blocked:
        disclosure_approval_check(change_request=demand)
    assert demand.reference in blocked.value.message and "version 2" in blocked.value.message

    disclosure_plan_refuse(plan=v2, actor=cio, reason="Source rights to a likely competitor: no.")
    assert disclosure_plan_sign_off_status(demand).state == SignOffState.REFUSED
    assert plan_signed_in_force(demand) is None
    with pytest.raises(DisclosureNotSignedOff):
        disclosure_approval_check(change_request=demand)

    v3 = propose_plan(demand, sovereign["partner"], [(sovereign["engine"], INTERFACE_SPEC)])
    disclosure_plan_sign_off(plan=v3, actor=cio)
    status = disclosure_plan_sign_off_status(demand)
    assert status.state == SignOffState.SIGNED_OFF and status.sign_off is not None
    assert status.sign_off.decided_by == cio
    assert plan_signed_in_force(demand) == v3
    disclosure_approval_check(change_request=demand)

    propose_plan(demand, sovereign["partner"], [(sovereign["engine"], DisclosureDepth.BINARIES)])
    status = disclosure_plan_sign_off_status(demand)
    assert status.state == SignOffState.SUPERSEDED and status.signed_version == 3
    assert plan_signed_in_force(demand) is None
    with pytest.raises(DisclosureNotSignedOff):
        disclosure_approval_check(change_request=demand)


def test_a_sign_off_whose_content_no_longer_matches_does_not_count(cio, sovereign):
    plan = propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], INTERFACE_SPEC)])
    disclosure_plan_sign_off(plan=plan, actor=cio)
    plan.sign_off.__class__.objects.filter(plan=plan).update(content_hash="0" * 64)
    assert plan_signed_in_force(sovereign["demand"]) is None
    assert disclosure_plan_sign_off_status(sovereign["demand"]).state == SignOffState.PENDING


def test_only_the_cio_signs_and_never_their_own_proposal(cio, analyst, sovereign):
    own = propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], INTERFACE_SPEC)], actor=cio)
    with pytest.raises(SignOffNotAllowed, match="proposed"):
        disclosure_plan_sign_off(plan=own, actor=cio)
    with pytest.raises(SignOffNotAllowed, match="CIO"):
        disclosure_plan_sign_off(plan=own, actor=analyst)


def test_only_the_current_version_can_be_signed(cio, sovereign):
    old = propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], SOURCE_MODIFY)])
    propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], INTERFACE_SPEC)])
    with pytest.raises(DisclosurePlanConflict, match="no longer the current plan"):
        disclosure_plan_sign_off(plan=old, actor=cio)


def test_a_second_decision_on_the_same_version_is_refused_naming_who_decided(cio, sovereign):
    plan = propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], INTERFACE_SPEC)])
    disclosure_plan_sign_off(plan=plan, actor=cio)
    other_cio = UserFactory(username="cio2", role="CIO")
    with pytest.raises(SignOffAlreadyDecided) as refused:
        disclosure_plan_refuse(plan=plan, actor=other_cio, reason="Too much.")
    assert "Carla Ionescu" in refused.value.message
    assert refused.value.extra["decided_by"] == "Carla Ionescu"


def test_refusing_needs_a_reason(cio, sovereign):
    plan = propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], INTERFACE_SPEC)])
    with pytest.raises(ValidationError):
        disclosure_plan_refuse(plan=plan, actor=cio, reason="  ")


def test_sign_off_and_refusal_go_on_the_timeline_the_audit_and_the_sign_off_to_webhooks(cio, sovereign):
    webhook_endpoint("https://hooks.example/d", events=("disclosure.signed_off",))
    demand = sovereign["demand"]
    refused = propose_plan(demand, sovereign["partner"], [(sovereign["engine"], SOURCE_MODIFY)])
    disclosure_plan_refuse(plan=refused, actor=cio, reason="Too deep.")
    signed = propose_plan(demand, sovereign["partner"], [(sovereign["engine"], INTERFACE_SPEC)])
    disclosure_plan_sign_off(plan=signed, actor=cio)
    keys = list(demand.events.filter(visibility=EventVisibility.INTERNAL).values_list("note_key", flat=True))
    assert "disclosure_refused" in keys and "disclosure_signed_off" in keys
    assert AuditEvent.objects.filter(action=AuditAction.DISCLOSURE_SIGN_OFF).count() == 2
    delivery = WebhookDelivery.objects.get(event_type="disclosure.signed_off")
    assert delivery.payload["plan_version"] == 2
    assert delivery.payload["items"] == [{"component": "Pricing engine", "is_core_ip": True, "depth": 1}]
    assert delivery.payload["signed_off_by"] == "Carla Ionescu"


def test_least_disclosure_suggests_lower_depths_for_core_ip_with_the_saving(sovereign):
    plan = propose_plan(
        sovereign["demand"],
        sovereign["partner"],
        [
            (sovereign["engine"], SOURCE_MODIFY),
            (sovereign["reports"], SOURCE_MODIFY),  # not core IP: no suggestion
        ],
    )
    (suggestion,) = least_disclosure_alternatives(plan, points_per_exposure=Decimal("15"))
    assert suggestion.component_name == "Pricing engine"
    assert suggestion.suggested_depth == DisclosureDepth.SOURCE_ESCROW
    # likely competitor (1.0) × core IP (1.0): 1.0 − 0.4 = 0.6 units, 9 points at 15 per unit.
    assert suggestion.exposure_saved == Decimal("0.6")
    assert suggestion.points_saved == Decimal("9.00")
    narrow = propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["engine"], INTERFACE_SPEC)])
    assert least_disclosure_alternatives(narrow) == []


@pytest.mark.django_db(transaction=True)
def test_two_cios_deciding_at_once_one_wins_and_the_other_is_told_who():
    product = ProductFactory()
    demand = file_demand(product=product)
    engine = component(product, "Engine", core_ip=True)
    plan = propose_plan(demand, partner_with_agreement(expires_on=date.today() + timedelta(days=30)), [(engine, 1)])
    first = UserFactory(username="cio-a", first_name="Ada", last_name="First", role="CIO")
    second = UserFactory(username="cio-b", first_name="Bea", last_name="Second", role="CIO")
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(actor, action) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            outcomes[actor.username] = action(plan=plan, actor=actor, reason="Decided.")
        except Exception as error:
            outcomes[actor.username] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(first, disclosure_plan_sign_off)),
        threading.Thread(target=decide, args=(second, disclosure_plan_refuse)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    losers = [result for result in outcomes.values() if isinstance(result, SignOffAlreadyDecided)]
    assert len(losers) == 1
    winner = next(name for name, result in outcomes.items() if not isinstance(result, Exception))
    winner_name = {"cio-a": "Ada First", "cio-b": "Bea Second"}[winner]
    assert winner_name in losers[0].message


def test_a_refused_plan_without_core_ip_does_not_hold_the_approval(cio, sovereign):
    plain = propose_plan(sovereign["demand"], sovereign["partner"], [(sovereign["reports"], SOURCE_MODIFY)])
    disclosure_plan_refuse(plan=plain, actor=cio, reason="Rather not, but it is not core IP.")
    assert disclosure_plan_sign_off_status(sovereign["demand"]).state == SignOffState.REFUSED
    disclosure_approval_check(change_request=sovereign["demand"])
