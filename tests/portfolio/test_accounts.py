"""The account manager's view of a customer: demands, scores, decisions, revenue asked and delivered."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portfolio.services import change_request_approve, revenue_record_add
from tests.factories import CustomerFactory, UserFactory, file_demand

pytestmark = pytest.mark.django_db


def test_a_customer_page_shows_its_demands_and_the_value_asked_approved_and_delivered(client: Client, cio):
    acme = CustomerFactory(name="Acme")
    CustomerFactory(name="Other")
    open_one = file_demand(contact_email="a@acme.example", revenue_at_stake=Decimal("100000"), title="Open demand one")
    approved = file_demand(contact_email="b@acme.example", revenue_at_stake=Decimal("40000"), title="Approved one")
    file_demand(contact_email="c@other.example", revenue_at_stake=Decimal("999999"), title="Not theirs at all")
    project = change_request_approve(change_request=approved, decided_by=cio, rationale="yes")
    revenue_record_add(
        project=project,
        period=date(2026, 1, 1),
        amount=Decimal("15000"),
        recorded_by=UserFactory(role="Portfolio manager"),
    )
    client.force_login(cio)
    response = client.get(f"/portfolio/customers/{acme.pk}/")
    assert response.status_code == 200
    assert response.context["revenue_open"] == Decimal("100000")
    assert response.context["revenue_approved"] == Decimal("40000")
    assert response.context["realized"] == Decimal("15000")
    page = response.content.decode()
    assert open_one.reference in page and approved.reference in page and project.code in page
    assert "Not theirs at all" not in page
    rows = list(
        csv.reader(
            io.StringIO(b"".join(client.get(f"/portfolio/customers/{acme.pk}/export.csv").streaming_content).decode())
        )
    )
    assert [row[0] for row in rows[1:]] == [approved.reference, open_one.reference]
    assert rows[1][9] == project.code


def test_the_customer_list_costs_the_same_queries_at_3_and_30_customers(client: Client, cio):
    client.force_login(cio)
    for _ in range(3):
        file_demand(contact_email=f"x@{CustomerFactory().name.lower().replace(' ', '-')}.example")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/portfolio/customers/").status_code == 200
    for _ in range(27):
        file_demand(contact_email=f"x@{CustomerFactory().name.lower().replace(' ', '-')}.example")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/portfolio/customers/")
    assert len(few) == len(many)
    assert all(customer.demands == 1 for customer in response.context["page"])


def test_accounts_are_staff_only_and_unknown_customers_are_404(client: Client, cio):
    assert client.get("/portfolio/customers/").status_code == 302
    client.force_login(cio)
    assert client.get("/portfolio/customers/999999/").status_code == 404


def test_the_customer_page_and_list_add_demands_in_several_currencies_in_the_base_currency(client: Client, cio):
    acme = CustomerFactory(name="Acme")
    file_demand(contact_email="a@acme.example", revenue_at_stake=Decimal("100000"), currency="EUR", title="In euros")
    file_demand(contact_email="b@acme.example", revenue_at_stake=Decimal("100000"), currency="USD", title="In dollars")
    file_demand(contact_email="c@acme.example", revenue_at_stake=Decimal("0.40"), currency="GBP", title="In pounds")
    approved = file_demand(
        contact_email="d@acme.example", revenue_at_stake=Decimal("10000"), currency="GBP", title="Approved in pounds"
    )
    change_request_approve(change_request=approved, decided_by=cio, rationale="yes")
    expected_open = Decimal("100000") + Decimal("92000.00") + Decimal("0.47")  # each converted, then added
    client.force_login(cio)

    detail = client.get(f"/portfolio/customers/{acme.pk}/")
    assert detail.context["revenue_open"] == expected_open
    assert detail.context["revenue_approved"] == Decimal("11700.00")
    assert 'data-testid="revenue-open">192,000<' in detail.content.decode()

    listed = {customer.name: customer for customer in client.get("/portfolio/customers/").context["page"]}
    assert listed["Acme"].revenue_open == expected_open


def test_an_account_manager_sees_an_internal_unit_with_its_savings_and_the_cost_taken_out(cio, portfolio_manager):
    from intake.choices import CustomerKind
    from tests.factories import signed_in

    finance = CustomerFactory(
        name="Finance",
        kind=CustomerKind.INTERNAL,
        cost_centre="CC-4100",
        sponsor_name="Hélène Dubois",
        value_notes="A faster close.",
        domain__domain="finance.corp.example",
    )
    savings = {"agenda": "it", "revenue_at_stake": Decimal("0"), "licences_retired_per_year": Decimal("12000")}
    file_demand(title="Retire the expense tool", contact_email="a@finance.corp.example", **savings)
    approved = file_demand(title="Match supplier invoices", contact_email="b@finance.corp.example", **savings)
    project = change_request_approve(change_request=approved, decided_by=cio, rationale="Go.")
    revenue_record_add(
        project=project, period=date(2026, 1, 1), amount=Decimal("3000"), kind="savings", recorded_by=portfolio_manager
    )
    page = signed_in(cio)
    html = page.get(f"/portfolio/customers/{finance.pk}/").content.decode()
    assert "Internal business unit · cost centre CC-4100 · sponsor Hélène Dubois" in html
    assert 'data-testid="value-notes"' in html and "A faster close." in html
    assert re.search(r'data-testid="savings-open">12,000<', html)
    assert re.search(r'data-testid="realized-savings">3,000<', html)
    assert "12,000 EUR saved a year" in html
    listing = page.get("/portfolio/customers/").content.decode()
    assert 'data-kind="internal">Internal business unit<' in listing
