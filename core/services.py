"""Writes of shared plumbing."""

import json

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, Model

from core.choices import AuditAction, TokenScope
from core.models import ApiToken, AuditEvent, OutboundEmail, token_hash


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
