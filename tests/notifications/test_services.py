"""notify's guarantees, the e-mail at once in the reader's language and zone, and the daily digest."""

import zoneinfo
from datetime import UTC, datetime

import pytest

from core.models import OutboundEmail
from notifications.choices import EmailMode, NotificationEvent
from notifications.models import Notification, NotificationPreference
from notifications.services import notification_digests_send, notify
from tests.factories import UserFactory, file_demand

pytestmark = pytest.mark.django_db


def test_inactive_non_staff_and_missing_recipients_and_the_actor_are_dropped(cio):
    quiet = UserFactory(username="inactive", role="Analyst", is_active=False)
    customer_side = UserFactory(username="not-staff", is_staff=False)
    told = notify(
        event=NotificationEvent.MENTIONED, recipients=[cio, quiet, customer_side.pk, None], key="mention:1", actor=cio
    )
    assert told == [] and not Notification.objects.exists()


def test_the_immediate_email_is_in_the_readers_language_and_time_zone(django_capture_on_commit_callbacks, mailoutbox):
    reader = UserFactory(username="lecteur", role="Analyst")
    NotificationPreference.objects.create(user=reader, language="fr", time_zone="Asia/Tokyo")
    demand = file_demand()
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify(
            event=NotificationEvent.DECISION_OVERDUE, recipients=[reader], key="x:1", change_request=demand
        )
    (email,) = [message for message in mailoutbox if message.to == ["lecteur@example.com"]]
    assert email.subject == f"Une décision est en retard : {demand}"
    local = notification.created_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert f"{local:%H:%M}" in email.body and "Vous recevez cet e-mail" in email.body
    assert f"/triage/{demand.reference}/" in email.body


def test_a_reader_who_wants_no_email_gets_none():
    reader = UserFactory(username="no-mail", role="Analyst")
    NotificationPreference.objects.create(user=reader, email_mode=EmailMode.NONE)
    notify(event=NotificationEvent.MENTIONED, recipients=[reader], key="m:1")
    assert Notification.objects.filter(recipient=reader).count() == 1
    assert not OutboundEmail.objects.exists()


def test_the_digest_leaves_once_a_day_from_8_in_the_readers_zone_with_the_unread_only():
    reader = UserFactory(username="digest-reader", role="Analyst")
    NotificationPreference.objects.create(user=reader, email_mode=EmailMode.DIGEST, time_zone="Europe/Paris")
    notify(event=NotificationEvent.MENTIONED, recipients=[reader], key="m:1", label="First thing")
    notify(event=NotificationEvent.MENTIONED, recipients=[reader], key="m:2", label="Second thing")
    notify(event=NotificationEvent.MENTIONED, recipients=[reader], key="m:3", label="Already read")
    Notification.objects.filter(key="m:3").update(read_at=datetime(2026, 12, 4, tzinfo=UTC))
    assert not OutboundEmail.objects.exists()  # a digest reader gets nothing at once

    assert notification_digests_send(now=datetime(2026, 12, 4, 6, 30, tzinfo=UTC)) == 0  # 7:30 in Paris
    assert notification_digests_send(now=datetime(2026, 12, 4, 7, 5, tzinfo=UTC)) == 1  # 8:05 in Paris
    assert notification_digests_send(now=datetime(2026, 12, 4, 9, 0, tzinfo=UTC)) == 0  # the same day again

    email = OutboundEmail.objects.get()  # queued in this transaction; the send task runs after commit
    assert "2 notifications" in email.subject and "First thing" in email.body and "Second thing" in email.body
    assert "Already read" not in email.body
    assert not Notification.objects.filter(recipient=reader, read_at__isnull=True, emailed_at__isnull=True).exists()

    notify(event=NotificationEvent.MENTIONED, recipients=[reader], key="m:4", label="Next day")
    assert notification_digests_send(now=datetime(2026, 12, 5, 7, 5, tzinfo=UTC)) == 1
    assert "Next day" in OutboundEmail.objects.latest("pk").body
