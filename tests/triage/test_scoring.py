"""The v1 arithmetic of DESIGN.md, checked against hand-computed cases and by property tests."""

from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.triage.strategies import inputs
from triage import scoring

V1 = scoring.ScoringWeights()
V2 = replace(V1, **scoring.V2_CHANGES)


def points(result: scoring.ScoreResult) -> dict[str, Decimal]:
    return {component.key: component.points for component in result.components}


def test_key_customer_due_in_a_month_with_security_penalty_scores_52_08():
    # IT cost C = 20 days × 1,000 + 5,000/year × 3 years = 35,000; V = 100,000.
    # ROI = (100,000 − 35,000) / 35,000 = 1.857; logistic(1.857 − 1) = 0.70206 → 40 × 0.70206 = 28.08.
    # revenue: (log10(100,000) − 3) / 4 = 0.5 → 10.00. breadth: 1 − 1/1 = 0 → 0.00.
    # urgency: 30 days → 1 → 10.00. strategic: key 0.6 × 15 = 9.00. security −5.
    result = scoring.score(inputs(security=True), V1)
    assert result.it_cost == Decimal("35000.00")
    assert points(result) == {
        "roi": Decimal("28.08"),
        "revenue": Decimal("10.00"),
        "breadth": Decimal("0.00"),
        "urgency": Decimal("10.00"),
        "strategic": Decimal("9.00"),
        "penalty_security": Decimal("-5.00"),
    }
    assert result.total == Decimal("52.08")
    assert result.band == scoring.BAND_REVIEW


def test_strategic_demand_shared_by_three_customers_is_fast_tracked_at_86_85():
    # C = 200 × 1,200 + 20,000 × 3 = 300,000; V = 2,500,000; ROI = 7.333 → logistic(6.333) = 0.99823 → 39.93.
    # revenue: (log10(2.5e6) − 3) / 4 = 0.84949 → 16.99. breadth: 1 − 1/3 → 10.00.
    # urgency: (365 − 200) / 335 = 0.49254 → 4.93. strategic: 1 × 15 = 15.00.
    result = scoring.score(
        inputs(
            value=Decimal("2500000"),
            effort_days=Decimal("200"),
            day_rate=Decimal("1200"),
            yearly_run_cost=Decimal("20000"),
            customers_asking=3,
            days_until_desired=200,
            customer_tier="strategic",
        ),
        V1,
    )
    assert points(result) == {
        "roi": Decimal("39.93"),
        "revenue": Decimal("16.99"),
        "breadth": Decimal("10.00"),
        "urgency": Decimal("4.93"),
        "strategic": Decimal("15.00"),
    }
    assert result.total == Decimal("86.85")
    assert result.band == scoring.BAND_FAST_TRACK


def test_worthless_fork_sharing_ip_is_clamped_to_zero_with_an_explicit_adjustment():
    # C = 10 × 800 + 1,000 × 3 = 11,000; V = 0; ROI = −1 → logistic(−2) = 0.11920 → 4.77.
    # No revenue, one customer, no date, no customer matched: 0 each. Penalties −15 (IP) −10 (exclusive).
    # Sum −20.23, kept at 0 by an adjustment of +20.23 so the bars still add up to the total.
    result = scoring.score(
        inputs(
            value=Decimal("0"),
            effort_days=Decimal("10"),
            day_rate=Decimal("800"),
            yearly_run_cost=Decimal("1000"),
            days_until_desired=None,
            customer_tier=None,
            shares_ip=True,
            exclusive=True,
        ),
        V1,
    )
    assert points(result) == {
        "roi": Decimal("4.77"),
        "revenue": Decimal("0.00"),
        "breadth": Decimal("0.00"),
        "urgency": Decimal("0.00"),
        "strategic": Decimal("0.00"),
        "penalty_ip": Decimal("-15.00"),
        "penalty_exclusive": Decimal("-10.00"),
        "adjustment": Decimal("20.23"),
    }
    assert result.total == Decimal("0.00")
    assert result.band == scoring.BAND_DECLINE


