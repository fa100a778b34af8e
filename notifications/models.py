from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from notifications.choices import EmailMode, NotificationEvent


class Notification(models.Model):
    """One thing one staff member is told, in the app and (per their preference) by e-mail."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=30, choices=NotificationEvent.choices)
    # What makes this notification the one it is ("demand_filed:42"): unique per recipient, so a task that runs
    # twice (a retry, a redelivery after a crash) inserts nothing the second time.
    key = models.CharField(max_length=200)
    change_request = models.ForeignKey(
        "intake.ChangeRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label = models.CharField(
        max_length=300, blank=True, help_text="What it is about, as typed (a demand, an endpoint)."
    )
    link = models.CharField(max_length=300, blank=True, help_text="The page to open, a path on this site.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once the notification went out by e-mail (at once or in a digest); a guarded update claims it.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_recipient_key_unique")]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.key}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(BaseModel):
    """How one staff member wants to be told: e-mail at once, in a daily digest or never; language, time zone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_mode = models.CharField(_("e-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    # The reader's local day whose digest went out; a guarded update on it sends each day's digest once.
    digest_sent_on = models.DateField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email_mode}"
