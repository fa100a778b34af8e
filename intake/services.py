"""Intake writes: filing a demand, its status transitions and the customer's own actions."""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language, get_supported_language_variant, gettext

from core.emails import email_render
from core.enqueue import enqueue_now, enqueue_on_commit
from core.exceptions import ApplicationError
from core.services import outbound_email_queue
from intake.choices import (
    ANSWERABLE_STATUSES,
    CUSTOMER_STATUS_LABELS,
    WITHDRAWABLE_STATUSES,
    Agenda,
    ChangeRequestKind,
    ChangeRequestStatus,
    Currency,
    DeliveryStage,
    EventVisibility,
)
from intake.conversation.addresses import reply_address
from intake.filetypes import display_name
from intake.models import (
    SAVINGS_FIELDS,
    Attachment,
    ChangeRequest,
    Customer,
    Product,
    ReferenceCounter,
    StatusEvent,
    TrackingLink,
    yearly_savings_of,
)
from intake.selectors import change_request_open_for_contact, change_request_webhook_payload, customer_for_email
from intake.tracking import tracking_token_hash, tracking_token_new, tracking_url
from webhooks.choices import EventType
from webhooks.services import webhook_event_publish

SCORE_TASK = "triage.score_change_request"
SIMILARITY_TASK = "intake.find_similar_demands"
# Staff notifications (the notifications app, above the stages, tells who is concerned once this commits).
NOTIFY_FILED_TASK = "notifications.demand_filed"
NOTIFY_ANSWERED_TASK = "notifications.customer_answered"


class InvalidTransition(ApplicationError):
    """The demand is no longer in a state that allows this action."""


class IdempotencyKeyReused(ApplicationError):
    """An idempotency key already filed a demand from another request body: nothing is filed, nothing replayed."""

    code = "idempotency_key_reused"


class IdempotencyKeyExpired(ApplicationError):
    """An idempotency key older than its lifetime: it replays nothing and files nothing (use a new key)."""

    code = "idempotency_key_expired"
    status = 422


@dataclass(frozen=True)
class Submission:
    """What a customer (or an integration) files: the validated fields of the form or the API."""

    title: str
    description: str
    contact_name: str
    contact_email: str
    product: Product
    kind: str = ChangeRequestKind.CUSTOMIZATION
    organization_name: str = ""
    business_justification: str = ""
    revenue_at_stake: Decimal = Decimal("0")
    currency: str = Currency.EUR
    desired_date: date | None = None
    agenda: str = Agenda.BT
    risk_shares_ip: bool = False
    risk_exclusive: bool = False
    risk_security: bool = False
    # What an internal business unit saves (in `currency`); an external client states revenue instead.
    hours_saved_per_year: Decimal = Decimal("0")
    loaded_hourly_rate: Decimal = Decimal("0")
    licences_retired_per_year: Decimal = Decimal("0")
    transactions_per_year: int = 0
    cost_per_transaction_before: Decimal = Decimal("0")
    cost_per_transaction_after: Decimal = Decimal("0")
    risk_exposure_avoided: Decimal = Decimal("0")
    # The customer the contact's e-mail domain matched, when the form already looked it up (else the service does).
    customer: Customer | None = None
    customer_looked_up: bool = False
    extra: dict = field(default_factory=dict)
    # The customer's language; empty: the language of the request being served (the page they filed from).
    language: str = ""

    def model_fields(self) -> dict:
        fields = asdict(self)
        for name in ("extra", "customer", "customer_looked_up"):
            fields.pop(name)
        fields["product"] = self.product
        fields["yearly_savings"] = yearly_savings_of(
            **{name: fields[name] for name in SAVINGS_FIELDS if name != "risk_exposure_avoided"}
        )
        fields["language"] = get_supported_language_variant(self.language or get_language() or settings.LANGUAGE_CODE)
        return fields


def reference_next(*, year: int | None = None) -> str:
    """Hand out the next `CR-<year>-<nnnnn>` in one statement; call it inside the filing's transaction.

    The upsert locks the year's counter row until that transaction ends, so concurrent filings are
    numbered one after the other, and a filing that rolls back gives its number back.
    """
    year = year or timezone.now().year
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last_number) VALUES (%s, 1) "  # noqa: S608 (our own table name)
            f"ON CONFLICT (year) DO UPDATE SET last_number = {table}.last_number + 1 RETURNING last_number",
            [year],
        )
        number = cursor.fetchone()[0]
    return f"CR-{year}-{number:05d}"