def test_urgency_is_linear_between_thirty_days_and_a_year():
    assert scoring.urgency_normalized(30, V1) == 1.0
    assert scoring.urgency_normalized(-5, V1) == 1.0  # overdue is as urgent as it gets
    assert scoring.urgency_normalized(365, V1) == 0.0
    assert scoring.urgency_normalized(None, V1) == 0.0
    assert scoring.urgency_normalized(197, V1) == (365 - 197) / 335


def test_revenue_is_clamped_outside_the_log_scale():
    assert scoring.revenue_normalized(Decimal("500"), V1) == 0.0
    assert scoring.revenue_normalized(Decimal("50000000"), V1) == 1.0


def test_a_demand_costing_nothing_gets_the_full_return_weight():
    result = scoring.score(inputs(effort_days=Decimal("0"), yearly_run_cost=Decimal("0")), V1)
    assert points(result)["roi"] == Decimal("40.00")


def test_thresholds_come_from_the_model():
    stricter = replace(V1, fast_track_threshold=Decimal("90"), review_threshold=Decimal("60"))
    result = scoring.score(inputs(security=True), stricter)  # 52.08, as above
    assert result.band == scoring.BAND_DECLINE


# --- Model v2: revenue, savings and risk ----------------------------------------------------------------


def test_internal_unit_saving_40k_a_year_is_fast_tracked_under_v2_at_70_90_and_declined_under_v1():
    # IT cost C = 35,000 as above. Savings 40,000/year × 3 years = 120,000; risk 300,000 (under the 1M cap).
    # Value for the ROI = 0 + 120,000 + 300,000 = 420,000; ROI = 11 → logistic(10) = 0.99995 → 40.00.
    # revenue 0 → 0.00. savings: (log10(120,000) − 3) / 4 = 0.51980 → 20 × 0.51980 = 10.40.
    # risk: 300,000 / 1,000,000 = 0.3 → 5 × 0.3 = 1.50. breadth 0, urgency 10.00, strategic 9.00: 70.90.
    case = inputs(value=Decimal("0"), savings_yearly=Decimal("40000"), risk_avoided=Decimal("300000"))
    result = scoring.score(case, V2)
    assert points(result) == {
        "roi": Decimal("40.00"),
        "revenue": Decimal("0.00"),
        "savings": Decimal("10.40"),
        "risk": Decimal("1.50"),
        "breadth": Decimal("0.00"),
        "urgency": Decimal("10.00"),
        "strategic": Decimal("9.00"),
    }
    assert (result.total, result.band) == (Decimal("70.90"), scoring.BAND_FAST_TRACK)
    savings = next(component for component in result.components if component.key == "savings")
    assert savings.explanation == "40,000/year × 3 years = 120,000 on a log scale from 1,000 to 10,000,000"
    assert savings.weight == Decimal("20")
    # v1 knows revenue only: ROI (0 − 35,000) / 35,000 = −1 → 4.77, + urgency 10 + strategic 9 = 23.77.
    assert scoring.score(case, V1).total == Decimal("23.77")
    assert "savings" not in points(scoring.score(case, V1))


def test_risk_beyond_the_cap_counts_as_the_cap():
    # Risk 5,000,000 capped at 1,000,000 → 5 × 1 = 5.00; ROI value 120,000 + 1,000,000 = 1,120,000:
    # ROI = 31 → 40.00. Total 40 + 10.40 + 5.00 + 10 + 9 = 74.40.
    case = inputs(value=Decimal("0"), savings_yearly=Decimal("40000"), risk_avoided=Decimal("5000000"))
    result = scoring.score(case, V2)
    assert points(result)["risk"] == Decimal("5.00")
    assert result.total == Decimal("74.40")
    risk = next(component for component in result.components if component.key == "risk")
    assert risk.explanation == "5,000,000 of exposure avoided, counted up to 1,000,000"


def test_small_savings_barely_move_the_return_and_score_below_the_log_floor():
    # Savings 200/year × 3 = 600, below the 1,000 floor → savings 0.00. Value 600 against 35,000:
    # ROI = −0.98286 → logistic(−1.98286) = 0.12101 → 4.84. Total 4.84 + 10 + 9 = 23.84.
    result = scoring.score(inputs(value=Decimal("0"), savings_yearly=Decimal("200")), V2)
    assert points(result)["savings"] == Decimal("0.00")
    assert points(result)["roi"] == Decimal("4.84")
    assert result.total == Decimal("23.84")


