"""/portfolio/export.csv: the portfolio as the page filters it, streamed, with money planned against actual, and
nothing a spreadsheet would run as a formula."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portfolio.models import Project
from tests.factories import CustomerFactory, ProjectFactory, signed_in

pytestmark = pytest.mark.django_db


def export(client: Client, **params: str) -> list[dict[str, str]]:
    response = client.get("/portfolio/export.csv", params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="portfolio-')
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.embedded
def test_the_export_has_budget_against_spend_and_expected_against_realized_revenue(analyst):
    acme, globex = CustomerFactory(name="Acme"), CustomerFactory(name="Globex")
    ProjectFactory(
        code="BT-0001",
        name="Nightly SAP export",
        status="active",
        approved_budget=Decimal("200000"),
        actual_spend=Decimal("50000"),
        expected_revenue=Decimal("400000"),
        sponsors=[acme, globex],
    )
    Project.objects.filter(code="BT-0001").update(realized_revenue=Decimal("100000"))
    rows = export(signed_in(analyst))
    assert len(rows) == 1
    row = rows[0]
    assert row["Code"] == "BT-0001" and row["Name"] == "Nightly SAP export" and row["Status"] == "active"
    assert row["Sponsors"] == "Acme; Globex"
    assert (row["Approved budget"], row["Actual spend"], row["Spend / budget"]) == ("200000.00", "50000.00", "0.25")
    assert (row["Expected revenue"], row["Realized revenue"]) == ("400000.00", "100000.00")
    assert row["Realized / expected"] == "0.25"


def test_the_export_honours_the_filters_and_the_sort_of_the_page(analyst):
    ProjectFactory(code="BT-0001", health="red", name="Billing", progress=10)
    ProjectFactory(code="BT-0002", health="green", name="Portal")
    ProjectFactory(code="BT-0003", health="red", name="Portal v2", progress=90)
    ProjectFactory(code="BT-0004", health="red", name="Portal v3", progress=50)
    rows = export(signed_in(analyst), health="red", search="portal", ordering="-progress")
    assert [row["Code"] for row in rows] == ["BT-0003", "BT-0004"]


def test_text_a_spreadsheet_would_run_is_neutralized(analyst):
    ProjectFactory(
        code="BT-0001", name='=HYPERLINK("http://evil.example","click")', sponsors=[CustomerFactory(name="@SUM(A1)")]
    )
    row = export(signed_in(analyst))[0]
    assert row["Name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["Sponsors"] == "'@SUM(A1)"


def test_a_bad_filter_is_a_400_that_says_what_is_wrong(analyst):
    response = signed_in(analyst).get("/portfolio/export.csv", {"customer": "abc"})
    assert response.status_code == 400
    assert "customer" in response.content.decode()


def test_the_list_page_links_to_the_export_with_its_filters(analyst):
    ProjectFactory(code="BT-0001")
    html = signed_in(analyst).get("/portfolio/", {"health": "red"}).content.decode()
    assert 'href="/portfolio/export.csv?health=red"' in html


@pytest.mark.parametrize("projects", [3, 30])
def test_the_export_costs_the_same_queries_whatever_the_number_of_projects(analyst, projects):
    sponsors = [CustomerFactory(), CustomerFactory()]
    for _ in range(projects):
        ProjectFactory(sponsors=sponsors)
    page = signed_in(analyst)
    with CaptureQueriesContext(connection) as queries:
        rows = export(page)
    assert len(rows) == projects
    # session, user, permissions (user and group), the export's transaction (a savepoint inside the test's),
    # its longer statement timeout for that transaction only, projects with owners, sponsors of the chunk, the
    # end of the transaction (core.csvexport.with_export_timeouts): nothing to reset afterwards
    assert len(queries) == 9, [query["sql"][:80] for query in queries]
    assert queries[5]["sql"] == "SELECT set_config('statement_timeout', '60000ms', true)"
    assert queries[4]["sql"].startswith("SAVEPOINT") and queries[-1]["sql"].startswith("RELEASE SAVEPOINT")