def status_event_record(
    *,
    change_request: ChangeRequest,
    to_status: str = "",
    from_status: str = "",
    actor: User | None = None,
    actor_label: str = "",
    note: str = "",
    note_key: str = "",
    note_params: dict | None = None,
    visibility: str = EventVisibility.CUSTOMER,
    delivery_stage: str = "",
) -> StatusEvent:
    """Append one line to a demand's timeline: typed text in `note`, or a line of ours as `note_key` and
    `note_params` (intake.choices.TIMELINE_NOTES), written in the reader's language when shown."""
    return StatusEvent.objects.create(
        change_request=change_request,
        from_status=from_status,
        to_status=to_status,
        delivery_stage=delivery_stage,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label,
        note=note,
        note_key=note_key,
        note_params=note_params or {},
        visibility=visibility,
    )


def change_request_submit(
    *,
    submission: Submission,
    idempotency_key: str | None = None,
    request_fingerprint: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> tuple[ChangeRequest, str, bool]:
    """File a demand; scoring, similarity and e-mail run only once the row is committed.

    Returns the demand, its raw tracking token and whether it was created now (False for a replay of
    an idempotency key already used, which returns the first demand unchanged). The unique key is
    the guard: a replay collides on insert, its whole transaction rolls back (the reference it drew
    included, so no number is lost), and the first demand is returned. With a `request_fingerprint`
    (the API's), a replay must carry the same one and come within `IDEMPOTENCY_KEY_LIFETIME_HOURS`:
    otherwise it is refused (IdempotencyKeyReused, IdempotencyKeyExpired) and nothing is filed.
    """
    raw_token = tracking_token_new(idempotency_key=idempotency_key)
    # Stored as a digest: fixed length whatever the client sends, and nothing a client chose is kept.
    key_digest = hashlib.sha256(idempotency_key.encode()).hexdigest() if idempotency_key is not None else None
    stored_files: list[str] = []
    try:
        with transaction.atomic():
            demand = _change_request_create(
                submission=submission,
                raw_token=raw_token,
                key_digest=key_digest,
                request_fingerprint=request_fingerprint,
                attachments=attachments,
                stored_files=stored_files,
            )
    except IntegrityError:
        for name in stored_files:
            default_storage.delete(name)
        existing = ChangeRequest.objects.filter(idempotency_key=key_digest).first() if key_digest else None
        if existing is None:
            raise
        _idempotent_replay_check(existing=existing, request_fingerprint=request_fingerprint)
        return existing, raw_token, False
    return demand, raw_token, True


def _idempotent_replay_check(*, existing: ChangeRequest, request_fingerprint: str) -> None:
    if not request_fingerprint:
        return
    # A demand filed before fingerprints were kept has none: its replays are answered as before.
    if existing.idempotency_fingerprint and existing.idempotency_fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            gettext(
                "This Idempotency-Key already filed %(reference)s with another request body; nothing was filed. "
                "Send a new key for a new demand."
            )
            % {"reference": existing.reference}
        )
    lifetime = timedelta(hours=settings.IDEMPOTENCY_KEY_LIFETIME_HOURS)
    if existing.created_at < timezone.now() - lifetime:
        raise IdempotencyKeyExpired(
            gettext("This Idempotency-Key is older than %(hours)d hours; nothing was filed. Send a new key.")
            % {"hours": settings.IDEMPOTENCY_KEY_LIFETIME_HOURS}
        )


def _change_request_create(
    *,
    submission: Submission,
    raw_token: str,
    key_digest: str | None,
    request_fingerprint: str,
    attachments: Sequence[UploadedFile],
    stored_files: list[str],
) -> ChangeRequest:
    customer = submission.customer if submission.customer_looked_up else customer_for_email(submission.contact_email)
    fields = submission.model_fields()
    if customer is not None and customer.is_internal:
        # The e-mail domain decides: a contact of an internal business unit files for the IT agenda.
        fields["agenda"] = Agenda.IT
    demand = ChangeRequest(
        **fields,
        reference=reference_next(),
        customer=customer,
        owner_id=submission.product.default_owner_id,
        tracking_token_hash=tracking_token_hash(raw_token),
        idempotency_key=key_digest,
        idempotency_fingerprint=request_fingerprint,
        scoring_requested_at=timezone.now(),
        similarity_requested_at=timezone.now(),
    )
    # Field validators run here, in Python. Relations come checked from the form or serializer and
    # from our own lookup; uniqueness and CHECK constraints are the database's, which answers with
    # the insert itself instead of one query per rule.
    demand.full_clean(
        exclude=[
            "reference",
            "tracking_token_hash",
            "idempotency_key",
            "idempotency_fingerprint",
            "product",
            "customer",
        ],
        validate_unique=False,
        validate_constraints=False,
    )
    demand.save(force_insert=True)
    for upload in attachments:
        stored_files.append(attachment_store(change_request=demand, upload=upload).stored_name)
    status_event_record(
        change_request=demand,
        to_status=demand.status,
        actor_label=demand.contact_name,
        note_key="received",
    )
    email = email_render(
        "demand_received",
        context={"demand": demand, "tracking_url": tracking_url(raw_token)},
        language=demand.language,
    )
    outbound_email_queue(
        to=demand.contact_email, subject=email.subject, body=email.body, reply_to=reply_address(demand.reference)
    )
    enqueue_on_commit(SCORE_TASK, demand.pk)
    enqueue_on_commit(SIMILARITY_TASK, demand.pk)
    enqueue_on_commit(NOTIFY_FILED_TASK, demand.pk)
    webhook_event_publish(event_type=EventType.DEMAND_SUBMITTED, payload=change_request_webhook_payload(demand))
    return demand


