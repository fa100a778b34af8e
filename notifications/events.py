"""Who is told of what: one producer per event, each called by a task of `notifications.tasks` after commit.

Every producer names its occurrence with a key (`notify`'s idempotency), so a task retried or delivered twice
tells nobody twice. Each reads by id what the task was given; a row gone meanwhile is nothing to tell.
"""

from django.contrib.auth.models import User
from django.urls import reverse

from core import roles
from intake.choices import OPEN_STATUSES, ChangeRequestStatus, CommentKind
from intake.models import ChangeRequest, Comment, StatusEvent
from notifications.choices import NotificationEvent
from notifications.selectors import user_ids_with_permission
from notifications.services import notify
from triage.choices import RescoreJobStatus
from triage.models import RescoreJob
from triage.selectors import decision_clocks
from webhooks.choices import EndpointStatus
from webhooks.models import WebhookEndpoint

DUE_SWEEP_CHUNK = 500


def _demand(change_request_id: int) -> ChangeRequest | None:
    return ChangeRequest.objects.select_related("product", "customer", "owner").filter(pk=change_request_id).first()


def demand_filed_notify(*, change_request_id: int) -> int:
    """A new demand: its product manager and its customer's account manager; its owner (set by rule) is assigned."""
    demand = _demand(change_request_id)
    if demand is None:
        return 0
    managers = [demand.product.product_manager_id, demand.customer.account_manager_id if demand.customer else None]
    told = notify(
        event=NotificationEvent.DEMAND_FILED,
        recipients=managers,
        key=f"demand_filed:{demand.pk}",
        change_request=demand,
    )
    if demand.owner_id is not None:
        told += notify(
            event=NotificationEvent.ASSIGNED,
            recipients=[demand.owner_id],
            key=f"assigned:{demand.pk}:filed",
            change_request=demand,
        )
    return len(told)


def customer_answered_notify(*, change_request_id: int, status_event_id: int) -> int:
    """The customer answered our question: the demand's owner and whoever asked."""
    demand = _demand(change_request_id)
    if demand is None:
        return 0
    asked_by = (
        StatusEvent.objects.filter(
            change_request=demand, to_status=ChangeRequestStatus.NEEDS_INFO, pk__lt=status_event_id
        )
        .order_by("-pk")
        .values_list("actor_id", flat=True)
        .first()
    )
    return len(
        notify(
            event=NotificationEvent.CUSTOMER_ANSWERED,
            recipients=[demand.owner_id, asked_by],
            key=f"customer_answered:{status_event_id}",
            change_request=demand,
        )
    )


def demand_assigned_notify(*, change_request_id: int, status_event_id: int, owner_id: int, actor_id: int | None) -> int:
    """A demand got a new owner (the timeline line `status_event_id`): tell that owner, unless they took it."""
    demand = _demand(change_request_id)
    if demand is None:
        return 0
    return len(
        notify(
            event=NotificationEvent.ASSIGNED,
            recipients=[owner_id],
            key=f"assigned:{demand.pk}:{status_event_id}",
            change_request=demand,
            actor=User.objects.filter(pk=actor_id).first() if actor_id else None,
        )
    )


def comment_posted_notify(*, comment_id: int) -> int:
    """A message of a demand's conversation: a customer's tells the owner and the staff who replied to them;
    an internal note tells the staff it @mentions. Never the author; a staff reply tells no staff."""
    comment = Comment.objects.select_related("change_request").filter(pk=comment_id).first()
    if comment is None:
        return 0
    demand = comment.change_request
    if comment.kind == CommentKind.CUSTOMER:
        repliers = Comment.objects.filter(change_request=demand, kind=CommentKind.REPLY).values_list(
            "author_id", flat=True
        )
        event, recipients = NotificationEvent.CUSTOMER_COMMENTED, [demand.owner_id, *repliers]
    elif comment.kind == CommentKind.NOTE:
        event, recipients = NotificationEvent.MENTIONED, list(comment.mentions.values_list("pk", flat=True))
    else:
        return 0
    return len(
        notify(
            event=event,
            recipients=recipients,
            key=f"comment:{comment.pk}",
            change_request=demand,
            actor=comment.author,
        )
    )


def rescore_finished_notify(*, job_id: int) -> int:
    """A rescoring job is over: whoever started it."""
    job = RescoreJob.objects.filter(pk=job_id, status=RescoreJobStatus.DONE).select_related("scoring_model").first()
    if job is None:
        return 0
    return len(
        notify(
            event=NotificationEvent.RESCORE_FINISHED,
            recipients=[job.started_by_id],
            key=f"rescore_finished:{job.pk}",
            label=f"v{job.scoring_model.version}: {job.done}/{job.total}",  # the same in every reader's language
            link=reverse("triage:scoring_model"),
        )
    )


def webhook_paused_notify(*, endpoint_id: int, actor_id: int | None) -> int:
    """An endpoint was paused (by hand or after failures): whoever manages webhooks, but not who paused it."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, status=EndpointStatus.PAUSED).first()
    if endpoint is None or endpoint.paused_at is None:
        return 0
    return len(
        notify(
            event=NotificationEvent.WEBHOOK_PAUSED,
            recipients=user_ids_with_permission(roles.MANAGE_WEBHOOKS),
            key=f"webhook_paused:{endpoint.pk}:{endpoint.paused_at.timestamp():.6f}",
            actor=User.objects.filter(pk=actor_id).first() if actor_id else None,
            label=endpoint.url,
            link=reverse("webhooks:detail", kwargs={"endpoint_id": endpoint.pk}),
        )
    )


def decisions_due_notify() -> int:
    """Every open demand whose decision is due soon or overdue: its owner, product manager and the deciders.

    Once per demand and state (the key), however often the sweep runs; chunked so memory stays bounded.
    """
    deciders = user_ids_with_permission(roles.DECIDE)
    told, last_pk = 0, 0
    while True:
        chunk = list(
            ChangeRequest.objects.filter(status__in=OPEN_STATUSES, pk__gt=last_pk)
            .select_related("product", "customer")
            .order_by("pk")[:DUE_SWEEP_CHUNK]
        )
        if not chunk:
            return told
        last_pk = chunk[-1].pk
        for demand_id, clock in decision_clocks(demands=chunk).items():
            if not clock["state"]:
                continue
            demand = next(demand for demand in chunk if demand.pk == demand_id)
            event = (
                NotificationEvent.DECISION_OVERDUE
                if clock["state"] == "overdue"
                else NotificationEvent.DECISION_DUE_SOON
            )
            told += len(
                notify(
                    event=event,
                    recipients=[demand.owner_id, demand.product.product_manager_id, *deciders],
                    key=f"{event}:{demand.pk}",
                    change_request=demand,
                )
            )