def test_a_customer_demand_scores_the_same_under_v2_as_under_v1():
    case = inputs(security=True)
    assert scoring.score(case, V2).total == scoring.score(case, V1).total == Decimal("52.08")
    assert points(scoring.score(case, V2))["savings"] == Decimal("0.00")


def test_a_demand_stating_no_savings_keeps_the_digest_it_had_before_v2():
    assert "savings_yearly" not in inputs().as_json()
    assert inputs().digest() == inputs(savings_yearly=Decimal("0"), risk_avoided=Decimal("0")).digest()
    assert inputs().digest() != inputs(savings_yearly=Decimal("1")).digest()


def test_inputs_digest_changes_with_any_input_and_only_then():
    assert inputs().digest() == inputs().digest()
    assert inputs().digest() != inputs(effort_days=Decimal("21")).digest()


# --- Properties ---------------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
days = st.decimals(min_value=Decimal("0.5"), max_value=10_000, places=1, allow_nan=False, allow_infinity=False)
any_inputs = st.builds(
    scoring.ScoringInputs,
    value=money,
    effort_days=days,
    day_rate=st.decimals(min_value=0, max_value=5_000, places=2, allow_nan=False, allow_infinity=False),
    yearly_run_cost=money,
    customers_asking=st.integers(min_value=1, max_value=500),
    days_until_desired=st.one_of(st.none(), st.integers(min_value=-400, max_value=4_000)),
    customer_tier=st.sampled_from([None, "strategic", "key", "standard"]),
    shares_ip=st.booleans(),
    exclusive=st.booleans(),
    security=st.booleans(),
    provisional=st.booleans(),
    savings_yearly=st.one_of(st.just(Decimal("0")), money),
    risk_avoided=st.one_of(st.just(Decimal("0")), money),
)


@given(any_inputs)
def test_score_is_always_between_0_and_100(case):
    assert Decimal("0") <= scoring.score(case, V1).total <= Decimal("100")


@given(any_inputs)
def test_components_sum_to_the_total_exactly(case):
    result = scoring.score(case, V1)
    assert sum(component.points for component in result.components) == result.total


@given(any_inputs, money)
def test_more_revenue_at_stake_never_lowers_the_score(case, extra):
    assert scoring.score(replace(case, value=case.value + extra), V1).total >= scoring.score(case, V1).total


@given(any_inputs, days, money)
def test_more_it_cost_never_raises_the_score(case, extra_days, extra_run_cost):
    costlier = replace(
        case, effort_days=case.effort_days + extra_days, yearly_run_cost=case.yearly_run_cost + extra_run_cost
    )
    assert scoring.score(costlier, V1).total <= scoring.score(case, V1).total


@given(any_inputs)
def test_under_v2_the_score_is_always_between_0_and_100_and_its_components_sum_to_it(case):
    result = scoring.score(case, V2)
    assert Decimal("0") <= result.total <= Decimal("100")
    assert sum(component.points for component in result.components) == result.total


@given(any_inputs, money)
def test_under_v2_more_savings_never_lowers_the_score(case, extra):
    assert (
        scoring.score(replace(case, savings_yearly=case.savings_yearly + extra), V2).total
        >= scoring.score(case, V2).total
    )


@given(any_inputs, money)
def test_under_v2_more_risk_avoided_never_lowers_the_score(case, extra):
    assert (
        scoring.score(replace(case, risk_avoided=case.risk_avoided + extra), V2).total >= scoring.score(case, V2).total
    )


@given(any_inputs)
def test_v1_ignores_savings_and_risk_as_it_always_did(case):
    without = replace(case, savings_yearly=Decimal("0"), risk_avoided=Decimal("0"))
    assert scoring.score(case, V1) == scoring.score(without, V1)


