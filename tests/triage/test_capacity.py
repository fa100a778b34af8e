"""Capacity per quarter: what the CIO allows, what approvals took, and what one more approval would displace."""

from datetime import datetime, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.choices import ChangeRequestKind
from intake.models import ChangeRequest, ProductKindDefault
from tests.factories import ProductFactory, approved_demand, estimate, file_demand
from triage import selectors, services
from triage.models import QuarterCapacity
from triage.quarters import quarter_after, quarter_label, quarter_start

pytestmark = pytest.mark.django_db


def this_quarter():
    return quarter_start(timezone.localdate())


def in_quarter(first_day, days: int = 3):
    """A moment inside the quarter starting on `first_day` (local time)."""
    return timezone.make_aware(datetime.combine(first_day, time(10))) + timezone.timedelta(days=days)


def test_quarters_are_named_by_their_first_day():
    from datetime import date

    assert quarter_start(date(2026, 11, 23)) == date(2026, 10, 1)
    assert quarter_after(date(2026, 10, 1)) == date(2027, 1, 1)
    assert quarter_after(date(2026, 1, 1), -1) == date(2025, 10, 1)
    assert quarter_label(date(2027, 4, 1)) == "2027 Q2"


@pytest.mark.embedded
def test_approved_person_days_count_in_the_quarter_of_the_approval_decision(cio):
    now, previous = this_quarter(), quarter_after(this_quarter(), -1)
    product = ProductFactory(default_effort_days=Decimal("20"))
    ProductKindDefault.objects.create(
        product=product, kind=ChangeRequestKind.COMPLIANCE, effort_days=Decimal("7.5"), yearly_run_cost=0
    )
    approved_demand(decided_by=cio, effort_days="10", product=product)  # the estimate counts
    approved_demand(decided_by=cio, product=product, kind=ChangeRequestKind.NEW_CAPABILITY)  # product default: 20
    approved_demand(decided_by=cio, product=product, kind=ChangeRequestKind.COMPLIANCE)  # kind default: 7.5
    later_estimate = approved_demand(decided_by=cio, effort_days="4", product=product)
    estimate(later_estimate, effort_days="6")  # the latest estimate counts: 6
    approved_demand(decided_by=cio, effort_days="100", product=product, decided_at=in_quarter(previous))
    file_demand(product=product)  # open: not approved, not counted
    services.quarter_capacities_set(capacities={previous: Decimal("90"), now: Decimal("40")}, set_by=cio)

    loads = selectors.capacity_by_quarter(first=previous, count=3)

    assert [(load.quarter_start, load.capacity, load.approved_days, load.approved_count) for load in loads] == [
        (previous, Decimal("90"), Decimal("100"), 1),
        (now, Decimal("40"), Decimal("43.5"), 4),
        (quarter_after(now), None, Decimal("0"), 0),
    ]
    assert [load.remaining for load in loads] == [Decimal("-10"), Decimal("-3.5"), None]
    assert [load.is_over for load in loads] == [True, True, False]


def test_the_latest_capacity_counts_unchanged_quarters_add_no_row_and_empty_removes(cio):
    now = this_quarter()
    services.quarter_capacities_set(capacities={now: Decimal("30")}, set_by=cio)
    services.quarter_capacities_set(capacities={now: Decimal("25"), quarter_after(now): None}, set_by=cio)
    assert selectors.capacity_latest(quarters=[now]) == {now: Decimal("25")}
    assert QuarterCapacity.objects.count() == 2  # the untouched empty quarter added nothing
    assert services.quarter_capacities_set(capacities={now: Decimal("25.0")}, set_by=cio) == []
    services.quarter_capacities_set(capacities={now: None}, set_by=cio)
    assert selectors.capacity_latest(quarters=[now]) == {now: None}
    assert [row.person_days for row in QuarterCapacity.objects.order_by("created_at", "pk")] == [
        Decimal("30"),
        Decimal("25"),
        None,
    ]


def test_a_capacity_must_name_a_quarter_by_its_first_day(cio):
    from datetime import date

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.quarter_capacities_set(capacities={date(2026, 11, 2): Decimal("10")}, set_by=cio)


def test_the_queue_shows_the_capacity_panel_with_an_over_capacity_quarter_flagged(client: Client, cio):
    approved_demand(decided_by=cio, effort_days="30")
    services.quarter_capacities_set(
        capacities={this_quarter(): Decimal("20"), quarter_after(this_quarter()): Decimal("50")}, set_by=cio
    )
    client.force_login(cio)
    page = client.get("/triage/").content.decode()
    assert 'data-testid="capacity-panel"' in page
    assert quarter_label(this_quarter()) in page and quarter_label(quarter_after(this_quarter(), 3)) in page
    assert "-10.0" in page and "over capacity" in page
    assert page.count("over capacity") == 1  # this quarter only, not the next one (50 left)


