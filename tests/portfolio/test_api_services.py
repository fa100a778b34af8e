"""GET /api/v1/services/ and /api/v1/services/<id>/unit-costs/ (read); POST a month with a production team's token."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core.choices import TokenScope
from core.services import api_token_create
from portfolio.models import UnitCostRecord
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

LAST_MONTH = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


@pytest.fixture
def team_client(portfolio_manager) -> APIClient:
    _token, key = api_token_create(user=portfolio_manager, name="production", scope=TokenScope.READ_WRITE)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_month_posted_in_usd_is_kept_in_the_base_currency_and_read_back(team_client, reader_client):
    service = ProductFactory(name="Billing Cloud", unit_of_work="invoices processed")
    response = team_client.post(
        f"/api/v1/services/{service.pk}/unit-costs/",
        {"period": LAST_MONTH.strftime("%Y-%m"), "cost_per_unit": "2.50", "currency": "USD", "units": 1000},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["cost_per_unit"] == "2.3000"  # 2.50 USD at 0.92
    history = reader_client.get(f"/api/v1/services/{service.pk}/unit-costs/").json()
    assert history == [
        {"period": LAST_MONTH.isoformat(), "cost_per_unit": "2.3000", "currency": "EUR", "units": 1000, "note": ""}
    ]
    listing = reader_client.get("/api/v1/services/").json()["results"]
    assert {row["name"]: row["latest_unit_cost"] for row in listing} == {"Billing Cloud": "2.3000"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cost_per_unit": "-1"}, "cost_per_unit"),
        ({"cost_per_unit": "1e9"}, "cost_per_unit"),
        ({"currency": "XXX"}, "currency"),
        ({"period": "2999-01"}, "period"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(team_client, body, field):
    service = ProductFactory()
    data = {"period": LAST_MONTH.strftime("%Y-%m"), "cost_per_unit": "1", **body}
    response = team_client.post(f"/api/v1/services/{service.pk}/unit-costs/", data, format="json")
    assert response.status_code == 400
    assert field in response.content.decode()
    assert not UnitCostRecord.objects.exists()


def test_a_token_whose_user_may_not_record_is_refused(writer_client):
    service = ProductFactory()
    response = writer_client.post(
        f"/api/v1/services/{service.pk}/unit-costs/",
        {"period": LAST_MONTH.strftime("%Y-%m"), "cost_per_unit": "1"},
        format="json",
    )
    assert response.status_code == 403
    assert UnitCostRecord.objects.count() == 0
    assert Decimal("1") not in UnitCostRecord.objects.values_list("cost_per_unit", flat=True)


def test_the_catalogue_and_a_services_costs_answer_a_matching_poll_with_304_until_a_month_is_recorded(
    team_client, reader_client
):
    service = ProductFactory(name="Billing Cloud")
    urls = ["/api/v1/services/", f"/api/v1/services/{service.pk}/unit-costs/"]
    tags = {}
    for url in urls:
        first = reader_client.get(url)
        assert first.status_code == 200 and first["ETag"].startswith('W/"')
        again = reader_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert (again.status_code, again.content) == (304, b"")
        tags[url] = first["ETag"]
    month = {"period": LAST_MONTH.strftime("%Y-%m"), "cost_per_unit": "2.50"}
    assert team_client.post(urls[1], month, format="json").status_code == 201
    for url in urls:
        assert reader_client.get(url, HTTP_IF_NONE_MATCH=tags[url]).status_code == 200
        tags[url] = reader_client.get(url)["ETag"]
    # The same month recorded again replaces its figure: the tags move again.
    assert team_client.post(urls[1], {**month, "cost_per_unit": "2.75"}, format="json").status_code == 201
    for url in urls:
        assert reader_client.get(url, HTTP_IF_NONE_MATCH=tags[url]).status_code == 200


def test_if_none_match_star_on_an_unknown_service_is_still_a_404(reader_client):
    response = reader_client.get("/api/v1/services/999999/unit-costs/", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("months", [1, 6])
def test_conditional_catalogue_and_cost_polls_cost_the_same_queries_at_any_size(reader_client, months):
    service = ProductFactory()
    for back in range(months):
        period = (LAST_MONTH - timedelta(days=31 * back)).replace(day=1)
        UnitCostRecord.objects.create(service=service, period=period, cost_per_unit=Decimal("2"))
    ProductFactory.create_batch(months)
    # The token and one aggregate; a service's history (staff tokens) also checks the user's permissions (user and
    # group) and finds the service (a 404 otherwise).
    for url, expected in (("/api/v1/services/", 2), (f"/api/v1/services/{service.pk}/unit-costs/", 5)):
        etag = reader_client.get(url)["ETag"]  # also records the token's use, at most once a minute
        with CaptureQueriesContext(connection) as queries:
            assert reader_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert len(queries) == expected, (url, [query["sql"] for query in queries])
