"""What-if scoring: the CIO's Preview scores the open queue under proposed weights, exactly, and writes nothing."""

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import example, given, settings

from intake.choices import ChangeRequestKind, CustomerTier
from intake.models import ChangeRequest, ProductKindDefault
from tests.factories import (
    CustomerFactory,
    ProductFactory,
    UserFactory,
    component,
    estimate,
    file_demand,
    link_demands,
    partner_with_agreement,
    propose_plan,
)
from tests.triage.strategies import scoring_weights
from triage import scoring, selectors, services
from triage.models import ScoringModel
from triage.selectors import whatif

pytestmark = pytest.mark.django_db

V1 = scoring.ScoringWeights()
WEIGHT_SETS = {
    "v1": V1,
    "odd weights": replace(
        V1,
        weight_roi=Decimal("33.33"),
        weight_revenue=Decimal("17.17"),
        weight_breadth=Decimal("21.5"),
        weight_urgency=Decimal("12.34"),
        weight_strategic=Decimal("9.99"),
        penalty_shares_ip=Decimal("7.25"),
        roi_midpoint=Decimal("0.5"),
        roi_steepness=Decimal("2.75"),
        horizon_years=Decimal("2.5"),
        revenue_floor=Decimal("500"),
        revenue_ceiling=Decimal("2500000"),
        urgency_full_days=14,
        urgency_zero_days=200,
        tier_key=Decimal("0.45"),
        fast_track_threshold=Decimal("65.5"),
        review_threshold=Decimal("35"),
    ),
    "roi only": replace(
        V1,
        weight_roi=Decimal("100"),
        weight_revenue=Decimal("0"),
        weight_breadth=Decimal("0"),
        weight_urgency=Decimal("0"),
        weight_strategic=Decimal("0"),
    ),
    "v2": replace(V1, **scoring.V2_CHANGES),
    "v2 odd": replace(
        V1,
        weight_savings=Decimal("27.77"),
        weight_risk=Decimal("12.5"),
        savings_years=Decimal("2.5"),
        risk_cap=Decimal("20000.01"),
        weight_revenue=Decimal("3"),
    ),
    "v3": replace(V1, **scoring.V2_CHANGES, **scoring.V3_CHANGES),
    "v3 odd": replace(
        V1,
        penalty_disclosure=Decimal("7.77"),
        penalty_disclosure_cap=Decimal("12.34"),
        disclosure_uncovered_factor=Decimal("2.35"),
        penalty_shares_ip=Decimal("9.99"),
    ),
    "heavy penalties": replace(
        V1, penalty_shares_ip=Decimal("100"), penalty_exclusive=Decimal("60"), penalty_security=Decimal("45")
    ),
}


