"""CSRF on every state change: each web POST without a token is refused with 403 and changes nothing."""

import pytest
from django.test import Client

from core.models import AuditEvent, RateCounter
from core.redaction import redact_secrets
from tests.security.access_matrix import ADMIN, LOGIN, MATRIX, ROLES
from tests.security.conftest import path_for, table_digests, url_patterns
from tests.security.test_get_changes_nothing import unexpected_writes

pytestmark = pytest.mark.django_db

REFUSALS = {LOGIN, 401, 403, 404, 405}


def _first_role_let_through(route: str) -> str | None:
    for role in ROLES:
        if MATRIX[route].get("POST", {}).get(role, 405) not in REFUSALS:
            return role
    return None


# Every web route that some role may POST to. The API authenticates by token header only (no cookie is ever
# read), so a forged cross-site request carries no credential there; the admin is Django's own.
POST_ROUTES = [
    (route, name, kwargs, _first_role_let_through(route))
    for route, name, kwargs in url_patterns()
    if route != ADMIN and not route.startswith("api/") and _first_role_let_through(route)
]


def _browser_of(world, role: str) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = world.clients[role].cookies
    browser.get("/requests/new/")  # any page with a form sets the CSRF cookie
    return browser


@pytest.mark.parametrize(
    ("route", "name", "kwarg_names", "role"), POST_ROUTES, ids=[route or "/" for route, *_ in POST_ROUTES]
)
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(world, route, name, kwarg_names, role):
    browser = _browser_of(world, role)
    path = path_for(world, route, name, kwarg_names, role)
    before = table_digests()
    forged = browser.post(path, {"action": "withdraw", "reason": "forged"}, HTTP_ORIGIN="null")
    after = table_digests()
    assert forged.status_code == 403
    # The refusal itself is recorded: a signed-in user's as an audit row naming the page (any tracking token
    # redacted), an anonymous one as a count for its client's audit row (core.services.audit_anonymous_count).
    # The public form also counts the POST against its sender's rate limit before it reads the body, as it
    # must. Nothing else may change.
    counted = {"core_auditevent", "core_ratecounter"}
    assert unexpected_writes(path, before, after) - counted == set()
    if browser.session.get("_auth_user_id"):
        assert AuditEvent.objects.filter(action="permission_denied", details__path=redact_secrets(path)).exists()
    else:
        assert RateCounter.objects.filter(key__startswith="audit:permission_denied:").exists()
        assert not AuditEvent.objects.filter(action="permission_denied").exists()
    with_token = browser.post(path, {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert with_token.status_code != 403 or MATRIX[route]["POST"][role] == 403


def test_the_state_changing_web_posts_are_all_covered():
    covered = {route for route, *_ in POST_ROUTES}
    assert {
        "requests/new/",
        "track/<str:token>/",
        "triage/<str:reference>/estimate/",
        "triage/<str:reference>/decide/<str:outcome>/",
        "triage/<str:reference>/ask/",
        "triage/<str:reference>/reply/",
        "triage/<str:reference>/note/",
        "triage/<str:reference>/rescore/",
        "triage/<str:reference>/customer/",
        "triage/<str:reference>/similar/<int:pk>/",
        "triage/scoring-model/",
        "portfolio/approve/<str:reference>/",
        "portfolio/<str:code>/updates/",
        "portfolio/<str:code>/milestones/",
        "portfolio/<str:code>/milestones/<int:pk>/",
        "portfolio/<str:code>/progress/",
        "accounts/login/",
        "accounts/logout/",
        "accounts/password/change/",
        "accounts/password/reset/",
        "accounts/password/reset/<uidb64>/<token>/",
    } <= covered
