"""The bell, the list, marking read, the settings page; the bell costs nothing on public pages."""

import pytest
from django.test import Client

from notifications.choices import EmailMode, NotificationEvent
from notifications.models import Notification, NotificationPreference
from notifications.services import notify
from tests.factories import UserFactory, file_demand, signed_in

pytestmark = pytest.mark.django_db


def notification_queries(statements: list[str]) -> list[str]:
    return [sql for sql in statements if "notifications_notification" in sql]


def test_the_bell_counts_the_unread_in_one_query_on_staff_pages(cio, cio_client, page_statements):
    notify(event=NotificationEvent.MENTIONED, recipients=[cio], key="a", label="One")
    notify(event=NotificationEvent.MENTIONED, recipients=[cio], key="b", label="Two")
    response, statements = page_statements(cio_client, "/triage/")
    assert response.status_code == 200
    assert '<span class="bell-count" data-testid="unread-count">2<' in response.content.decode()
    assert len(notification_queries(statements)) == 1


def test_public_pages_never_query_notifications(page_statements):
    for path in ("/", "/requests/new/"):
        response, statements = page_statements(Client(), path)
        assert response.status_code == 200
        assert 'data-testid="bell"' not in response.content.decode()
        assert notification_queries(statements) == []


def test_opening_a_notification_marks_it_read_and_goes_to_the_demand(cio, cio_client):
    demand = file_demand()
    (notification,) = notify(event=NotificationEvent.ASSIGNED, recipients=[cio], key="k", change_request=demand)
    page = cio_client.get("/notifications/")
    assert demand.reference in page.content.decode()
    response = cio_client.post(f"/notifications/{notification.pk}/open/", {"next": notification.link})
    assert response.status_code == 302 and response["Location"] == f"/triage/{demand.reference}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_nobody_marks_someone_elses_notification_or_is_sent_off_site(cio, analyst_client):
    (notification,) = notify(event=NotificationEvent.MENTIONED, recipients=[cio], key="k")
    response = analyst_client.post(f"/notifications/{notification.pk}/open/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_empties_the_bell(cio, cio_client):
    for key in ("a", "b", "c"):
        notify(event=NotificationEvent.MENTIONED, recipients=[cio], key=key)
    response = cio_client.post("/notifications/read-all/", follow=True)
    assert "3 notifications marked read." in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert 'data-testid="unread-count"' not in response.content.decode()


def test_the_settings_page_saves_a_digest_in_french_and_refuses_an_unknown_zone(cio, cio_client):
    refused = cio_client.post(
        "/notifications/settings/", {"email_mode": "digest", "language": "fr", "time_zone": "Mars/Olympus"}
    )
    assert refused.status_code == 400 and "Nothing was saved" in refused.content.decode()
    assert not NotificationPreference.objects.exists()
    saved = cio_client.post(
        "/notifications/settings/", {"email_mode": "digest", "language": "fr", "time_zone": "Europe/Paris"}
    )
    assert saved.status_code == 302
    preference = NotificationPreference.objects.get(user=cio)
    assert preference.email_mode == EmailMode.DIGEST
    assert (preference.language, preference.time_zone) == ("fr", "Europe/Paris")


def test_the_list_costs_the_same_queries_with_2_or_40_notifications(page_statements):
    counts = []
    for size in (2, 40):
        reader = UserFactory(username=f"reader{size}", role="Analyst")
        actor = UserFactory(username=f"actor{size}", role="Analyst")
        for number in range(size):
            notify(event=NotificationEvent.MENTIONED, recipients=[reader], key=f"k{number}", actor=actor)
        response, statements = page_statements(signed_in(reader), "/notifications/")
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="notification-row"') == size
        counts.append(len(statements))
    assert counts[0] == counts[1]
