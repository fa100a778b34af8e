"""Similar demands: trigram similarity in PostgreSQL, word overlap on SQLite; same product only."""

import pytest

from intake.models import SimilarDemand
from intake.similarity import similar_demands_record
from tests.factories import ProductFactory, file_demand


def _three_demands():
    product = ProductFactory()
    close = file_demand(
        product=product,
        title="Export invoices to SAP every night",
        description="Every night, export all invoices of the day to our SAP system as IDocs.",
    )
    unrelated = file_demand(
        product=product,
        title="Dark mode for the mobile app",
        description="Staff working late would like a dark colour scheme on phones and tablets.",
    )
    other_product = file_demand(
        title="Export invoices to SAP every night",
        description="Every night, export all invoices of the day to our SAP system as IDocs.",
    )
    newest = file_demand(
        product=product,
        title="Nightly export of invoices to SAP",
        description="We need all invoices of each day exported to SAP as IDocs every night.",
    )
    return close, unrelated, other_product, newest


def _assert_only_the_close_one_is_recorded(close, unrelated, other_product, newest) -> None:
    SimilarDemand.objects.all().delete()  # the eager task already ran at filing; run it again explicitly
    assert similar_demands_record(change_request_id=newest.pk) == 1
    (candidate,) = SimilarDemand.objects.filter(change_request=newest)
    assert candidate.similar_to_id == close.pk
    assert 0 < candidate.similarity <= 1
    assert similar_demands_record(change_request_id=newest.pk) == 1  # twice: still one row
    assert SimilarDemand.objects.filter(change_request=newest).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_finds_the_close_wording_with_trigrams_in_sql(django_assert_max_num_queries):
    demands = _three_demands()
    # Load, rank, then insert and clear the due-mark in one transaction (a savepoint inside the test's own).
    with django_assert_max_num_queries(6):
        similar_demands_record(change_request_id=demands[3].pk)
    _assert_only_the_close_one_is_recorded(*demands)


@pytest.mark.embedded
@pytest.mark.django_db
def test_the_portable_fallback_finds_the_close_wording_on_sqlite():
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("the embedded run covers SQLite")
    _assert_only_the_close_one_is_recorded(*_three_demands())


@pytest.mark.django_db
def test_a_missing_demand_records_nothing():
    assert similar_demands_record(change_request_id=987654) == 0
