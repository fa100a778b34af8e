"""Only staff with the right role reach triage; the API needs a token."""

import pytest
from django.test import Client

from tests.factories import UserFactory, file_demand, file_demand_with_token


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/triage/", "/triage/CR-2026-00001/", "/portfolio/"])
def test_anonymous_users_are_sent_to_login(client: Client, path: str):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_staff_user_without_a_role_is_refused_the_queue(client: Client):
    client.force_login(UserFactory(username="norole"))
    assert client.get("/triage/").status_code == 403


@pytest.mark.django_db
def test_analyst_cannot_approve_or_reject(client: Client, analyst):
    demand = file_demand()
    client.force_login(analyst)
    approve = client.post(f"/portfolio/approve/{demand.reference}/", {"approve-rationale": "yes"})
    reject = client.post(
        f"/triage/{demand.reference}/decide/rejected/", {"reject-rationale": "no", "reject-customer_message": "no"}
    )
    assert (approve.status_code, reject.status_code) == (403, 403)
    status_before = demand.status
    demand.refresh_from_db()
    assert demand.status == status_before


@pytest.mark.django_db
def test_tracking_link_opens_nothing_under_triage(client: Client):
    _demand, token = file_demand_with_token()
    assert client.get(f"/track/{token}/").status_code == 200
    assert client.get("/triage/").status_code == 302  # still anonymous for triage


@pytest.mark.django_db
def test_api_refuses_requests_without_a_token(api_client):
    response = api_client.get("/api/v1/projects/")
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.django_db
def test_api_refuses_a_wrong_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token dd_not-a-real-token")
    assert api_client.get("/api/v1/projects/").status_code == 401
