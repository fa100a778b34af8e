"""Shared plumbing: the timestamped base model, API tokens, outbound e-mail, rate counters and the audit trail."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.choices import AuditAction, TokenScope


class BaseModel(models.Model):
    """Every row knows when it was created and last changed."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def token_hash(raw_key: str) -> str:
    """Tokens are stored as SHA-256 digests; a leaked database does not leak working keys."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiToken(BaseModel):
    """A revocable REST API key for one user, read-only or read-write, shown once at creation."""

    name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    prefix = models.CharField(max_length=12, editable=False, help_text="First characters, to recognise a key.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.get_scope_display()})"

    @staticmethod
    def generate_key() -> str:
        return "dd_" + secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class OutboundEmail(BaseModel):
    """An e-mail written in the same transaction as the change it reports, sent later by a task.

    The row is the record: a broker outage delays the e-mail, the sweep sends it, nothing is lost.
    The body is cleared once sent because it may carry a private tracking link.
    """

    to = models.EmailField()
    subject = models.CharField(max_length=255)
    body = models.TextField()
    # Where the reader's reply goes (a demand's signed reply address, intake.conversation.addresses), if anywhere.
    reply_to = models.EmailField(max_length=320, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outbound_email_pending_idx")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class RateCounter(models.Model):
    """Requests counted per key in one fixed time window; the database, not Redis, so limits hold when Redis is down."""

    key = models.CharField(max_length=200)
    # Seconds since the epoch at which the window opened: an integer compares and upserts the same on every database.
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_key_window_unique")]
        indexes = [models.Index(fields=["window_start"], name="rate_counter_window_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start}: {self.count}"


class AuditRefused(Exception):
    """The audit trail is append-only: an existing event is never changed or deleted through the app."""


class AuditEvent(models.Model):
    """Who did (or tried) what to which object, when and from where; written once, never changed."""

    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    # The user row may go; the name it had stays. For a failed sign-in it is the name that was typed.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_reference = models.CharField(max_length=100, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["action", "-created_at"], name="audit_action_time_idx"),
            models.Index(fields=["username", "-created_at"], name="audit_username_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} {self.object_reference}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise AuditRefused("Audit events are append-only; this one cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AuditRefused("Audit events are append-only; this one cannot be deleted.")


class DataVersion(models.Model):
    """A counter per data set, bumped by database triggers on every statement that writes one of its tables.

    A conditional GET over a large list compares this one row instead of counting the list: any write
    (through a service, the admin, a shell or raw SQL) moves it, so a stale answer is never confirmed.
    The triggers are in the migrations of the app that owns the tables (e.g. portfolio's for projects).
    """

    name = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class SsoIdentity(BaseModel):
    """The identity-provider account (issuer and subject) a user signs in with; it, not the e-mail, names the user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identity")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    # The groups the provider sent at the last sign-in, for whoever wonders why a role came or went.
    groups = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_issuer_subject_unique")]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"


class MailboxStatus(models.Model):
    """How the last polls of an inbound mailbox went: the backoff after failures, and what /readyz reports."""

    name = models.CharField(max_length=40, primary_key=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set by the poll running now (a guarded update), so that two overlapping polls never read the same messages.
    polling_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.consecutive_failures} failures"

    @property
    def is_reachable(self) -> bool:
        return self.consecutive_failures == 0
