"""Reads of notifications: a reader's list and unread count, who holds a permission, each reader's preference."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import QuerySet

from core.selectors import staff_with_permission
from notifications.models import Notification, NotificationPreference


def notification_list(*, user: User) -> QuerySet[Notification]:
    """A reader's notifications, newest first, with who acted (one query per page whatever it lists)."""
    return Notification.objects.filter(recipient=user).select_related("actor")


def notification_unread_count(*, user: User) -> int:
    """The bell's number: one indexed count."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def user_ids_with_permission(perm: str) -> set[int]:
    """The ids of the active staff holding `perm` (core.selectors.staff_with_permission)."""
    return set(staff_with_permission(perm).values_list("pk", flat=True))


def preferences_for(*, user_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    """Each user's preference; a user who never chose gets the defaults (e-mail at once, site language and zone)."""
    ids = set(user_ids)
    stored = {pref.user_id: pref for pref in NotificationPreference.objects.filter(user_id__in=ids)}
    return {user_id: stored.get(user_id) or NotificationPreference(user_id=user_id) for user_id in ids}
