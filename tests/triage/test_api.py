"""GET /api/v1/requests/<reference>/score/ and /api/v1/queue/: a score's components and the queue by agenda and
value type, for staff tokens."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import file_demand
from triage import scoring, services
from triage.models import ScoringModel

pytestmark = pytest.mark.django_db


def internal(title: str = "Deflect password-reset calls", **overrides):
    return file_demand(
        title=title,
        agenda="it",
        revenue_at_stake=Decimal("0"),
        **{"transactions_per_year": 90000, "cost_per_transaction_before": Decimal("4.80"), **overrides},
    )


def test_the_score_lists_every_component_with_its_weight_and_they_add_up_to_the_total(reader_client, cio):
    services.scoring_model_create_version(changes=dict(scoring.V2_CHANGES), note="v2", created_by=cio)
    demand = internal()
    model = ScoringModel.objects.get(is_active=True)
    services.assessments_compute_bulk(change_request_ids=[demand.pk], scoring_model=model)
    body = reader_client.get(f"/api/v1/requests/{demand.reference}/score/").json()
    assert (body["reference"], body["model_version"]) == (demand.reference, 2)
    components = {component["key"]: component for component in body["components"]}
    assert components["savings"]["weight"] == "20.00"
    assert components["savings"]["explanation"].startswith("432,000/year × 3.0 years")
    assert sum(Decimal(component["points"]) for component in body["components"]) == Decimal(body["total"])


def test_a_demand_without_a_score_is_a_json_404(reader_client):
    demand = internal()
    response = reader_client.get(f"/api/v1/requests/{demand.reference}/score/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_the_queue_filters_by_agenda_and_value_type(reader_client):
    saving = internal()
    selling = file_demand(title="Nightly SAP export", revenue_at_stake=Decimal("1000"))

    def references(query: str) -> set[str]:
        response = reader_client.get(f"/api/v1/queue/?{query}")
        assert response.status_code == 200, response.content
        return {row["reference"] for row in response.json()["results"]}

    assert references("agenda=it") == {saving.reference}
    assert references("value_type=savings") == {saving.reference}
    assert references("value_type=revenue&agenda=bt") == {selling.reference}
    row = reader_client.get("/api/v1/queue/?value_type=savings").json()["results"][0]
    assert (row["value_types"], row["yearly_savings"]) == (["savings"], "432000.00")
    assert reader_client.get("/api/v1/queue/?value_type=profit").status_code == 400


def test_a_score_poll_gets_304_until_the_demand_is_rescored(reader_client, cio):
    demand = internal()
    model = ScoringModel.objects.get(is_active=True)
    services.assessments_compute_bulk(change_request_ids=[demand.pk], scoring_model=model)
    url = f"/api/v1/requests/{demand.reference}/score/"
    first = reader_client.get(url)
    assert first.status_code == 200 and first.json()["currency"] == "EUR"
    again = reader_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content) == (304, b"")
    v2 = services.scoring_model_create_version(changes=dict(scoring.V2_CHANGES), note="v2", created_by=cio)
    services.assessments_compute_bulk(change_request_ids=[demand.pk], scoring_model=v2)
    rescored = reader_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert rescored.status_code == 200 and rescored.json()["model_version"] == 2


def test_if_none_match_star_on_an_unscored_demand_is_still_a_404(reader_client):
    demand = internal()
    response = reader_client.get(f"/api/v1/requests/{demand.reference}/score/", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_queue_poll_gets_304_until_a_demand_is_filed_or_rescored(reader_client, cio):
    demand = internal()
    url = "/api/v1/queue/?agenda=it"
    first = reader_client.get(url)
    assert first.status_code == 200 and first["ETag"].startswith('W/"')
    again = reader_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content) == (304, b"")
    assert reader_client.get("/api/v1/queue/?agenda=bt", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    # Rescoring writes the score without touching `updated_at`: the tag still moves.
    v2 = services.scoring_model_create_version(changes=dict(scoring.V2_CHANGES), note="v2", created_by=cio)
    services.assessments_compute_bulk(change_request_ids=[demand.pk], scoring_model=v2)
    rescored = reader_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert rescored.status_code == 200
    internal(title="Archive the old tickets")
    filed = reader_client.get(url, HTTP_IF_NONE_MATCH=rescored["ETag"])
    assert filed.status_code == 200 and filed.json()["count"] == 2


@pytest.mark.parametrize("demands", [1, 6])
def test_conditional_queue_and_score_polls_cost_the_same_queries_at_any_size(reader_client, demands):
    filed = [internal(title=f"Deflect calls, desk {number}") for number in range(demands)]
    model = ScoringModel.objects.get(is_active=True)
    services.assessments_compute_bulk(change_request_ids=[demand.pk for demand in filed], scoring_model=model)
    for url, expected in (("/api/v1/queue/?agenda=it", 4), (f"/api/v1/requests/{filed[0].reference}/score/", 4)):
        etag = reader_client.get(url)["ETag"]  # also records the token's use, at most once a minute
        with CaptureQueriesContext(connection) as queries:
            assert reader_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        # The token, the staff user's permissions (user and group), then one aggregate (the queue) or the latest
        # assessment (the score): never the rows themselves.
        assert len(queries) == expected, (url, [query["sql"] for query in queries])


def test_v2_weights_are_listed_with_v1_kept(cio):
    v2 = services.scoring_model_create_version(changes=dict(scoring.V2_CHANGES), note="v2", created_by=cio)
    assert v2.weights() == replace(ScoringModel.objects.get(version=1).weights(), **scoring.V2_CHANGES)
