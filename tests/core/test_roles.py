"""Roles: the migrations give each group exactly core.roles.ROLES, and staff checks check staff."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from core import roles
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def held_by(group: Group) -> set[str]:
    return {
        f"{app}.{codename}" for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_the_migrations_from_an_empty_database_give_each_role_exactly_its_permissions():
    # The test database is built by the migrations alone (no roles_ensure for a non-transactional test).
    assert set(Group.objects.values_list("name", flat=True)) == set(roles.ROLES)
    for name, codes in roles.ROLES.items():
        assert held_by(Group.objects.get(name=name)) == set(codes), name


def test_every_permission_constant_names_a_permission_that_exists():
    constants = {value for name, value in vars(roles).items() if name.isupper() and isinstance(value, str)}
    existing = {
        f"{app}.{codename}" for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    assert constants - existing == set()


def test_a_signed_in_account_holding_the_permission_but_not_staff_is_refused_a_staff_page():
    outsider = UserFactory(username="outsider", role="CIO", is_staff=False)
    client = Client()
    client.force_login(outsider)
    assert client.get("/triage/").status_code == 403
    outsider.is_staff = True
    outsider.save()
    assert client.get("/triage/").status_code == 200


def test_decision_targets_have_their_own_permission(analyst, cio):
    form = {"agenda:bt": "10"}
    analyst_client, cio_client = Client(), Client()
    analyst_client.force_login(analyst)
    cio_client.force_login(cio)
    assert not analyst.has_perm(roles.SET_DECISION_TARGETS)
    assert analyst_client.post("/triage/decision-times/", form).status_code == 403
    scoring_model_only = UserFactory(username="weights-only")
    scoring_model_only.user_permissions.add(
        Permission.objects.get(content_type__app_label="triage", codename="add_scoringmodel"),
        Permission.objects.get(content_type__app_label="triage", codename="view_assessment"),
    )
    weights_client = Client()
    weights_client.force_login(scoring_model_only)
    assert weights_client.post("/triage/decision-times/", form).status_code == 403
    assert cio_client.post("/triage/decision-times/", form).status_code == 302


def test_the_table_in_docs_roles_md_is_what_the_roles_hold():
    from pathlib import Path

    from django.conf import settings

    lines = Path(settings.BASE_DIR, "docs", "roles.md").read_text().splitlines()
    header = next(line for line in lines if line.startswith("| permission |"))
    columns = [cell.strip() for cell in header.strip("|").split("|")][2:]
    documented: dict[str, set[str]] = {role: set() for role in columns}
    for line in lines:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| `"):
            constant = cells[0].strip("`")
            for role, mark in zip(columns, cells[2:], strict=True):
                if mark == "✓":
                    documented[role].add(getattr(roles, constant))
    assert documented == {role: set(codes) for role, codes in roles.ROLES.items()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, landing", [("Portfolio manager", "/portfolio/"), ("CIO", "/triage/"), ("Analyst", "/triage/")]
)
def test_each_role_lands_on_its_own_page_after_signing_in(client, role, landing):
    UserFactory(username="someone", role=role)
    response = client.post("/accounts/login/", {"username": "someone", "password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200