def change_request_scoring_request(*, change_request_id: int) -> None:
    """Mark a demand's score as due (its inputs changed) and enqueue its scoring once this commits.

    Call it in the transaction that changes the inputs: the mark and the change commit together, and the
    mark's row lock orders it after any scoring run that read the old inputs, so no change goes unscored.
    The update matches the row whatever its mark (a filter on the mark would skip a row a scoring run is
    about to clear); Coalesce keeps the earliest mark, so the demand waiting longest is scored first.
    """
    ChangeRequest.objects.filter(pk=change_request_id).update(
        scoring_requested_at=Coalesce(F("scoring_requested_at"), Value(timezone.now()))
    )
    enqueue_on_commit(SCORE_TASK, change_request_id)


def attachment_store(*, change_request: ChangeRequest, upload: UploadedFile) -> Attachment:
    """Keep one checked upload under a random name in the attachment store, and record it."""
    from intake.uploads import CheckedUpload

    if not isinstance(upload, CheckedUpload):
        # Only the streaming handler establishes type, size and digest; nothing else is trusted.
        raise ApplicationError(gettext("“{name}” was not checked and cannot be attached.").format(name=upload.name))
    # The name on disk is ours alone: 128 random bits, no extension, no part of the customer's name.
    stored_name = default_storage.save(secrets.token_hex(16), upload)
    attachment = Attachment(
        change_request=change_request,
        original_name=display_name(upload.name or ""),
        stored_name=stored_name,
        content_type=upload.content_type or "",
        size=upload.size or 0,
        sha256=upload.sha256,
    )
    attachment.full_clean(exclude=["change_request"])
    attachment.save()
    return attachment


# The statuses a customer is e-mailed about, and the e-mail (templates/emails/<name>/) that tells them.
CUSTOMER_STATUS_EMAILS = {
    ChangeRequestStatus.NEEDS_INFO: "demand_needs_info",
    ChangeRequestStatus.APPROVED: "demand_approved",
    ChangeRequestStatus.REJECTED: "demand_rejected",
    ChangeRequestStatus.DEFERRED: "demand_deferred",
    ChangeRequestStatus.WITHDRAWN: "demand_withdrawn",
}


def tracking_link_issue(*, change_request: ChangeRequest) -> str:
    """Mint a fresh private link to this one demand for an e-mail, keep only its hash, return its URL.

    Call it in the transaction that queues the e-mail: the link and the e-mail commit together.
    """
    raw_token = tracking_token_new(idempotency_key=None)
    TrackingLink.objects.create(change_request=change_request, token_hash=tracking_token_hash(raw_token))
    return tracking_url(raw_token)


def customer_email_queue(
    *, change_request: ChangeRequest, name: str, context: dict | None = None, language: str | None = None
) -> None:
    """Queue the e-mail `name` to the demand's contact, with a fresh private link (`tracking_url`) in its context,
    in the language the customer filed in unless `language` says otherwise."""
    email = email_render(
        name,
        context={
            "demand": change_request,
            "tracking_url": tracking_link_issue(change_request=change_request),
            **(context or {}),
        },
        language=language or change_request.language or None,
    )
    outbound_email_queue(
        to=change_request.contact_email,
        subject=email.subject,
        body=email.body,
        reply_to=reply_address(change_request.reference),
    )


def tracking_links_send(*, email: str, language: str | None = None) -> int:
    """E-mail the address a fresh private link to each of its open demands; nothing when it has none.

    Runs in a Celery task after the "Lost your link?" page has answered, so that page costs the same
    whether or not the address is known. Returns the number of links sent.
    """
    with transaction.atomic():
        demands = list(change_request_open_for_contact(email))
        if not demands:
            return 0
        links = [(demand, tracking_link_issue(change_request=demand)) for demand in demands]
        rendered = email_render(
            "tracking_links",
            context={"links": links, "name": demands[-1].contact_name},
            language=language or demands[-1].language or None,
        )
        outbound_email_queue(to=demands[-1].contact_email, subject=rendered.subject, body=rendered.body)
    return len(links)