def varied_open_demands(count: int = 36, shift: int = 0) -> list[ChangeRequest]:
    """Open demands covering every branch of the arithmetic: tiers and unmatched contacts, currencies whose
    conversion ends on half a cent, no revenue, desired dates on and around the urgency edges, every
    penalty, estimates with a third decimal place, product and per-kind cost defaults, linked demands
    (including one linked to a decided demand), and a few never scored. Each attribute cycles through its
    values with its own period, so the mix is varied and the same on every run; `shift` starts the cycles
    elsewhere."""
    today = timezone.localdate()
    products = [ProductFactory(default_day_rate=Decimal("850")), ProductFactory(default_effort_days=Decimal("0"))]
    ProductKindDefault.objects.create(
        product=products[0], kind=ChangeRequestKind.INTEGRATION, effort_days=Decimal("45.5"), yearly_run_cost=12000
    )
    # The second product's defaults cost nothing for a customization: an unbounded ROI.
    products[1].default_yearly_run_cost = Decimal("0")
    products[1].save()
    customers = [
        CustomerFactory(name=f"Whatif {tier}", tier=tier, domain__domain=f"whatif-{tier}.example")
        for tier in (CustomerTier.STRATEGIC, CustomerTier.KEY, CustomerTier.STANDARD)
    ]
    revenues = [
        ("1000.50", "GBP"),  # 1,170.585 GBP→EUR: half-to-even keeps 1,170.58
        ("2000.10", "CHF"),  # 2,100.105: 2,100.10
        ("99999.99", "USD"),
        ("0", "EUR"),
        ("100000", "EUR"),
        ("12345678", "EUR"),  # above the revenue ceiling
        ("750", "EUR"),  # below the revenue floor
        ("35000", "EUR"),
    ]
    offsets = [None, -10, 0, 14, 30, 31, 100, 199, 200, 364, 365, 400]
    # An internal unit's savings (hours × rate, licences, transactions) and risk, in the demand's currency:
    # 1,000.5 GBP of licences ends on half a cent in EUR; the risk straddles the caps.
    savings = [
        {"hours_saved_per_year": Decimal("1200"), "loaded_hourly_rate": Decimal("65.55")},
        {"licences_retired_per_year": Decimal("1000.50"), "risk_exposure_avoided": Decimal("20000.01")},
        {
            "transactions_per_year": 250000,
            "cost_per_transaction_before": Decimal("1.2345"),
            "cost_per_transaction_after": Decimal("0.4321"),
            "risk_exposure_avoided": Decimal("2500000"),
        },
        {"risk_exposure_avoided": Decimal("777.77")},
    ]
    demands = []
    for index in range(count):
        revenue, currency = revenues[index % len(revenues)]
        # The demands without revenue (every eighth) are internal units': they state savings instead.
        saves = savings[(index // 8) % len(savings)] if revenue == "0" else {}
        customer = [*customers, None][(index * 3 + shift) % 4]
        offset = offsets[index % len(offsets)]
        demands.append(
            file_demand(
                title=f"What-if demand {index}",
                product=products[index % 2],
                kind=(ChangeRequestKind.INTEGRATION, ChangeRequestKind.CUSTOMIZATION)[(index // 2 + shift) % 2],
                contact_email=f"c{index}@whatif-{customer.tier}.example" if customer else f"c{index}@nowhere.example",
                revenue_at_stake=Decimal(revenue),
                currency=currency,
                desired_date=None if offset is None else today + timedelta(days=offset),
                risk_shares_ip=index % 5 == 1,
                risk_exclusive=index % 4 == 2,
                risk_security=index % 3 == 0,
                agenda="it" if saves else "bt",
                **saves,
            )
        )
    for index, demand in enumerate(demands):
        if index % 3 == 1:
            # 12.5 × 987.65 = 12,345.625: the IT cost rounds half-to-even to 12,345.62.
            effort_days = ("12.5", "3", "80.5")[(index // 3 + shift) % 3]
            estimate(demand, effort_days=effort_days, day_rate="987.65", run_cost="1234.56")
    link_demands(demands[0], demands[1])
    link_demands(demands[2], demands[1])
    link_demands(demands[4], demands[5])
    link_demands(demands[5], demands[4])  # both directions: still one link
    decided = file_demand(
        title="Decided long ago", revenue_at_stake=Decimal("250000"), contact_email="x@whatif-key.example"
    )
    ChangeRequest.objects.filter(pk=decided.pk).update(status="rejected")
    link_demands(demands[6], decided)
    # Who asks (issue 15, item 5): a copy from the same unmatched domain, one from the same customer, and
    # free-mail contacts, each asking by address (the same address in another case is the same asker).
    link_demands(demands[9], demands[5])
    link_demands(demands[8], demands[0])
    for address, revenue in (("ana@gmail.com", "4321"), ("bob@gmail.com", "100"), ("ANA@gmail.com", "5000")):
        copy = file_demand(title=f"Copy from {address}", revenue_at_stake=Decimal(revenue), contact_email=address)
        ChangeRequest.objects.filter(pk=copy.pk).update(status="withdrawn")
        link_demands(demands[10], copy)
    disclosure_plans(demands, products, shift)
    model = ScoringModel.objects.get(is_active=True)
    services.assessments_compute_bulk(change_request_ids=[demand.pk for demand in demands[3:]], scoring_model=model)
    return demands


def disclosure_plans(demands: list[ChangeRequest], products: list, shift: int) -> None:
    """Plans on every other demand: each depth, core IP or not, each competitor risk, agreements that cover the
    depth or not (NDA, escrow, licence), expired, not yet in force and none; some with an older version."""
    today = timezone.localdate()
    parts = {
        product.pk: [
            component(product, f"Core {product.pk}", core_ip=True),
            component(product, f"Plain {product.pk}"),
            component(product, f"Core too {product.pk}", core_ip=True),
        ]
        for product in products
    }
    agreements = []
    for index, (risk, kind, starts, ends) in enumerate(
        [
            ("high", "licence", -30, 300),
            ("medium", "nda", -30, 300),
            ("low", "source_escrow", -30, 300),
            ("high", "licence", -400, -1),  # expired yesterday
            ("medium", "licence", 5, 400),  # not yet in force
            ("low", "nda", -10, 0),  # expires today: still in force
        ]
    ):
        partner = partner_with_agreement(
            name=f"Partner {index} {shift}",
            competitor_risk=risk,
            agreement_kind=kind,
            reference=f"AG-{index}",
            starts_on=today + timedelta(days=starts),
            expires_on=today + timedelta(days=ends),
        )
        agreements.append((partner, partner.agreements.get()))
    for index, demand in enumerate(demands):
        if index % 2 == 0:
            continue
        partner, agreement = agreements[(index // 2 + shift) % len(agreements)]
        core, plain, core_too = parts[demand.product_id]
        items = [(core, 1 + (index + shift) % 5), (plain, 1 + index % 5)]
        if index % 3 == 0:
            items.append((core_too, 5 - index % 5))
        if index % 7 == 1:
            propose_plan(demand, partner, [(core, 5)], agreement=agreement)  # an older version: not counted
        uncovered = index % 11 == 5
        if uncovered:
            from partners.services import disclosure_plan_propose

            analyst = UserFactory(username="whatif-analyst", role="Analyst")
            disclosure_plan_propose(change_request=demand, partner=partner, agreement=None, items=items, actor=analyst)
        else:
            propose_plan(demand, partner, items, agreement=agreement)


def pure_scores(weights: scoring.ScoringWeights, ids: list[int]) -> dict[int, Decimal]:
    inputs = selectors.scoring_inputs_for_ids(ids)
    return {pk: scoring.score(inputs[pk], weights).total for pk in ids}


@pytest.mark.embedded
@pytest.mark.parametrize("name", list(WEIGHT_SETS))
def test_the_dry_run_gives_every_open_demand_exactly_the_score_of_the_pure_function(name):
    weights = WEIGHT_SETS[name]
    demands = varied_open_demands()
    expected = pure_scores(weights, [demand.pk for demand in demands])
    assert len(set(expected.values())) > 15  # varied enough to mean something (some clamp at 0)

    assert selectors.whatif_scores(weights=weights) == expected
    # The fallback the embedded default (SQLite) runs gives the same, here on the same data.
    python_rows = whatif._whatif_rows_python(weights)
    assert {pk: Decimal(new) / 100 for pk, _, _, new, _ in python_rows} == expected


@pytest.mark.postgres
def test_under_any_weights_a_model_accepts_the_statement_scores_and_bands_every_open_demand_as_score_does():
    """The whole what-if statement (inputs gathered from the tables, then scored by the SQL twin) against
    `scoring.score` over the same demands, under weights Hypothesis draws. The arithmetic alone is proven
    over drawn inputs in tests/triage/test_scoring_sql.py; this covers the gathering."""
    demands = varied_open_demands()
    inputs = selectors.scoring_inputs_for_ids([demand.pk for demand in demands])

    @settings(max_examples=40, derandomize=True, deadline=None)
    @given(weights=scoring_weights())
    @example(weights=replace(V1, urgency_zero_days=2_147_483_647))  # once a list of every day of the range
    def scored_alike(weights: scoring.ScoringWeights) -> None:
        expected = {pk: scoring.score(inputs[pk], weights) for pk in inputs}
        rows = whatif._whatif_rows_postgresql(weights)
        assert {pk: (Decimal(new).scaleb(-2), band) for pk, _, _, new, band in rows} == {
            pk: (result.total, result.band) for pk, result in expected.items()
        }

    scored_alike()


@pytest.mark.embedded
def test_the_dry_run_counts_demands_never_scored_apart_and_matches_bands_and_moves():
    demands = varied_open_demands()
    weights = WEIGHT_SETS["odd weights"]
    expected = pure_scores(weights, [demand.pk for demand in demands])
    current = {demand.pk: demand for demand in ChangeRequest.objects.filter(pk__in=expected)}

    preview = selectors.scoring_whatif(weights=weights)

    never_scored = [pk for pk, demand in current.items() if demand.score is None]
    assert (preview.open_demands, preview.not_yet_scored) == (len(demands), len(never_scored)) == (36, 3)
    moved = sum(
        1
        for pk, demand in current.items()
        if demand.score is not None and demand.score_band != scoring.band_for(expected[pk], weights)
    )
    assert preview.moved == moved > 0
    matrix = {(row[0], cell[0]): cell[2] for row in preview.band_matrix for cell in row[2]}
    for pk, demand in current.items():
        matrix[(demand.score_band if demand.score is not None else "", scoring.band_for(expected[pk], weights))] -= 1
    assert set(matrix.values()) == {0}

    deltas = sorted(
        ((expected[pk] - demand.score, pk) for pk, demand in current.items() if demand.score is not None),
        key=lambda item: (-item[0], item[1]),
    )
    risers = [current[pk].reference for delta, pk in deltas if delta > 0][:10]
    fallers = [current[pk].reference for delta, pk in sorted(deltas, key=lambda item: (item[0], item[1])) if delta < 0]
    assert [move.reference for move in preview.risers] == risers
    assert [move.reference for move in preview.fallers] == fallers[:10]
    assert all(move.new_score == expected[current_pk(move.reference)] for move in preview.risers + preview.fallers)
    assert sum(preview.histogram_current) == sum(preview.histogram_new) == 36 - 3


def current_pk(reference: str) -> int:
    return ChangeRequest.objects.get(reference=reference).pk


def weights_form(**overrides) -> dict:
    active = ScoringModel.objects.get(is_active=True)
    data = {name: str(getattr(active, name)) for name in ScoringModel.WEIGHT_FIELDS}
    data.update(note="", preview="1")
    data.update(overrides)
    return data


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.embedded
def test_preview_writes_nothing_anywhere_and_shows_the_form_as_typed(
    client: Client, cio, django_capture_on_commit_callbacks
):
    varied_open_demands(count=12)
    client.force_login(cio)
    before = row_counts()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/triage/scoring-model/", weights_form(weight_urgency="37.5", note="try urgency"))
    assert response.status_code == 200
    assert row_counts() == before
    assert callbacks == []  # no rescore job, no task of any kind
    page = response.content.decode()
    assert 'data-testid="whatif-preview"' in page
    assert re.search(r'name="weight_urgency"[^>]*value="37.5"', page)
    assert 'value="try urgency"' in page
    assert ScoringModel.objects.get(is_active=True).version == 1


def test_save_still_makes_the_next_version(client: Client, cio, django_capture_on_commit_callbacks):
    client.force_login(cio)
    data = weights_form(weight_urgency="25")
    del data["preview"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/triage/scoring-model/", data).status_code == 302
    assert ScoringModel.objects.get(is_active=True).version == 2


def test_an_analyst_can_neither_preview_nor_save_and_sees_no_preview_button(client: Client, analyst):
    client.force_login(analyst)
    assert 'name="preview"' not in client.get("/triage/scoring-model/").content.decode()
    assert client.post("/triage/scoring-model/", weights_form(weight_roi="10")).status_code == 403
    del_preview = weights_form(weight_roi="10")
    del del_preview["preview"]
    assert client.post("/triage/scoring-model/", del_preview).status_code == 403
    assert ScoringModel.objects.count() == 1


def test_anonymous_preview_goes_to_the_login_page(client: Client):
    response = client.post("/triage/scoring-model/", weights_form())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"weight_roi": "-5"}, "greater than or equal to 0"),
        ({"weight_revenue": "abc"}, "Enter a number"),
        ({"review_threshold": "80", "fast_track_threshold": "70"}, "scoring_band_order"),
        ({"revenue_floor": "5000", "revenue_ceiling": "4000"}, "scoring_revenue_range"),
    ],
)
def test_invalid_weights_are_refused_with_field_errors_and_no_preview(client: Client, cio, overrides, message):
    client.force_login(cio)
    response = client.post("/triage/scoring-model/", weights_form(**overrides))
    assert response.status_code == 400
    page = response.content.decode()
    assert "errorlist" in page and 'data-testid="whatif-preview"' not in page
    assert message in page or "Constraint" in page


def test_the_preview_costs_the_same_number_of_queries_at_12_and_at_36_demands(client: Client, cio):
    client.force_login(cio)
    varied_open_demands(count=12, shift=1)
    counts = []
    for extra in (0, 24):
        if extra:
            varied_extra = [
                file_demand(title=f"Extra {index}", revenue_at_stake=Decimal(index * 1000)) for index in range(extra)
            ]
            services.assessments_compute_bulk(
                change_request_ids=[demand.pk for demand in varied_extra],
                scoring_model=ScoringModel.objects.get(is_active=True),
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/triage/scoring-model/", weights_form(weight_roi="20"))
        assert response.status_code == 200 and response.context["preview"].moved > 0
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
