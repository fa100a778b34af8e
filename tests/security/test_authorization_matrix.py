"""Every URL of the resolver, asked by every role with GET and POST, answers exactly as the allow-list says."""

from datetime import date

import pytest
from django.db import transaction
from django.http import HttpResponse

from intake.models import ChangeRequest, SimilarDemand
from portfolio.models import Milestone
from tests.factories import ProjectFactory, file_demand
from tests.security.access_matrix import ADMIN, ADMIN_LOGIN, LOGIN, MATRIX, ROLES
from tests.security.conftest import World, path_for, url_patterns

pytestmark = pytest.mark.django_db

ROUTES = url_patterns()


def answer_of(response: HttpResponse) -> int | str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return LOGIN
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
    return response.status_code


def ask(world: World, role: str, method: str, path: str) -> int | str:
    """One request whose writes, if any, are rolled back, so every role meets the same world."""
    client = world.clients[role]
    with transaction.atomic():
        if method == "GET":
            response = client.get(path)
        elif path.startswith("/api/"):
            response = client.post(path, "{}", content_type="application/json")
        else:
            response = client.post(path, {})
        transaction.set_rollback(True)
    return answer_of(response)


def test_every_url_pattern_has_an_entry_in_the_access_matrix():
    routes = {route for route, _name, _kwargs in ROUTES}
    assert routes - set(MATRIX) == set(), "new URLs need an entry in tests/security/access_matrix.py"
    assert set(MATRIX) - routes == set(), "the matrix names URLs that no longer exist"
    for route, methods in MATRIX.items():
        for method, expected in methods.items():
            assert set(expected) == set(ROLES), (route, method)


@pytest.mark.parametrize(("route", "name", "kwarg_names"), ROUTES, ids=[route or "/" for route, _, _ in ROUTES])
def test_each_role_gets_exactly_the_allowed_answer(world, route, name, kwarg_names):
    expected = MATRIX[route]
    observed: dict[str, dict[str, int | str]] = {}
    for method in expected:
        observed[method] = {}
        for role in ROLES:
            if route == ADMIN:
                pk = ChangeRequest.objects.get(reference=world.reference).pk
                answers = {
                    ask(world, role, method, path) for path in ("/admin/", f"/admin/intake/changerequest/{pk}/change/")
                }
                observed[method][role] = answers.pop() if len(answers) == 1 else str(sorted(map(str, answers)))
            else:
                observed[method][role] = ask(world, role, method, path_for(world, route, name, kwarg_names, role))
    mismatches = {
        (method, role): (expected[method][role], observed[method][role])
        for method in expected
        for role in ROLES
        if expected[method][role] != observed[method][role]
    }
    assert mismatches == {}, f"(method, role): (allowed, observed) for {route!r}"


def test_a_tracking_link_opens_only_its_own_demand_attachment(world):
    other = ChangeRequest.objects.exclude(reference=world.reference).get()
    foreign = other.attachments.create(
        original_name="theirs.pdf", stored_name="foreign-attachment", content_type="application/pdf", size=1, sha256="0"
    )
    client = world.clients["tracking_holder"]
    own = client.get(f"/track/{world.token}/attachments/{world.attachment_id}/")
    theirs = client.get(f"/track/{world.token}/attachments/{foreign.pk}/")
    assert (own.status_code, theirs.status_code) == (200, 404)


def test_an_id_that_belongs_to_another_demand_or_project_is_a_404(world):
    demand = ChangeRequest.objects.get(reference=world.reference)
    earlier = ChangeRequest.objects.exclude(pk=demand.pk).get()
    third = file_demand(product=demand.product, title="A third, unrelated demand")
    foreign_pair = SimilarDemand.objects.create(change_request=third, similar_to=earlier, similarity=0.5)
    foreign_milestone = Milestone.objects.create(project=ProjectFactory(), name="Theirs", due_date=date(2027, 1, 1))
    analyst, manager = world.clients["analyst"], world.clients["portfolio_manager"]

    linked = analyst.post(f"/triage/{world.reference}/similar/{foreign_pair.pk}/", {"link": "1"})
    ticked = manager.post(f"/portfolio/{world.project_code}/milestones/{foreign_milestone.pk}/", {"done": "1"})
    assert (linked.status_code, ticked.status_code) == (404, 404)
    foreign_pair.refresh_from_db()
    foreign_milestone.refresh_from_db()
    assert foreign_pair.is_linked is False and foreign_milestone.done_date is None
