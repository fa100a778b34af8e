"""Writes of shared plumbing."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Model

from core.choices import AuditAction, TokenScope
from core.models import ApiToken, AuditEvent, OutboundEmail, RateCounter, SsoIdentity, token_hash
from core.roles import ROLES, STAFF_ROLES


def api_token_create(*, user: User, name: str, scope: str = TokenScope.READ) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw key, which is never stored and cannot be shown again."""
    raw_key = ApiToken.generate_key()
    token = ApiToken(user=user, name=name, scope=scope, prefix=raw_key[:10], key_hash=token_hash(raw_key))
    token.full_clean()
    token.save()
    return token, raw_key


# Every e-mail we send says it is automatic (RFC 3834), so out-of-office robots do not answer it, and carries our
# loop marker, so that a message of ours coming back to the reply mailbox is recognized and dropped.
LOOP_HEADER = "X-Demand-Desk-Loop"
OUTBOUND_HEADERS = {"Auto-Submitted": "auto-generated", LOOP_HEADER: "1"}


def outbound_email_queue(*, to: str, subject: str, body: str, reply_to: str = "") -> OutboundEmail:
    """Store an e-mail with the current transaction and send it by a task once that commits."""
    from core.enqueue import enqueue_on_commit

    email = OutboundEmail(to=to, subject=subject[:255], body=body, reply_to=reply_to)
    email.full_clean(validate_unique=False, validate_constraints=False)  # nothing unique to query for
    email.save(force_insert=True)
    enqueue_on_commit("core.send_email", email.pk)
    return email


def outbound_email_send(*, email_id: int) -> bool:
    """Send one stored e-mail unless it was already sent; the row lock makes a duplicate task harmless."""
    from django.core.mail import EmailMessage
    from django.db import transaction
    from django.utils import timezone

    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id, sent_at__isnull=True).first()
        if email is None:
            return False
        OutboundEmail.objects.filter(pk=email.pk).update(attempts=F("attempts") + 1)
        message = EmailMessage(
            email.subject,
            email.body,
            None,
            [email.to],
            reply_to=[email.reply_to] if email.reply_to else None,
            headers=OUTBOUND_HEADERS,
        )
        message.send(fail_silently=False)
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


@dataclass(frozen=True)
class SsoPerson:
    """Who the identity provider says signed in: its verified claims, reduced to what an account keeps."""

    issuer: str
    subject: str
    username_hint: str
    email: str
    first_name: str
    last_name: str
    groups: tuple[str, ...]


def _sso_username(person: SsoPerson) -> str:
    """The provider's user name (or e-mail) when no account has it yet; else the same, made unique by the identity."""
    wanted = (person.username_hint or person.email or person.subject)[:120]
    if not User.objects.filter(username=wanted).exists():
        return wanted
    suffix = hashlib.sha256(f"{person.issuer} {person.subject}".encode()).hexdigest()[:10]
    return f"{wanted}-{suffix}"


@transaction.atomic
def user_sso_sync(*, person: SsoPerson, roles: Iterable[str]) -> User | None:
    """Make the account of an identity-provider user match what the provider says now, at each sign-in.

    The user's role groups become exactly `roles` (a group taken away at the provider is a role lost here), and
    staff status follows from holding a staff role. Groups that are not roles are left alone. An account is made
    only for someone who gets a role: None for a newcomer without one. The account is found by its identity
    (issuer and subject), never by e-mail, so a provider user cannot take over a local account that shares it.
    """
    roles = frozenset(roles) & frozenset(ROLES)
    identity = SsoIdentity.objects.select_related("user").filter(issuer=person.issuer, subject=person.subject).first()
    if identity is None:
        if not roles:
            return None
        try:
            with transaction.atomic():
                user = User.objects.create_user(username=_sso_username(person), email=person.email)
                identity = SsoIdentity.objects.create(user=user, issuer=person.issuer, subject=person.subject)
        except IntegrityError:  # the same person's first sign-in in another tab won the race
            identity = SsoIdentity.objects.select_related("user").get(issuer=person.issuer, subject=person.subject)
    user = identity.user
    held = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    added, removed = sorted(roles - held), sorted(held - roles)
    if removed:
        user.groups.remove(*Group.objects.filter(name__in=removed))
    if added:
        user.groups.add(*Group.objects.filter(name__in=added))
    was_staff = user.is_staff
    user.is_staff = user.is_superuser or bool(roles & STAFF_ROLES)
    user.email, user.first_name, user.last_name = person.email, person.first_name[:150], person.last_name[:150]
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=["is_staff", "email", "first_name", "last_name"])
    identity.groups = list(person.groups)
    identity.save(update_fields=["groups", "updated_at"])
    if added or removed or was_staff != user.is_staff:
        audit_record(
            action=AuditAction.ROLES_CHANGED,
            actor=user,
            obj=user,
            details={"added": added, "removed": removed, "staff": user.is_staff, "source": "identity provider"},
        )
    return user
