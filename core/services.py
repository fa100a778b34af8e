"""Writes of shared plumbing."""

import json
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Model

from core.choices import AuditAction, TokenScope
from core.models import ApiToken, AuditEvent, OutboundEmail, RateCounter, token_hash


def api_token_create(*, user: User, name: str, scope: str = TokenScope.READ) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw key, which is never stored and cannot be shown again."""
    raw_key = ApiToken.generate_key()
    token = ApiToken(user=user, name=name, scope=scope, prefix=raw_key[:10], key_hash=token_hash(raw_key))
    token.full_clean()
    token.save()
    return token, raw_key


def outbound_email_queue(*, to: str, subject: str, body: str) -> OutboundEmail:
    """Store an e-mail with the current transaction and send it by a task once that commits."""
    from core.enqueue import enqueue_on_commit

    email = OutboundEmail(to=to, subject=subject[:255], body=body)
    email.full_clean(validate_unique=False, validate_constraints=False)  # nothing unique to query for
    email.save(force_insert=True)
    enqueue_on_commit("core.send_email", email.pk)
    return email


def outbound_email_send(*, email_id: int) -> bool:
    """Send one stored e-mail unless it was already sent; the row lock makes a duplicate task harmless."""
    from django.core.mail import send_mail
    from django.db import transaction
    from django.utils import timezone

    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id, sent_at__isnull=True).first()
        if email is None:
            return False
        OutboundEmail.objects.filter(pk=email.pk).update(attempts=F("attempts") + 1)
        send_mail(email.subject, email.body, None, [email.to], fail_silently=False)
        OutboundEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now(), body="")
    return True


def audit_record(
    *,
    action: AuditAction,
    actor: User | None = None,
    username: str = "",
    obj: Model | None = None,
    reference: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one event to the audit trail; the address and request id come from the current request.

    Called inside the caller's transaction, so an action that rolls back leaves no event behind.
    """
    from core.requestlog import client_ip_var, request_id_var

    event = AuditEvent(
        action=action,
        actor=actor,
        username=(username or (actor.get_username() if actor is not None else ""))[:150],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_reference=str(reference)[:100],
        ip_address=client_ip_var.get(),
        request_id=request_id_var.get() if request_id_var.get() != "-" else "",
        # Decimals and dates in details are stored as the strings the API would show.
        details=json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder)),
    )
    event.full_clean()
    event.save()
    return event


# Anonymous refusals (a 403, a failed CSRF check, a wrong tracking link) are counted per client and window,
# and written as one audit row per client and window once the window has closed, with the count: a flood
# costs a counter, not a row per request, and nothing the sender chose (a path, a token) is kept. The
# counters live beside the rate limits' (core.RateCounter), under this prefix.
ANONYMOUS_AUDIT_PREFIX = "audit:"
# At most this many client windows are written per run of the flush; the next run takes the rest.
ANONYMOUS_AUDIT_FLUSH_BATCH = 1000


def audit_anonymous_count(*, action: AuditAction) -> None:
    """Count one anonymous refusal of `action` from the current request's client; one statement, no row yet."""
    from core.ratelimit import counter_add
    from core.requestlog import client_ip_var

    counter_add(
        f"{ANONYMOUS_AUDIT_PREFIX}{action}:{client_ip_var.get() or '-'}", settings.AUDIT_ANONYMOUS_WINDOW_SECONDS
    )


def audit_anonymous_flush(*, now: float | None = None) -> int:
    """Write one audit row, with its count, per client and closed window of anonymous refusals; return how many.

    The counters written are deleted in the same transaction, and rows locked by a concurrent run are
    skipped, so running it twice or at once writes each window once.
    """
    from core.ratelimit import window_start_current

    window_seconds = settings.AUDIT_ANONYMOUS_WINDOW_SECONDS
    with transaction.atomic():
        counters = list(
            RateCounter.objects.select_for_update(skip_locked=True)
            .filter(
                key__startswith=ANONYMOUS_AUDIT_PREFIX, window_start__lt=window_start_current(window_seconds, now=now)
            )
            .order_by("window_start", "key")[:ANONYMOUS_AUDIT_FLUSH_BATCH]
        )
        events = []
        for counter in counters:
            _prefix, action, client = counter.key.split(":", 2)
            opened = datetime.fromtimestamp(counter.window_start, tz=UTC)
            events.append(
                AuditEvent(
                    created_at=opened,
                    action=AuditAction(action),
                    ip_address=None if client == "-" else client,
                    details={
                        "count": counter.count,
                        "until": datetime.fromtimestamp(counter.window_start + window_seconds, tz=UTC).isoformat(),
                    },
                )
            )
        # Append-only rows, inserted at once; AuditEvent.save() would only add its own "new rows only" check.
        AuditEvent.objects.bulk_create(events)
        RateCounter.objects.filter(pk__in=[counter.pk for counter in counters]).delete()
    return len(events)
