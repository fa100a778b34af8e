"""Shared plumbing: the timestamped base model and API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.choices import TokenScope


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
