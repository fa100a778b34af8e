"""Realized savings are recorded like realized revenue (monthly, append-only, a running total per project), and
calibration compares both agendas: savings expected over model v2's years against the cost taken out."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from portfolio.calibration import SAVINGS_YEARS, approved_demand_outcomes
from portfolio.models import Project, RevenueRecord
from portfolio.services import RevenueRefusal, change_request_approve, revenue_record_add
from tests.factories import file_demand

pytestmark = pytest.mark.django_db

MONTH = date(2026, 1, 1)


def internal_demand(**overrides):
    fields = {
        "title": "Automatic matching of supplier invoices",
        "agenda": "it",
        "revenue_at_stake": Decimal("0"),
        "licences_retired_per_year": Decimal("40000"),
        "currency": "GBP",
    }
    return file_demand(**{**fields, **overrides})


def test_savings_records_move_their_own_total_and_corrections_cannot_take_it_below_zero(cio, portfolio_manager):
    project = change_request_approve(change_request=internal_demand(), decided_by=cio, rationale="Pays for itself.")
    revenue_record_add(
        project=project, period=MONTH, amount=Decimal("30000"), kind="savings", recorded_by=portfolio_manager
    )
    project.refresh_from_db()
    assert (project.realized_savings, project.realized_revenue) == (Decimal("30000"), Decimal("0"))
    assert RevenueRecord.objects.get().kind == "savings"
    with pytest.raises(RevenueRefusal):
        revenue_record_add(
            project=project,
            period=MONTH,
            amount=Decimal("-30000.01"),
            kind="savings",
            note="Too much",
            recorded_by=portfolio_manager,
        )
    assert Project.objects.get(pk=project.pk).realized_savings == Decimal("30000")


def test_calibration_sets_the_cost_taken_out_against_the_savings_expected(cio, portfolio_manager):
    demand = internal_demand()
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Pays for itself.")
    revenue_record_add(
        project=project, period=MONTH, amount=Decimal("70200"), kind="savings", recorded_by=portfolio_manager
    )
    row = approved_demand_outcomes().get(change_request=demand)
    # 40,000 GBP a year = 46,800 EUR, over 3 years: 140,400 expected; 70,200 taken out -> half.
    assert Decimal("3") == SAVINGS_YEARS
    assert row.stake == Decimal("140400.00")
    assert row.attributed == Decimal("70200.00")
    assert row.realization == Decimal("0.5")


def test_a_portfolio_manager_records_savings_on_an_it_project_page(pm_client: Client, cio):
    project = change_request_approve(change_request=internal_demand(), decided_by=cio, rationale="Go.")
    page = pm_client.get(f"/portfolio/{project.code}/").content.decode()
    assert 'name="kind"' in page
    response = pm_client.post(
        f"/portfolio/{project.code}/revenue/", {"period": "2026-01", "amount": "1200", "kind": "savings"}
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).realized_savings == Decimal("1200")


def test_the_calibration_page_sets_the_two_agendas_of_the_year_side_by_side(cio, portfolio_manager):
    from django.utils import timezone

    from portfolio.selectors import agendas_year
    from portfolio.services import unit_cost_record
    from tests.factories import ProductFactory, signed_in

    this_month = timezone.localdate().replace(day=1)
    it_project = change_request_approve(change_request=internal_demand(), decided_by=cio, rationale="Go.")
    bt_project = change_request_approve(
        change_request=file_demand(title="Nightly SAP export", revenue_at_stake=Decimal("5000")),
        decided_by=cio,
        rationale="Go.",
    )
    revenue_record_add(
        project=it_project, period=this_month, amount=Decimal("900"), kind="savings", recorded_by=portfolio_manager
    )
    revenue_record_add(project=bt_project, period=this_month, amount=Decimal("4000"), recorded_by=portfolio_manager)
    unit_cost_record(
        service=ProductFactory(),
        period=this_month,
        cost_per_unit=Decimal("2.5"),
        currency="EUR",
        units=1000,
        recorded_by=portfolio_manager,
    )
    assert agendas_year(year=this_month.year) == {
        "year": this_month.year,
        "it_run_cost": Decimal("2500.00"),
        "it_cost_taken_out": Decimal("900"),
        "bt_revenue_won": Decimal("4000"),
    }
    html = signed_in(cio).get("/portfolio/calibration/").content.decode()
    assert 'data-testid="it-run-cost">2,500' in html and 'data-testid="bt-revenue-won">4,000' in html
