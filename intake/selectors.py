"""Intake reads."""

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.money import money_text
from intake.choices import OPEN_STATUSES, ChangeRequestStatus, EventVisibility
from intake.models import Attachment, ChangeRequest, Customer, CustomerDomain, Product, StatusEvent
from intake.tracking import tracking_token_hash


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def customer_for_email(email: str) -> Customer | None:
    """The customer whose registered domain the contact writes from; free-mail never matches."""
    domain = email_domain(email)
    if not domain or domain in settings.FREE_MAIL_DOMAINS:
        return None
    match = CustomerDomain.objects.select_related("customer").filter(domain=domain).first()
    return match.customer if match else None


def asker_key(*, customer_id: int | None, contact_email: str) -> str:
    """Who asks, for counting distinct customers: the matched customer, else the e-mail domain (not a
    free-mail one), else the address. Two demands with the same key are one customer asking twice: a copy
    adds neither breadth nor revenue. `triage/selectors/whatif.py::WHATIF_SQL` computes the same key in SQL."""
    if customer_id is not None:
        return f"customer:{customer_id}"
    domain = email_domain(contact_email)
    if domain and domain not in settings.FREE_MAIL_DOMAINS:
        return f"domain:{domain}"
    return f"email:{contact_email.strip().lower()}"


def product_list_active() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).order_by("name")


def change_request_by_tracking_token(raw_token: str) -> ChangeRequest | None:
    """The one demand this private link opens, or None (the caller answers a plain 404)."""
    if not raw_token or len(raw_token) > 128:
        return None
    digest = tracking_token_hash(raw_token)
    demands = ChangeRequest.objects.select_related("product", "customer")
    # The first link's hash is on the demand; later e-mails' links are rows of TrackingLink. Two indexed
    # lookups (the second only when the first misses), never an OR across the join that no index serves.
    return (
        demands.filter(tracking_token_hash=digest).first() or demands.filter(tracking_links__token_hash=digest).first()
    )


def change_request_open_for_contact(email: str) -> QuerySet[ChangeRequest]:
    """The open demands filed from this address (any case), oldest first: what "Lost your link?" re-sends."""
    return ChangeRequest.objects.filter(contact_email__iexact=email.strip(), status__in=OPEN_STATUSES).order_by(
        "created_at", "pk"
    )


def status_event_timeline(*, change_request: ChangeRequest, customer_view: bool) -> QuerySet[StatusEvent]:
    events = StatusEvent.objects.filter(change_request=change_request).select_related("actor")
    if customer_view:
        events = events.filter(visibility=EventVisibility.CUSTOMER)
    return events.order_by("created_at", "pk")


def status_event_open_question(*, change_request: ChangeRequest) -> StatusEvent | None:
    """The question the customer owes an answer to, when the demand waits for information."""
    if not change_request.is_answerable:
        return None
    return (
        StatusEvent.objects.filter(change_request=change_request, to_status=ChangeRequestStatus.NEEDS_INFO)
        .order_by("-created_at", "-pk")
        .first()
    )


def attachment_list(*, change_request: ChangeRequest) -> QuerySet[Attachment]:
    return Attachment.objects.filter(change_request=change_request).order_by("created_at", "pk")


def attachment_get(*, attachment_id: int, change_request: ChangeRequest | None = None) -> Attachment | None:
    """One attachment by id; with a demand, only if it belongs to that demand (the tracking link's)."""
    attachments = Attachment.objects.select_related("change_request")
    if change_request is not None:
        attachments = attachments.filter(change_request=change_request)
    return attachments.filter(pk=attachment_id).first()


def status_event_decision_message(*, change_request: ChangeRequest) -> StatusEvent | None:
    """The message written for the customer with the decision that set the current status."""
    if not change_request.is_decided:
        return None
    return (
        StatusEvent.objects.filter(
            change_request=change_request, to_status=change_request.status, visibility=EventVisibility.CUSTOMER
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def change_request_webhook_payload(demand: ChangeRequest) -> dict:
    """What webhook receivers learn about a demand: no contact's personal data, no tracking link, no query."""
    from django.urls import reverse

    return {
        "reference": demand.reference,
        "title": demand.title,
        "kind": demand.kind,
        "status": demand.status,
        "agenda": demand.agenda,
        "product_id": demand.product_id,
        "customer_id": demand.customer_id,
        "revenue_at_stake": money_text(demand.revenue_at_stake),
        "currency": demand.currency,
        "desired_date": demand.desired_date,
        "filed_at": demand.created_at,
        "url": settings.SITE_URL + reverse("triage:detail", kwargs={"reference": demand.reference}),
    }


def change_request_ids_similarity_due(*, older_than_seconds: int = 60, limit: int = 1000) -> list[int]:
    """Demands whose similar demands have been due for a while (the broker was down when they were filed, say),
    longest waiting first."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        ChangeRequest.objects.filter(similarity_requested_at__lt=cutoff)
        .order_by("similarity_requested_at")
        .values_list("pk", flat=True)[:limit]
    )