def test_a_difference_names_the_input_that_moved_each_component():
    before = scoring.score(inputs(effort_days=Decimal("40")), V1)
    after = scoring.score(inputs(effort_days=Decimal("120")), V1)
    weights = {name: str(getattr(V1, name)) for name in scoring.ScoringWeights.__dataclass_fields__}
    lines = scoring.explain_difference(
        before_components=before.components_json(),
        after_components=after.components_json(),
        before_inputs=inputs(effort_days=Decimal("40")).as_json(),
        after_inputs=inputs(effort_days=Decimal("120")).as_json(),
        before_weights=weights,
        after_weights=weights,
    )
    by_key = {line.key: line for line in lines}
    assert by_key["roi"].delta < 0
    assert by_key["roi"].reasons == ("effort (person-days) 40 → 120",)
    assert by_key["revenue"].delta == 0 and by_key["revenue"].reasons == ()
    assert sum(line.delta for line in lines) == after.total - before.total


def test_a_difference_across_model_versions_names_the_weight_that_moved():
    case = inputs()
    lighter = replace(V1, weight_roi=Decimal("20"))
    before, after = scoring.score(case, V1), scoring.score(case, lighter)
    as_dict = lambda w: {name: str(getattr(w, name)) for name in scoring.ScoringWeights.__dataclass_fields__}  # noqa: E731
    lines = scoring.explain_difference(
        before_components=before.components_json(),
        after_components=after.components_json(),
        before_inputs=case.as_json(),
        after_inputs=case.as_json(),
        before_weights=as_dict(V1),
        after_weights=as_dict(lighter),
    )
    roi = next(line for line in lines if line.key == "roi")
    assert roi.reasons == ("model weight roi 40 → 20",)
    assert abs(roi.after - roi.before / 2) <= Decimal("0.01")  # half the weight, half the points (to the cent)


@given(st.lists(any_inputs, min_size=1, max_size=20))
def test_the_total_scorer_of_the_what_if_gives_every_demand_the_total_and_band_of_score(cases):
    odd = replace(V1, weight_roi=Decimal("33.33"), roi_midpoint=Decimal("0.5"), urgency_full_days=10)
    for weights in (V1, odd):
        scorer = scoring.TotalScorer(weights)  # one scorer for the whole list: its per-value caches are shared
        for case in cases:
            expected = scoring.score(case, weights)
            assert (scorer.total(case), scorer.band(scorer.total(case))) == (expected.total, expected.band)


def test_a_difference_from_v1_to_v2_names_the_savings_weights_that_moved():
    case = inputs(value=Decimal("0"), savings_yearly=Decimal("40000"))
    before, after = scoring.score(case, V1), scoring.score(case, V2)
    differences = {
        difference.key: difference
        for difference in scoring.explain_difference(
            before_components=before.components_json(),
            after_components=after.components_json(),
            before_inputs=case.as_json(),
            after_inputs=case.as_json(),
            before_weights={name: str(value) for name, value in vars(V1).items()},
            after_weights={name: str(value) for name, value in vars(V2).items()},
        )
    }
    savings = differences["savings"]
    assert (savings.before, savings.after) == (Decimal("0"), Decimal("10.40"))
    assert "model weight savings 0 → 20" in savings.reasons
    assert "model savings years 0 → 3" in savings.reasons
    assert differences["roi"].delta > 0 and "model savings years 0 → 3" in differences["roi"].reasons


# --- Model v3: the disclosure plan scored by what it exposes (issue 18) --------------------------------------

V3 = replace(V2, **scoring.V3_CHANGES)


def plan_inputs(*items: tuple[int, bool, str, bool], **overrides) -> scoring.ScoringInputs:
    """A demand whose plan reveals these (depth, core IP, competitor risk, covered) items, summed as the selector."""
    from partners.exposure import exposure_base

    covered = uncovered = Decimal("0")
    rows = []
    for depth, core, risk, is_covered in items:
        exposure = exposure_base(depth=depth, is_core_ip=core, competitor_risk=risk)
        rows.append((f"Component {len(rows)}", core, depth, is_covered, str(exposure)))
        covered, uncovered = (covered + exposure, uncovered) if is_covered else (covered, uncovered + exposure)
    fields = {"shares_ip": True, **overrides}
    return inputs(disclosure_covered=covered, disclosure_uncovered=uncovered, disclosure_items=tuple(rows), **fields)