@pytest.mark.embedded
def test_the_cio_sets_capacities_on_the_plan_page(client: Client, cio):
    client.force_login(cio)
    field = f"quarter_{this_quarter():%Y_%m_%d}"
    response = client.post("/triage/capacity/", {field: "120.5"})
    assert response.status_code == 302
    assert selectors.capacity_latest(quarters=[this_quarter()])[this_quarter()] == Decimal("120.5")
    page = client.get("/triage/capacity/").content.decode()
    assert 'value="120.5"' in page and "Carla Ionescu" in page  # the form shows it; the history says who, by name


@pytest.mark.parametrize(("value", "message"), [("-3", "greater than or equal to 0"), ("lots", "Enter a number")])
def test_a_bad_capacity_is_refused_next_to_its_field(client: Client, cio, value, message):
    client.force_login(cio)
    response = client.post("/triage/capacity/", {f"quarter_{this_quarter():%Y_%m_%d}": value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not QuarterCapacity.objects.exists()


def test_an_analyst_reads_the_plan_but_cannot_set_it(client: Client, analyst):
    client.force_login(analyst)
    page = client.get("/triage/capacity/")
    assert page.status_code == 200 and "read-only" in page.content.decode()
    response = client.post("/triage/capacity/", {f"quarter_{this_quarter():%Y_%m_%d}": "10"})
    assert response.status_code == 403
    assert not QuarterCapacity.objects.exists()


def test_the_cio_role_holds_the_capacity_permission(cio, analyst):
    assert cio.has_perm("triage.add_quartercapacity")
    assert not analyst.has_perm("triage.add_quartercapacity")


def scored_open_demand(score: str, effort_days: str) -> ChangeRequest:
    demand = file_demand(title=f"Open demand scoring {score}")
    estimate(demand, effort_days=effort_days)
    ChangeRequest.objects.filter(pk=demand.pk).update(score=Decimal(score), score_band="review")
    demand.refresh_from_db()
    return demand


@pytest.mark.embedded
def test_approving_over_capacity_lists_the_lower_scored_approvals_it_would_displace(cio):
    low = approved_demand(decided_by=cio, effort_days="10", score="40", title="Low scorer")
    approved_demand(decided_by=cio, effort_days="15", score="60", title="High scorer")
    lowest = approved_demand(decided_by=cio, effort_days="2", score="35", title="Lowest scorer")
    services.quarter_capacities_set(capacities={this_quarter(): Decimal("32")}, set_by=cio)  # 5 left

    fits = selectors.approval_capacity_impact(change_request=scored_open_demand("50", "5"))
    assert (fits.person_days, fits.remaining_after, fits.over_by, fits.displaced) == (
        Decimal("5"),
        Decimal("0"),
        Decimal("0"),
        [],
    )

    over = selectors.approval_capacity_impact(change_request=scored_open_demand("50", "12"))
    assert (over.remaining_after, over.over_by) == (Decimal("-7"), Decimal("7"))
    # Lowest score first, until the excess is covered: 2 days are not enough, 2 + 10 are.
    assert [row["reference"] for row in over.displaced] == [lowest.reference, low.reference]
    assert over.room_can_be_made

    too_big = selectors.approval_capacity_impact(change_request=scored_open_demand("50", "40"))
    assert [row["reference"] for row in too_big.displaced] == [lowest.reference, low.reference]
    assert not too_big.room_can_be_made  # the 60-point approval outranks it and stays

    modest = selectors.approval_capacity_impact(change_request=scored_open_demand("36", "12"))
    assert [row["reference"] for row in modest.displaced] == [lowest.reference]


def test_the_demand_page_shows_the_approval_impact_to_the_cio_only(client: Client, cio, analyst):
    approved_demand(decided_by=cio, effort_days="10", score="40", title="Already approved")
    services.quarter_capacities_set(capacities={this_quarter(): Decimal("15")}, set_by=cio)
    demand = scored_open_demand("70", "8")
    client.force_login(cio)
    page = client.get(f"/triage/{demand.reference}/").content.decode()
    assert 'data-testid="approval-capacity"' in page
    assert "3.0 over capacity" in page and "Already approved" in page
    client.force_login(analyst)
    assert 'data-testid="approval-capacity"' not in client.get(f"/triage/{demand.reference}/").content.decode()


def test_capacity_reads_cost_the_same_queries_at_two_data_sizes(client: Client, cio):
    services.quarter_capacities_set(capacities={this_quarter(): Decimal("10")}, set_by=cio)
    client.force_login(cio)
    counts = []
    for size in (2, 12):
        while ChangeRequest.objects.filter(status="approved").count() < size:
            approved_demand(decided_by=cio, effort_days="3", score="30")
        demand = scored_open_demand("90", "20")
        with CaptureQueriesContext(connection) as panel:
            selectors.capacity_by_quarter()
        with CaptureQueriesContext(connection) as impact:
            selectors.approval_capacity_impact(change_request=demand)
        with CaptureQueriesContext(connection) as page:
            assert client.get("/triage/capacity/").status_code == 200
        counts.append((len(panel), len(impact), len(page)))
    assert counts[0] == counts[1], counts
    assert counts[0][:2] == (2, 4)


def test_reading_the_plan_writes_nothing(client: Client, cio):
    client.force_login(cio)
    assert client.get("/triage/capacity/").status_code == 200
    assert not QuarterCapacity.objects.exists()
