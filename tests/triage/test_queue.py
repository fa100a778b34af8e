"""The triage queue: filters, sorts, charts, CSV export, and a query count that does not grow with the data."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.models import ChangeRequest
from notifications.choices import NotificationEvent
from notifications.services import notify
from tests.factories import CustomerFactory, ProductFactory, file_demand
from triage.services import saved_view_create

pytestmark = pytest.mark.django_db


def scored(django_capture_on_commit_callbacks, **overrides) -> ChangeRequest:
    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand(**overrides)
    demand.refresh_from_db()
    return demand


def references(response) -> list[str]:
    return [demand.reference for demand in response.context["page"].object_list]


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_queue_costs_the_same_number_of_queries_at_10_and_at_200_demands(
    cio, cio_client: Client, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    for index in range(10):
        scored(django_capture_on_commit_callbacks, product=product, title=f"Demand {index} for the queue")
    saved_view_create(owner=cio, name="Scored", query="status=scored", is_shared=False)
    saved_view_create(owner=cio, name="Mine", query="mine=true&ordering=-score", is_shared=True)
    urls = ["/triage/", "/triage/?status=scored&ordering=-revenue", "/triage/?q=queue&band=review&agenda=bt"]
    small = [queries_for(cio_client, url) for url in urls]
    cache.clear()  # count the charts' queries at both sizes, not a cached copy
    for index in range(190):
        scored(django_capture_on_commit_callbacks, product=product, title=f"Another demand {index} to rank")
    for number in range(50):  # and notifications: the header's bell is one count whatever the number
        notify(event=NotificationEvent.MENTIONED, recipients=[cio], key=f"queue:{number}")
    large = [queries_for(cio_client, url) for url in urls]
    assert small == large, (small, large)
    # 14, plus the capacity panel's two (capacities, approvals per quarter), plus the header's bell (unread count),
    # plus the saved views (the reader's and shared ones; all their counts in one aggregate), plus the bulk form's
    # owner choices, plus the person's chart preference.
    assert max(large) <= 21


def test_every_filter_narrows_the_queue(cio_client: Client, django_capture_on_commit_callbacks):
    billing, fleet = ProductFactory(name="Billing"), ProductFactory(name="Fleet")
    acme = CustomerFactory(name="Acme")
    invoices = scored(
        django_capture_on_commit_callbacks,
        product=billing,
        title="Export invoices to SAP",
        contact_email="jo@acme.example",
        revenue_at_stake=Decimal("5000000"),
    )
    tracking = scored(
        django_capture_on_commit_callbacks,
        product=fleet,
        title="Live tracking of trucks",
        description="Share the live position of every truck with our own customers.",
        agenda="it",
        revenue_at_stake=Decimal("0"),
        hours_saved_per_year=Decimal("800"),
        loaded_hourly_rate=Decimal("60"),
    )
    old = scored(django_capture_on_commit_callbacks, product=fleet, title="Old request about routes")
    ChangeRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    ChangeRequest.objects.filter(pk=tracking.pk).update(status="needs_info")
    today = timezone.localdate()

    def refs(query: str) -> set[str]:
        return set(references(cio_client.get(f"/triage/?{query}")))

    assert refs(f"product={billing.pk}") == {invoices.reference}
    assert refs(f"customer={acme.pk}") == {invoices.reference}
    assert refs("customer_name=acm") == {invoices.reference}
    assert refs("status=needs_info") == {tracking.reference}
    assert refs("status=needs_info&status=scored") == {invoices.reference, tracking.reference, old.reference}
    assert refs(f"band={invoices.score_band}") >= {invoices.reference}
    assert refs("agenda=it") == {tracking.reference}
    assert refs("value_type=savings") == {tracking.reference}
    assert refs("value_type=revenue") == {invoices.reference, old.reference}
    assert refs("value_type=none") == set()
    assert refs(f"filed_before={today - timedelta(days=30)}") == {old.reference}
    assert refs(f"filed_after={today - timedelta(days=1)}") == {invoices.reference, tracking.reference}
    assert refs("q=trucks") == {tracking.reference}  # found in the description
    assert refs(f"q={old.reference}") == {old.reference}


@pytest.mark.parametrize(
    "column",
    ["score", "age", "reference", "title", "revenue", "it_cost", "status", "kind", "agenda", "customer", "product"],
)
def test_every_column_sorts_both_ways(cio_client: Client, column: str, django_capture_on_commit_callbacks):
    for revenue in ("1000", "900000", "50000"):
        scored(django_capture_on_commit_callbacks, revenue_at_stake=Decimal(revenue))
    ascending = references(cio_client.get(f"/triage/?ordering={column}"))
    descending = references(cio_client.get(f"/triage/?ordering=-{column}"))
    assert len(ascending) == 3 and sorted(ascending) == sorted(descending)
    if column in ("revenue", "score"):
        assert ascending == descending[::-1]


def test_the_value_type_chart_counts_the_demands_of_each_type(cio_client: Client, django_capture_on_commit_callbacks):
    scored(django_capture_on_commit_callbacks, revenue_at_stake=Decimal("1000"))
    scored(
        django_capture_on_commit_callbacks,
        agenda="it",
        revenue_at_stake=Decimal("0"),
        licences_retired_per_year=Decimal("5000"),
        risk_exposure_avoided=Decimal("20000"),
    )
    charts = cio_client.get("/triage/").context["charts"]
    assert [(kind, count) for kind, _label, count in charts["value_types"]] == [
        ("revenue", 1),
        ("savings", 1),
        ("risk", 1),
        ("none", 0),
    ]


def test_the_default_order_is_highest_score_first(cio_client: Client, django_capture_on_commit_callbacks):
    for revenue in ("1000", "900000", "50000"):
        scored(django_capture_on_commit_callbacks, revenue_at_stake=Decimal(revenue))
    scores = [demand.score for demand in cio_client.get("/triage/").context["page"].object_list]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        "product=abc",
        "filed_after=yesterday",
        "ordering=password",
        "status=hacked",
        "customer=999999",
        "page=-1",
        "q=" + "x" * 5000,
        "band=%00",
    ],
)
def test_bad_filter_values_get_a_clear_answer_not_a_500(cio_client: Client, query: str):
    response = cio_client.get(f"/triage/?{query}")
    assert response.status_code in (200, 400)


def test_charts_count_what_the_filters_select(cio_client: Client, django_capture_on_commit_callbacks):
    for _ in range(3):
        scored(django_capture_on_commit_callbacks)
    withdrawn = scored(django_capture_on_commit_callbacks)
    ChangeRequest.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    charts = cio_client.get("/triage/?scope=all").context["charts"]
    assert dict((status, count) for status, _, count in charts["funnel"])["scored"] == 3
    assert sum(charts["histogram"]) == 4
    assert sum(cio_client.get("/triage/").context["charts"]["histogram"]) == 3  # the open work list
    assert len(charts["bubbles"]) == 3  # open demands only
    filtered = cio_client.get("/triage/?status=withdrawn").context["charts"]
    assert sum(filtered["histogram"]) == 1 and filtered["bubbles"] == []


def test_a_searched_queue_charts_only_the_demands_it_finds(cio_client: Client, django_capture_on_commit_callbacks):
    # The charts come from one grouped statement (issue 22): each chart must still sum only the found demands.
    found = [
        scored(django_capture_on_commit_callbacks, title="Export invoices nightly", description="Each night."),
        scored(django_capture_on_commit_callbacks, title="Portal", description="Send INVOICES by mail"),
        scored(django_capture_on_commit_callbacks, title="Invoices archive", description="Keep ten years."),
    ]
    other = scored(django_capture_on_commit_callbacks, title="Tracking trucks", description="Where are they?")
    ChangeRequest.objects.filter(pk=found[0].pk).update(agenda="bt")
    ChangeRequest.objects.filter(pk__in=[found[1].pk, found[2].pk, other.pk]).update(agenda="it")
    ChangeRequest.objects.filter(pk=found[2].pk).update(status="approved", it_cost=Decimal("1500"))
    ChangeRequest.objects.filter(pk=found[0].pk).update(score=None)
    charts = cio_client.get("/triage/?q=invoices&scope=all").context["charts"]
    assert sum(charts["histogram"]) == 2  # the demand without a score is in no bucket
    funnel = {status: count for status, _, count in charts["funnel"]}
    assert (funnel["scored"], funnel["approved"]) == (2, 1)
    assert charts["agenda"]["bt"] == {"demands": 1, "approved_cost": Decimal("0")}
    assert charts["agenda"]["it"] == {"demands": 2, "approved_cost": Decimal("1500")}
    assert sum(count for _, _, count in charts["value_types"]) >= 3


def test_the_csv_export_follows_the_filters_and_neutralizes_formulas(
    cio_client: Client, django_capture_on_commit_callbacks
):
    hostile = scored(
        django_capture_on_commit_callbacks,
        title='=HYPERLINK("http://evil.example","click")',
        contact_name="+cmd|' /C calc'!A0",
    )
    scored(django_capture_on_commit_callbacks, title='@SUM(1+1) and a, comma "quoted"')
    response = cio_client.get("/triage/export.csv?ordering=reference")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:2] == ["Reference", "Title"]
    titles = [row[1] for row in rows[1:]]
    assert titles == ['\'=HYPERLINK("http://evil.example","click")', '\'@SUM(1+1) and a, comma "quoted"']
    only_one = cio_client.get(f"/triage/export.csv?q={hostile.reference}")
    assert len(list(csv.reader(io.StringIO(b"".join(only_one.streaming_content).decode())))) == 2


def test_the_csv_export_is_staff_only(client: Client):
    response = client.get("/triage/export.csv")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_status_and_band_filters_do_not_sort_the_whole_queue_for_distinct_rows(cio_client: Client):
    with CaptureQueriesContext(connection) as queries:
        assert (
            cio_client.get("/triage/?status=scored&status=submitted&band=review&ordering=-revenue").status_code == 200
        )
    assert not any("DISTINCT" in query["sql"] for query in queries.captured_queries)


def test_the_queue_lists_open_demands_by_default_and_everything_in_one_click(
    cio_client: Client, django_capture_on_commit_callbacks
):
    open_demand = scored(django_capture_on_commit_callbacks, title="Still to decide")
    withdrawn = scored(django_capture_on_commit_callbacks, title="Withdrawn by the customer")
    rejected = scored(django_capture_on_commit_callbacks, title="Already rejected")
    ChangeRequest.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    ChangeRequest.objects.filter(pk=rejected.pk).update(status="rejected")
    page = cio_client.get("/triage/")
    assert references(page) == [open_demand.reference]
    assert 'href="?scope=all"' in page.content.decode()
    assert set(references(cio_client.get("/triage/?scope=all"))) == {
        open_demand.reference,
        withdrawn.reference,
        rejected.reference,
    }
    # A status chosen in the filters says exactly what to show, whatever the scope.
    assert references(cio_client.get("/triage/?status=withdrawn")) == [withdrawn.reference]
    # The CSV is the page's view; the API (no scope) still lists everything.
    assert cio_client.get("/triage/export.csv").getvalue().decode().count("\n") == 2


def test_charts_collapsed_by_one_person_stay_collapsed_for_them_only(
    cio_client: Client, analyst_client: Client, django_capture_on_commit_callbacks
):
    scored(django_capture_on_commit_callbacks)
    cio_client.get("/triage/?ordering=-revenue")
    response = cio_client.post("/triage/charts/", {"collapsed": "1"})
    assert response.status_code == 302 and response["Location"] == "/triage/?ordering=-revenue#charts"
    page = cio_client.get("/triage/")
    assert page.context["charts"] is None and "Show charts" in page.content.decode()
    assert analyst_client.get("/triage/").context["charts"] is not None
    cio_client.post("/triage/charts/", {"collapsed": "0"})
    assert cio_client.get("/triage/").context["charts"] is not None


def test_the_demand_page_leads_back_to_the_queue_with_its_filters_and_sort(
    cio_client: Client, django_capture_on_commit_callbacks
):
    demand = scored(django_capture_on_commit_callbacks)
    cio_client.get("/triage/?status=scored&ordering=-revenue&page=1")
    page = cio_client.get(f"/triage/{demand.reference}/").content.decode()
    assert 'href="/triage/?status=scored&amp;ordering=-revenue&amp;page=1"' in page


def test_decide_and_next_moves_along_the_view_the_person_is_working_through(
    cio_client: Client, django_capture_on_commit_callbacks
):
    demands = [
        scored(django_capture_on_commit_callbacks, revenue_at_stake=Decimal(revenue))
        for revenue in ("900000", "50000", "1000")
    ]
    cio_client.get("/triage/?ordering=-revenue")
    decide = {"reject-rationale": "No.", "reject-customer_message": "Not this year.", "then": "next"}
    with django_capture_on_commit_callbacks(execute=True):
        response = cio_client.post(f"/triage/{demands[0].reference}/decide/rejected/", decide)
    assert response["Location"] == f"/triage/{demands[1].reference}/"
    approve = {"approve-rationale": "Yes.", "approve-customer_message": "", "approve-project": "", "then": "next"}
    with django_capture_on_commit_callbacks(execute=True):
        response = cio_client.post(f"/portfolio/approve/{demands[1].reference}/", approve)
    assert response["Location"] == f"/triage/{demands[2].reference}/"
    # At the end of the view, back to the queue as it was left.
    with django_capture_on_commit_callbacks(execute=True):
        response = cio_client.post(f"/triage/{demands[2].reference}/decide/rejected/", decide)
    assert response["Location"] == "/triage/?ordering=-revenue"
    # Without "& next", a decision stays on its demand.
    other = scored(django_capture_on_commit_callbacks)
    response = cio_client.post(f"/triage/{other.reference}/decide/rejected/", {**decide, "then": ""})
    assert response["Location"] == f"/triage/{other.reference}/"
