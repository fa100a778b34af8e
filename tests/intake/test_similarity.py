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


# The demo's descriptions share their boilerplate, as real ones often do: only the titles tell the needs apart.
BOILERPLATE = (
    "{title}. Our team does this by hand today, which costs us hours every week and causes errors. "
    "We would like it to work out of the box for every user of the Patient Portal, with an audit trail."
)
# (earlier title, newer title, the same need?): the examples that justify the thresholds in intake/similarity.py.
EXAMPLES = [
    ("HL7 FHIR export of patient records", "Dark mode for the patient app", False),  # issue 15, item 9
    ("HL7 FHIR export of patient records", "GDPR data-subject export in one click", False),
    ("Power BI connector for the data hub", "Row-level security per business unit", False),
    ("Export invoices to SAP every night", "Nightly export of invoices to SAP", True),
    ("Power BI connector for the data hub", "Power BI connector for our reporting team", True),
    ("HL7 FHIR export of patient records", "FHIR export of lab results", True),
]


def _similarity_examples() -> None:
    from django.db import connection

    for earlier_title, newer_title, same_need in EXAMPLES:
        product = ProductFactory()
        earlier = file_demand(product=product, title=earlier_title, description=BOILERPLATE.format(title=earlier_title))
        newer = file_demand(product=product, title=newer_title, description=BOILERPLATE.format(title=newer_title))
        SimilarDemand.objects.filter(change_request=newer).delete()
        found = similar_demands_record(change_request_id=newer.pk)
        assert found == (1 if same_need else 0), (connection.vendor, earlier_title, newer_title)
        assert SimilarDemand.objects.filter(change_request=newer, similar_to=earlier).exists() == same_need


@pytest.mark.postgres
@pytest.mark.django_db
def test_only_real_resemblance_is_suggested_with_trigrams_despite_shared_boilerplate():
    _similarity_examples()


@pytest.mark.embedded
@pytest.mark.django_db
def test_only_real_resemblance_is_suggested_by_the_portable_fallback_despite_shared_boilerplate():
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("the embedded run covers SQLite")
    _similarity_examples()
