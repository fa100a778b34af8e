"""Writes of a staff member's own queue preferences."""

from typing import Any

from triage.models import QueuePreference


def queue_preference_set(*, user: Any, charts_collapsed: bool) -> QueuePreference:
    """Remember whether this person wants the queue's charts collapsed (one row per person, upserted)."""
    preference, _created = QueuePreference.objects.update_or_create(
        user=user, defaults={"charts_collapsed": charts_collapsed}
    )
    return preference
