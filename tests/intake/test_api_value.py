"""POST /api/v1/requests/ takes an internal unit's savings with the form's checks; GET shows kind and value."""

from decimal import Decimal

import pytest

from intake.choices import CustomerKind
from intake.models import ChangeRequest
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


def payload(**overrides) -> dict:
    return {
        "title": "Retire the legacy expense tool",
        "description": "Move every expense report to the new tool and stop the old licences.",
        "contact_name": "Hélène Dubois",
        "contact_email": "helene@finance.corp.example",
        "product": ProductFactory().pk,
        "licences_retired_per_year": "60000",
        "currency": "CHF",
        **overrides,
    }


def test_an_internal_unit_files_savings_and_reads_back_its_kind_and_value(writer_client, reader_client):
    CustomerFactory(name="Finance", kind=CustomerKind.INTERNAL, domain__domain="finance.corp.example")
    response = writer_client.post("/api/v1/requests/", payload(), format="json")
    assert response.status_code == 201, response.content
    demand = ChangeRequest.objects.get()
    assert (demand.agenda, demand.yearly_savings) == ("it", Decimal("60000.00"))
    body = reader_client.get(f"/api/v1/requests/{demand.reference}/").json()
    assert (body["customer_kind"], body["value_types"], body["yearly_savings"]) == (
        "internal",
        ["savings"],
        "60000.00",
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"agenda": "bt"}, "licences_retired_per_year", "Savings are asked of our own business units"),
        ({"agenda": "it", "revenue_at_stake": "5000"}, "revenue_at_stake", "no revenue at stake"),
        ({"agenda": "it", "hours_saved_per_year": "-1"}, "hours_saved_per_year", "greater than or equal to 0"),
        ({"agenda": "it", "transactions_per_year": "100"}, "cost_per_transaction_before", "costs today"),
    ],
)
def test_a_claim_the_wrong_way_round_is_a_400_naming_the_field(writer_client, overrides, field, message):
    response = writer_client.post(
        "/api/v1/requests/", payload(contact_email="x@unknown.example", **overrides), format="json"
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert field in text and message in text
    assert not ChangeRequest.objects.exists()
