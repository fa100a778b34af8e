"""Bulk actions on the queue's selected demands: one transaction per demand, so a refusal leaves the others done."""

import logging
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db import DatabaseError, transaction
from django.utils.translation import gettext

from core import roles
from core.exceptions import ApplicationError
from intake.models import ChangeRequest
from triage.choices import BulkAction, DecisionOutcome
from triage.services.decisions import change_request_ask_information, decision_record
from triage.services.ownership import change_request_set_owner

logger = logging.getLogger(__name__)

# The permission each action needs, checked for every demand it touches.
BULK_PERMISSIONS = {
    BulkAction.ASSIGN: roles.CHANGE_DEMAND,
    BulkAction.ASK: roles.REQUEST_INFORMATION,
    BulkAction.DEFER: roles.DECIDE,
}


@dataclass(frozen=True)
class BulkOutcome:
    """What happened to one selected demand."""

    reference: str
    done: bool
    message: str = ""


def change_requests_bulk_apply(
    *,
    action: str,
    change_request_ids: list[int],
    user: User,
    owner: User | None = None,
    question: str = "",
    rationale: str = "",
    defer_until: date | None = None,
) -> list[BulkOutcome]:
    """Apply `action` to each selected demand in turn, each in its own transaction; returns one outcome per demand.

    Every demand is checked on its own (the permission, then the service's own rules: a demand already decided
    cannot be deferred, one waiting for an answer cannot be asked again); a refusal or a database error on one
    is reported and the next one goes on. Each customer asked gets their own e-mail and timeline line.
    """
    demands = list(ChangeRequest.objects.filter(pk__in=change_request_ids).order_by("reference"))
    outcomes = [
        BulkOutcome(reference=f"#{missing}", done=False, message=gettext("This demand no longer exists."))
        for missing in sorted(set(change_request_ids) - {demand.pk for demand in demands})
    ]
    for demand in demands:
        if not user.has_perm(BULK_PERMISSIONS[BulkAction(action)]):
            outcomes.append(BulkOutcome(demand.reference, False, gettext("Your role may not do this.")))
            continue
        try:
            with transaction.atomic():
                if action == BulkAction.ASSIGN:
                    change_request_set_owner(change_request=demand, owner=owner, assigned_by=user)
                elif action == BulkAction.ASK:
                    change_request_ask_information(change_request=demand, question=question, asked_by=user)
                else:
                    decision_record(
                        change_request=demand,
                        outcome=DecisionOutcome.DEFERRED,
                        rationale=rationale,
                        decided_by=user,
                        defer_until=defer_until,
                    )
        except ApplicationError as error:
            outcomes.append(BulkOutcome(demand.reference, False, error.message))
        except DatabaseError:
            logger.exception("bulk %s failed on %s", action, demand.reference)
            outcomes.append(BulkOutcome(demand.reference, False, gettext("A database error stopped this one.")))
        else:
            outcomes.append(BulkOutcome(demand.reference, True))
    return outcomes
