"""GET /api/v1/projects/, /projects/<code>/ and /portfolio/summary/: filters, search, ordering, pages, details."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portfolio.models import Project
from portfolio.services import change_request_approve, milestone_add, status_update_post
from tests.factories import CustomerFactory, ProjectFactory, UserFactory, file_demand

pytestmark = pytest.mark.django_db

LIST = "/api/v1/projects/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [project["code"] for project in response.json()["results"]]


def test_anonymous_client_is_refused_with_401_in_the_error_shape(api_client):
    response = api_client.get(LIST)
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "fields": {},
        "request_id": response["X-Request-ID"],
    }


def test_list_shows_each_project_with_money_burn_and_sponsors(reader_client):
    sponsor = CustomerFactory(name="Acme")
    ProjectFactory(code="BT-0001", approved_budget=Decimal("200000"), actual_spend=Decimal("50000"), sponsors=[sponsor])
    body = reader_client.get(LIST).json()
    assert body["count"] == 1
    project = body["results"][0]
    assert project["code"] == "BT-0001"
    assert project["approved_budget"] == "200000.00"
    assert project["actual_spend"] == "50000.00"
    assert project["budget_burn"] == "0.25"
    assert project["sponsors"] == [{"id": sponsor.pk, "name": "Acme"}]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=active", ["BT-0001"]),
        ("status=active&status=on_hold", ["BT-0001", "BT-0002"]),
        ("health=red", ["BT-0002"]),
        ("agenda=it", ["BT-0003"]),
        ("search=billing", ["BT-0001", "BT-0003"]),
        ("search=bt-0002", ["BT-0002"]),
    ],
)
def test_list_filters_by_status_health_agenda_and_search(reader_client, query, expected):
    ProjectFactory(code="BT-0001", name="Billing cloud", status="active", health="green", agenda="bt")
    ProjectFactory(code="BT-0002", name="Portal", status="on_hold", health="red", agenda="bt")
    ProjectFactory(code="BT-0003", name="Internal billing", status="planned", health="amber", agenda="it")
    assert codes(reader_client.get(f"{LIST}?{query}")) == expected


def test_list_filters_by_sponsor_customer_once_per_project(reader_client):
    acme, globex = CustomerFactory(), CustomerFactory()
    ProjectFactory(code="BT-0001", sponsors=[acme, globex])
    ProjectFactory(code="BT-0002", sponsors=[globex])
    ProjectFactory(code="BT-0003")
    assert codes(reader_client.get(f"{LIST}?customer={acme.pk}")) == ["BT-0001"]
    assert codes(reader_client.get(f"{LIST}?customer={globex.pk}")) == ["BT-0001", "BT-0002"]


def test_list_filters_by_owner(reader_client):
    owner = UserFactory(username="olga")
    ProjectFactory(code="BT-0001", owner=owner)
    ProjectFactory(code="BT-0002")
    assert codes(reader_client.get(f"{LIST}?owner={owner.pk}")) == ["BT-0001"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["BT-0001", "BT-0002", "BT-0003"]),
        ("-code", ["BT-0003", "BT-0002", "BT-0001"]),
        ("approved_budget", ["BT-0002", "BT-0003", "BT-0001"]),
        ("-progress", ["BT-0003", "BT-0001", "BT-0002"]),
        ("target_date,-code", ["BT-0003", "BT-0002", "BT-0001"]),
        # Repeated, as generated clients send a list, or mixed: the keys in the order given.
        (["target_date", "-code"], ["BT-0003", "BT-0002", "BT-0001"]),
        (["-progress,code", "target_date"], ["BT-0003", "BT-0001", "BT-0002"]),
    ],
)
def test_list_orders_by_whitelisted_fields(reader_client, ordering, expected):
    today = date(2026, 6, 1)
    ProjectFactory(code="BT-0001", approved_budget=Decimal("300"), progress=50, target_date=today + timedelta(9))
    ProjectFactory(code="BT-0002", approved_budget=Decimal("100"), progress=10, target_date=today)
    ProjectFactory(code="BT-0003", approved_budget=Decimal("200"), progress=90, target_date=today)
    assert codes(reader_client.get(LIST, {} if ordering is None else {"ordering": ordering})) == expected


@pytest.mark.parametrize("ordering", ["key_hash", "owner__password", "random", "sponsors__name"])
def test_ordering_outside_the_whitelist_is_a_400_naming_the_parameter(reader_client, ordering):
    ProjectFactory()
    response = reader_client.get(f"{LIST}?ordering={ordering}")
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input."
    assert list(response.json()["fields"]) == ["ordering"]


def test_equal_sort_keys_break_ties_by_id_so_pages_never_repeat_a_project(reader_client):
    created = [ProjectFactory(code=f"BT-{n:04d}", progress=50).code for n in (5, 3, 9, 1, 7)]
    pages = [codes(reader_client.get(f"{LIST}?ordering=progress&page_size=2&page={page}")) for page in (1, 2, 3)]
    assert [code for page in pages for code in page] == created  # insertion (id) order within the tie


def test_list_pages_with_a_client_chosen_size_capped_at_200(reader_client):
    for _ in range(5):
        ProjectFactory()
    body = reader_client.get(f"{LIST}?page_size=2&page=3").json()
    assert body["count"] == 5 and len(body["results"]) == 1 and body["next"] is None
    assert "page=2" in body["previous"]
    assert reader_client.get(f"{LIST}?page=9").status_code == 404


@pytest.mark.embedded
def test_updated_since_returns_only_what_changed_in_the_order_it_changed(reader_client):
    first, second, third = (
        ProjectFactory(code="BT-0001"),
        ProjectFactory(code="BT-0002"),
        ProjectFactory(code="BT-0003"),
    )
    before = timezone.now()
    Project.objects.filter(pk=third.pk).update(updated_at=before + timedelta(seconds=1))
    Project.objects.filter(pk=first.pk).update(updated_at=before + timedelta(seconds=2))
    Project.objects.filter(pk=second.pk).update(updated_at=before - timedelta(hours=1))
    since = before.isoformat().replace("+00:00", "Z")
    assert codes(reader_client.get(LIST, {"updated_since": since})) == ["BT-0003", "BT-0001"]


def test_updated_since_with_equal_times_orders_by_id(reader_client):
    projects = [ProjectFactory(code=code) for code in ("BT-0009", "BT-0002", "BT-0005")]
    moment = timezone.now()
    Project.objects.update(updated_at=moment)
    assert codes(reader_client.get(LIST, {"updated_since": moment.isoformat()})) == [p.code for p in projects]


def test_updated_since_that_is_not_a_time_is_a_400(reader_client):
    response = reader_client.get(LIST, {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert "updated_since" in response.json()["fields"]


def test_detail_has_milestones_latest_update_and_linked_demands(reader_client, cio, portfolio_manager):
    customer = CustomerFactory(name="Globex")
    demand = file_demand(contact_email="ann@globex.example", title="Single sign-on for the portal")
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Strategic.")
    milestone_add(project=project, name="Pilot", due_date=date(2026, 9, 1))
    status_update_post(project=project, author=portfolio_manager, health="amber", note="Vendor late.")
    status_update_post(project=project, author=portfolio_manager, health="red", note="Vendor later.")

    body = reader_client.get(f"{LIST}{project.code}/").json()
    assert body["code"] == project.code and body["health"] == "red"
    assert body["milestones"] == [{"name": "Pilot", "due_date": "2026-09-01", "done_date": None}]
    assert body["latest_update"]["note"] == "Vendor later."
    assert body["latest_update"]["author"] == "pm"
    assert body["demands"] == [
        {"reference": demand.reference, "title": demand.title, "status": "approved", "customer": "Globex"}
    ]
    assert body["sponsors"] == [{"id": customer.pk, "name": "Globex"}]
    assert body["expected_revenue"] == "100000.00"


def test_detail_of_an_unknown_code_is_a_404_in_the_error_shape(reader_client):
    response = reader_client.get(f"{LIST}BT-9999/")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "detail": "Not found.",
        "fields": {},
        "request_id": response["X-Request-ID"],
    }


@pytest.mark.embedded
def test_summary_counts_and_sums_money_by_status_health_and_agenda(reader_client):
    ProjectFactory(status="active", health="green", agenda="bt", approved_budget=Decimal("100"))
    ProjectFactory(status="active", health="red", agenda="it", approved_budget=Decimal("50"))
    ProjectFactory(status="delivered", health="green", agenda="bt", approved_budget=Decimal("10"))
    body = reader_client.get("/api/v1/portfolio/summary/").json()
    by_status = {group["key"]: group for group in body["by_status"]}
    assert by_status["active"]["count"] == 2 and by_status["active"]["approved_budget"] == "150.00"
    assert by_status["delivered"]["count"] == 1 and by_status["planned"]["count"] == 0
    assert {g["key"]: g["count"] for g in body["by_health"]} == {"green": 2, "amber": 0, "red": 1}
    assert {g["key"]: g["count"] for g in body["by_agenda"]} == {"bt": 2, "it": 1}
    assert body["total"]["count"] == 3 and body["total"]["approved_budget"] == "160.00"


@pytest.mark.embedded
def test_summary_takes_the_list_filters_and_counts_a_multi_sponsor_project_once(reader_client):
    acme, globex = CustomerFactory(), CustomerFactory()
    ProjectFactory(status="active", sponsors=[acme, globex], approved_budget=Decimal("100"))
    ProjectFactory(status="active", sponsors=[globex], approved_budget=Decimal("7"))
    body = reader_client.get("/api/v1/portfolio/summary/", {"customer": acme.pk}).json()
    assert body["total"]["count"] == 1 and body["total"]["approved_budget"] == "100.00"
    body = reader_client.get("/api/v1/portfolio/summary/", {"customer": globex.pk}).json()
    assert body["total"]["count"] == 2 and body["total"]["approved_budget"] == "107.00"


def test_money_is_two_decimal_strings_with_the_currency_beside_it(reader_client, settings):
    ProjectFactory(code="BT-0001", approved_budget=Decimal("54000"))
    project = reader_client.get(LIST).json()["results"][0]
    assert (project["approved_budget"], project["currency"]) == ("54000.00", settings.BASE_CURRENCY)
    total = reader_client.get("/api/v1/portfolio/summary/").json()["total"]
    assert (total["approved_budget"], total["currency"]) == ("54000.00", settings.BASE_CURRENCY)