def test_core_source_with_modification_rights_to_a_likely_competitor_covered_costs_15_points():
    # 1.0 (source with modification rights) × 1.0 (core IP) × 1.0 (likely competitor) × 1 (covered) × 15 = 15.00.
    result = scoring.score(plan_inputs((5, True, "high", True)), V3)
    assert points(result)["penalty_disclosure"] == Decimal("-15.00")
    assert "penalty_ip" not in points(result)  # the plan replaces the flat penalty


def test_the_same_core_component_as_an_interface_specification_costs_1_50():
    # 0.1 × 1.0 × 1.0 × 1 × 15 = 1.50.
    assert points(scoring.score(plan_inputs((1, True, "high", True)), V3))["penalty_disclosure"] == Decimal("-1.50")


def test_non_core_binaries_to_a_medium_risk_partner_under_an_expired_agreement_cost_1_01():
    # 0.25 × 0.3 × 0.6 × 1.5 (uncovered) × 15 = 1.0125 → 1.01, rounded half up to the cent.
    result = scoring.score(plan_inputs((2, False, "medium", False)), V3)
    assert points(result)["penalty_disclosure"] == Decimal("-1.01")


def test_several_items_over_the_cap_cost_30_points():
    # 15 + 15 × 0.7 + 15 × 0.4 × 1.5 = 34.5 → capped at 30.00.
    result = scoring.score(plan_inputs((5, True, "high", True), (4, True, "high", True), (3, True, "high", False)), V3)
    assert points(result)["penalty_disclosure"] == Decimal("-30.00")


def test_half_a_cent_of_disclosure_rounds_up():
    # 0.1 × 0.3 × 0.3 = 0.009, × 1.5 uncovered = 0.0135 × 15 = 0.2025 → 0.20; with 0.035 covered: 0.7275 → 0.73.
    weights = replace(V3, penalty_disclosure=Decimal("15"))
    result = scoring.score(plan_inputs((1, False, "low", False), (3, False, "low", True)), weights)
    # 0.0135 + 0.4 × 0.3 × 0.3 = 0.036 → 0.0495 × 15 = 0.7425 → 0.74.
    assert points(result)["penalty_disclosure"] == Decimal("-0.74")


def test_a_demand_that_shares_ip_without_a_plan_keeps_the_flat_penalty_under_v3():
    result = scoring.score(inputs(shares_ip=True), V3)
    assert points(result)["penalty_ip"] == Decimal("-15.00")
    assert "penalty_disclosure" not in points(result)


def test_v1_and_v2_ignore_the_plan_and_keep_their_scores():
    with_plan = plan_inputs((5, True, "high", True))
    for weights in (V1, V2):
        assert scoring.score(with_plan, weights) == scoring.score(inputs(shares_ip=True), weights)


def test_a_demand_without_a_plan_keeps_the_digest_it_had_before_v3():
    assert inputs().digest() == inputs(disclosure_covered=Decimal("0"), disclosure_uncovered=Decimal("0")).digest()
    assert inputs().digest() != plan_inputs((1, True, "high", True), shares_ip=False).digest()


def test_the_disclosure_explanation_names_each_item_and_the_uncovered_factor():
    result = scoring.score(plan_inputs((5, True, "high", True), (2, False, "high", False)), V3)
    (disclosure,) = (component for component in result.components if component.key == "penalty_disclosure")
    assert "Component 0 (core IP) depth 5: 1.000" in disclosure.explanation
    assert "× 1.5 uncovered" in disclosure.explanation
    assert disclosure.weight == Decimal("15")


def test_a_difference_names_the_exposure_that_moved_the_disclosure_penalty():
    before = scoring.score(plan_inputs((5, True, "high", True)), V3)
    after_inputs = plan_inputs((1, True, "high", True))
    after = scoring.score(after_inputs, V3)
    differences = scoring.explain_difference(
        before_components=before.components_json(),
        after_components=after.components_json(),
        before_inputs=plan_inputs((5, True, "high", True)).as_json(),
        after_inputs=after_inputs.as_json(),
        before_weights={},
        after_weights={},
    )
    (disclosure,) = (difference for difference in differences if difference.key == "penalty_disclosure")
    assert (disclosure.before, disclosure.after) == (Decimal("-15.00"), Decimal("-1.50"))
    assert disclosure.reasons == ("exposure covered by the agreement 1 → 0.10",)
