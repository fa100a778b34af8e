"""The audit trail: sign-ins, refusals, decisions, estimates and model changes; append-only; the CIO reads it."""

from decimal import Decimal

import pytest
from django.test import Client

from core.choices import AuditAction
from core.models import AuditEvent, AuditRefused
from core.services import audit_record
from tests.factories import UserFactory, file_demand, file_demand_with_token
from triage import services

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def test_a_sign_in_is_recorded_with_who_and_from_where(analyst):
    browser = Client(REMOTE_ADDR="203.0.113.7")
    response = browser.post("/accounts/login/", {"username": "analyst", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    [event] = events("login")
    assert (event.actor, event.username, event.ip_address) == (analyst, "analyst", "203.0.113.7")
    assert event.request_id  # the same id the request's log lines carry


def test_a_failed_sign_in_keeps_the_typed_name_but_never_the_password(analyst):
    browser = Client(REMOTE_ADDR="203.0.113.8")
    response = browser.post("/accounts/login/", {"username": "analyst", "password": "wrong-password-123"})
    assert response.status_code == 200
    [event] = events("login_failed")
    assert (event.actor, event.username, event.ip_address) == (None, "analyst", "203.0.113.8")
    assert "wrong-password-123" not in str(event.details)


def test_five_failed_sign_ins_record_the_lockout(analyst):
    browser = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        browser.post("/accounts/login/", {"username": "analyst", "password": "wrong-password-123"})
    assert len(events("login_failed")) == 5
    [lockout] = events("locked_out")
    assert lockout.username == "analyst" and lockout.ip_address == "203.0.113.9"


def test_a_permission_refusal_is_recorded_with_the_page_asked_for(client: Client, analyst):
    demand = file_demand()
    client.force_login(analyst)
    response = client.post(f"/portfolio/approve/{demand.reference}/", {"approve-rationale": "yes"})
    assert response.status_code == 403
    [event] = events("permission_denied")
    assert event.actor == analyst and event.details == {
        "method": "POST",
        "path": f"/portfolio/approve/{demand.reference}/",
    }


def test_an_api_refusal_of_a_read_only_token_is_recorded(reader_client, cio):
    response = reader_client.post("/api/v1/requests/", {}, format="json")
    assert response.status_code == 403
    [event] = events("permission_denied")
    assert event.actor == cio and event.details["path"] == "/api/v1/requests/"


def test_decisions_estimates_and_model_changes_are_recorded_with_their_objects(django_capture_on_commit_callbacks, cio):
    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand()
    estimate = services.cost_estimate_create(
        change_request=demand,
        effort_days=Decimal("10"),
        day_rate=Decimal("900"),
        yearly_run_cost=Decimal("0"),
        confidence="high",
        estimated_by=cio,
    )
    decision = services.decision_record(change_request=demand, outcome="approved", rationale="worth it", decided_by=cio)
    model = services.scoring_model_create_version(changes={"weight_roi": Decimal("20")}, note="", created_by=cio)

    [estimated] = events("estimate")
    assert (estimated.object_type, estimated.object_id) == ("triage.costestimate", str(estimate.pk))
    assert estimated.object_reference == demand.reference and estimated.actor == cio
    [decided] = events("decision")
    assert (decided.object_type, decided.object_id, decided.object_reference) == (
        "triage.decision",
        str(decision.pk),
        demand.reference,
    )
    [changed] = events("scoring_model")
    assert changed.object_reference == f"v{model.version}" and changed.details == {"weight_roi": "20"}


def test_a_refused_decision_leaves_no_audit_event(django_capture_on_commit_callbacks, cio):
    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand()
    services.decision_record(change_request=demand, outcome="approved", rationale="yes", decided_by=cio)
    with pytest.raises(services.AlreadyDecided):
        services.decision_record(change_request=demand, outcome="approved", rationale="again", decided_by=cio)
    assert len(events("decision")) == 1


def test_an_existing_audit_event_cannot_be_changed_or_deleted():
    event = audit_record(action="login_failed", username="mallory")
    event.username = "someone-else"
    with pytest.raises(AuditRefused):
        event.save()
    with pytest.raises(AuditRefused):
        event.delete()
    event.refresh_from_db()
    assert event.username == "mallory"


def test_the_admin_shows_audit_events_read_only(client: Client):
    admin = UserFactory(username="root", is_superuser=True)
    event = audit_record(action="login", actor=admin)
    client.force_login(admin)
    assert client.get("/admin/core/auditevent/").status_code == 200
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200  # a view, no save button
    assert client.post(f"/admin/core/auditevent/{event.pk}/change/", {"username": "x"}).status_code == 403
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).username == "root"


def test_the_cio_reads_the_audit_page_filtered_by_action_and_user(client: Client, cio):
    audit_record(action="login_failed", username="mallory")
    audit_record(action="login_failed", username="zoltan")
    audit_record(action="login", actor=cio)
    client.force_login(cio)
    response = client.get("/audit/", {"action": "login_failed", "username": "mallory"})
    assert response.status_code == 200
    assert [event.username for event in response.context["page"]] == ["mallory"]
    assert b"mallory" in response.content and b"zoltan" not in response.content


def test_analysts_are_refused_the_audit_page(client: Client, analyst):
    client.force_login(analyst)
    assert client.get("/audit/").status_code == 403


@pytest.mark.parametrize("size", [3, 60])
def test_the_audit_page_query_count_does_not_grow_with_the_trail(client: Client, cio, size, django_assert_num_queries):
    AuditEvent.objects.bulk_create(AuditEvent(action="login_failed", username=f"user{i}") for i in range(size))
    client.force_login(cio)
    # session, user, user and group permissions, count, one page of events, the header's bell (unread notifications)
    with django_assert_num_queries(7):
        response = client.get("/audit/")
    assert response.status_code == 200
    assert len(response.context["page"]) == min(size + 1, 50)  # the CIO's own sign-in is on the page too


@pytest.mark.postgres
def test_the_database_refuses_updates_and_deletes_of_audit_events_but_lets_a_user_go():
    from django.db import DatabaseError, transaction

    user = UserFactory(username="leaver")
    event = audit_record(action="login", actor=user)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(username="someone-else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    user.delete()  # the actor becomes NULL; the name it had stays
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor, event.username, event.action) == (None, "leaver", "login")


def flush_after_the_window(settings) -> int:
    """Run the flush as the beat would once the current window has closed (the tests' rate-limit clock is held)."""
    from core import ratelimit
    from core.services import audit_anonymous_flush

    return audit_anonymous_flush(now=ratelimit._now() + settings.AUDIT_ANONYMOUS_WINDOW_SECONDS)


def test_60_anonymous_posts_make_one_audit_row_with_the_count_and_never_the_token(settings):
    _demand, token = file_demand_with_token()
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.60")
    statuses = {browser.post(f"/track/{token}/", {"action": "withdraw"}).status_code for _ in range(60)}
    assert statuses == {403}  # each one a failed CSRF check on a valid private link
    assert events("permission_denied") == []  # counted, not yet written: the window is open
    assert flush_after_the_window(settings) == 1
    [event] = events("permission_denied")
    assert (event.actor, event.ip_address, event.details["count"]) == (None, "203.0.113.60", 60)
    assert token not in str(AuditEvent.objects.values_list())
    assert flush_after_the_window(settings) == 0  # written once


def test_anonymous_refusals_and_tracking_misses_are_one_row_per_client_and_action(settings):
    for address, misses in (("203.0.113.61", 3), ("203.0.113.62", 2)):
        browser = Client(REMOTE_ADDR=address)
        for n in range(misses):
            assert browser.get(f"/track/wrong-token-{n}/").status_code == 404
    Client(REMOTE_ADDR="203.0.113.61").get("/audit/")  # anonymous: sent to the login page, no refusal
    Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.61").post("/requests/new/", {})
    assert flush_after_the_window(settings) == 3
    rows = {(e.action, e.ip_address, e.details["count"]) for e in AuditEvent.objects.all()}
    assert rows == {
        ("tracking_miss", "203.0.113.61", 3),
        ("tracking_miss", "203.0.113.62", 2),
        ("permission_denied", "203.0.113.61", 1),
    }
    assert "wrong-token" not in str(AuditEvent.objects.values_list())


def test_a_signed_in_refusal_on_a_private_link_names_the_page_with_the_token_redacted(analyst):
    _demand, token = file_demand_with_token()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(analyst)
    assert browser.post(f"/track/{token}/", {"action": "withdraw"}).status_code == 403
    [event] = events("permission_denied")
    assert event.actor == analyst and event.details == {"method": "POST", "path": "/track/[redacted]/"}


def test_the_audit_page_reads_as_sentences_not_python_dicts(cio_client, cio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.scoring_model_create_version(
            changes={"weight_roi": Decimal("25"), "weight_urgency": Decimal("20")}, note="", created_by=cio
        )
    audit_record(
        action=AuditAction.LOGIN,
        actor=cio,
        details={"added": ["CIO"], "removed": [], "staff": True, "source": "identity provider"},
    )
    page = cio_client.get("/audit/").content.decode()
    assert "{'" not in page and "{&#x27;" not in page and "[&#x27;" not in page
    assert "<dt>Weight roi</dt><dd>25</dd>" in page or "<dt>Weight roi</dt><dd>25.00</dd>" in page
    assert "<dt>Added</dt><dd>CIO</dd>" in page and "<dt>Staff</dt><dd>yes</dd>" in page
    assert "<dt>Removed</dt><dd>—</dd>" in page
    # The person, by the one display name used everywhere.
    assert "<td>Carla Ionescu</td>" in page and "<td>cio</td>" not in page


def test_the_french_audit_trail_says_where_from_not_since(cio):
    from tests.factories import signed_in

    page = signed_in(cio).get("/audit/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<th scope="col">Provenance</th>' in page and "Depuis" not in page
    assert ">Utilisateur" in page  # the filter's label
