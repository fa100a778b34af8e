"""The public form asks internal business units what a change saves and external clients what revenue depends on it.

A claim the wrong way round, a negative or absurd figure, hours without their cost: a 400 with the message next to
the field, and everything typed comes back in the page.
"""

from decimal import Decimal

import pytest
from django.test import Client

from intake.choices import Agenda, CustomerKind
from intake.models import ChangeRequest, yearly_savings_of
from tests.factories import CustomerFactory, ProductFactory, form_data

pytestmark = pytest.mark.django_db

SAVINGS = {
    "hours_saved_per_year": "1200",
    "loaded_hourly_rate": "55.50",
    "licences_retired_per_year": "8000",
    "transactions_per_year": "120000",
    "cost_per_transaction_before": "0.80",
    "cost_per_transaction_after": "0.25",
    "risk_exposure_avoided": "150000",
}


def internal_form(**overrides) -> dict:
    return form_data(ProductFactory(), **{"agenda": "it", "revenue_at_stake": "", **SAVINGS, **overrides})


def test_an_internal_contact_files_savings_and_the_yearly_total_is_kept(client: Client):
    response = client.post("/requests/new/", internal_form())
    assert response.status_code == 302
    demand = ChangeRequest.objects.get()
    # 1,200 h × 55.50 = 66,600 + 8,000 licences + 120,000 × (0.80 − 0.25) = 66,000: 140,600 a year.
    assert demand.yearly_savings == Decimal("140600.00")
    assert demand.risk_exposure_avoided == Decimal("150000")
    assert (demand.agenda, demand.revenue_at_stake) == (Agenda.IT, Decimal("0"))
    assert demand.value_types == ["savings", "risk"]


def test_an_internal_contact_claiming_revenue_is_told_so_and_keeps_what_was_typed(client: Client):
    response = client.post("/requests/new/", internal_form(revenue_at_stake="250000"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "An internal business unit has no revenue at stake" in page
    assert 'value="1200"' in page and 'value="250000"' in page
    assert ChangeRequest.objects.count() == 0


def test_an_external_client_claiming_savings_is_told_so_on_that_field(client: Client):
    response = client.post("/requests/new/", form_data(ProductFactory(), hours_saved_per_year="300"))
    assert response.status_code == 400
    assert "Savings are asked of our own business units" in response.content.decode()
    assert ChangeRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours_saved_per_year", "-5", "greater than or equal to 0"),
        ("hours_saved_per_year", "99999999", "less than or equal to 10000000"),
        ("loaded_hourly_rate", "", "Give the loaded cost of an hour too"),
        ("transactions_per_year", "-1", "greater than or equal to 0"),
        ("transactions_per_year", "", "Give how many transactions a year"),
        ("cost_per_transaction_before", "", "Give what one transaction costs today"),
        ("cost_per_transaction_after", "0.90", "would not save on transactions"),
        ("risk_exposure_avoided", "1e400", "digits"),
        ("licences_retired_per_year", "abc", "Enter a number"),
    ],
)
def test_each_savings_figure_is_checked_with_a_message_next_to_the_field(client: Client, field, value, message):
    response = client.post("/requests/new/", internal_form(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ChangeRequest.objects.count() == 0


def test_the_email_domain_of_an_internal_unit_decides_that_the_demand_is_internal(client: Client):
    CustomerFactory(name="Finance", kind=CustomerKind.INTERNAL, cost_centre="CC-100", domain__domain="corp.example")
    refused = client.post("/requests/new/", form_data(ProductFactory(), contact_email="ann@corp.example"))
    assert refused.status_code == 400
    assert "An internal business unit has no revenue at stake" in refused.content.decode()

    response = client.post(
        "/requests/new/",
        form_data(ProductFactory(), contact_email="ann@corp.example", agenda="bt", revenue_at_stake="", **SAVINGS),
    )
    assert response.status_code == 302
    demand = ChangeRequest.objects.get()
    assert (demand.agenda, demand.customer.name) == (Agenda.IT, "Finance")


def test_yearly_savings_round_half_to_even_to_the_cent():
    def savings(hours: str, rate: str) -> Decimal:
        return yearly_savings_of(
            hours_saved_per_year=Decimal(hours),
            loaded_hourly_rate=Decimal(rate),
            licences_retired_per_year=Decimal("0"),
            transactions_per_year=0,
            cost_per_transaction_before=Decimal("0"),
            cost_per_transaction_after=Decimal("0"),
        )

    assert (savings("0.5", "0.01"), savings("0.5", "0.03")) == (Decimal("0.00"), Decimal("0.02"))
