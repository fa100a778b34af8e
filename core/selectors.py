"""Reads of shared plumbing."""

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from core.models import AuditEvent


def audit_event_list(*, action: str = "", username: str = "") -> QuerySet[AuditEvent]:
    """The audit trail, newest first, optionally for one action and one user name; no per-row queries."""
    events = AuditEvent.objects.select_related("actor")
    if action:
        events = events.filter(action=action)
    if username:
        events = events.filter(username=username)
    return events.order_by("-created_at", "-id")


def staff_with_permission(perm: str) -> QuerySet[User]:
    """The active staff who hold `app_label.codename`: through a group, directly, or as superusers (one query)."""
    app_label, codename = perm.split(".")
    held = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label) | Q(
        user_permissions__codename=codename, user_permissions__content_type__app_label=app_label
    )
    holders = User.objects.filter(held | Q(is_superuser=True), is_active=True, is_staff=True).values("pk")
    return User.objects.filter(pk__in=holders).order_by("first_name", "last_name", "username")
