"""Capacity split by agenda against the BT share the CIO aims at; an approval that would break the share is warned."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import approved_demand, estimate, file_demand
from triage import selectors, services
from triage.quarters import quarter_start

pytestmark = pytest.mark.django_db


def internal(**overrides):
    return {"agenda": "it", "revenue_at_stake": Decimal("0"), "licences_retired_per_year": Decimal("9000"), **overrides}


def test_the_quarter_splits_approved_days_by_agenda_against_the_target(cio):
    now = quarter_start(timezone.localdate())
    approved_demand(decided_by=cio, effort_days="30")
    approved_demand(decided_by=cio, effort_days="10", **internal())
    services.quarter_capacities_set(capacities={now: Decimal("100")}, bt_shares={now: Decimal("60")}, set_by=cio)
    load = selectors.capacity_by_quarter(count=1)[0]
    assert (load.bt_days, load.it_days, load.approved_days, load.approved_count) == (30, 10, 40, 2)
    assert (load.bt_share_target, load.bt_share_actual) == (Decimal("60"), Decimal("75"))
    assert (load.agenda_target_days("bt"), load.agenda_target_days("it")) == (Decimal("60.0"), Decimal("40.0"))
    # Setting the same capacity again with no share given keeps the share and appends nothing.
    assert services.quarter_capacities_set(capacities={now: Decimal("100")}, set_by=cio) == []


def test_an_approval_past_its_agendas_share_is_warned_on_the_demand_page(cio, cio_client: Client):
    now = quarter_start(timezone.localdate())
    approved_demand(decided_by=cio, effort_days="35", **internal())
    services.quarter_capacities_set(capacities={now: Decimal("100")}, bt_shares={now: Decimal("60")}, set_by=cio)
    it_demand = file_demand(title="Retire the legacy expense tool", **internal())
    estimate(it_demand, effort_days="10")
    bt_demand = file_demand(title="Nightly SAP export of invoices")
    estimate(bt_demand, effort_days="10")

    it_impact = selectors.approval_capacity_impact(change_request=it_demand)
    assert (it_impact.agenda_days_after, it_impact.agenda_target_days, it_impact.breaks_agenda_share) == (
        Decimal("45.0"),
        Decimal("40.0"),
        True,
    )
    assert not selectors.approval_capacity_impact(change_request=bt_demand).breaks_agenda_share
    page = cio_client.get(f"/triage/{it_demand.reference}/").content.decode()
    assert 'data-testid="agenda-share-warning"' in page and "past the 40.0" in page
    assert (
        'data-testid="agenda-share-warning"' not in cio_client.get(f"/triage/{bt_demand.reference}/").content.decode()
    )


def test_the_capacity_page_sets_the_share_and_refuses_one_over_100(cio_client: Client):
    now = quarter_start(timezone.localdate())
    field = f"quarter_{now:%Y_%m_%d}"
    refused = cio_client.post("/triage/capacity/", {field: "120", f"share_{field}": "140"})
    assert refused.status_code == 400
    assert "less than or equal to 100" in refused.content.decode()
    assert cio_client.post("/triage/capacity/", {field: "120", f"share_{field}": "60"}).status_code == 302
    assert selectors.capacity_by_quarter(count=1)[0].bt_share_target == Decimal("60")
