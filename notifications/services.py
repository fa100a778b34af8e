"""Writes of notifications: `notify` (the one producer every stage calls), reading them, preferences, digests.

`notify` runs inside a Celery task, after the change it reports has committed: stages enqueue a task of
`notifications.tasks` by name (core.enqueue.enqueue_on_commit), or a task of their own calls `notify`.
"""

import zoneinfo
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.emails import email_render
from core.services import outbound_email_queue
from intake.models import ChangeRequest
from notifications.choices import DIGEST_HOUR, EmailMode, NotificationEvent
from notifications.models import Notification, NotificationPreference
from notifications.selectors import preferences_for


def notify(
    *,
    event: NotificationEvent | str,
    recipients: Iterable[User | int | None],
    key: str,
    change_request: ChangeRequest | None = None,
    actor: User | None = None,
    label: str = "",
    link: str = "",
) -> list[Notification]:
    """Tell each recipient about `event` once, and e-mail those who want it at once.

    Returns this occurrence's notifications that were not e-mailed before the call.

    `key` names the occurrence ("demand_filed:42"); with the recipient it is unique, so calling this twice for the
    same occurrence (a retried task) notifies nobody twice. The actor is never told of their own action; inactive
    or non-staff users (and None, an unset manager or owner) are dropped. A demand gives the label and link.
    """
    recipient_ids = {recipient if isinstance(recipient, int) else recipient.pk for recipient in recipients if recipient}
    recipient_ids.discard(actor.pk if actor is not None else None)
    recipient_ids = set(
        User.objects.filter(pk__in=recipient_ids, is_active=True, is_staff=True).values_list("pk", flat=True)
    )
    if not recipient_ids:
        return []
    if change_request is not None:
        label = label or str(change_request)
        link = link or reverse("triage:detail", kwargs={"reference": change_request.reference})
    with transaction.atomic():
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=recipient_id,
                    event=event,
                    key=key,
                    change_request=change_request,
                    actor=actor,
                    label=label[:300],
                    link=link[:300],
                )
                for recipient_id in recipient_ids
            ],
            ignore_conflicts=True,
        )
        notifications = list(
            Notification.objects.filter(key=key, recipient_id__in=recipient_ids, emailed_at__isnull=True)
            .select_related("recipient", "actor")
            .order_by("pk")
        )
        preferences = preferences_for(user_ids=[notification.recipient_id for notification in notifications])
        for notification in notifications:
            preference = preferences[notification.recipient_id]
            if preference.email_mode == EmailMode.IMMEDIATE and _claim_for_email([notification.pk]):
                _email_queue(
                    to=notification.recipient.email,
                    name="notification",
                    context={"notification": notification},
                    preference=preference,
                )
    return notifications


def _claim_for_email(notification_ids: list[int]) -> int:
    """Mark notifications as e-mailed unless something already did: a guarded update, so each goes out once."""
    return Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )


def _email_queue(*, to: str, name: str, context: dict, preference: NotificationPreference) -> None:
    if not to:
        return
    with timezone.override(_zone(preference.time_zone)):
        email = email_render(name, context={**context, "site_url": settings.SITE_URL}, language=preference.language)
    outbound_email_queue(to=to, subject=email.subject, body=email.body)


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def notification_mark_read(*, user: User, notification_id: int) -> bool:
    """Mark one of the reader's notifications read; False when it is not theirs (or was already read)."""
    return bool(
        Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the reader read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def notification_preference_set(
    *, user: User, email_mode: str, language: str, time_zone: str
) -> NotificationPreference:
    """Save how the user wants to be told."""
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    preference.email_mode, preference.language, preference.time_zone = email_mode, language, time_zone
    preference.full_clean()
    preference.save()
    return preference


def notification_digests_send(*, now: datetime | None = None) -> int:
    """Send each digest reader, once per local day from DIGEST_HOUR, their unread notifications not yet e-mailed.

    Each reader's day is claimed by a guarded update of `digest_sent_on` in the same transaction as the
    notifications it marks and the e-mail it queues: a sweep run twice, or by two workers, sends one digest.
    Returns how many digests were queued.
    """
    now = now or timezone.now()
    sent = 0
    for preference in NotificationPreference.objects.filter(email_mode=EmailMode.DIGEST).select_related("user"):
        local = now.astimezone(_zone(preference.time_zone))
        if local.hour < DIGEST_HOUR or preference.digest_sent_on == local.date():
            continue
        with transaction.atomic():
            claimed = (
                NotificationPreference.objects.filter(pk=preference.pk)
                .exclude(digest_sent_on=local.date())
                .update(digest_sent_on=local.date())
            )
            if not claimed:
                continue
            pending = list(
                Notification.objects.filter(recipient=preference.user, read_at__isnull=True, emailed_at__isnull=True)
                .select_related("actor")
                .order_by("created_at", "pk")
            )
            if not pending or not _claim_for_email([notification.pk for notification in pending]):
                continue
            _email_queue(
                to=preference.user.email,
                name="notification_digest",
                context={"notifications": pending, "day": local.date()},
                preference=preference,
            )
            sent += 1
    return sent
