"""The project list written from `values()` rows is, byte for byte, what ProjectOutputSerializer writes."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView  # noqa: F401  # DRF's views before core.api, as the URLconf loads them (import cycle)

from portfolio.api.serializers import ProjectOutputSerializer, project_list_json
from portfolio.selectors import project_list, project_rows, project_sponsors
from tests.factories import CustomerFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def varied_projects() -> None:
    """Owners or none, sponsors none to three (accents, in any order), money with and without a whole to
    share, dates or none, a unit cost with four places."""
    owner = UserFactory(username="amélie")
    acme, zeta, other_acme = (CustomerFactory(name=name) for name in ("Acme", "Zéta & Co", "Ångström"))
    ProjectFactory(code="BT-0001", owner=owner, sponsors=[zeta, acme, other_acme], start_date=date(2026, 1, 5))
    ProjectFactory(
        code="BT-0002",
        approved_budget=Decimal("0"),
        expected_revenue=Decimal("0"),
        realized_revenue=Decimal("12.5"),
        target_date=date(2027, 12, 31),
    )
    ProjectFactory(
        code="BT-0003",
        agenda="it",
        status="active",
        health="red",
        approved_budget=Decimal("333333.33"),
        actual_spend=Decimal("111111.11"),
        expected_revenue=Decimal("3"),
        realized_revenue=Decimal("2"),
        realized_savings=Decimal("1234.56"),
        target_unit_cost=Decimal("2.3150"),
        progress=67,
        sponsors=[zeta],
    )


def old_and_new() -> tuple[bytes, bytes]:
    projects = project_list()
    old = JSONRenderer().render(ProjectOutputSerializer(projects, many=True).data)
    rows = list(project_rows(projects=projects))
    new = JSONRenderer().render(
        project_list_json(rows, sponsors=project_sponsors(project_ids=[row["id"] for row in rows]))
    )
    return old, new


def test_rows_are_written_as_the_serializer_writes_them():
    varied_projects()
    old, new = old_and_new()
    assert new == old
    assert b'"budget_burn":null' in new and b'"target_unit_cost":"2.3150"' in new


def test_times_follow_the_readers_time_zone_as_the_serializer_does():
    varied_projects()
    with timezone.override("Asia/Kolkata"):
        old, new = old_and_new()
    assert new == old
    assert b"+05:30" in new


def test_list_answers_the_same_bytes_through_the_api(reader_client):
    varied_projects()
    body = reader_client.get("/api/v1/projects/?ordering=-progress").content
    old = JSONRenderer().render(ProjectOutputSerializer(project_list().order_by("-progress", "id"), many=True).data)
    assert body == b'{"count":3,"next":null,"previous":null,"results":' + old + b"}"


def test_incremental_pull_answers_the_same_bytes(reader_client, settings):
    settings.API_CHANGES_SETTLE_SECONDS = 0
    varied_projects()
    body = reader_client.get("/api/v1/projects/changes/?page_size=2").content
    old = JSONRenderer().render(
        ProjectOutputSerializer(project_list().order_by("updated_at", "id")[:2], many=True).data
    )
    assert body.startswith(b'{"results":' + old + b',"next_cursor":"')
    assert body.endswith(b'","has_more":true}')