def change_request_transition(
    *,
    change_request: ChangeRequest,
    from_statuses: tuple[str, ...],
    to_status: str,
    actor: User | None = None,
    actor_label: str = "",
    note: str = "",
    visibility: str = EventVisibility.CUSTOMER,
) -> ChangeRequest:
    """Move a demand between statuses with a guarded update, record the event, tell the customer.

    The update only moves a row still in one of `from_statuses`; if nothing moved, someone else
    changed it first and the caller is refused rather than overwriting their change.
    """
    with transaction.atomic():
        previous = ChangeRequest.objects.filter(pk=change_request.pk).values_list("status", flat=True).first()
        moved = ChangeRequest.objects.filter(pk=change_request.pk, status__in=from_statuses).update(
            status=to_status, updated_at=timezone.now()
        )
        if not moved:
            raise InvalidTransition(
                gettext("{reference} is {status}; it cannot become {new_status} now.").format(
                    reference=change_request.reference,
                    status=ChangeRequestStatus(previous).label.lower() if previous else gettext("gone"),
                    new_status=ChangeRequestStatus(to_status).label.lower(),
                )
            )
        change_request.status = to_status
        status_event_record(
            change_request=change_request,
            from_status=previous or "",
            to_status=to_status,
            actor=actor,
            actor_label=actor_label,
            note=note,
            visibility=visibility,
        )
        email_name = CUSTOMER_STATUS_EMAILS.get(ChangeRequestStatus(to_status))
        if email_name and visibility == EventVisibility.CUSTOMER:
            customer_email_queue(
                change_request=change_request,
                name=email_name,
                context={"status": CUSTOMER_STATUS_LABELS[ChangeRequestStatus(to_status)], "note": note},
            )
    return change_request


def change_request_answer(*, change_request: ChangeRequest, answer: str) -> ChangeRequest:
    """The customer answers our question: back to `submitted`, and rescored."""
    answer = answer.strip()
    if not answer:
        raise ApplicationError(gettext("Please write an answer."))
    with transaction.atomic():
        change_request_transition(
            change_request=change_request,
            from_statuses=ANSWERABLE_STATUSES,
            to_status=ChangeRequestStatus.SUBMITTED,
            actor_label=change_request.contact_name,
            note=answer,
        )
        change_request_scoring_request(change_request_id=change_request.pk)
        answered = StatusEvent.objects.filter(change_request=change_request).latest("pk")
        enqueue_on_commit(NOTIFY_ANSWERED_TASK, change_request.pk, answered.pk)
    return change_request


def change_request_withdraw(*, change_request: ChangeRequest, reason: str = "") -> ChangeRequest:
    """The customer withdraws an undecided demand."""
    return change_request_transition(
        change_request=change_request,
        from_statuses=WITHDRAWABLE_STATUSES,
        to_status=ChangeRequestStatus.WITHDRAWN,
        actor_label=change_request.contact_name,
        note=reason.strip(),  # the status says it; a reason only when the customer gave one
    )


def change_request_delivery_follow(*, change_request: ChangeRequest, stage: str, actor: User | None = None) -> bool:
    """An approved demand's project moved: its customer status follows, with a timeline entry and an e-mail.

    Called by portfolio when a project takes a demand or changes status. Being planned is what approval
    already told the customer, so reaching `planned` writes no entry. A guarded update: only an approved
    demand not yet at this stage moves, so a repeated call records nothing twice. Returns whether it moved.
    """
    with transaction.atomic():
        previous = ChangeRequest.objects.filter(pk=change_request.pk).values_list("delivery_stage", flat=True).first()
        moved = (
            ChangeRequest.objects.filter(pk=change_request.pk, status=ChangeRequestStatus.APPROVED)
            .exclude(delivery_stage=stage)
            .update(delivery_stage=stage, updated_at=timezone.now())
        )
        if not moved:
            return False
        change_request.delivery_stage = stage
        if stage == (previous or DeliveryStage.PLANNED):
            return True  # "" → planned: the approval already said so
        status_event_record(change_request=change_request, delivery_stage=stage, actor=actor)
        customer_email_queue(
            change_request=change_request,
            name="demand_delivery",
            context={"stage": stage, "stages": DeliveryStage, "status": DeliveryStage(stage).label},
        )
    return True


def similarity_due_resend(*, change_request_ids: Sequence[int]) -> None:
    """Send these demands' similarity pass again, and move their due-mark to now: a demand whose pass keeps
    failing is tried once per sweep interval, behind those waiting longer, and never starves them."""
    ChangeRequest.objects.filter(pk__in=change_request_ids, similarity_requested_at__isnull=False).update(
        similarity_requested_at=timezone.now()
    )
    for change_request_id in change_request_ids:
        enqueue_now(SIMILARITY_TASK, change_request_id)
