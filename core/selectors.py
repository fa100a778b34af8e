"""Reads of shared plumbing."""

from django.db.models import QuerySet

from core.models import AuditEvent


def audit_event_list(*, action: str = "", username: str = "") -> QuerySet[AuditEvent]:
    """The audit trail, newest first, optionally for one action and one user name; no per-row queries."""
    events = AuditEvent.objects.select_related("actor")
    if action:
        events = events.filter(action=action)
    if username:
        events = events.filter(username=username)
    return events.order_by("-created_at", "-id")
