"""/portfolio/calibration/: approved demands by the band they had when approved, against what their projects
realized; the arithmetic checked by hand on a small portfolio, the split of shared projects, constant queries."""

import hashlib
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.models import ChangeRequest
from portfolio.calibration import approved_demand_outcomes, calibration_report
from portfolio.models import Project
from portfolio.services import change_request_approve, revenue_record_add
from tests.factories import UserFactory, file_demand, signed_in
from triage.models import Assessment, ScoringModel

pytestmark = pytest.mark.django_db

MONTH = date(2026, 1, 1)


def assess(demand: ChangeRequest, total: str, band: str) -> Assessment:
    """An assessment as the scoring task would write it (the test database never commits, so no task runs)."""
    return Assessment.objects.create(
        change_request=demand,
        scoring_model=ScoringModel.objects.get(is_active=True),
        total=Decimal(total),
        band=band,
        is_provisional=False,
        it_cost=Decimal("10000"),
        components={},
        inputs={},
        inputs_hash=hashlib.sha256(f"{demand.pk}{total}{band}".encode()).hexdigest(),
    )


def approved(cio, title: str, stake: str, score: str | None, band: str | None, project=None, currency: str = "EUR"):
    demand = file_demand(title=title, revenue_at_stake=Decimal(stake), currency=currency)
    if score is not None:
        assess(demand, score, band)
    return change_request_approve(change_request=demand, decided_by=cio, rationale="Go.", project=project), demand


def realize(project: Project, amount: str, pm) -> None:
    revenue_record_add(project=project, period=MONTH, amount=Decimal(amount), recorded_by=pm)


@pytest.fixture
def portfolio(cio, portfolio_manager) -> dict:
    """Seven approved demands in six projects, worked out by hand:

    fast-track  A 100,000 at stake, alone in P1, realized  20,000 -> 0.20
                B 300,000, shares P2 with C (100,000); P2 realized 200,000 -> B gets 3/4 = 150,000 -> 0.50
                F  50,000, alone, realized 45,000 -> 0.90
    review      C 100,000, its 1/4 of P2 = 50,000 -> 0.50
                D 100,000 USD = 92,000 EUR, alone, realized 92,000 -> 1.00
    decline     E nothing at stake, alone, realized 10,000 -> attributed 10,000, no share
    unscored    G  10,000, never scored before approval, nothing realized -> 0.00
    """
    p1, a = approved(cio, "Demand A", "100000", "85", "fast_track")
    p2, b = approved(cio, "Demand B", "300000", "100", "fast_track")
    _, c = approved(cio, "Demand C", "100000", "55", "review", project=p2)
    p5, f = approved(cio, "Demand F", "50000", "72", "fast_track")
    p3, d = approved(cio, "Demand D", "100000", "41", "review", currency="USD")
    p4, e = approved(cio, "Demand E", "0", "20", "decline")
    _p6, g = approved(cio, "Demand G", "10000", None, None)
    # Rescored after the approval: calibration keeps the band the CIO saw.
    assess(a, "10", "decline")
    for project, amount in ((p1, "20000"), (p2, "200000"), (p5, "45000"), (p3, "92000"), (p4, "10000")):
        realize(project, amount, portfolio_manager)
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "G": g, "P2": p2}


@pytest.mark.embedded
def test_each_demand_carries_its_band_at_approval_and_its_share_of_the_project_revenue(portfolio):
    rows = {row.change_request.title: row for row in approved_demand_outcomes().select_related("change_request")}
    assert rows["Demand A"].band_at_decision == "fast_track" and rows["Demand A"].score_at_decision == Decimal("85")
    assert rows["Demand G"].band_at_decision == "unscored" and rows["Demand G"].score_at_decision is None
    # P2 realized 200,000 and is split 3:1 by revenue at stake; the shares add up to the project's revenue.
    assert rows["Demand B"].attributed == Decimal("150000.00")
    assert rows["Demand C"].attributed == Decimal("50000.00")
    assert rows["Demand D"].stake == Decimal("92000.00")  # 100,000 USD in the base currency
    assert rows["Demand D"].realization == Decimal("1")
    assert rows["Demand E"].attributed == Decimal("10000.00") and rows["Demand E"].realization is None


@pytest.mark.embedded
def test_a_project_whose_demands_had_nothing_at_stake_splits_its_revenue_equally(cio, portfolio_manager):
    project, _ = approved(cio, "Zero one", "0", "50", "review")
    approved(cio, "Zero two", "0", "50", "review", project=project)
    realize(project, "9000", portfolio_manager)
    assert sorted(row.attributed for row in approved_demand_outcomes()) == [Decimal("4500.00"), Decimal("4500.00")]


