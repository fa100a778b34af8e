"""The demand page's partner disclosure section costs the same queries whatever the number of plan versions."""

import pytest

from partners.services import disclosure_plan_refuse
from tests.factories import ProductFactory, component, file_demand, partner_with_agreement, propose_plan
from tests.triage.test_query_counts import DEMAND_PAGE_QUERIES

pytestmark = pytest.mark.django_db


def test_the_demand_page_costs_the_same_with_1_or_4_plan_versions(cio, cio_client, page_statements):
    counts = []
    for size in (1, 4):
        product = ProductFactory()
        demand = file_demand(product=product, contact_email=f"buyer{size}@plans{size}.example")
        parts = [component(product, f"Part {index}", core_ip=index % 2 == 0) for index in range(size + 1)]
        partner = partner_with_agreement(name=f"Partner {size}", reference=f"LIC-{size}")
        for version in range(size):
            plan = propose_plan(
                demand, partner, [(part, 1 + (version + index) % 5) for index, part in enumerate(parts)]
            )
            if version < size - 1:
                disclosure_plan_refuse(plan=plan, actor=cio, reason=f"Narrower, please ({version}).")
        response, statements = page_statements(cio_client, f"/triage/{demand.reference}/")
        assert response.status_code == 200
        assert len(response.context["disclosure"]["section"].history) == size
        counts.append(statements)
    # The items of every version are one more query than a page without a plan.
    assert len(counts[0]) == len(counts[1]) <= DEMAND_PAGE_QUERIES + 1, "\n".join(counts[1])
