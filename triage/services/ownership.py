"""Who owns a demand: set by the product's rule at filing (intake), changed here by hand, always on the timeline."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core import roles
from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.people import person_name
from intake.choices import EventVisibility
from intake.models import ChangeRequest
from intake.services import status_event_record

NOTIFY_ASSIGNED_TASK = "notifications.demand_assigned"  # tells the new owner (notifications app)


@transaction.atomic
def change_request_set_owner(*, change_request: ChangeRequest, owner: User | None, assigned_by: User) -> ChangeRequest:
    """Give a demand its owner (None: nobody); the timeline says who did it, and the new owner is told after commit.

    The row lock orders two reassignments of the same demand, so each timeline line names the owner it replaced.
    """
    if owner is not None and not (owner.is_active and owner.is_staff and owner.has_perm(roles.CHANGE_DEMAND)):
        raise ApplicationError(gettext("{name} cannot own demands.").format(name=person_name(owner)))
    previous = ChangeRequest.objects.select_for_update().filter(pk=change_request.pk).values_list("owner_id", flat=True)
    if previous.first() == (owner.pk if owner is not None else None):
        raise ApplicationError(
            gettext("{reference} already has this owner.").format(reference=change_request.reference)
        )
    ChangeRequest.objects.filter(pk=change_request.pk).update(owner=owner, updated_at=timezone.now())
    change_request.owner = owner
    # A line of ours, by key: written in the reader's language when shown (intake.choices.TIMELINE_NOTES).
    event = status_event_record(
        change_request=change_request,
        actor=assigned_by,
        note_key="owner_set" if owner is not None else "owner_removed",
        note_params={"owner": person_name(owner)} if owner is not None else None,
        visibility=EventVisibility.INTERNAL,
    )
    if owner is not None:
        enqueue_on_commit(NOTIFY_ASSIGNED_TASK, change_request.pk, event.pk, owner.pk, assigned_by.pk)
    return change_request
