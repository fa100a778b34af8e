"""Triage's work on one demand: cost estimates, asking the customer, linking duplicates, the decision."""

import logging
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.choices import AuditAction
from core.exceptions import ApplicationError
from core.formats import datetime_display
from core.people import person_name
from core.services import audit_record
from intake.choices import ASKABLE_STATUSES, DECIDABLE_STATUSES, ChangeRequestStatus, EventVisibility
from intake.models import ChangeRequest, Customer, SimilarDemand
from intake.selectors import change_request_webhook_payload
from intake.services import (
    InvalidTransition,
    change_request_scoring_request,
    change_request_transition,
    status_event_record,
)
from partners.services import disclosure_approval_check
from triage.choices import DECISION_DONE_LABELS, DecisionOutcome
from triage.models import (
    CostEstimate,
    Decision,
)
from triage.selectors import decision_latest
from webhooks.choices import EventType
from webhooks.services import webhook_event_publish

logger = logging.getLogger(__name__)


class AlreadyDecided(ApplicationError):
    """Someone decided this demand first."""


@transaction.atomic
def cost_estimate_create(
    *,
    change_request: ChangeRequest,
    effort_days: Decimal,
    day_rate: Decimal,
    yearly_run_cost: Decimal,
    confidence: str,
    estimated_by: User,
    note: str = "",
) -> CostEstimate:
    """Record an analyst's estimate; the demand is rescored once it commits."""
    estimate = CostEstimate(
        change_request=change_request,
        effort_days=effort_days,
        day_rate=day_rate,
        yearly_run_cost=yearly_run_cost,
        confidence=confidence,
        estimated_by=estimated_by,
        note=note,
    )
    estimate.full_clean()
    estimate.save()
    status_event_record(
        change_request=change_request,
        actor=estimated_by,
        note_key="estimated",
        note_params={
            "effort_days": str(effort_days),
            "day_rate": str(day_rate),
            "yearly_run_cost": str(yearly_run_cost),
        },
        visibility=EventVisibility.INTERNAL,
    )
    audit_record(action=AuditAction.ESTIMATE, actor=estimated_by, obj=estimate, reference=change_request.reference)
    change_request_scoring_request(change_request_id=change_request.pk)
    return estimate


def change_request_ask_information(*, change_request: ChangeRequest, question: str, asked_by: User) -> ChangeRequest:
    """Ask the customer a question; the demand waits in `needs_info` until they answer."""
    question = question.strip()
    if not question:
        raise ApplicationError(gettext("Write the question the customer should answer."))
    return change_request_transition(
        change_request=change_request,
        from_statuses=ASKABLE_STATUSES,
        to_status=ChangeRequestStatus.NEEDS_INFO,
        actor=asked_by,
        note=question,
    )


@transaction.atomic
def change_request_assign_customer(
    *, change_request: ChangeRequest, customer: Customer, assigned_by: User
) -> ChangeRequest:
    """Attach an unmatched demand to a customer account; the tier changes the score."""
    ChangeRequest.objects.filter(pk=change_request.pk).update(customer=customer, updated_at=timezone.now())
    change_request.customer = customer
    status_event_record(
        change_request=change_request,
        actor=assigned_by,
        note_key="customer_set",
        note_params={"customer": customer.name},
        visibility=EventVisibility.INTERNAL,
    )
    change_request_scoring_request(change_request_id=change_request.pk)
    return change_request


@transaction.atomic
def similar_demand_set_link(*, similar_demand: SimilarDemand, is_linked: bool, linked_by: User) -> SimilarDemand:
    """Link (or unlink) two demands as the same need; both are rescored."""
    SimilarDemand.objects.filter(pk=similar_demand.pk).update(is_linked=is_linked, linked_by=linked_by)
    similar_demand.is_linked = is_linked
    note_key = "linked" if is_linked else "unlinked"
    for this, other in (
        (similar_demand.change_request, similar_demand.similar_to),
        (similar_demand.similar_to, similar_demand.change_request),
    ):
        status_event_record(
            change_request=this,
            actor=linked_by,
            note_key=note_key,
            note_params={"reference": other.reference},
            visibility=EventVisibility.INTERNAL,
        )
        change_request_scoring_request(change_request_id=this.pk)
    return similar_demand


def decision_record(
    *,
    change_request: ChangeRequest,
    outcome: str,
    rationale: str,
    decided_by: User,
    customer_message: str = "",
    defer_until: date | None = None,
) -> Decision:
    """Record the CIO's decision. Of two people deciding at once exactly one wins; the other is told who.

    An approval is refused while the demand's disclosure plan reveals core IP without the CIO's sign-off of its
    exact content (partners.services.DisclosureNotSignedOff).

    Call inside the caller's transaction when the decision must commit with other writes (approval
    creates a portfolio project in the same transaction).
    """
    rationale = rationale.strip()
    if not rationale:
        raise ApplicationError(gettext("Write the rationale for this decision."))
    if outcome == DecisionOutcome.REJECTED and not customer_message.strip():
        raise ApplicationError(gettext("Write the message the customer will read about this rejection."))
    if outcome == DecisionOutcome.DEFERRED and (defer_until is None or defer_until <= timezone.localdate()):
        raise ApplicationError(gettext("Choose a future date to defer this demand until."))
    with transaction.atomic():
        if outcome == DecisionOutcome.APPROVED:
            # The plan's sign-off is read under the demand's row lock, which a new plan version also takes:
            # no version can slip in between the check and the approval.
            ChangeRequest.objects.select_for_update().filter(pk=change_request.pk).values_list("pk").first()
            disclosure_approval_check(change_request=change_request)
        try:
            change_request_transition(
                change_request=change_request,
                from_statuses=DECIDABLE_STATUSES,
                to_status=outcome,
                actor=decided_by,
                note=customer_message.strip() or _default_customer_message(outcome, defer_until),
            )
        except InvalidTransition:
            winner = decision_latest(change_request=change_request)
            if winner is None:
                raise
            who = person_name(winner.decided_by) or "?"
            raise AlreadyDecided(
                gettext("%(reference)s was already decided: %(outcome)s by %(who)s at %(decided_at)s.")
                % {
                    "reference": change_request.reference,
                    "outcome": DECISION_DONE_LABELS[DecisionOutcome(winner.outcome)],
                    "who": who,
                    "decided_at": datetime_display(winner.created_at),
                },
                extra={"decided_by": who, "outcome": winner.outcome},
            ) from None
        decision = Decision(
            change_request=change_request,
            outcome=outcome,
            rationale=rationale,
            customer_message=customer_message.strip(),
            defer_until=defer_until,
            decided_by=decided_by,
        )
        decision.full_clean()
        decision.save()
        status_event_record(
            change_request=change_request,
            actor=decided_by,
            note_key="rationale",
            note_params={"rationale": rationale},
            visibility=EventVisibility.INTERNAL,
        )
        audit_record(action=AuditAction.DECISION, actor=decided_by, obj=decision, reference=change_request.reference)
        decided = {"outcome": outcome, "decided_at": decision.created_at, "defer_until": defer_until}
        webhook_event_publish(
            event_type=EventType.DEMAND_DECIDED, payload=change_request_webhook_payload(change_request) | decided
        )
    return decision


def _default_customer_message(outcome: str, defer_until: date | None) -> str:
    if outcome == DecisionOutcome.APPROVED:
        return "Good news: we will build this. We will keep you posted on its progress here."
    if outcome == DecisionOutcome.DEFERRED:
        return (
            f"We will look at this again by {defer_until:%d %B %Y}." if defer_until else "We will look at this later."
        )
    return ""
