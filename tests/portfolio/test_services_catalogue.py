"""The services catalogue: each service's unit of work and its cost per unit month by month, recorded by the
production team (portfolio managers), converted to the base currency, drawn as a trend against a project's target."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from portfolio.models import UnitCostRecord
from portfolio.services import UnitCostRefusal, unit_cost_record
from tests.factories import ProductFactory, ProjectFactory, file_demand

pytestmark = pytest.mark.django_db

THIS_MONTH = timezone.localdate().replace(day=1)


def months_ago(count: int):
    month = THIS_MONTH
    for _ in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def test_a_month_is_recorded_in_the_base_currency_and_recording_it_again_replaces_it(portfolio_manager):
    service = ProductFactory(unit_of_work="invoices processed")
    unit_cost_record(
        service=service,
        period=months_ago(1),
        cost_per_unit=Decimal("2.00"),
        currency="GBP",
        recorded_by=portfolio_manager,
    )
    record = UnitCostRecord.objects.get()
    assert record.cost_per_unit == Decimal("2.34")  # 2 GBP at 1.17 (settings.CURRENCY_RATES_TO_BASE)
    unit_cost_record(
        service=service,
        period=months_ago(1),
        cost_per_unit=Decimal("1.5"),
        currency="EUR",
        recorded_by=portfolio_manager,
    )
    assert list(UnitCostRecord.objects.values_list("cost_per_unit", flat=True)) == [Decimal("1.5")]


def test_only_the_production_team_records_and_never_a_month_to_come(portfolio_manager, analyst):
    service = ProductFactory()
    with pytest.raises(UnitCostRefusal):
        unit_cost_record(
            service=service, period=months_ago(1), cost_per_unit=Decimal("1"), currency="EUR", recorded_by=analyst
        )
    with pytest.raises(UnitCostRefusal) as refusal:
        unit_cost_record(
            service=service,
            period=THIS_MONTH + timedelta(days=40),
            cost_per_unit=Decimal("1"),
            currency="EUR",
            recorded_by=portfolio_manager,
        )
    assert refusal.value.field == "period"
    assert not UnitCostRecord.objects.exists()


def test_the_service_page_draws_the_trend_and_the_projects_target(pm_client: Client, portfolio_manager):
    service = ProductFactory(name="Billing Cloud", unit_of_work="invoices processed")
    for index, cost in enumerate(("4.80", "4.10", "2.20")):
        unit_cost_record(
            service=service,
            period=months_ago(3 - index),
            cost_per_unit=Decimal(cost),
            currency="EUR",
            recorded_by=portfolio_manager,
        )
    project = ProjectFactory(agenda="it", target_unit_cost=Decimal("2.5"))
    project.project_demands.create(change_request=file_demand(product=service))
    page = pm_client.get(f"/portfolio/services/{service.pk}/").content.decode()
    assert len(re.findall(r'<circle [^>]*class="trend-point"', page)) == 3
    assert 'data-testid="target-line"' in page
    assert "target 2.5000 per unit" in page
    listing = pm_client.get("/portfolio/services/").content.decode()
    assert "invoices processed" in listing and "2.2000" in listing


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cost_per_unit", "-1", "greater than or equal to 0"),
        ("cost_per_unit", "1000001", "less than or equal to 100000"),
        ("period", "2026-13", "Enter a month as YYYY-MM"),
        ("currency", "XXX", "Select a valid choice"),
        ("units", "-3", "greater than or equal to 0"),
    ],
)
def test_bad_input_is_the_page_again_with_the_message_and_what_was_typed(pm_client: Client, field, value, message):
    service = ProductFactory()
    data = {"period": months_ago(1).strftime("%Y-%m"), "cost_per_unit": "3.25", "currency": "EUR", "note": "typed"}
    response = pm_client.post(f"/portfolio/services/{service.pk}/unit-costs/", {**data, field: value})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="typed"' in page
    assert not UnitCostRecord.objects.exists()


def test_a_recorded_month_redirects_to_the_service(pm_client: Client):
    service = ProductFactory()
    response = pm_client.post(
        f"/portfolio/services/{service.pk}/unit-costs/",
        {"period": months_ago(1).strftime("%Y-%m"), "cost_per_unit": "3.25", "currency": "EUR"},
    )
    assert response.status_code == 302
    assert UnitCostRecord.objects.get().cost_per_unit == Decimal("3.25")


@pytest.mark.parametrize("count", [1, 8])
def test_the_catalogue_costs_the_same_queries_for_1_or_8_services(pm_client: Client, django_assert_num_queries, count):
    for _ in range(count):
        ProductFactory()
    pm_client.get("/portfolio/services/")  # warm the session
    with django_assert_num_queries(6):  # session, user, its groups and permissions, the bell, the catalogue
        pm_client.get("/portfolio/services/")