@pytest.mark.embedded
def test_the_report_by_band_matches_the_arithmetic_done_by_hand(portfolio):
    report = calibration_report()
    bands = {band["key"]: band for band in report["bands"]}
    assert [band["key"] for band in report["bands"]] == ["fast_track", "review", "decline", "unscored"]
    fast = bands["fast_track"]
    assert fast["demands"] == 3
    assert fast["stake_total"] == Decimal("450000.00") and fast["realized_total"] == Decimal("215000.00")
    assert fast["realization_total"] == Decimal("0.48")  # 215,000 / 450,000
    assert fast["realization_mean"] == Decimal("0.53")  # (0.2 + 0.5 + 0.9) / 3
    assert fast["realization_median"] == Decimal("0.50")
    review = bands["review"]
    assert (review["demands"], review["stake_total"], review["realized_total"]) == (2, Decimal("192000"), 142000)
    assert review["realization_total"] == Decimal("0.74")  # 142,000 / 192,000
    assert review["realization_mean"] == review["realization_median"] == Decimal("0.75")  # (0.5 + 1.0) / 2
    decline = bands["decline"]
    assert (decline["demands"], decline["stake_total"], decline["realized_total"]) == (1, 0, Decimal("10000"))
    assert decline["realization_total"] is None and decline["realization_median"] is None
    assert bands["unscored"]["realization_median"] == Decimal("0.00")
    total = report["total"]
    assert (total["demands"], total["stake_total"], total["realized_total"]) == (7, Decimal("652000"), 367000)
    assert total["realization_total"] == Decimal("0.56")  # 367,000 / 652,000
    assert total["realization_mean"] == Decimal("0.52")  # (0 + 0.2 + 0.5 + 0.5 + 0.9 + 1.0) / 6
    assert total["realization_median"] == Decimal("0.50")


def test_the_report_by_10_point_bucket_puts_100_with_the_90s_and_leaves_out_the_unscored(portfolio):
    buckets = {
        bucket["label"]: (bucket["demands"], bucket["realized_total"]) for bucket in calibration_report()["buckets"]
    }
    assert buckets == {
        "20–29": (1, Decimal("10000")),
        "40–49": (1, Decimal("92000")),
        "50–59": (1, Decimal("50000")),
        "70–79": (1, Decimal("45000")),
        "80–89": (1, Decimal("20000")),
        "90–100": (1, Decimal("150000")),
    }


def test_only_delivered_projects_when_asked(portfolio, portfolio_manager):
    Project.objects.filter(pk=portfolio["P2"].pk).update(status="delivered")
    report = calibration_report(project_statuses=["delivered"])
    assert {band["key"]: band["demands"] for band in report["bands"]} == {"fast_track": 1, "review": 1}
    assert report["total"]["realized_total"] == Decimal("200000")


@pytest.mark.embedded
def test_the_page_tells_the_cio_how_to_read_it_and_shows_each_band(portfolio, cio):
    response = signed_in(cio).get("/portfolio/calibration/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "the scoring weights deserve a second look" in html
    table = re.search(r'data-testid="calibration-bands">.*?</table>', html, re.S).group(0)
    fast = re.search(r'<tr data-key="fast_track">.*?</tr>', table, re.S).group(0)
    assert re.search(r'data-cell="demands">3<', fast) and re.search(r'data-cell="ratio">48 %<', fast)
    assert re.search(r'data-cell="median">50 %<', fast) and re.search(r'data-cell="realized">215,000<', fast)
    assert re.search(r'<tr data-key="total">.*?data-cell="ratio">56 %<', table, re.S)
    assert re.search(r'<svg class="plan-actual"[^>]*role="img"[^>]*>\s*<title', html)
    assert 'data-key="90"' in html


def test_the_page_filters_by_project_status_and_refuses_an_unknown_one(portfolio, cio):
    page = signed_in(cio)
    html = page.get("/portfolio/calibration/", {"project_status": "delivered"}).content.decode()
    assert "No approved demand delivered by a project matches." in html
    response = page.get("/portfolio/calibration/", {"project_status": "nonsense"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_an_empty_portfolio_has_an_empty_report(cio):
    report = calibration_report()
    assert report == {"bands": [], "buckets": [], "total": None}
    assert signed_in(cio).get("/portfolio/calibration/").status_code == 200


def test_only_staff_who_may_view_the_portfolio_see_it(client):
    assert client.get("/portfolio/calibration/")["Location"].startswith("/accounts/login/")
    assert signed_in(UserFactory(username="nobody")).get("/portfolio/calibration/").status_code == 403


@pytest.mark.parametrize("per_band", [1, 6])
def test_the_page_costs_the_same_queries_whatever_the_number_of_demands(cio, portfolio_manager, per_band):
    for index in range(per_band):
        for band, score in (("fast_track", "80"), ("review", "50"), ("decline", "20")):
            project, _ = approved(cio, f"{band} {index}", "10000", score, band)
            realize(project, "5000", portfolio_manager)
    page = signed_in(cio)
    page.get("/portfolio/calibration/")
    with CaptureQueriesContext(connection) as queries:
        html = page.get("/portfolio/calibration/").content.decode()
    assert re.search(rf'<tr data-key="review">.*?data-cell="demands">{per_band}<', html, re.S)
    # session, user, permissions (user and group); per grouping (band, bucket, all) one GROUP BY and one median;
    # the two agendas of the year: the run cost and the realized totals; the header's bell (unread notifications)
    assert len(queries) == 4 + 6 + 2 + 1, [query["sql"][:80] for query in queries]
